"""Training requests from manual params, and the prepare arguments built from them."""

from __future__ import annotations

import pytest

pytest.importorskip("airflow.sdk", reason="Airflow is not installed: run these tests with .venv-airflow/bin/python")

from airflow.sdk.exceptions import AirflowFailException  # noqa: E402

from synth_ops.errors import ConfigError  # noqa: E402
from synth_ops_airflow.config import load_settings  # noqa: E402
from synth_ops_airflow.sources import manual_request  # noqa: E402
from synth_ops_airflow.steps import prepare_arguments, training_request  # noqa: E402


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_LANDING_URL", str(tmp_path / "landing"))
    monkeypatch.setenv("SYNTH_OPS_WORK_URL", "s3://work")
    monkeypatch.setenv("SYNTH_OPS_REGISTRY_URL", "s3://registry")
    return load_settings()


def test_source_key_is_resolved_inside_landing(settings):
    request = manual_request(settings, {"dataset": "adult", "source_key": "adult/2026.csv"})

    assert request["url"] == f"{settings.landing_url}/adult/2026.csv"
    assert request["overrides"] == {}
    assert request["force"] is False


def test_full_url_is_kept(settings):
    request = manual_request(settings, {"dataset": "adult", "source_key": "s3://elsewhere/adult.csv", "force": True})

    assert request["url"] == "s3://elsewhere/adult.csv"
    assert request["force"] is True


def test_empty_source_key_takes_newest_table(settings, tmp_path):
    folder = tmp_path / "landing" / "adult"
    folder.mkdir(parents=True)
    (folder / "adult.csv").write_bytes(b"a,b\n1,2\n")

    request = manual_request(settings, {"dataset": "adult", "source_key": ""})

    assert request["url"].endswith("/landing/adult/adult.csv")
    assert request["content_hash"].startswith("sha256:")


def test_missing_table_fails_with_location(settings):
    with pytest.raises(AirflowFailException, match="no table found in .*/landing/adult/"):
        manual_request(settings, {"dataset": "adult"})


def test_params_become_prepare_flags(settings):
    params = {
        "dataset": "adult", "source_key": "adult/adult.csv", "candidates": ["gaussian_copula", "tvae"],
        "epochs": 5, "time_budget_seconds": 90.0, "publish_rows": 1000, "target": "income", "force": True,
    }

    arguments = prepare_arguments(manual_request(settings, params), settings)

    assert arguments == [
        "prepare", f"{settings.landing_url}/adult/adult.csv", "--dataset", "adult",
        "--work", "s3://work", "--registry", "s3://registry",
        "--candidates", "gaussian_copula,tvae", "--epochs", "5", "--time-budget", "90.0",
        "--publish-rows", "1000", "--target", "income", "--force",
    ]


def test_empty_candidates_leave_synth_yaml_in_charge(settings):
    request = manual_request(settings, {"dataset": "adult", "source_key": "adult/a.csv", "candidates": []})

    assert "--candidates" not in prepare_arguments(request, settings)


def test_unknown_candidate_is_rejected():
    with pytest.raises(ConfigError, match="unknown candidate 'gpt': choose from gaussian_copula"):
        training_request("adult", "s3://landing/adult/a.csv", overrides={"candidates": ["gpt"]})


def test_unknown_override_is_rejected():
    with pytest.raises(ConfigError, match="unknown override 'learning_rate'"):
        training_request("adult", "s3://landing/adult/a.csv", overrides={"learning_rate": 0.1})
