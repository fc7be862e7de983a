"""Integrity of the DAG files: they import cleanly, cheaply and without touching anything external.

The scheduler parses these files every few seconds, so parsing must not
import pandas, SDV or torch, and must not read a Variable, a connection or a
bucket. Those checks run in a fresh interpreter, where nothing imported by
another test can hide an import or a call.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("airflow.sdk", reason="Airflow is not installed: run these tests with .venv-airflow/bin/python")

REPOSITORY = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPOSITORY / "dags"
EXPECTED_DAGS = {"synth_on_arrival", "synth_nightly", "synth_manual"}
#: Modules, with their submodules, that the scheduler must not import to parse a DAG.
HEAVY_MODULES = ("pandas", "numpy", "pyarrow", "sdv", "torch", "sklearn", "synth_ops.tables", "synth_ops.candidates")
TASK_ID = re.compile(r"^[a-z]+(_[a-z]+)+$")

#: Runs in a fresh interpreter: makes every Variable, connection and storage
#: lookup raise, parses the DAG folder, and prints what it found as JSON.
PARSE_PROBE = """
import json, sys
calls = []

def forbid(name):
    def raiser(*args, **kwargs):
        calls.append(name)
        raise RuntimeError(f"{name} called while parsing DAG files")
    return raiser

import airflow.sdk
import boto3.session
import synth_ops.storage.io
from airflow.sdk.bases.hook import BaseHook

airflow.sdk.Variable.get = staticmethod(forbid("Variable.get"))
airflow.sdk.Connection.get = classmethod(forbid("Connection.get"))
BaseHook.get_connection = classmethod(forbid("BaseHook.get_connection"))
boto3.session.Session.client = forbid("boto3 client")
synth_ops.storage.io.for_url = forbid("synth_ops storage")

from airflow.dag_processing.dagbag import DagBag

bag = DagBag(dag_folder=sys.argv[1])
heavy_roots = tuple(sys.argv[2].split(","))
heavy = sorted(name for name in sys.modules if name in heavy_roots or name.startswith(tuple(root + "." for root in heavy_roots)))
print(json.dumps({
    "dags": sorted(bag.dags),
    "errors": {path: str(error) for path, error in bag.import_errors.items()},
    "calls": calls,
    "heavy": heavy,
    "schedules": {dag_id: str(dag.schedule) for dag_id, dag in bag.dags.items()},
}))
"""


def parse_in_fresh_interpreter(extra_environment: dict[str, str] | None = None) -> dict:
    environment = {**os.environ, **(extra_environment or {})}
    completed = subprocess.run(
        [sys.executable, "-c", PARSE_PROBE, str(DAGS_FOLDER), ",".join(HEAVY_MODULES)],
        capture_output=True, text=True, env=environment, cwd=REPOSITORY,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def dag_bag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


@pytest.fixture(scope="module")
def probe() -> dict:
    # A landing URL on a bucket that does not exist: any listing would fail.
    return parse_in_fresh_interpreter({"SYNTH_OPS_LANDING_URL": "s3://parse-time-access-is-forbidden"})


def test_dags_import_without_errors(dag_bag):
    assert dag_bag.import_errors == {}
    assert set(dag_bag.dags) == EXPECTED_DAGS


def test_dag_files_are_named_after_dag_id(dag_bag):
    for dag_id, dag in dag_bag.dags.items():
        assert Path(dag.fileloc).stem == dag_id


def test_dags_have_tags_docs_and_retries(dag_bag):
    for dag_id, dag in dag_bag.dags.items():
        assert "synth-ops" in dag.tags, dag_id
        assert dag.doc_md and dag.doc_md.strip().startswith("###"), dag_id
        assert dag.default_args.get("retries", 0) >= 1, dag_id
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id}"


def test_task_ids_are_verb_object(dag_bag):
    for dag_id, dag in dag_bag.dags.items():
        for task in dag.tasks:
            name = task.task_id.rsplit(".", 1)[-1]
            assert TASK_ID.match(name), f"{dag_id}.{task.task_id}"


def test_parsing_imports_no_heavy_module(probe):
    assert probe["errors"] == {}
    assert probe["heavy"] == []


def test_parsing_reads_no_variable_connection_or_bucket(probe):
    assert probe["errors"] == {}
    assert set(probe["dags"]) == EXPECTED_DAGS
    assert probe["calls"] == []


def test_nightly_schedule_comes_from_environment():
    probe = parse_in_fresh_interpreter({"SYNTH_OPS_NIGHTLY_SCHEDULE": "30 3 * * 1-5"})

    assert probe["schedules"]["synth_nightly"] == "30 3 * * 1-5"


def test_nightly_schedule_default(probe):
    assert probe["schedules"]["synth_nightly"] == "0 2 * * *"


def test_arrival_dag_is_scheduled_by_landing_watcher(dag_bag):
    from airflow.sdk import Asset
    from airflow.triggers.base import BaseEventTrigger

    from synth_ops_airflow.triggers import LandingTableTrigger

    assets = list(dag_bag.dags["synth_on_arrival"].timetable.asset_condition.objects)

    assert len(assets) == 1
    assert isinstance(assets[0], Asset)
    assert assets[0].uri.rstrip("/") == "synth-ops://landing"
    assert len(assets[0].watchers) == 1
    trigger = assets[0].watchers[0].trigger
    assert isinstance(trigger, LandingTableTrigger)
    assert isinstance(trigger, BaseEventTrigger)


def test_manual_dag_params_are_typed(dag_bag):
    from synth_ops.settings import ALL_CANDIDATES

    params = dag_bag.dags["synth_manual"].params

    assert set(params) == {"dataset", "source_key", "candidates", "epochs", "time_budget_seconds", "publish_rows", "target", "force"}
    assert params.get_param("candidates").schema["items"]["enum"] == ALL_CANDIDATES
    assert params.get_param("epochs").schema["type"] == ["null", "integer"]
    assert params.get_param("force").schema["type"] == "boolean"
    assert params.get_param("dataset").schema["pattern"].startswith("^[a-z0-9]")


def test_manual_dag_rejects_invalid_params(dag_bag):
    from airflow.sdk.exceptions import ParamValidationError

    params = dag_bag.dags["synth_manual"].params

    assert params.get_param("candidates").resolve(["tvae"]) == ["tvae"]
    with pytest.raises(ParamValidationError):
        params.get_param("candidates").resolve(["no_such_model"])
    with pytest.raises(ParamValidationError):
        params.get_param("dataset").resolve("Adult Census")
    with pytest.raises(ParamValidationError):
        params.get_param("epochs").resolve(0)


def test_candidates_wait_for_every_mapped_candidate(dag_bag):
    for dag_id, dag in dag_bag.dags.items():
        select = dag.get_task("tournament.select_winner")
        assert "tournament.fit_candidate" in select.upstream_task_ids, dag_id
        assert select.trigger_rule == "all_done", dag_id
        assert dag.get_task("tournament.register_champion").upstream_task_ids == {"tournament.find_winners"}, dag_id


def test_tournament_summary_is_leaf(dag_bag):
    # The DAG run fails only when a leaf task fails, so the summary must stay one.
    for dag_id, dag in dag_bag.dags.items():
        assert dag.get_task("tournament.summarize_tournament").downstream_task_ids == set(), dag_id


def test_nightly_refresh_follows_publishing(dag_bag):
    plan = dag_bag.dags["synth_nightly"].get_task("plan_refresh")

    assert plan.upstream_task_ids == {"tournament.publish_champions"}
    assert plan.trigger_rule == "all_done"
