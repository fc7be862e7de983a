"""Scoring checks on the whole Adult census table, with real rows standing in for synthetic ones.

Real rows that the "generator" never saw must score like a perfect, private
generator: DCR share near 0.5, exact copies at the holdout's chance rate and a
usability ratio near 1. Copied training rows must be flagged.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth_ops.scoring import compute_baseline, score_candidate

DATASETS = Path(__file__).parents[2] / ".." / "shared" / "datasets"


@pytest.fixture(scope="module")
def adult_split():
    """Return 60/20/20 train, holdout and unseen real rows of Adult, with their metadata."""
    from sdv.metadata import Metadata

    path = DATASETS / "adult.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent; this test needs the Adult census CSV")
    frame = pd.read_csv(path)
    for column in frame.select_dtypes(include="object").columns:
        frame[column] = frame[column].str.strip().replace("?", np.nan)

    order = np.random.default_rng(42).permutation(len(frame))
    train_end, holdout_end = int(len(frame) * 0.6), int(len(frame) * 0.8)
    train = frame.iloc[order[:train_end]].reset_index(drop=True)
    holdout = frame.iloc[order[train_end:holdout_end]].reset_index(drop=True)
    unseen = frame.iloc[order[holdout_end:]].reset_index(drop=True)
    metadata = Metadata.detect_from_dataframes({"table": train}).to_dict()
    baseline = compute_baseline(train, holdout, metadata, "income", seed=42)
    return train, holdout, unseen, metadata, baseline


def test_unseen_real_rows_score_as_ideal(adult_split):
    train, holdout, unseen, metadata, baseline = adult_split
    timings = {}

    scores = score_candidate(train, holdout, unseen, metadata, "income", baseline, seed=42, timings_out=timings)

    privacy = scores["privacy"]
    assert 0.4 < privacy["dcr_share_nearer_training"] < 0.6
    assert abs(privacy["exact_copy_rate"] - baseline["holdout_exact_copy_rate"]) < 0.005
    assert 0.95 < scores["usability"]["ratio"] < 1.05
    assert scores["fidelity"]["quality"] >= 0.9
    assert scores["fidelity"]["diagnostic_structure"] == 1.0
    assert json.loads(json.dumps(scores, allow_nan=False)) == scores
    assert set(timings) == {"fidelity", "usability", "privacy"}


def test_copied_training_rows_are_flagged(adult_split):
    train, holdout, _, metadata, baseline = adult_split
    copies = train.sample(n=len(holdout), random_state=0)

    scores = score_candidate(train, holdout, copies, metadata, "income", baseline, seed=42)

    privacy = scores["privacy"]
    assert privacy["exact_copy_rate"] == 1.0
    assert privacy["exact_copy_rate"] > 10 * baseline["holdout_exact_copy_rate"]
    # A third of the copies fall in the training sample (holdout is a third of
    # train), and the rest score like unseen rows: about 1/3 + 2/3 * 0.5.
    assert 0.6 < privacy["dcr_share_nearer_training"] < 0.74
    assert privacy["dcr_quantiles"]["synthetic_to_training"]["p5"] == 0.0
