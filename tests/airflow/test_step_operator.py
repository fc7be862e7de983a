"""SynthStepOperator in local mode, against a stand-in for the worker's synth-ops executable.

The stand-in is a shell script that records its arguments and environment,
writes a result when asked with --output-json, and exits with the code the
test chooses, so every exit path of the operator runs without SDV.
"""

from __future__ import annotations

import json
import stat
import textwrap

import pytest

pytest.importorskip("airflow.sdk", reason="Airflow is not installed: run these tests with .venv-airflow/bin/python")

from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException  # noqa: E402

from synth_ops_airflow.operators import SynthStepOperator  # noqa: E402

FAKE_WORKER = textwrap.dedent("""\
    #!/bin/sh
    printf '%s\\n' "$@" > "$RECORD_DIR/arguments"
    env > "$RECORD_DIR/environment"
    echo "step output line"
    previous=""
    for argument in "$@"; do
        if [ "$previous" = "--output-json" ]; then
            printf '{"run_url": "s3://work/adult/abc", "skipped": false}' > "$argument"
        fi
        previous="$argument"
    done
    if [ -n "$SLEEP_SECONDS" ]; then sleep "$SLEEP_SECONDS"; fi
    if [ "$EXIT_CODE" != "0" ]; then echo "synth-ops candidate: error: candidate tvae failed: bad parameter" >&2; fi
    exit "$EXIT_CODE"
""")


@pytest.fixture
def fake_worker(tmp_path, monkeypatch):
    program = tmp_path / "synth-ops"
    program.write_text(FAKE_WORKER)
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SYNTH_OPS_LAUNCHER", "local")
    monkeypatch.setenv("SYNTH_OPS_WORKER_BIN", str(program))
    monkeypatch.setenv("SYNTH_OPS_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("RECORD_DIR", str(tmp_path))
    monkeypatch.setenv("EXIT_CODE", "0")
    monkeypatch.delenv("SLEEP_SECONDS", raising=False)
    return tmp_path


def make_operator(**kwargs) -> SynthStepOperator:
    defaults = {"task_id": "fit_candidate", "step": "candidate", "arguments": ["candidate", "--run", "s3://work/adult/abc", "--name", "tvae"], "candidate": "tvae"}
    return SynthStepOperator(**{**defaults, **kwargs})


def test_local_step_runs_pod_arguments(fake_worker):
    result = make_operator().execute(context={})

    assert result is None
    assert (fake_worker / "arguments").read_text().split() == ["candidate", "--run", "s3://work/adult/abc", "--name", "tvae"]


def test_local_step_gets_worker_environment(fake_worker):
    make_operator().execute(context={})
    environment = dict(line.split("=", 1) for line in (fake_worker / "environment").read_text().splitlines() if "=" in line)

    assert environment["SYNTH_OPS_S3_ENDPOINT_URL"] == "http://127.0.0.1:9"
    assert environment["SYNTH_OPS_CHILD_PROCESS"] == "1"


def test_local_step_returns_output_json(fake_worker):
    operator = make_operator(step="prepare", arguments=["prepare", "s3://landing/adult/adult.csv"], candidate=None, push_output=True)

    assert operator.execute(context={}) == {"run_url": "s3://work/adult/abc", "skipped": False}
    assert "--output-json" in (fake_worker / "arguments").read_text().split()


def test_permanent_failure_is_not_retried(fake_worker, monkeypatch):
    monkeypatch.setenv("EXIT_CODE", "4")

    with pytest.raises(AirflowFailException, match="exit code 4: synth-ops candidate: error: candidate tvae failed"):
        make_operator().execute(context={})


def test_storage_failure_is_retried(fake_worker, monkeypatch):
    monkeypatch.setenv("EXIT_CODE", "6")

    with pytest.raises(AirflowException) as raised:
        make_operator().execute(context={})
    assert not isinstance(raised.value, AirflowFailException)


def test_skip_exit_code_skips(fake_worker, monkeypatch):
    monkeypatch.setenv("EXIT_CODE", "5")

    with pytest.raises(AirflowSkipException, match="exited with 5"):
        make_operator(skip_on_exit_code=5).execute(context={})


def test_time_limit_stops_step(fake_worker, monkeypatch):
    monkeypatch.setenv("SLEEP_SECONDS", "30")

    with pytest.raises(AirflowException, match="timed out after 1 s"):
        make_operator(time_limit_seconds=1).execute(context={})


def test_kubernetes_mode_needs_image(fake_worker, monkeypatch):
    from synth_ops_airflow.config import SettingsError

    monkeypatch.setenv("SYNTH_OPS_LAUNCHER", "kubernetes")
    monkeypatch.delenv("SYNTH_OPS_WORKER_IMAGE", raising=False)

    with pytest.raises(SettingsError, match="worker_image"):
        make_operator().execute(context={})


def test_pod_result_path_added_once(fake_worker, monkeypatch):
    from synth_ops_airflow.config import load_settings

    monkeypatch.setenv("SYNTH_OPS_WORKER_IMAGE", "registry.example.com/worker:1")
    operator = make_operator(step="prepare", arguments=["prepare", "s3://landing/adult/adult.csv"], candidate=None, push_output=True)
    operator.configure_pod(load_settings())
    operator.configure_pod(load_settings())

    assert operator.arguments.count("--output-json") == 1
    assert operator.do_xcom_push is True
    assert json.dumps(operator.arguments).endswith('"/airflow/xcom/return.json"]')
