"""The CLI end to end on a slice of the real Telco churn table, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
TELCO = DATASETS / "telco_churn.csv"

pytestmark = pytest.mark.skipif(not TELCO.exists(), reason=f"real datasets not found at {DATASETS}")


def synth_ops(*args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, SYNTH_OPS_HOME=str(home))
    result = subprocess.run([sys.executable, "-m", "synth_ops", *args], capture_output=True, text=True, env=env, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"synth-ops {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def registry_files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def telco_run(tmp_path_factory):
    """One registered run on 1,500 Telco rows, shared by the tests below."""
    home = tmp_path_factory.mktemp("home")
    landing = tmp_path_factory.mktemp("landing")
    table = landing / "telco_churn.csv"
    real = pd.read_csv(TELCO, dtype=str, keep_default_na=False).head(1500)
    real.to_csv(table, index=False)
    result = synth_ops(
        "run", str(table), "--target", "Churn", "--candidates", "gaussian_copula,ctgan",
        "--epochs", "2", "--time-budget", "120", "--timings-json", str(home / "timings.json"), home=home,
    )
    return {"home": home, "table": table, "real": real, "result": result, "registry": home / "registry"}


def test_run_writes_step_timings(telco_run):
    timings = json.loads((telco_run["home"] / "timings.json").read_text())

    assert timings["dataset"] == "telco_churn"
    assert timings["skipped"] is False
    assert list(timings["step_seconds"]) == ["prepare", "candidates", "select", "register"]
    assert all(seconds >= 0 for seconds in timings["step_seconds"].values())
    assert timings["run_url"].endswith(timings["run_id"])


def test_run_prints_table_and_location(telco_run):
    output = telco_run["result"].stdout

    assert "rank  candidate" in output
    assert "gaussian_copula" in output
    assert "ctgan" in output
    assert "registered as telco_churn v1" in output
    assert str(telco_run["registry"] / "telco_churn" / "v1") in output


def test_registered_version_complete(telco_run):
    version = telco_run["registry"] / "telco_churn" / "v1"
    champion = json.loads((telco_run["registry"] / "telco_churn" / "champion.json").read_text())
    manifest = json.loads((version / "manifest.json").read_text())

    assert champion["version"] == "v1"
    for name in ("generator.pkl", "synthetic.parquet", "report.html", "model_card.md", "decision.json"):
        assert name in manifest["files"]
    assert manifest["source"]["rows"] == 1500
    assert manifest["libraries"]["sdv"].startswith("2.0")
    assert manifest["config"]["table"]["target"] == "Churn"
    assert manifest["scores"]["candidate"] in ("gaussian_copula", "ctgan")
    assert (telco_run["registry"] / "index.html").exists()


def test_synthetic_dataset_shape_and_types(telco_run):
    synthetic = pd.read_parquet(telco_run["registry"] / "telco_churn" / "v1" / "synthetic.parquet")
    real = telco_run["real"]

    assert list(synthetic.columns) == list(real.columns)
    assert len(synthetic) == 1500
    assert synthetic["TotalCharges"].dtype.kind == "f"
    assert synthetic["tenure"].dtype.kind == "i"
    assert synthetic["customerID"].is_unique
    assert not synthetic["customerID"].isin(set(real["customerID"])).any()
    assert synthetic["customerID"].str.match(r"^\d{4}-[A-Z]{5}$").all()
    assert set(synthetic["Churn"]) <= {"Yes", "No"}


def test_same_content_not_retrained(telco_run):
    result = synth_ops("run", str(telco_run["table"]), "--target", "Churn", home=telco_run["home"])

    assert "already registered as v1" in result.stdout
    assert not (telco_run["registry"] / "telco_churn" / "v2").exists()


def test_sample_seed_repeats(telco_run, tmp_path):
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    common = ["sample", "--dataset", "telco_churn", "--rows", "25000", "--seed", "3", "--chunk-rows", "10000"]

    synth_ops(*common, "--out", str(first), home=telco_run["home"])
    synth_ops(*common, "--out", str(second), home=telco_run["home"])

    assert first.read_bytes() == second.read_bytes()
    frame = pd.read_parquet(first)
    assert len(frame) == 25000
    assert list(frame.columns) == list(telco_run["real"].columns)
    assert frame["customerID"].is_unique


def test_sample_csv_by_extension(telco_run, tmp_path):
    out = tmp_path / "rows.csv"

    synth_ops("sample", "--dataset", "telco_churn", "--rows", "300", "--out", str(out), home=telco_run["home"])

    frame = pd.read_csv(out)
    assert len(frame) == 300
    assert list(frame.columns) == list(telco_run["real"].columns)


def test_failed_run_changes_nothing(telco_run, tmp_path):
    settings = tmp_path / "broken.yaml"
    settings.write_text("candidates:\n  tvae:\n    embedding_dim: -5\n")
    before = registry_files(telco_run["registry"])

    result = synth_ops(
        "run", str(telco_run["table"]), "--target", "Churn", "--candidates", "tvae", "--epochs", "1",
        "--settings", str(settings), "--force", home=telco_run["home"], check=False,
    )

    assert result.returncode == 5
    assert "nothing registered" in result.stderr
    assert "every candidate failed" in result.stderr
    assert len(result.stderr.strip().splitlines()[-1]) > 0
    assert registry_files(telco_run["registry"]) == before
    failure_reports = list((telco_run["home"] / "work" / "telco_churn").glob("*-*/report.html"))
    assert len(failure_reports) == 1
    assert "every candidate failed" in failure_reports[0].read_text()


def test_catalog_lists_champion(telco_run, tmp_path):
    page = tmp_path / "catalog.html"

    result = synth_ops("catalog", "--html", str(page), home=telco_run["home"])

    assert "telco_churn" in result.stdout
    assert "v1" in result.stdout
    assert "telco_churn" in page.read_text()


def test_export_import_then_sample(telco_run, tmp_path):
    bundle = tmp_path / "telco.tar.gz"
    other_home = tmp_path / "cloud"

    synth_ops("export", "--dataset", "telco_churn", "--out", str(bundle), home=telco_run["home"])
    imported = synth_ops("import", str(bundle), home=other_home)
    synth_ops("sample", "--dataset", "telco_churn", "--rows", "50", "--out", str(tmp_path / "x.parquet"), home=other_home)

    assert "telco_churn v1" in imported.stdout
    assert len(pd.read_parquet(tmp_path / "x.parquet")) == 50


def test_tampered_generator_refused(telco_run, tmp_path):
    home = tmp_path / "tampered"
    subprocess.run(["cp", "-r", str(telco_run["home"]), str(home)], check=True)
    generator = home / "registry" / "telco_churn" / "v1" / "generator.pkl"
    data = bytearray(generator.read_bytes())
    data[len(data) // 2] ^= 0x01
    generator.write_bytes(bytes(data))

    result = synth_ops("sample", "--dataset", "telco_churn", "--rows", "10", "--out", str(tmp_path / "x.csv"), home=home, check=False)

    assert result.returncode == 8
    assert "generator.pkl" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_bad_input_exits_nonzero_with_reason(tmp_path):
    table = tmp_path / "empty.csv"
    table.write_text("")

    result = synth_ops("run", str(table), home=tmp_path / "home", check=False)

    assert result.returncode == 3
    assert result.stderr.strip().splitlines()[-1].startswith("synth-ops run: error: table ")
    assert "is empty" in result.stderr
    assert not (tmp_path / "home" / "registry").exists()


def test_unknown_target_exits_with_hint(telco_run, tmp_path):
    result = synth_ops("run", str(telco_run["table"]), "--target", "churn", "--force", home=tmp_path / "home", check=False)

    assert result.returncode == 2
    assert "Did you mean 'Churn'?" in result.stderr
