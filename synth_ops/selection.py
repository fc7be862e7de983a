"""Turn candidate scorecards into a decision: gates first, then the weighted score.

Gates (any failure excludes a candidate, whatever its score):

* ``diagnostic_validity``: SDV's diagnostic validity must reach the threshold
  (1.0 by default: every synthetic value is of a valid type and range).
* ``dcr_share``: the share of synthetic rows nearer a training row than a
  holdout row must not exceed ``max_dcr_share`` (0.5 is ideal).
* ``exact_copies``: the rate of synthetic rows equal to a training row must not
  exceed the holdout's own rate plus ``exact_copy_tolerance``.

The weighted score combines fidelity (SDV quality), usability (TSTR/TRTR,
capped at 1) and privacy (``1 - 2 * |dcr_share - 0.5|``). Without a target,
usability's weight is shared out over the other two in proportion.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from synth_ops.settings import SelectionSettings

logger = logging.getLogger(__name__)


def privacy_component(dcr_share: float) -> float:
    """Map the nearer-to-training share to [0, 1]: 1 at 0.5, 0 at 0 or 1."""
    return max(0.0, 1.0 - 2.0 * abs(dcr_share - 0.5))


def effective_weights(weights: dict[str, float], has_usability: bool) -> dict[str, float]:
    """Normalize ``weights`` to sum to 1, dropping usability when it was skipped."""
    used = dict(weights)
    if not has_usability:
        used["usability"] = 0.0
    total = sum(used.values())
    if total <= 0:
        used = {"fidelity": 0.5, "usability": 0.0, "privacy": 0.5}
        total = 1.0
    return {name: value / total for name, value in used.items()}


def evaluate_gates(scores: dict[str, Any], settings: SelectionSettings) -> list[dict[str, Any]]:
    """Return one verdict per gate for a candidate whose status is ``ok``."""
    fidelity = scores.get("fidelity") or {}
    privacy = scores.get("privacy") or {}
    gates = []

    validity = fidelity.get("diagnostic_validity")
    passed = validity is not None and validity >= settings.min_diagnostic_validity
    gates.append({
        "name": "diagnostic_validity",
        "passed": passed,
        "value": validity,
        "threshold": settings.min_diagnostic_validity,
        "reason": (
            f"diagnostic validity {_fmt(validity)} {'>=' if passed else '<'} {_fmt(settings.min_diagnostic_validity)}"
            + ("" if passed else ": some synthetic values are invalid (type, range or category)")
        ),
    })

    share = privacy.get("dcr_share_nearer_training")
    passed = share is not None and share <= settings.max_dcr_share
    gates.append({
        "name": "dcr_share",
        "passed": passed,
        "value": share,
        "threshold": settings.max_dcr_share,
        "reason": (
            f"{_fmt(share)} of synthetic rows are nearer a training row than a holdout row "
            f"({'<=' if passed else '>'} {_fmt(settings.max_dcr_share)}; 0.5 is ideal)"
            + ("" if passed else ": the synthetic rows sit too close to the training rows")
        ),
    })

    copies = privacy.get("exact_copy_rate")
    baseline = privacy.get("holdout_exact_copy_rate") or 0.0
    limit = baseline + settings.exact_copy_tolerance
    passed = copies is not None and copies <= limit
    gates.append({
        "name": "exact_copies",
        "passed": passed,
        "value": copies,
        "threshold": limit,
        "reason": (
            f"exact copies of training rows {_fmt(copies)} {'<=' if passed else '>'} {_fmt(limit)} "
            f"(holdout's own rate {_fmt(baseline)} + tolerance {_fmt(settings.exact_copy_tolerance)})"
        ),
    })
    return gates


def components(scores: dict[str, Any]) -> dict[str, float | None]:
    """Return the fidelity, usability and privacy components of one scorecard."""
    fidelity = (scores.get("fidelity") or {}).get("quality")
    usability = scores.get("usability") or {}
    ratio = usability.get("ratio") if not usability.get("skipped_reason") else None
    share = (scores.get("privacy") or {}).get("dcr_share_nearer_training")
    return {
        "fidelity": fidelity,
        "usability": None if ratio is None else min(1.0, max(0.0, ratio)),
        "privacy": None if share is None else privacy_component(share),
    }


def decide(dataset: str, run_id: str, all_scores: dict[str, dict[str, Any]], settings: SelectionSettings) -> dict[str, Any]:
    """Rank candidates and pick a winner; return the ``decision.json`` payload."""
    has_usability = any(
        (scores.get("usability") or {}).get("ratio") is not None and not (scores.get("usability") or {}).get("skipped_reason")
        for scores in all_scores.values() if scores.get("status") == "ok"
    )
    weights = effective_weights(settings.weights, has_usability)
    entries = []
    for name, scores in all_scores.items():
        status = scores.get("status", "failed")
        entry: dict[str, Any] = {"candidate": name, "status": status, "rank": None, "score": None, "components": {}, "gates": []}
        if status == "skipped":
            entry["verdict"] = "skipped"
            entry["reason"] = f"skipped: {scores.get('error') or 'no reason recorded'}"
            entries.append(entry)
            continue
        if status != "ok":
            entry["verdict"] = "failed"
            entry["reason"] = f"{status}: {scores.get('error') or 'no error recorded'}"
            entries.append(entry)
            continue
        parts = components(scores)
        entry["components"] = parts
        entry["gates"] = evaluate_gates(scores, settings)
        entry["score"] = sum(weights[key] * (parts[key] or 0.0) for key in weights)
        failed = [gate for gate in entry["gates"] if not gate["passed"]]
        if failed:
            entry["verdict"] = "gated"
            entry["reason"] = "failed gate " + "; ".join(f"{gate['name']}: {gate['reason']}" for gate in failed)
        entries.append(entry)

    passed = sorted((e for e in entries if e["status"] == "ok" and "verdict" not in e), key=lambda e: (-e["score"], e["candidate"]))
    for rank, entry in enumerate(passed, start=1):
        entry["rank"] = rank
        if rank == 1:
            entry["verdict"] = "winner"
            entry["reason"] = f"highest weighted score {entry['score']:.3f} among {len(passed)} candidate{'s' if len(passed) != 1 else ''} that passed every gate"
        else:
            leader = passed[0]
            entry["verdict"] = "lost"
            entry["reason"] = f"weighted score {entry['score']:.3f} below {leader['candidate']}'s {leader['score']:.3f}"

    order = {"winner": 0, "lost": 1, "gated": 2, "failed": 3, "skipped": 4}
    entries.sort(key=lambda e: (order[e["verdict"]], e["rank"] or 0, -(e["score"] or 0.0), e["candidate"]))
    winner = passed[0]["candidate"] if passed else None
    reasons = []
    if winner is None:
        statuses = {e["status"] for e in entries}
        if statuses == {"timed_out"}:
            reasons.append("every candidate timed out, so there is nothing to register; raise --time-budget")
        elif "ok" not in statuses:
            reasons.append("every candidate failed, so there is nothing to register")
        else:
            reasons.append("no candidate passed every gate, so nothing is registered")
        reasons.extend(f"{e['candidate']}: {e['reason']}" for e in entries)
    return {
        "dataset": dataset,
        "run_id": run_id,
        "winner": winner,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "weights": weights,
        "thresholds": {
            "min_diagnostic_validity": settings.min_diagnostic_validity,
            "max_dcr_share": settings.max_dcr_share,
            "exact_copy_tolerance": settings.exact_copy_tolerance,
        },
        "ranking": entries,
        "reasons": reasons,
    }


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
