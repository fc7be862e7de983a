"""Helm values and Kubernetes manifests: schema-valid, wired to the DAGs, free of secrets."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART_SCHEMA = ROOT.parent / "shared" / "schemas" / "airflow-chart" / "values.schema.json"
AIRFLOW_VALUES = ROOT / "helm-values" / "airflow.yaml"
MINIO_VALUES = ROOT / "helm-values" / "minio.yaml"
MANIFESTS = sorted((ROOT / "deploy").glob("*.yaml"))
PLUGIN_CONFIG = ROOT / "plugins" / "synth_ops_airflow" / "config.py"


@pytest.fixture(scope="module")
def chart_validator():
    if not CHART_SCHEMA.exists():
        pytest.skip(f"the official chart's values.schema.json is not at {CHART_SCHEMA}")
    import jsonschema

    return jsonschema.Draft7Validator(json.loads(CHART_SCHEMA.read_text()))


@pytest.fixture(scope="module")
def airflow_values():
    return yaml.safe_load(AIRFLOW_VALUES.read_text())


def test_airflow_values_match_chart_schema(chart_validator, airflow_values):
    errors = [f"{list(error.path)}: {error.message}" for error in chart_validator.iter_errors(airflow_values)]

    assert errors == []


def test_chart_schema_rejects_unknown_key(chart_validator, airflow_values):
    mistyped = copy.deepcopy(airflow_values)
    mistyped["triggerer"]["enabld"] = True

    assert list(chart_validator.iter_errors(mistyped))


def test_airflow_values_choose_executor_and_triggerer(airflow_values):
    assert airflow_values["executor"] == "LocalExecutor"
    assert airflow_values["triggerer"]["enabled"] is True
    assert airflow_values["postgresql"]["enabled"] is True
    assert airflow_values["airflowVersion"] == airflow_values["defaultAirflowTag"]


def test_airflow_version_matches_image(airflow_values):
    dockerfile = (ROOT / "docker" / "airflow.Dockerfile").read_text()

    assert f"ARG AIRFLOW_VERSION={airflow_values['airflowVersion']}" in dockerfile


def test_env_names_are_known_settings(airflow_values):
    defined = set(re.findall(r'Setting\("([a-z0-9_]+)"', PLUGIN_CONFIG.read_text()))
    names = [item["name"] for item in airflow_values["env"]]

    assert names
    for name in names:
        assert name.startswith("SYNTH_OPS_")
        assert name.removeprefix("SYNTH_OPS_").lower() in defined, name


def test_connections_come_from_secrets(airflow_values):
    for item in airflow_values["secret"]:
        assert set(item) == {"envName", "secretName", "secretKey"}
    assert {item["envName"] for item in airflow_values["secret"]} == {"AIRFLOW_CONN_AWS_DEFAULT"}


def test_minio_values_buckets():
    values = yaml.safe_load(MINIO_VALUES.read_text())
    buckets = {bucket["name"]: bucket for bucket in values["buckets"]}

    assert set(buckets) == {"synth-landing", "synth-work", "synth-registry"}
    assert buckets["synth-registry"]["versioning"] is True
    assert values["existingSecret"]
    assert any("ilm rule add --expire-days" in item["command"] and "synth-work" in item["command"] for item in values["customCommands"])


@pytest.mark.parametrize("path", MANIFESTS, ids=[path.name for path in MANIFESTS])
def test_manifest_matches_kubernetes_schema(path):
    kubernetes_validate = pytest.importorskip("kubernetes_validate")

    for document in yaml.safe_load_all(path.read_text()):
        assert kubernetes_validate.validate(document, "1.31", strict=True)


def test_no_secret_values_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    pattern = re.compile(
        r"(AKIA[0-9A-Z]{16}"
        r"|(secret_access_key|rootPassword|password|secretKey)\s*[:=]\s*[\"']?[A-Za-z0-9/+]{8,}"
        r"|-----BEGIN [A-Z ]*PRIVATE KEY-----)"
    )
    offenders = []
    for name in tracked:
        path = ROOT / name
        if path.suffix not in (".py", ".yaml", ".yml", ".md", ".txt", ".json", ".toml", ".sh", ".cfg", ".ini", "") or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="ignore").splitlines(), start=1):
            if pattern.search(line) and "testing" not in line:
                offenders.append(f"{name}:{number}: {line.strip()[:80]}")

    assert offenders == []
