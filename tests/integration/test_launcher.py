"""The local launcher: real subprocesses that succeed, crash, are killed or time out."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from synth_ops import launcher, storage
from synth_ops.steps import run_prepare
from synth_ops.steps.layout import RunLayout


@pytest.fixture
def prepared_run(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "age": rng.integers(18, 90, 300),
        "plan": rng.choice(["basic", "plus", "pro"], 300),
        "spend": rng.normal(50, 10, 300).round(2),
    })
    table = tmp_path / "landing" / "customers.csv"
    table.parent.mkdir()
    frame.to_csv(table, index=False)
    result = run_prepare(str(table), str(tmp_path / "work"), overrides={"epochs": 1})
    return RunLayout.from_url(result.run_url)


def test_candidate_succeeds_and_writes_outputs(prepared_run):
    outcomes = launcher.run_candidates(prepared_run.url, ["gaussian_copula"], time_budget=120, parallel=1)

    assert outcomes["gaussian_copula"].status == "ok"
    scores = storage.read_json(prepared_run.candidate("gaussian_copula", "scores.json"))
    assert scores["status"] == "ok"
    assert 0 < scores["fidelity"]["quality"] <= 1
    assert storage.exists(prepared_run.candidate("gaussian_copula", "generator.pkl"))
    assert storage.exists(prepared_run.candidate("gaussian_copula", "sample.parquet"))


def test_killed_candidate_recorded_others_go_on(prepared_run, monkeypatch):
    real_command = launcher.candidate_command

    def command(run_url: str, name: str) -> list[str]:
        if name == "ctgan":
            # A real process ended by SIGKILL, as the kernel's out-of-memory killer does.
            return [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
        return real_command(run_url, name)

    monkeypatch.setattr(launcher, "candidate_command", command)

    outcomes = launcher.run_candidates(prepared_run.url, ["ctgan", "gaussian_copula"], time_budget=120, parallel=2)

    assert outcomes["ctgan"].status == "failed"
    assert outcomes["ctgan"].error == "process killed by SIGKILL (likely out of memory)"
    assert outcomes["gaussian_copula"].status == "ok"
    recorded = storage.read_json(prepared_run.candidate("ctgan", "scores.json"))
    assert recorded["status"] == "failed"
    assert "SIGKILL" in recorded["error"]


def test_candidate_past_hard_limit_timed_out(prepared_run):
    outcomes = launcher.run_candidates(prepared_run.url, ["tvae"], time_budget=0.5, parallel=1, grace_seconds=0.5)

    assert outcomes["tvae"].status == "timed_out"
    recorded = storage.read_json(prepared_run.candidate("tvae", "scores.json"))
    assert recorded["status"] == "timed_out"
    assert "still running after 2 s" in recorded["error"]


def test_failing_candidate_records_error(prepared_run):
    run = storage.read_json(prepared_run.run_json)
    run["settings"]["candidates"]["params"] = {"tvae": {"embedding_dim": -5}}
    storage.write_json(prepared_run.run_json, run)

    outcomes = launcher.run_candidates(prepared_run.url, ["tvae"], time_budget=60, parallel=1)

    assert outcomes["tvae"].status == "failed"
    recorded = storage.read_json(prepared_run.candidate("tvae", "scores.json"))
    assert recorded["status"] == "failed"
    assert recorded["error"]
    log = storage.read_json(prepared_run.candidate("tvae", "log.json"))
    assert "Traceback" in log["traceback"]


def test_parallelism_bounded_by_request():
    assert launcher.plan_parallelism(4, cells=1000, requested=1) == 1
    assert launcher.plan_parallelism(2, cells=1000, requested=8) == 2
    assert 1 <= launcher.plan_parallelism(4, cells=10**12) <= 4


def test_argn_without_engine_recorded_skipped(prepared_run, monkeypatch):
    import synth_ops.candidates
    from synth_ops.steps import run_candidate, run_select

    # The engine's absence is simulated: the test environment may have it installed.
    monkeypatch.setattr(synth_ops.candidates, "engine_available", lambda: False)

    scores = run_candidate(prepared_run.url, "tabular_argn")
    run_candidate(prepared_run.url, "gaussian_copula")
    decision = run_select(prepared_run.url, candidates=["gaussian_copula", "tabular_argn"])

    assert scores["status"] == "skipped"
    assert "mostlyai-engine is not installed" in scores["error"]
    assert "--no-deps mostlyai-engine" in scores["error"]
    verdicts = {entry["candidate"]: entry for entry in decision["ranking"]}
    assert verdicts["tabular_argn"]["verdict"] == "skipped"
    assert verdicts["tabular_argn"]["reason"].startswith("skipped: mostlyai-engine is not installed")
    assert decision["winner"] == "gaussian_copula"
