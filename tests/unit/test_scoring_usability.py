"""Unit tests for the usability score: TRTR in the baseline, TSTR and their ratio."""

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth_ops.errors import ConfigError
from synth_ops.scoring.encoding import column_kinds, read_table_metadata
from synth_ops.scoring.usability import CLASSIFICATION, REGRESSION, compute_trtr, infer_task, score_usability

DATASETS = Path(__file__).parents[2] / ".." / "shared" / "datasets"


def read_csv_or_skip(name: str) -> pd.DataFrame:
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f"{path} is absent; these tests need the {name} dataset")
    return pd.read_csv(path)


@functools.cache
def read_adult() -> pd.DataFrame:
    frame = read_csv_or_skip("adult.csv")
    for column in frame.select_dtypes(include="object").columns:
        frame[column] = frame[column].str.strip().replace("?", np.nan)
    return frame


@functools.cache
def read_telco() -> pd.DataFrame:
    frame = read_csv_or_skip("telco_churn.csv").drop(columns=["customerID"])
    frame["TotalCharges"] = pd.to_numeric(frame["TotalCharges"].str.strip().replace("", np.nan))
    return frame


def split_rows(frame: pd.DataFrame, sizes: list[int], seed: int = 0) -> list[pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    bounds = np.cumsum([0, *sizes])
    return [frame.iloc[order[start:stop]].reset_index(drop=True) for start, stop in zip(bounds, bounds[1:])]


def prepare(train: pd.DataFrame, holdout: pd.DataFrame, target: str, seed: int = 0):
    """Return the column kinds and the baseline dict of compute_baseline."""
    from sdv.metadata import Metadata

    metadata = Metadata.detect_from_dataframes({"table": train}).to_dict()
    _, columns = read_table_metadata(metadata)
    kinds = column_kinds(columns, list(train.columns))
    task = infer_task(columns, target)
    trtr, reason = compute_trtr(train, holdout, kinds, target, task, seed=seed)
    baseline = {"task": task, "target": target, "trtr": trtr, "skipped_reason": reason}
    return kinds, baseline


@pytest.fixture(scope="module")
def adult_parts():
    return split_rows(read_adult(), [4000, 2000, 4000])


@pytest.fixture(scope="module")
def adult_prepared(adult_parts):
    train, holdout, _ = adult_parts
    return prepare(train, holdout, "income")


def test_real_rows_score_ratio_near_one(adult_parts, adult_prepared):
    _, holdout, fresh = adult_parts
    kinds, baseline = adult_prepared

    scores = score_usability(holdout, fresh, kinds, "income", baseline, seed=0)

    assert baseline["task"] == CLASSIFICATION
    assert scores["metric"] == "macro_f1"
    assert set(scores["tstr"]) == {"macro_f1", "accuracy"}
    assert 0.9 < scores["ratio"] < 1.1
    assert 0.9 < scores["ratios"]["accuracy"] < 1.1
    assert scores["skipped_reason"] is None


def test_shuffled_target_lowers_ratio(adult_parts, adult_prepared):
    _, holdout, fresh = adult_parts
    kinds, baseline = adult_prepared
    shuffled = fresh.copy()
    shuffled["income"] = np.random.default_rng(1).permutation(shuffled["income"].to_numpy())

    scores = score_usability(holdout, shuffled, kinds, "income", baseline, seed=0)

    assert scores["ratio"] < 0.75


def test_single_class_uses_constant_predictor(adult_parts, adult_prepared):
    _, holdout, fresh = adult_parts
    kinds, baseline = adult_prepared
    one_class = fresh.assign(income="<=50K")

    scores = score_usability(holdout, one_class, kinds, "income", baseline, seed=0)

    majority_share = float((holdout["income"] == "<=50K").mean())
    assert scores["tstr"]["accuracy"] == pytest.approx(majority_share)
    assert 0.0 < scores["ratio"] < 0.75


def test_all_missing_feature_is_left_out(adult_parts, adult_prepared):
    _, holdout, fresh = adult_parts
    kinds, baseline = adult_prepared
    no_ages = fresh.assign(age=np.nan, **{"hours-per-week": np.nan})

    scores = score_usability(holdout, no_ages, kinds, "income", baseline, seed=0)

    assert scores["ratio"] is not None
    assert 0.5 < scores["ratio"] < 1.1


def test_missing_synthetic_target_scores_zero(adult_parts, adult_prepared):
    _, holdout, fresh = adult_parts
    kinds, baseline = adult_prepared
    unlabelled = fresh.assign(income=np.nan)

    scores = score_usability(holdout, unlabelled, kinds, "income", baseline, seed=0)

    assert scores["tstr"] == {"macro_f1": 0.0, "accuracy": 0.0}
    assert scores["ratio"] == 0.0


def test_regression_target_reports_r2():
    train, holdout, fresh = split_rows(read_telco(), [3000, 1500, 2000])
    kinds, baseline = prepare(train, holdout, "MonthlyCharges")

    scores = score_usability(holdout, fresh, kinds, "MonthlyCharges", baseline, seed=0)

    assert baseline["task"] == REGRESSION
    assert scores["metric"] == "r2"
    assert set(scores["tstr"]) == {"r2"}
    assert set(scores["trtr"]) == {"r2"}
    assert scores["trtr"]["r2"] > 0.9
    assert 0.9 < scores["ratio"] < 1.1


def test_no_target_is_skipped(adult_parts, adult_prepared):
    _, holdout, fresh = adult_parts
    kinds, _ = adult_prepared
    baseline = {"task": None, "target": None, "trtr": None, "skipped_reason": "no target column is configured"}

    scores = score_usability(holdout, fresh, kinds, None, baseline, seed=0)

    assert scores["ratio"] is None
    assert scores["skipped_reason"] == "no target column is configured"
    assert json.loads(json.dumps(scores, allow_nan=False)) == scores


def test_non_positive_trtr_r2_is_skipped(adult_parts, adult_prepared):
    _, holdout, fresh = adult_parts
    kinds, _ = adult_prepared
    baseline = {"task": REGRESSION, "target": "fnlwgt", "trtr": {"r2": -0.02}, "skipped_reason": None}

    scores = score_usability(holdout, fresh, kinds, "fnlwgt", baseline, seed=0)

    assert scores["ratio"] is None
    assert "TRTR r2 is -0.02" in scores["skipped_reason"]
    assert isinstance(scores["tstr"]["r2"], float)


def test_baseline_for_other_target_is_rejected(adult_parts, adult_prepared):
    _, holdout, fresh = adult_parts
    kinds, baseline = adult_prepared

    with pytest.raises(ConfigError, match="computed for target 'income', not 'sex'"):
        score_usability(holdout, fresh, kinds, "sex", baseline, seed=0)


def test_datetime_target_is_rejected():
    columns = {"when": {"sdtype": "datetime"}}

    with pytest.raises(ConfigError, match="'when' has sdtype 'datetime'"):
        infer_task(columns, "when")


def test_single_training_class_skips_baseline(adult_parts, adult_prepared):
    train, holdout, _ = adult_parts
    kinds, _ = adult_prepared

    trtr, reason = compute_trtr(train.assign(income=">50K"), holdout, kinds, "income", CLASSIFICATION, seed=0)

    assert trtr is None
    assert "single class '>50K'" in reason


def test_numeric_labels_match_across_dtypes():
    train, holdout, fresh = split_rows(read_telco(), [3000, 1500, 2000])
    kinds, baseline = prepare(train, holdout, "SeniorCitizen")
    # Same labels written as floats, as a sampler may return them.
    as_floats = fresh.assign(SeniorCitizen=fresh["SeniorCitizen"].astype("float64"))

    as_ints_scores = score_usability(holdout, fresh, kinds, "SeniorCitizen", baseline, seed=0)
    as_floats_scores = score_usability(holdout, as_floats, kinds, "SeniorCitizen", baseline, seed=0)

    assert as_floats_scores["tstr"] == as_ints_scores["tstr"]
