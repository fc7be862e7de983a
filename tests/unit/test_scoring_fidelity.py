"""Unit tests for the fidelity score: the SDV quality and diagnostic reports."""

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth_ops.scoring.fidelity import score_fidelity

DATASETS = Path(__file__).parents[2] / ".." / "shared" / "datasets"


@functools.cache
def read_adult() -> pd.DataFrame:
    path = DATASETS / "adult.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent; these tests need the Adult census CSV")
    frame = pd.read_csv(path)
    for column in frame.select_dtypes(include="object").columns:
        frame[column] = frame[column].str.strip().replace("?", np.nan)
    return frame


@pytest.fixture(scope="module")
def adult_parts():
    from sdv.metadata import Metadata

    frame = read_adult()
    order = np.random.default_rng(0).permutation(len(frame))
    train = frame.iloc[order[:4000]].reset_index(drop=True)
    fresh = frame.iloc[order[4000:8000]].reset_index(drop=True)
    metadata = Metadata.detect_from_dataframes({"table": train}).to_dict()
    return train, fresh, metadata


def make_garbage(train: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Return rows drawn uniformly per column: right ranges and categories, wrong shapes."""
    rng = np.random.default_rng(seed)
    garbage = {}
    for column in train.columns:
        values = train[column].dropna()
        if pd.api.types.is_numeric_dtype(values):
            garbage[column] = rng.integers(values.min(), values.max() + 1, size=len(train))
        else:
            garbage[column] = rng.choice(values.unique(), size=len(train))
    return pd.DataFrame(garbage)


def test_real_rows_score_high(adult_parts):
    train, fresh, metadata = adult_parts

    scores = score_fidelity(train, fresh, metadata, seed=0)

    assert scores["quality"] >= 0.9
    assert scores["column_shapes"] >= 0.9
    assert scores["column_pair_trends"] >= 0.9
    assert scores["diagnostic_structure"] == 1.0
    assert set(scores["column_scores"]) == set(train.columns)


def test_garbage_scores_clearly_lower(adult_parts):
    train, fresh, metadata = adult_parts

    real_scores = score_fidelity(train, fresh, metadata, seed=0)
    garbage_scores = score_fidelity(train, make_garbage(train, seed=1), metadata, seed=0)

    assert garbage_scores["quality"] < real_scores["quality"] - 0.2
    assert garbage_scores["column_scores"]["age"] < 0.8


def test_shuffled_columns_lose_pair_trends(adult_parts):
    train, fresh, metadata = adult_parts
    rng = np.random.default_rng(2)
    shuffled = fresh.apply(lambda column: column.sample(frac=1.0, random_state=rng).to_numpy())

    scores = score_fidelity(train, shuffled, metadata, seed=0)

    assert scores["column_shapes"] >= 0.9
    assert scores["column_pair_trends"] < 0.85


def test_out_of_range_values_fail_diagnostic(adult_parts):
    train, fresh, metadata = adult_parts
    invalid = fresh.assign(age=fresh["age"] + 200)

    scores = score_fidelity(train, invalid, metadata, seed=0)

    assert scores["diagnostic_validity"] < 1.0
    assert scores["diagnostic"] < 1.0
    assert scores["column_scores"]["age"] < 0.1


def test_quality_rows_are_capped(adult_parts):
    train, fresh, metadata = adult_parts

    scores = score_fidelity(train, fresh, metadata, seed=0, max_rows=1000)

    assert scores["rows_compared"] == {
        "quality_real": 1000,
        "quality_synthetic": 1000,
        "diagnostic_real": len(train),
        "diagnostic_synthetic": len(fresh),
    }


def test_one_column_table_has_no_pair_trends():
    train = pd.DataFrame({"size": np.arange(200, dtype="float64")})
    metadata = {"tables": {"table": {"columns": {"size": {"sdtype": "numerical"}}}}}

    scores = score_fidelity(train, train.sample(frac=1.0, random_state=0), metadata, seed=0)

    assert scores["column_pair_trends"] is None
    assert scores["quality"] == pytest.approx(1.0)
    assert json.loads(json.dumps(scores, allow_nan=False)) == scores
