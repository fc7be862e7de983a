"""Numbers rendered together with where they come from.

Every score on a page is tagged with ``data-source`` (``scores`` or
``decision``), ``data-candidate`` and ``data-path``. The path is a JSON
Pointer (RFC 6901) into the candidate's ``scores.json`` or its entry of the
decision ranking. Without a candidate it points into ``decision.json`` itself.
Following the pointer and formatting the value with ``format_number`` gives
the text shown.
"""

from __future__ import annotations

from typing import Any

from synth_ops.report.html import render_number
from synth_ops.report.view import ReportView


def json_pointer(*keys: str | int) -> str:
    """Build a JSON Pointer from keys, escaping ``~`` and ``/`` as RFC 6901 requires."""
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in keys)


def lookup(document: Any, *keys: str | int) -> Any:
    """Return the value at ``keys`` inside nested dicts and lists, or ``None`` if absent."""
    value = document
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def scores_number(view: ReportView, candidate: str, *keys: str | int) -> str:
    """Render a value from the candidate's ``scores.json``, tagged with its pointer."""
    value = lookup(view.candidate_scores(candidate), *keys)
    return render_number(value, source="scores", candidate=candidate, path=json_pointer(*keys))


def ranking_number(view: ReportView, candidate: str, *keys: str | int) -> str:
    """Render a value from the candidate's entry in the decision ranking, tagged with its pointer."""
    value = lookup(view.ranking_entry(candidate), *keys)
    return render_number(value, source="decision", candidate=candidate, path=json_pointer(*keys))


def decision_number(view: ReportView, *keys: str | int) -> str:
    """Render a run-level value from ``decision.json``, tagged with its pointer."""
    value = lookup(view.decision, *keys)
    return render_number(value, source="decision", path=json_pointer(*keys))
