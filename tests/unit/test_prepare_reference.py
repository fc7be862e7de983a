"""The prepare step stores the run's holdout-to-training distances for the candidates."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from synth_ops import storage
from synth_ops.scoring.scorecard import real_privacy_reference
from synth_ops.steps import run_prepare
from synth_ops.steps.candidate import _read_privacy_reference
from synth_ops.steps.layout import RunLayout


def test_prepare_stores_privacy_reference(tmp_path):
    rng = np.random.default_rng(5)
    table = tmp_path / "landing" / "shop.csv"
    table.parent.mkdir()
    pd.DataFrame({
        "age": rng.integers(18, 90, 300),
        "plan": rng.choice(["basic", "plus", "pro"], 300),
        "spend": rng.normal(50, 10, 300).round(2),
    }).to_csv(table, index=False)

    result = run_prepare(str(table), str(tmp_path / "work"), overrides={"seed": 3})
    layout = RunLayout.from_url(result.run_url)
    stored = np.load(io.BytesIO(storage.read_bytes(layout.privacy_reference)), allow_pickle=False)
    train = storage.read_parquet(layout.train)
    holdout = storage.read_parquet(layout.holdout)
    expected = real_privacy_reference(train, holdout, storage.read_json(layout.metadata), seed=3)

    assert stored.shape == (len(holdout),)
    np.testing.assert_array_equal(stored, expected)
    np.testing.assert_array_equal(_read_privacy_reference(layout), expected)


def test_run_without_reference_reads_none(tmp_path):
    layout = RunLayout.create(str(tmp_path), "shop", "run")

    assert _read_privacy_reference(layout) is None
