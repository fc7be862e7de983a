"""Pod specs of the step tasks, built by KubernetesPodOperator's own code, then run locally.

Each pod is what the mapped task would create: the DAG's task, unmapped with
the job that the planning task returns, configured from the settings, and
built with ``build_pod_request_obj(dry_run=True)``, which needs no cluster.
The spec is validated offline against the Kubernetes 1.31 schema. Then the
container's command and arguments run with the worker environment's
``synth-ops`` against the S3 server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("airflow.sdk", reason="Airflow is not installed: run these tests with .venv-airflow/bin/python")
kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is not installed")

from synth_ops.settings import ALL_CANDIDATES  # noqa: E402

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
#: A credential value that must never reach a pod spec; the S3 test server accepts any secret.
FAKE_SECRET = "fake-secret-value-7d3c1e9b"
WORKER_IMAGE = "registry.example.com/synth-ops-worker:0.1.0"
SECRET_NAME = "synth-ops-s3-test"
#: Deep candidates, which get a GPU by default; gaussian_copula is the one that does not.
GPU_CANDIDATES = {"ctgan", "tvae", "copula_gan", "tabular_argn"}
#: The candidates whose commands also run locally: the SDV ones, which fit in seconds here.
LOCAL_CANDIDATES = ["gaussian_copula", "ctgan", "tvae", "copula_gan"]
SETTINGS_YAML = b"target: income\nepochs: 1\ntime_budget: 30\ncandidates: [gaussian_copula, ctgan, tvae, copula_gan]\n"


@pytest.fixture
def kubernetes_settings(deployment, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_LAUNCHER", "kubernetes")
    monkeypatch.setenv("SYNTH_OPS_WORKER_IMAGE", WORKER_IMAGE)
    monkeypatch.setenv("SYNTH_OPS_S3_SECRET_NAME", SECRET_NAME)
    monkeypatch.setenv("SYNTH_OPS_S3_ENDPOINT_URL", deployment.endpoint_url)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    from synth_ops_airflow.config import load_settings

    return load_settings()


@pytest.fixture(scope="module")
def prepared_run(deployment, worker_bin, adult_slice):
    """Prepare a 400-row Adult run with the worker's synth-ops; return prepare's JSON result."""
    from synth_ops import storage

    storage.write_bytes(f"{deployment.landing_url}/adultpods/adult.csv", adult_slice(400))
    storage.write_bytes(f"{deployment.landing_url}/adultpods/synth.yaml", SETTINGS_YAML)
    completed = subprocess.run(
        [
            str(worker_bin), "-q", "prepare", f"{deployment.landing_url}/adultpods/adult.csv",
            "--dataset", "adultpods", "--work", deployment.work_url, "--registry", deployment.registry_url,
        ],
        capture_output=True, text=True, env=dict(os.environ),
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def load_dag(dag_id: str):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER / f"{dag_id}.py"))
    assert bag.import_errors == {}
    return bag.dags[dag_id]


def build_pod(task_id: str, job: dict, settings) -> dict:
    """Unmap the DAG's task with ``job``, configure it and return its pod as a manifest dict."""
    from kubernetes.client import ApiClient

    operator = load_dag("synth_manual").get_task(task_id).unmap(job)
    operator.configure_pod(settings)
    pod = operator.build_pod_request_obj(dry_run=True)
    return ApiClient().sanitize_for_serialization(pod)


def candidate_jobs(prepared_run) -> list[dict]:
    from synth_ops_airflow.tournament import plan_candidates

    return plan_candidates.function([prepared_run])


def candidate_job(prepared_run, candidate: str) -> dict:
    """Return the planned job of ``candidate``, or the same job shape for one the run does not list."""
    from synth_ops_airflow.steps import candidate_arguments

    for job in candidate_jobs(prepared_run):
        if job["candidate"] == candidate:
            return job
    return {
        "arguments": candidate_arguments(prepared_run["run_url"], candidate),
        "candidate": candidate,
        "dataset": prepared_run["dataset"],
        "time_limit_seconds": 120.0,
    }


def container(manifest: dict) -> dict:
    return next(item for item in manifest["spec"]["containers"] if item["name"] == "base")


def test_candidate_jobs_follow_run_settings(prepared_run):
    jobs = candidate_jobs(prepared_run)

    assert [job["candidate"] for job in jobs] == LOCAL_CANDIDATES
    assert all(job["time_limit_seconds"] == 2 * 30 + 60 for job in jobs)
    assert all(job["dataset"] == "adultpods" for job in jobs)


