"""Resolution and validation of the deployment settings (environment, Variables, defaults)."""

from __future__ import annotations

import stat

import pytest

pytest.importorskip("airflow.sdk", reason="Airflow is not installed: run these tests with .venv-airflow/bin/python")

from synth_ops_airflow.config import SETTINGS, SettingsError, load_settings, nightly_schedule  # noqa: E402


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Remove every synth-ops setting from the environment, as variables and as Airflow Variables."""
    for setting in SETTINGS.values():
        monkeypatch.delenv(setting.environment_variable, raising=False)
        monkeypatch.delenv(f"AIRFLOW_VAR_{setting.variable_key.upper()}", raising=False)
    monkeypatch.delenv("SYNTH_OPS_NIGHTLY_SCHEDULE", raising=False)


def test_defaults_when_nothing_is_set():
    settings = load_settings()

    assert settings.landing_url == "s3://synth-landing"
    assert settings.work_url == "s3://synth-work"
    assert settings.registry_url == "s3://synth-registry"
    assert settings.launcher == "kubernetes"
    assert settings.gpu_candidates == ("ctgan", "tvae", "copula_gan", "tabular_argn")
    assert settings.sources["landing_url"] == "default"


def test_environment_overrides_variable(monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_SYNTH_OPS_REGISTRY_URL", "s3://from-variable")
    monkeypatch.setenv("AIRFLOW_VAR_SYNTH_OPS_WORK_URL", "s3://work-from-variable/")
    monkeypatch.setenv("SYNTH_OPS_REGISTRY_URL", "s3://from-environment")

    settings = load_settings()

    assert settings.registry_url == "s3://from-environment"
    assert settings.sources["registry_url"] == "environment"
    assert settings.work_url == "s3://work-from-variable"
    assert settings.sources["work_url"] == "variable"


def test_placeholder_image_names_the_setting():
    settings = load_settings()

    with pytest.raises(SettingsError, match="SYNTH_OPS_WORKER_IMAGE.*synth_ops_worker_image"):
        settings.require_kubernetes()


def test_empty_secret_name_is_rejected(monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_WORKER_IMAGE", "registry.example.com/worker:1")
    monkeypatch.setenv("AIRFLOW_VAR_SYNTH_OPS_S3_SECRET_NAME", "CHANGE_ME-please")

    with pytest.raises(SettingsError, match="s3_secret_name is required but still the placeholder"):
        load_settings().require_kubernetes()


def test_invalid_launcher_lists_modes(monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_LAUNCHER", "docker")

    with pytest.raises(SettingsError, match="launcher='docker' is invalid: use one of kubernetes, local"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SYNTH_OPS_GPU_TOLERATIONS", "{not json", "gpu_tolerations is not valid JSON"),
        ("SYNTH_OPS_GPU_TOLERATIONS", '{"key": "x"}', "gpu_tolerations must be a JSON list"),
        ("SYNTH_OPS_GPU_NODE_SELECTOR", "[1]", "gpu_node_selector must be a JSON dict"),
        ("SYNTH_OPS_STARTUP_TIMEOUT_SECONDS", "soon", "startup_timeout_seconds='soon' is invalid"),
        ("SYNTH_OPS_PUBLISH_ROWS", "-1", "publish_rows='-1' is invalid"),
    ],
)
def test_invalid_values_are_rejected(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_unknown_toleration_field_is_rejected(monkeypatch):
    from synth_ops_airflow import pods

    monkeypatch.setenv("SYNTH_OPS_GPU_TOLERATIONS", '[{"key": "gpu", "seconds": 5}]')

    with pytest.raises(SettingsError, match="unknown field 'seconds'"):
        pods.tolerations(load_settings(), "ctgan")


def test_missing_worker_bin_names_the_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("SYNTH_OPS_WORKER_BIN", str(tmp_path / "missing" / "synth-ops"))

    with pytest.raises(SettingsError, match="SYNTH_OPS_WORKER_BIN"):
        load_settings().require_local()


def test_executable_worker_bin_is_accepted(monkeypatch, tmp_path):
    program = tmp_path / "synth-ops"
    program.write_text("#!/bin/sh\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SYNTH_OPS_WORKER_BIN", str(program))

    load_settings().require_local()


def test_worker_environment_leaves_out_unset_values(monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_S3_ENDPOINT_URL", "http://minio.minio:9000")

    assert load_settings().worker_environment() == {"SYNTH_OPS_S3_ENDPOINT_URL": "http://minio.minio:9000"}


def test_nightly_schedule_default_and_override(monkeypatch):
    assert nightly_schedule() == "0 2 * * *"
    monkeypatch.setenv("SYNTH_OPS_NIGHTLY_SCHEDULE", "15 1 * * *")
    assert nightly_schedule() == "15 1 * * *"


def test_every_setting_is_documented():
    for setting in SETTINGS.values():
        assert setting.description.endswith("."), setting.name
        assert setting.environment_variable == "SYNTH_OPS_" + setting.name.upper()
        assert setting.variable_key == "synth_ops_" + setting.name
