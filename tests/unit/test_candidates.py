"""Candidate synthesizers on small real-shaped frames: batch sizes, budgets, seeds."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from synth_ops.candidates import CANDIDATES, get_candidate
from synth_ops.candidates.budget import epoch_budget
from synth_ops.errors import CandidateError, ConfigError
from synth_ops.generator import Generator
from synth_ops.settings import TableSettings
from synth_ops.tables.prepare import prepare_table


@pytest.fixture(scope="module")
def small_table():
    rng = np.random.default_rng(0)
    rows = 60
    frame = pd.DataFrame({
        "age": rng.integers(18, 90, rows),
        "plan": rng.choice(["basic", "plus", "pro"], rows),
        "spend": rng.normal(50, 10, rows).round(2),
        "churn": rng.choice(["yes", "no"], rows),
    })
    return prepare_table(frame, TableSettings(target="churn"))


def test_candidate_names_registered():
    assert list(CANDIDATES) == ["gaussian_copula", "ctgan", "tvae", "copula_gan", "tabular_argn"]


def test_unknown_candidate_rejected():
    with pytest.raises(ConfigError, match="unknown candidate 'gan'.*gaussian_copula"):
        get_candidate("gan")


@pytest.mark.parametrize("name", ["ctgan", "tvae", "copula_gan"])
def test_deep_candidate_fewer_rows_than_batch(name, small_table):
    candidate = get_candidate(name)(epochs=2, time_budget=60)

    report = candidate.fit(small_table.train, small_table.metadata)

    assert len(small_table.train) == 48
    assert report.params["batch_size"] <= 48
    assert report.params["batch_size"] % report.params.get("pac", 1) == 0
    assert "larger than the 48 training rows" in report.warnings[0]
    assert report.epochs_completed == 2
    assert report.device == "cpu"
    sample = candidate.sample(30)
    assert list(sample.columns) == list(small_table.train.columns)
    assert len(sample) == 30


def test_budget_stops_training_early(small_table):
    candidate = get_candidate("tvae")(epochs=100_000, time_budget=3)

    report = candidate.fit(small_table.train, small_table.metadata)

    assert report.stopped_by_budget
    assert 1 <= report.epochs_completed < 100_000
    assert report.fit_seconds < 30
    assert len(candidate.sample(10)) == 10


def test_budget_restores_tqdm():
    import ctgan.synthesizers.ctgan as ctgan_module

    original = ctgan_module.tqdm
    with epoch_budget(1.0):
        assert ctgan_module.tqdm is not original
    assert ctgan_module.tqdm is original


def test_sample_before_fit_rejected():
    with pytest.raises(CandidateError, match="call fit before sample"):
        get_candidate("gaussian_copula")().sample(3)


def test_cuda_request_without_gpu_rejected(small_table):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present, so the request is valid")
    with pytest.raises(CandidateError, match="no CUDA device is available"):
        get_candidate("ctgan")(device="cuda", epochs=1).fit(small_table.train, small_table.metadata)


@pytest.mark.parametrize("name", ["gaussian_copula", "ctgan"])
def test_seeded_sampling_repeats(name, small_table):
    candidate = get_candidate(name)(epochs=1)
    candidate.fit(small_table.train, small_table.metadata)
    generator = pickle.loads(pickle.dumps(Generator(candidate=name, model=candidate.model, columns=small_table.columns)))

    first = generator.sample(500, seed=11)
    second = generator.sample(500, seed=11)
    other = generator.sample(500, seed=12)

    pd.testing.assert_frame_equal(first, second)
    assert not first.equals(other)


def test_chunks_keep_keys_unique(small_table):
    frame = pd.DataFrame({"id": [f"C-{i:04d}" for i in range(80)], "x": np.arange(80) % 7, "y": np.arange(80) * 1.5})
    prepared = prepare_table(frame, TableSettings(primary_key="id"))
    candidate = get_candidate("gaussian_copula")()
    candidate.fit(prepared.train, prepared.metadata)
    generator = Generator(candidate="gaussian_copula", model=candidate.model, columns=prepared.columns)

    chunks = list(generator.iter_chunks(1000, seed=5, chunk_rows=300))

    assert [len(chunk) for chunk in chunks] == [300, 300, 300, 100]
    keys = pd.concat(chunks)["id"]
    assert keys.is_unique
    # 1000 keys do not fit the 100 of the literal form C-00dd, so the wide form is used.
    assert keys.str.match(r"^[A-Z]-\d{4}$").all()
