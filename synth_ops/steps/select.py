"""The select step: read every candidate's scores and write ``decision.json``."""

from __future__ import annotations

import logging
from typing import Any

from synth_ops import storage
from synth_ops.errors import ObjectNotFoundError, SelectionError
from synth_ops.selection import decide
from synth_ops.settings import RunSettings
from synth_ops.steps.layout import RunLayout

logger = logging.getLogger(__name__)


def collect_scores(layout: RunLayout, names: list[str]) -> dict[str, dict[str, Any]]:
    """Read ``scores.json`` of each candidate; a missing one is recorded as a crash."""
    all_scores = {}
    for name in names:
        try:
            all_scores[name] = storage.read_json(layout.candidate(name, "scores.json"))
        except ObjectNotFoundError:
            all_scores[name] = {
                "candidate": name,
                "status": "failed",
                "error": "no scores.json: the candidate process crashed, was killed (for example out of memory) or never ran",
                "timings": {},
            }
    return all_scores


def run_select(run_url: str, *, candidates: list[str] | None = None, raise_on_no_winner: bool = True) -> dict[str, Any]:
    """Decide the winner of the run at ``run_url`` and write ``decision.json``.

    Raises ``SelectionError`` (after writing the decision) when no candidate
    passed every gate, unless ``raise_on_no_winner`` is false.
    """
    layout = RunLayout.from_url(run_url)
    run = storage.read_json(layout.run_json)
    settings = RunSettings.from_dict(run["settings"])
    names = candidates or settings.candidates.names
    all_scores = collect_scores(layout, names)
    decision = decide(run["dataset"], run["run_id"], all_scores, settings.selection)
    storage.write_json(layout.decision, decision)
    if decision["winner"]:
        logger.info("Winner of run %s: %s", run["run_id"], decision["winner"])
    else:
        logger.error("Run %s has no winner: %s", run["run_id"], "; ".join(decision["reasons"]))
        _write_failure_report(layout, run, decision, all_scores)
        if raise_on_no_winner:
            raise SelectionError("nothing registered: " + decision["reasons"][0] + f" (details in {layout.decision})")
    return decision


def _write_failure_report(layout: RunLayout, run: dict[str, Any], decision: dict[str, Any], all_scores: dict[str, Any]) -> None:
    """Leave ``report.html`` in the work area so a failed run can be read."""
    try:
        from synth_ops.report import ReportView, render_report
    except ImportError:
        return
    view = ReportView(
        dataset=run["dataset"],
        run_id=run["run_id"],
        decision=decision,
        scores=all_scores,
        real=None,
        synthetic=None,
        metadata=storage.read_json(layout.metadata),
        lineage={"source": run["source"], "libraries": run["libraries"], "settings": run["settings"], "created_at": run["created_at"], "version": None},
        profile=storage.read_json(layout.profile),
    )
    storage.write_bytes(layout.report, render_report(view).encode("utf-8"))
