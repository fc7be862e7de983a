"""Gates, weights and ranking of candidate scorecards."""

from __future__ import annotations

import pytest

from synth_ops.selection import decide, effective_weights, privacy_component
from synth_ops.settings import SelectionSettings


def _scores(quality=0.8, ratio=0.9, share=0.5, copies=0.0, validity=1.0, holdout_copies=0.0, status="ok"):
    return {
        "status": status,
        "fidelity": {"quality": quality, "diagnostic_validity": validity},
        "usability": {"ratio": ratio, "skipped_reason": None},
        "privacy": {"dcr_share_nearer_training": share, "exact_copy_rate": copies, "holdout_exact_copy_rate": holdout_copies},
    }


def test_privacy_component_shape():
    assert privacy_component(0.5) == 1.0
    assert privacy_component(1.0) == 0.0
    assert privacy_component(0.6) == pytest.approx(0.8)


def test_weights_renormalized_without_usability():
    weights = effective_weights({"fidelity": 0.4, "usability": 0.4, "privacy": 0.2}, has_usability=False)

    assert weights["usability"] == 0.0
    assert weights["fidelity"] == pytest.approx(2 / 3)
    assert weights["privacy"] == pytest.approx(1 / 3)


def test_highest_score_wins():
    decision = decide("d", "r", {"a": _scores(quality=0.7), "b": _scores(quality=0.9)}, SelectionSettings())

    assert decision["winner"] == "b"
    assert [entry["candidate"] for entry in decision["ranking"]] == ["b", "a"]
    assert decision["ranking"][0]["score"] == pytest.approx(0.4 * 0.9 + 0.4 * 0.9 + 0.2 * 1.0)
    assert "below b's" in decision["ranking"][1]["reason"]


def test_gate_beats_score():
    close_to_training = _scores(quality=0.99, ratio=1.0, share=0.9)
    decision = decide("d", "r", {"leaky": close_to_training, "safe": _scores(quality=0.6)}, SelectionSettings())

    assert decision["winner"] == "safe"
    leaky = next(entry for entry in decision["ranking"] if entry["candidate"] == "leaky")
    assert leaky["verdict"] == "gated"
    assert "dcr_share" in leaky["reason"]
    assert leaky["rank"] is None


def test_exact_copies_gate_uses_holdout_rate():
    settings = SelectionSettings(exact_copy_tolerance=0.01)
    decision = decide("d", "r", {
        "copier": _scores(copies=0.05, holdout_copies=0.02),
        "fine": _scores(copies=0.025, holdout_copies=0.02),
    }, settings)

    copier = next(entry for entry in decision["ranking"] if entry["candidate"] == "copier")
    gate = next(gate for gate in copier["gates"] if gate["name"] == "exact_copies")
    assert not gate["passed"]
    assert gate["threshold"] == pytest.approx(0.03)
    assert decision["winner"] == "fine"


def test_invalid_output_gated():
    decision = decide("d", "r", {"bad": _scores(validity=0.97)}, SelectionSettings())

    assert decision["winner"] is None
    assert decision["ranking"][0]["verdict"] == "gated"
    assert "no candidate passed every gate" in decision["reasons"][0]


def test_failed_candidates_listed_with_error():
    decision = decide("d", "r", {
        "crashed": {"status": "failed", "error": "process killed by SIGKILL"},
        "slow": {"status": "timed_out", "error": "still running after 120 s"},
        "ok": _scores(),
    }, SelectionSettings())

    assert decision["winner"] == "ok"
    verdicts = {entry["candidate"]: (entry["verdict"], entry["reason"]) for entry in decision["ranking"]}
    assert verdicts["crashed"] == ("failed", "failed: process killed by SIGKILL")
    assert verdicts["slow"][1].startswith("timed_out:")


def test_all_failed_has_reasons():
    decision = decide("d", "r", {"a": {"status": "failed", "error": "boom"}}, SelectionSettings())

    assert decision["winner"] is None
    assert decision["reasons"][0] == "every candidate failed, so there is nothing to register"
    assert "a: failed: boom" in decision["reasons"]


def test_all_timed_out_says_so():
    decision = decide("d", "r", {"a": {"status": "timed_out", "error": "still running after 120 s"}}, SelectionSettings())

    assert decision["reasons"][0] == "every candidate timed out, so there is nothing to register; raise --time-budget"
