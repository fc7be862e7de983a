"""Unit tests for the privacy score: DCR share, exact copies and distance histograms."""

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth_ops.scoring.encoding import CATEGORICAL, NUMERICAL, column_kinds, read_table_metadata
from synth_ops.scoring.privacy import HISTOGRAM_BINS, exact_copy_rate, score_privacy

DATASETS = Path(__file__).parents[2] / ".." / "shared" / "datasets"


@functools.cache
def read_adult() -> pd.DataFrame:
    path = DATASETS / "adult.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent; these tests need the Adult census CSV")
    frame = pd.read_csv(path)
    text_columns = frame.select_dtypes(include="object").columns
    for column in text_columns:
        frame[column] = frame[column].str.strip().replace("?", np.nan)
    return frame


def split_adult(sizes: list[int], seed: int = 0) -> list[pd.DataFrame]:
    frame = read_adult()
    order = np.random.default_rng(seed).permutation(len(frame))
    bounds = np.cumsum([0, *sizes])
    return [frame.iloc[order[start:stop]].reset_index(drop=True) for start, stop in zip(bounds, bounds[1:])]


def adult_kinds(train: pd.DataFrame) -> dict[str, str]:
    from sdv.metadata import Metadata

    metadata = Metadata.detect_from_dataframes({"table": train}).to_dict()
    _, columns = read_table_metadata(metadata)
    return column_kinds(columns, list(train.columns))


def test_copied_training_rows_score_as_copies():
    train, holdout = split_adult([3000, 3000])
    kinds = adult_kinds(train)
    holdout_rate = exact_copy_rate(holdout, train, kinds)

    scores = score_privacy(train, holdout, train.copy(), kinds, holdout_rate, seed=1)

    assert scores["exact_copy_rate"] == 1.0
    assert scores["dcr_share_nearer_training"] > 0.98
    assert scores["dcr_quantiles"]["synthetic_to_training"]["p50"] == 0.0


def test_copies_from_larger_train_are_diluted():
    # Only a quarter of the copied rows fall in the training sample, and the
    # rest are as far from it as fresh rows: about 0.25 + 0.75 * 0.5.
    train, holdout = split_adult([8000, 2000])
    kinds = adult_kinds(train)

    scores = score_privacy(train, holdout, train.copy(), kinds, 0.0, seed=1)

    assert scores["exact_copy_rate"] == 1.0
    assert 0.57 < scores["dcr_share_nearer_training"] < 0.68


def test_fresh_real_rows_score_near_half():
    train, holdout, fresh = split_adult([6000, 3000, 3000])
    kinds = adult_kinds(train)
    holdout_rate = exact_copy_rate(holdout, train, kinds)

    scores = score_privacy(train, holdout, fresh, kinds, holdout_rate, seed=1)

    assert 0.4 < scores["dcr_share_nearer_training"] < 0.6
    assert abs(scores["exact_copy_rate"] - holdout_rate) < 0.01
    assert scores["holdout_exact_copy_rate"] == holdout_rate


def test_histogram_counts_every_sampled_row():
    train, holdout, fresh = split_adult([4000, 1000, 1500])
    kinds = adult_kinds(train)

    scores = score_privacy(train, holdout, fresh, kinds, 0.0, seed=1, max_synthetic_rows=1200)

    histogram = scores["dcr_histogram"]
    assert len(histogram["bin_edges"]) == HISTOGRAM_BINS + 1
    assert sum(histogram["synthetic_to_training"]) == 1200
    assert sum(histogram["holdout_to_training"]) == 1000
    assert scores["rows_compared"]["training_sample"] == 1000
    assert scores["rows_compared"]["holdout_sample"] == 1000
    assert scores["rows_compared"]["synthetic_sample"] == 1200
    assert scores["rows_compared"]["exact_copy_synthetic"] == 1500


def test_samples_shrink_to_smaller_train():
    train, holdout, fresh = split_adult([500, 800, 300])
    kinds = adult_kinds(train)

    scores = score_privacy(train, holdout, fresh, kinds, 0.0, seed=1)

    assert scores["rows_compared"]["training_sample"] == 500
    assert scores["rows_compared"]["holdout_sample"] == 500


def test_privacy_scores_survive_json():
    train, holdout, fresh = split_adult([1000, 500, 500])
    kinds = adult_kinds(train)

    scores = score_privacy(train, holdout, fresh, kinds, 0.0, seed=1)

    assert json.loads(json.dumps(scores, allow_nan=False)) == scores


def test_exact_copy_rate_treats_missing_as_equal():
    kinds = {"n": NUMERICAL, "c": CATEGORICAL}
    train = pd.DataFrame({"n": [1.0, np.nan, 3.0], "c": ["a", "b", None]})
    rows = pd.DataFrame({"n": [np.nan, 3.0, 1.0, 1.0], "c": ["b", np.nan, "b", "a"]})

    rate = exact_copy_rate(rows, train, kinds)

    assert rate == 0.75


def test_score_privacy_is_seeded():
    train, holdout, fresh = split_adult([2000, 500, 800])
    kinds = adult_kinds(train)

    first = score_privacy(train, holdout, fresh, kinds, 0.0, seed=3, max_synthetic_rows=400)
    second = score_privacy(train, holdout, fresh, kinds, 0.0, seed=3, max_synthetic_rows=400)

    assert first == second
