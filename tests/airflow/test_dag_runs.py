"""Whole DAG runs with ``dag.test()``, in local launcher mode, against an S3 server on 127.0.0.1.

A 1,500-row slice of the Adult table lands in the landing bucket beside a
``synth.yaml`` that gives TVAE an invalid parameter, so one candidate fails
for a real reason while GaussianCopula and TabularARGN train. The step subprocesses are the
worker environment's ``synth-ops``, reached through the same environment
contract that a pod gets.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("airflow.sdk", reason="Airflow is not installed: run these tests with .venv-airflow/bin/python")

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"

ADULT_ROWS = 1500
SETTINGS_YAML = b"""\
target: income
time_budget: 60
epochs: 2
candidates:
  gaussian_copula: {}
  tvae: {embedding_dim: -5}
  tabular_argn: {}
"""
TRAINED = {"gaussian_copula", "tabular_argn"}


def worker_has_engine(worker_bin: Path) -> bool:
    """Tell whether the worker environment can import mostlyai-engine (TabularARGN)."""
    python = str(worker_bin.parent / "python")
    return subprocess.run([python, "-c", "import mostlyai.engine"], capture_output=True).returncode == 0


def load_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / f"{dag_id}.py"))
    assert bag.import_errors == {}
    return bag.dags[dag_id]


def task_states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in dag_run.get_task_instances()}


def champion_events(dataset: str) -> list[dict]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetEvent.extra)
            .join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .where(AssetModel.uri == f"synth-ops://champion/{dataset}")
            .order_by(AssetEvent.id)
        ).all()
    return [row[0] for row in rows]


def worker_parquet_columns(worker_bin: Path, url: str) -> dict:
    """Read the column names of a Parquet object with the worker environment, which has pyarrow."""
    # Only the footer is read, so no Arrow thread pool starts. Once, a full
    # read_table in this subprocess ended in SIGABRT after printing nothing.
    script = (
        "import io, json, sys, pyarrow.parquet as pq\n"
        "from synth_ops import storage\n"
        "parquet = pq.ParquetFile(io.BytesIO(storage.read_bytes(sys.argv[1])))\n"
        "print(json.dumps({'columns': parquet.schema_arrow.names, 'rows': parquet.metadata.num_rows}))\n"
    )
    python = str(worker_bin.parent / "python")
    env = dict(os.environ, ARROW_DEFAULT_MEMORY_POOL="system")
    completed = subprocess.run([python, "-c", script, url], capture_output=True, text=True, env=env)
    assert completed.returncode == 0, f"reading {url} exited {completed.returncode}: {completed.stderr[-2000:]}"
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def arrival_run(deployment, airflow_db, adult_slice):
    """Land the Adult slice and its synth.yaml, then run synth_on_arrival once."""
    from synth_ops import storage

    table = adult_slice(ADULT_ROWS)
    storage.write_bytes(f"{deployment.landing_url}/adult/adult.csv", table)
    storage.write_bytes(f"{deployment.landing_url}/adult/synth.yaml", SETTINGS_YAML)
    dag_run = load_dag("synth_on_arrival").test()
    return dag_run, table


def test_arrival_run_succeeds_despite_failed_candidate(arrival_run):
    dag_run, _ = arrival_run
    states = task_states(dag_run)

    assert dag_run.state == "success", states
    assert states[("tournament.fit_candidate", 0)] == "success"
    assert states[("tournament.fit_candidate", 1)] == "failed"
    assert states[("tournament.fit_candidate", 2)] == "success"
    assert states[("tournament.select_winner", 0)] == "success"
    assert states[("tournament.register_champion", 0)] == "success"
    assert states[("tournament.summarize_tournament", -1)] == "success"


def test_arrival_run_labels_mapped_tasks(arrival_run):
    dag_run, _ = arrival_run
    labels = {(ti.task_id, ti.map_index): ti.rendered_map_index for ti in dag_run.get_task_instances()}

    assert labels[("tournament.prepare_dataset", 0)] == "adult"
    assert labels[("tournament.fit_candidate", 0)] == "adult gaussian_copula"
    assert labels[("tournament.fit_candidate", 1)] == "adult tvae"
    assert labels[("tournament.fit_candidate", 2)] == "adult tabular_argn"


def test_arrival_run_registers_verified_champion(arrival_run, deployment, worker_bin):
    from synth_ops import storage
    from synth_ops.registry import verify_version
    from synth_ops.registry.versions import read_champion

    champion = read_champion(deployment.registry_url, "adult")
    assert champion is not None
    verify_version(deployment.registry_url, "adult", champion["version"])
    manifest = storage.read_json(f"{deployment.registry_url}/adult/{champion['version']}/manifest.json")
    assert manifest["candidate"] in TRAINED
    _, table = arrival_run
    real_columns = [name.strip() for name in table.splitlines()[0].decode("utf-8").split(",")]
    synthetic = worker_parquet_columns(worker_bin, f"{deployment.registry_url}/adult/{champion['version']}/synthetic.parquet")
    assert synthetic["columns"] == real_columns
    assert synthetic["rows"] == ADULT_ROWS


def test_arrival_run_records_failed_candidate(arrival_run, deployment):
    from synth_ops import storage

    champion = storage.read_json(f"{deployment.registry_url}/adult/champion.json")
    manifest = storage.read_json(f"{deployment.registry_url}/adult/{champion['version']}/manifest.json")
    decision = storage.read_json(f"{deployment.work_url}/adult/{manifest['run_id']}/decision.json")
    verdicts = {entry["candidate"]: entry for entry in decision["ranking"]}

    assert decision["winner"] in TRAINED
    assert verdicts["gaussian_copula"]["status"] == "ok"
    assert verdicts["tvae"]["status"] == "failed"
    assert verdicts["tvae"]["verdict"] == "failed"
    # torch rejects the negative embedding size when TVAE builds its network.
    assert "RuntimeError" in verdicts["tvae"]["reason"]


def test_arrival_run_trains_argn_in_worker(arrival_run, deployment, worker_bin):
    from synth_ops import storage

    if not worker_has_engine(worker_bin):
        pytest.skip(f"mostlyai-engine is not installed in the worker environment {worker_bin.parent.parent}")
    champion = storage.read_json(f"{deployment.registry_url}/adult/champion.json")
    manifest = storage.read_json(f"{deployment.registry_url}/adult/{champion['version']}/manifest.json")
    run = f"{deployment.work_url}/adult/{manifest['run_id']}"
    scores = storage.read_json(f"{run}/candidates/tabular_argn/scores.json")

    assert scores["status"] == "ok", scores.get("error")
    assert scores["params"]["value_protection"] is True
    assert 0.0 < scores["fidelity"]["quality"] <= 1.0
    assert storage.exists(f"{run}/candidates/tabular_argn/generator.pkl")


def test_arrival_run_emits_champion_asset_event(arrival_run, deployment):
    from synth_ops import storage

    champion = storage.read_json(f"{deployment.registry_url}/adult/champion.json")
    manifest = storage.read_json(f"{deployment.registry_url}/adult/{champion['version']}/manifest.json")
    events = champion_events("adult")

    assert len(events) == 1
    assert events[0]["dataset"] == "adult"
    assert events[0]["version"] == champion["version"]
    assert events[0]["candidate"] == manifest["candidate"]
    assert events[0]["url"] == f"{deployment.registry_url}/adult/{champion['version']}"


def test_arrival_run_claims_object_version(arrival_run, deployment):
    from synth_ops import storage

    claims = storage.list_objects(f"{deployment.work_url}/adult/arrivals/")

    assert len(claims) == 1
    claim = storage.read_json(claims[0])
    assert claim["url"] == f"{deployment.landing_url}/adult/adult.csv"
    assert claim["claimed_by"].startswith("synth_on_arrival/")


def test_second_arrival_run_trains_nothing(arrival_run, deployment):
    from synth_ops.registry import list_versions

    dag_run = load_dag("synth_on_arrival").test()
    states = task_states(dag_run)

    assert states[("claim_arrivals", -1)] == "skipped"
    assert states[("tournament.prepare_dataset", -1)] == "skipped"
    assert list_versions(deployment.registry_url, "adult") == ["v1"]
    assert len(champion_events("adult")) == 1


def test_nightly_run_refreshes_published_dataset(arrival_run, deployment, worker_bin):
    from synth_ops.registry import list_versions

    dag_run = load_dag("synth_nightly").test()
    states = task_states(dag_run)

    assert dag_run.state == "success", states
    assert states[("find_changed_datasets", -1)] == "skipped"
    assert states[("refresh_published", 0)] == "success"
    assert list_versions(deployment.registry_url, "adult") == ["v1"]
    published = worker_parquet_columns(worker_bin, f"{deployment.registry_url}/adult/published/synthetic.parquet")
    assert published["rows"] == ADULT_ROWS
    assert "income" in published["columns"]


def test_manual_run_skips_registered_content(arrival_run, deployment):
    from synth_ops.registry import list_versions

    dag_run = load_dag("synth_manual").test(run_conf={"dataset": "adult", "candidates": ["gaussian_copula"], "epochs": 1})
    states = task_states(dag_run)

    assert dag_run.state == "success", states
    assert states[("tournament.prepare_dataset", 0)] == "success"
    assert states[("tournament.plan_candidates", -1)] == "skipped"
    assert list_versions(deployment.registry_url, "adult") == ["v1"]