@pytest.mark.parametrize("candidate", ALL_CANDIDATES)
def test_candidate_pod_is_valid_and_secret_free(candidate, prepared_run, kubernetes_settings):
    job = candidate_job(prepared_run, candidate)
    manifest = build_pod("tournament.fit_candidate", job, kubernetes_settings)
    base = container(manifest)
    limits = base["resources"]["limits"]
    spec = manifest["spec"]

    kubernetes_validate.validate(manifest, "1.31", strict=True)
    assert base["image"] == WORKER_IMAGE
    assert base["command"] == ["synth-ops"]
    assert base["args"] == ["candidate", "--run", prepared_run["run_url"], "--name", candidate]
    assert base["envFrom"] == [{"secretRef": {"name": SECRET_NAME}}]
    assert {"name": "SYNTH_OPS_S3_ENDPOINT_URL", "value": kubernetes_settings.s3_endpoint_url} in base["env"]
    assert FAKE_SECRET not in json.dumps(manifest)
    assert spec["serviceAccountName"] == "synth-ops-worker"
    assert manifest["metadata"]["namespace"] == "synth-ops"
    assert spec["activeDeadlineSeconds"] == 120
    assert manifest["metadata"]["labels"]["synth-ops.io/candidate"] == candidate
    assert base["resources"]["requests"] == {"cpu": "1", "memory": "4Gi"}
    if candidate in GPU_CANDIDATES:
        assert limits["nvidia.com/gpu"] == "1"
        assert spec["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
        assert spec["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    else:
        assert "nvidia.com/gpu" not in limits
        assert not spec.get("nodeSelector")
        assert not spec.get("tolerations")


def test_prepare_pod_writes_result_for_xcom(deployment, kubernetes_settings):
    from synth_ops_airflow.steps import training_request
    from synth_ops_airflow.tournament import plan_prepare

    request = training_request("adult", f"{deployment.landing_url}/adult/adult.csv", overrides={"epochs": 3})
    job = plan_prepare.function([request])[0]
    manifest = build_pod("tournament.prepare_dataset", job, kubernetes_settings)
    base = container(manifest)

    kubernetes_validate.validate(manifest, "1.31", strict=True)
    assert base["args"][-2:] == ["--output-json", "/airflow/xcom/return.json"]
    assert base["args"][:8] == [
        "prepare", f"{deployment.landing_url}/adult/adult.csv", "--dataset", "adult",
        "--work", deployment.work_url, "--registry", deployment.registry_url,
    ]
    assert "--epochs" in base["args"]
    assert len(manifest["spec"]["containers"]) == 2
    assert FAKE_SECRET not in json.dumps(manifest)


@pytest.mark.parametrize(
    ("task_id", "arguments"),
    [
        ("tournament.select_winner", ["select", "--run", "s3://synth-work/adult/abc"]),
        ("tournament.register_champion", ["register", "--run", "s3://synth-work/adult/abc", "--registry", "s3://synth-registry"]),
    ],
)
def test_step_pods_have_no_gpu(task_id, arguments, kubernetes_settings):
    manifest = build_pod(task_id, {"arguments": arguments, "dataset": "adult"}, kubernetes_settings)
    base = container(manifest)

    kubernetes_validate.validate(manifest, "1.31", strict=True)
    assert base["args"] == arguments
    assert "nvidia.com/gpu" not in base["resources"]["limits"]
    assert not manifest["spec"].get("tolerations")
    assert FAKE_SECRET not in json.dumps(manifest)


def test_placeholder_image_fails_at_run_time(prepared_run, kubernetes_settings, monkeypatch):
    from synth_ops_airflow.config import SettingsError, load_settings

    monkeypatch.delenv("SYNTH_OPS_WORKER_IMAGE")
    job = candidate_jobs(prepared_run)[0]
    operator = load_dag("synth_manual").get_task("tournament.fit_candidate").unmap(job)

    with pytest.raises(SettingsError, match="SYNTH_OPS_WORKER_IMAGE"):
        operator.configure_pod(load_settings())


@pytest.mark.slow
@pytest.mark.parametrize("candidate", LOCAL_CANDIDATES)
def test_candidate_pod_command_runs_locally(candidate, prepared_run, kubernetes_settings, worker_bin):
    from synth_ops import storage

    job = candidate_job(prepared_run, candidate)
    base = container(build_pod("tournament.fit_candidate", job, kubernetes_settings))
    command = [str(worker_bin.parent / base["command"][0]), *base["args"]]
    environment = {**os.environ, **{item["name"]: item["value"] for item in base["env"]}}

    completed = subprocess.run(command, capture_output=True, text=True, env=environment)

    assert completed.returncode == 0, completed.stderr[-2000:]
    outputs = f"{prepared_run['run_url']}/candidates/{candidate}"
    assert storage.read_json(f"{outputs}/scores.json")["status"] == "ok"
    assert storage.exists(f"{outputs}/generator.pkl")
    assert storage.exists(f"{outputs}/sample.parquet")
