"""Unit tests for compute_baseline and score_candidate, the public scoring API."""

import functools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import synth_ops.scoring
from synth_ops.errors import CandidateError, ConfigError, TableError
from synth_ops.scoring import compute_baseline, score_candidate

DATASETS = Path(__file__).parents[2] / ".." / "shared" / "datasets"


@functools.cache
def read_telco() -> pd.DataFrame:
    path = DATASETS / "telco_churn.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent; these tests need the Telco churn CSV")
    frame = pd.read_csv(path)
    frame["TotalCharges"] = pd.to_numeric(frame["TotalCharges"].str.strip().replace("", np.nan))
    return frame


def make_mixed_table() -> pd.DataFrame:
    """Return Telco rows with a datetime column and missing values in every kind of column."""
    frame = read_telco().copy()
    rng = np.random.default_rng(0)
    months = pd.to_timedelta(frame["tenure"] * 30, unit="D")
    frame["signup"] = pd.Timestamp("2024-01-01") - months
    frame.loc[rng.random(len(frame)) < 0.05, "signup"] = pd.NaT
    frame.loc[rng.random(len(frame)) < 0.05, "MonthlyCharges"] = np.nan
    frame.loc[rng.random(len(frame)) < 0.05, "PaymentMethod"] = None
    return frame


def split_rows(frame: pd.DataFrame, sizes: list[int], seed: int = 0) -> list[pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    bounds = np.cumsum([0, *sizes])
    return [frame.iloc[order[start:stop]].reset_index(drop=True) for start, stop in zip(bounds, bounds[1:])]


def detect_metadata(frame: pd.DataFrame) -> dict:
    from sdv.metadata import Metadata

    return Metadata.detect_from_dataframes({"table": frame}).to_dict()


def iter_numbers(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from iter_numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_numbers(item)
    elif isinstance(value, float):
        yield value


@pytest.fixture(scope="module")
def mixed_run():
    table = make_mixed_table()
    # The key is in the detected metadata but removed from the frames, as the
    # prepare step does with key columns.
    metadata = detect_metadata(table)
    table = table.drop(columns=["customerID"])
    train, holdout, synthetic = split_rows(table, [2000, 1000, 1200])
    synthetic.loc[:50, "PaymentMethod"] = "Cryptocurrency"
    baseline = compute_baseline(train, holdout, metadata, "Churn", seed=0)
    return train, holdout, synthetic, metadata, baseline


@pytest.fixture(scope="module")
def mixed_scores(mixed_run):
    train, holdout, synthetic, metadata, baseline = mixed_run
    timings = {}
    scores = score_candidate(
        train, holdout, synthetic, metadata, "Churn", baseline, seed=0, timings_out=timings
    )
    return scores, timings


def test_public_api_is_listed():
    assert synth_ops.scoring.__all__ == ["compute_baseline", "score_candidate"]


def test_baseline_keys_and_json(mixed_run):
    _, _, _, _, baseline = mixed_run

    assert set(baseline) == {"task", "target", "trtr", "holdout_exact_copy_rate", "rows", "skipped_reason"}
    assert baseline["task"] == "classification"
    assert baseline["target"] == "Churn"
    assert set(baseline["trtr"]) == {"macro_f1", "accuracy"}
    assert baseline["rows"] == {"train": 2000, "holdout": 1000}
    assert baseline["skipped_reason"] is None
    assert json.loads(json.dumps(baseline, allow_nan=False)) == baseline


def test_mixed_types_give_finite_scores(mixed_scores):
    scores, timings = mixed_scores

    assert set(scores) == {"fidelity", "usability", "privacy"}
    assert set(timings) == {"fidelity", "usability", "privacy"}
    assert all(seconds >= 0 for seconds in timings.values())
    assert json.loads(json.dumps(scores, allow_nan=False)) == scores
    assert all(math.isfinite(number) for number in iter_numbers(scores))
    assert scores["fidelity"]["quality"] > 0.8
    assert scores["fidelity"]["diagnostic_validity"] < 1.0
    assert "signup" in scores["fidelity"]["column_scores"]
    assert 0.8 < scores["usability"]["ratio"] < 1.2
    assert 0.35 < scores["privacy"]["dcr_share_nearer_training"] < 0.65


def test_output_keys(mixed_scores):
    scores, _ = mixed_scores

    assert set(scores["fidelity"]) == {
        "quality",
        "column_shapes",
        "column_pair_trends",
        "column_scores",
        "diagnostic",
        "diagnostic_validity",
        "diagnostic_structure",
        "rows_compared",
    }
    assert set(scores["usability"]) == {
        "task", "metric", "tstr", "trtr", "ratio", "ratios", "rows_compared", "skipped_reason"
    }
    assert set(scores["privacy"]) == {
        "dcr_share_nearer_training",
        "exact_copy_rate",
        "holdout_exact_copy_rate",
        "rows_compared",
        "dcr_histogram",
        "dcr_quantiles",
    }


def test_no_target_skips_usability(mixed_run):
    train, holdout, synthetic, metadata, _ = mixed_run

    baseline = compute_baseline(train, holdout, metadata, None, seed=0)
    scores = score_candidate(train, holdout, synthetic, metadata, None, baseline, seed=0)

    assert baseline["trtr"] is None
    assert baseline["skipped_reason"] == "no target column is configured"
    assert scores["usability"]["skipped_reason"] == "no target column is configured"
    assert scores["usability"]["ratio"] is None
    assert json.loads(json.dumps(scores, allow_nan=False)) == scores


def test_extra_synthetic_columns_are_ignored(mixed_run, mixed_scores):
    train, holdout, synthetic, metadata, baseline = mixed_run
    reference, _ = mixed_scores

    widened = synthetic.assign(unused=1)
    scores = score_candidate(train, holdout, widened, metadata, "Churn", baseline, seed=0)

    assert scores == reference


def test_missing_synthetic_column_is_rejected(mixed_run):
    train, holdout, synthetic, metadata, baseline = mixed_run

    with pytest.raises(CandidateError, match=r"lacks the training columns \['tenure'\]"):
        score_candidate(train, holdout, synthetic.drop(columns=["tenure"]), metadata, "Churn", baseline, seed=0)


def test_empty_synthetic_sample_is_rejected(mixed_run):
    train, holdout, synthetic, metadata, baseline = mixed_run

    with pytest.raises(CandidateError, match="has no rows"):
        score_candidate(train, holdout, synthetic.iloc[:0], metadata, "Churn", baseline, seed=0)


def test_holdout_missing_column_is_rejected(mixed_run):
    train, holdout, _, metadata, _ = mixed_run

    with pytest.raises(TableError, match=r"holdout lacks the training columns \['gender'\]"):
        compute_baseline(train, holdout.drop(columns=["gender"]), metadata, "Churn", seed=0)


def test_unknown_target_is_rejected(mixed_run):
    train, holdout, _, metadata, _ = mixed_run

    with pytest.raises(ConfigError, match="target column 'churn' is not in the table"):
        compute_baseline(train, holdout, metadata, "churn", seed=0)


def test_malformed_baseline_is_rejected(mixed_run):
    train, holdout, synthetic, metadata, _ = mixed_run

    with pytest.raises(CandidateError, match="no 'holdout_exact_copy_rate'"):
        score_candidate(train, holdout, synthetic, metadata, "Churn", {"task": None}, seed=0)
