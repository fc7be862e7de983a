"""Scores computed with the run's shared real-data results equal scores computed from scratch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synth_ops.scoring import compute_baseline, score_candidate
from synth_ops.scoring.scorecard import real_privacy_reference
from synth_ops.scoring.usability import _label_text, _labels
from synth_ops.settings import TableSettings
from synth_ops.tables.prepare import prepare_table


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(4)
    rows = 900
    frame = pd.DataFrame({
        "age": rng.integers(18, 90, rows),
        "spend": np.where(rng.random(rows) < 0.05, np.nan, rng.normal(50, 10, rows).round(2)),
        "plan": rng.choice(["basic", "plus", "pro", None], rows),
        "churn": rng.choice(["yes", "no"], rows),
    })
    prepared = prepare_table(frame, TableSettings(target="churn"))
    synthetic = prepared.train.sample(frac=1.0, random_state=1, replace=True).reset_index(drop=True)
    synthetic["spend"] = synthetic["spend"] + rng.normal(0, 1, len(synthetic))
    baseline = compute_baseline(prepared.train, prepared.holdout, prepared.metadata, "churn", seed=7)
    return prepared, synthetic, baseline


def test_shared_reference_gives_same_scores(frames):
    prepared, synthetic, baseline = frames
    reference = real_privacy_reference(prepared.train, prepared.holdout, prepared.metadata, seed=7)

    shared = score_candidate(prepared.train, prepared.holdout, synthetic, prepared.metadata, "churn", baseline, seed=7, holdout_to_training=reference)
    alone = score_candidate(prepared.train, prepared.holdout, synthetic, prepared.metadata, "churn", baseline, seed=7)

    assert len(reference) == min(len(prepared.train), len(prepared.holdout))
    assert shared == alone


def test_reference_of_wrong_size_ignored(frames, caplog):
    prepared, synthetic, baseline = frames
    reference = real_privacy_reference(prepared.train, prepared.holdout, prepared.metadata, seed=7)

    with caplog.at_level("WARNING"):
        shared = score_candidate(prepared.train, prepared.holdout, synthetic, prepared.metadata, "churn", baseline, seed=7, holdout_to_training=reference[:-1])
    alone = score_candidate(prepared.train, prepared.holdout, synthetic, prepared.metadata, "churn", baseline, seed=7)

    assert shared == alone
    assert "ignoring" in caplog.text


def test_text_labels_kept_as_text():
    series = pd.Series(["yes", "no", "yes"], index=[4, 5, 6])

    labels = _labels(series)

    assert labels.tolist() == ["yes", "no", "yes"]
    assert labels.dtype == object


def test_mixed_labels_written_as_text():
    series = pd.Series([1, 1.0, True, "x", 2.5], dtype=object)

    labels = _labels(series)

    assert labels.tolist() == [_label_text(value) for value in series]
    assert labels.tolist() == ["1", "1", "1", "x", "2.5"]
