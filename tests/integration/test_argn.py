"""TabularARGN on a real Adult slice: fit, sample, bundle, verify, reload, export and import."""

from __future__ import annotations

import io
import pickle
import tarfile
from pathlib import Path

import pandas as pd
import pytest

from synth_ops.candidates import engine_available, get_candidate
from synth_ops.candidates.argn import MODEL_FILES
from synth_ops.generator import Generator
from synth_ops.registry import export_bundle, import_bundle, load_generator, register_version, verify_version
from synth_ops.settings import TableSettings
from synth_ops.tables.prepare import prepare_table

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
ADULT = DATASETS / "adult.csv"

pytestmark = [
    pytest.mark.skipif(not engine_available(), reason="mostlyai-engine is not installed in this environment"),
    pytest.mark.skipif(not ADULT.exists(), reason=f"real datasets not found at {DATASETS}"),
]


@pytest.fixture(scope="module")
def fitted():
    frame = pd.read_csv(ADULT, dtype=str, keep_default_na=False).sample(n=2000, random_state=4)
    prepared = prepare_table(frame, TableSettings(target="income"))
    candidate = get_candidate("tabular_argn")(epochs=3, time_budget=60, device="cpu", seed=5)
    report = candidate.fit(prepared.train, prepared.metadata)
    generator = Generator(candidate="tabular_argn", model=candidate.model, columns=prepared.columns)
    return {"prepared": prepared, "report": report, "generator": generator, "frame": frame}


def test_argn_fit_records_progress(fitted):
    report = fitted["report"]

    assert report.params["value_protection"] is True
    assert report.params["max_training_time"] == pytest.approx(1.0)
    assert report.params["random_state"] == 5
    assert report.device == "cpu"
    assert 1 <= report.epochs_completed <= 3


def test_argn_bundle_holds_model_files_only(fitted):
    archive = tarfile.open(fileobj=io.BytesIO(fitted["generator"].model.model_files), mode="r:gz")

    assert sorted(archive.getnames()) == sorted(MODEL_FILES)
    assert not any("tgt-data" in name or "encoded-data" in name for name in archive.getnames())


def test_argn_sample_matches_source_schema(fitted):
    synthetic = fitted["generator"].sample(400, seed=9)
    frame = fitted["frame"]

    assert list(synthetic.columns) == list(frame.columns)
    assert len(synthetic) == 400
    assert synthetic["age"].dtype.kind == "i"
    assert set(synthetic["income"].dropna()) <= {"<=50K", ">50K"}


def test_argn_seeded_sample_repeats_after_pickle(fitted):
    restored = pickle.loads(pickle.dumps(fitted["generator"]))

    first = restored.sample(300, seed=2)
    second = fitted["generator"].sample(300, seed=2)

    pd.testing.assert_frame_equal(first, second)


def test_argn_registry_round_trip(fitted, tmp_path):
    registry, other = str(tmp_path / "registry"), str(tmp_path / "elsewhere")
    files = {"generator.pkl": pickle.dumps(fitted["generator"])}
    register_version(registry, "adult", files, {"source": {"sha256": "abc"}, "scores": {}})

    manifest = verify_version(registry, "adult", "v1")
    generator, _ = load_generator(registry, "adult")
    bundle = export_bundle(registry, "adult", "v1", tmp_path / "adult.tar.gz")
    imported = import_bundle(bundle, other)
    moved, _ = load_generator(other, "adult")

    assert "generator.pkl" in manifest["files"]
    assert len(generator.sample(50, seed=1)) == 50
    assert imported.version == "v1"
    pd.testing.assert_frame_equal(moved.sample(50, seed=1), generator.sample(50, seed=1))
