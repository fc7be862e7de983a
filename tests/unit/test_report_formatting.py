"""Tests of number formatting, escaping and the public surface of synth_ops.report."""

from __future__ import annotations

import math

import numpy as np
import pytest

import synth_ops.report
from synth_ops.report.html import escape, render_number
from synth_ops.report.model_card import escape_markdown
from synth_ops.report.sources import json_pointer, lookup
from synth_ops.report.view import redact_url


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.81234, "0.812"),
        (0.8125, "0.812"),
        (1.0, "1.000"),
        (0, "0"),
        (26048, "26,048"),
        (np.int64(6513), "6,513"),
        (np.float32(0.5), "0.500"),
        (-0.0417, "-0.042"),
        (1234.5, "1,234.500"),
        (True, "yes"),
        (np.bool_(False), "no"),
        (None, "n/a"),
        (float("nan"), "n/a"),
        (math.inf, "∞"),
        ("v3", "v3"),
    ],
)
def test_format_number_cases(value: object, expected: str) -> None:
    assert synth_ops.report.format_number(value) == expected


def test_render_number_tags_source() -> None:
    html = render_number(0.5123, source="scores", candidate='a"b', path="/privacy/dcr_share_nearer_training")

    assert html == (
        '<span class="num" data-source="scores" data-candidate="a&quot;b" '
        'data-path="/privacy/dcr_share_nearer_training">0.512</span>'
    )


def test_escape_quotes_and_markup() -> None:
    assert escape('<b>&"x"\'') == "&lt;b&gt;&amp;&quot;x&quot;&#x27;"


def test_escape_markdown_neutralizes_markup() -> None:
    assert escape_markdown('<b>&"x"') == '\\<b\\>\\&"x"'
    assert escape_markdown("a|b*c_d\nnext") == "a\\|b\\*c\\_d next"


def test_json_pointer_escapes_slash_and_tilde() -> None:
    assert json_pointer("fidelity", "column_scores", "a/b~c") == "/fidelity/column_scores/a~1b~0c"
    assert json_pointer("gates", 1, "value") == "/gates/1/value"


def test_lookup_returns_none_for_missing_keys() -> None:
    document = {"gates": [{"value": 0.5}], "fidelity": None}

    assert lookup(document, "gates", 0, "value") == 0.5
    assert lookup(document, "gates", 3, "value") is None
    assert lookup(document, "fidelity", "quality") is None


def test_redact_url_hides_credentials() -> None:
    assert redact_url("s3://key:secret@bucket/adult.csv") == "s3://***@bucket/adult.csv"
    assert redact_url("file:///data/adult.csv") == "file:///data/adult.csv"
    assert redact_url(None) is None


def test_public_api_is_stable() -> None:
    assert sorted(synth_ops.report.__all__) == ["ReportView", "format_number", "render_catalog", "render_model_card", "render_report"]
    for name in synth_ops.report.__all__:
        assert hasattr(synth_ops.report, name)
