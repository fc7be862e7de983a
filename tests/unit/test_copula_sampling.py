"""CopulaSampler against SDV's own GaussianCopulaSynthesizer.sample: the same rows, value for value."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

from synth_ops.candidates import get_candidate
from synth_ops.candidates.copula_sampling import CopulaSampler
from synth_ops.candidates.sdv_models import SdvModel
from synth_ops.generator import Generator
from synth_ops.settings import TableSettings
from synth_ops.tables.prepare import prepare_table


def mixed_frame(rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "plan": rng.choice(["basic", "plus", None], rows),
        "flag": rng.choice([True, False], rows),
        "code": rng.choice([3, 5, 7], rows),
        "code_missing": rng.choice([3.0, 5.0, np.nan], rows),
        "spend": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(50, 10, rows).round(2)),
        "count": np.where(rng.random(rows) < 0.1, np.nan, rng.integers(0, 50, rows)),
        "visits": rng.integers(0, 5000, rows),
        "ratio": rng.random(rows),
        "account": [f"A-{index:05d}" for index in range(rows)],
    })


@pytest.fixture(scope="module")
def fitted():
    prepared = prepare_table(mixed_frame(), TableSettings(categorical=["code", "code_missing"], primary_key="account"))
    candidate = get_candidate("gaussian_copula")()
    candidate.fit(prepared.train, prepared.metadata)
    return prepared, candidate.model


def sdv_sample(model: SdvModel, rows: int, seed: int | None) -> pd.DataFrame:
    """Sample through SDV's GaussianCopulaSynthesizer.sample, bypassing the CopulaSampler."""
    model._copula_sampler = (model.synthesizer._model, None)
    try:
        return model.sample(rows, seed=seed)
    finally:
        del model._copula_sampler


def test_sampler_covers_mixed_table(fitted):
    _, model = fitted

    sampler = model._fast_sampler()

    assert isinstance(sampler, CopulaSampler)
    assert {column.name for column in sampler.columns} == set(model.synthesizer._model.columns)


@pytest.mark.parametrize("rows", [1, 7, 3000])
@pytest.mark.parametrize("seed", [1, 2])
def test_rows_equal_sdv_sample(fitted, rows, seed):
    _, model = fitted

    expected = sdv_sample(model, rows, seed)
    actual = model.sample(rows, seed=seed)

    pd.testing.assert_frame_equal(actual, expected, check_exact=True)


def test_later_calls_continue_like_sdv(fitted):
    _, model = fitted
    sdv_model = copy.deepcopy(model)
    sdv_model._copula_sampler = (sdv_model.synthesizer._model, None)

    expected = [sdv_model.sample(500, seed=4), sdv_model.sample(500), sdv_model.sample(300)]
    actual = [model.sample(500, seed=4), model.sample(500), model.sample(300)]

    for got, want in zip(actual, expected):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_unseeded_first_call_like_sdv(fitted):
    _, model = fitted
    sdv_model = copy.deepcopy(model)
    fast_model = copy.deepcopy(model)
    # A fresh synthesizer starts from SDV's fixed seed on its first sample.
    sdv_model.synthesizer.reset_sampling()
    fast_model.synthesizer.reset_sampling()

    expected = sdv_sample(sdv_model, 800, None)
    actual = fast_model.sample(800)

    pd.testing.assert_frame_equal(actual, expected, check_exact=True)


def test_step_tables_give_same_rows(fitted):
    _, model = fitted
    fast_model = copy.deepcopy(model)
    fast_model.expect_rows(10**7)
    sampler = fast_model._fast_sampler()
    tabulated = [column.name for column in sampler.columns if getattr(column, "normal_boundaries", None) is not None]

    expected = sdv_sample(model, 20_000, 9)
    actual = fast_model.sample(20_000, seed=9)

    assert "visits" in tabulated
    assert "spend" in tabulated
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)


def test_generator_chunks_equal_sdv(fitted, monkeypatch):
    prepared, model = fitted
    generator = Generator(candidate="gaussian_copula", model=copy.deepcopy(model), columns=prepared.columns)
    actual = list(generator.iter_chunks(2500, seed=3, chunk_rows=1000))

    monkeypatch.setattr(SdvModel, "_fast_sampler", lambda self: None)
    sdv_generator = Generator(candidate="gaussian_copula", model=copy.deepcopy(model), columns=prepared.columns)
    expected = list(sdv_generator.iter_chunks(2500, seed=3, chunk_rows=1000))

    assert [len(chunk) for chunk in actual] == [1000, 1000, 500]
    for got, want in zip(actual, expected):
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_pickle_drops_cached_sampler(fitted):
    _, model = fitted
    model.sample(10, seed=1)
    assert getattr(model, "_copula_sampler", None) is not None

    restored = pickle.loads(pickle.dumps(model))

    assert "_copula_sampler" not in vars(restored)
    pd.testing.assert_frame_equal(restored.sample(200, seed=5), model.sample(200, seed=5), check_exact=True)


def test_refit_rebuilds_sampler(fitted):
    prepared, _ = fitted
    candidate = get_candidate("gaussian_copula")()
    candidate.fit(prepared.train, prepared.metadata)
    model = candidate.model
    first = model._fast_sampler()

    candidate._fit(prepared.train.head(200), None, None)
    second = model._fast_sampler()

    assert second is not first
    pd.testing.assert_frame_equal(model.sample(300, seed=2), sdv_sample(model, 300, 2), check_exact=True)


def test_datetime_table_uses_sdv_sample():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, 300), unit="D"),
        "amount": rng.normal(10, 2, 300).round(1),
    })
    prepared = prepare_table(frame, TableSettings())
    candidate = get_candidate("gaussian_copula")()
    candidate.fit(prepared.train, prepared.metadata)

    assert candidate.model._fast_sampler() is None
    sample = candidate.model.sample(50, seed=1)
    assert len(sample) == 50
    assert list(sample.columns) == list(prepared.train.columns)


def test_zero_rows_like_sdv(fitted):
    _, model = fitted

    pd.testing.assert_frame_equal(model.sample(0, seed=1), sdv_sample(model, 0, 1))
