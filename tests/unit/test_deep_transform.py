"""Deep candidates transform their training rows in process, with the same output as joblib's worker processes."""

from __future__ import annotations

import copy

import joblib
import numpy as np
import pandas as pd
import pytest

from synth_ops.candidates import get_candidate
from synth_ops.settings import TableSettings
from synth_ops.tables.prepare import prepare_table


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(2)
    rows = 700
    frame = pd.DataFrame({
        "age": rng.integers(18, 90, rows),
        "income": rng.lognormal(10, 1, rows).round(2),
        "plan": rng.choice(["basic", "plus", "pro"], rows),
        "churn": rng.choice(["yes", "no"], rows),
    })
    return prepare_table(frame, TableSettings(target="churn"))


def test_transform_in_process_equals_worker_processes(table):
    from ctgan.data_transformer import DataTransformer

    transformer = DataTransformer()
    transformer.fit(table.train, discrete_columns=["plan", "churn"])
    assert len(table.train) >= 500  # below 500 rows ctgan never starts worker processes

    with joblib.parallel_config(backend="loky", n_jobs=2):
        in_workers = copy.deepcopy(transformer).transform(table.train)
    with joblib.parallel_config(backend="sequential"):
        in_process = copy.deepcopy(transformer).transform(table.train)

    np.testing.assert_array_equal(in_process, in_workers)


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_deep_fit_runs_joblib_in_process(name, table, monkeypatch):
    from ctgan.data_transformer import DataTransformer

    backends = []
    original = DataTransformer.transform

    def recording_transform(self, raw_data):
        backends.append(type(joblib.parallel.get_active_backend()[0]).__name__)
        return original(self, raw_data)

    monkeypatch.setattr(DataTransformer, "transform", recording_transform)
    get_candidate(name)(epochs=1).fit(table.train, table.metadata)

    assert backends == ["SequentialBackend"]
