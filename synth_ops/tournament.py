"""The whole tournament on one machine: prepare, candidates in parallel, select, register."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from synth_ops import storage
from synth_ops.launcher import plan_parallelism, run_candidates
from synth_ops.steps import run_prepare, run_register, run_select
from synth_ops.steps.layout import RunLayout

logger = logging.getLogger(__name__)


@dataclass
class TournamentResult:
    """Outcome of ``run_tournament``."""

    dataset: str
    run_id: str
    run_url: str
    skipped: bool
    existing_version: str | None
    decision: dict[str, Any] | None
    registered: dict[str, Any] | None
    step_seconds: dict[str, float]


def run_tournament(
    source_url: str,
    *,
    work_url: str,
    registry_url: str,
    dataset: str | None = None,
    overrides: dict[str, Any] | None = None,
    settings_url: str | None = None,
    force: bool = False,
) -> TournamentResult:
    """Run every step for ``source_url``; register the winner in ``registry_url``.

    Raises ``SelectionError`` when no candidate passes the gates; the decision
    and a report stay in the run's work area and the registry is unchanged.
    """
    timings: dict[str, float] = {}
    started = time.monotonic()
    prepared = run_prepare(
        source_url, work_url, dataset=dataset, overrides=overrides,
        registry_url=registry_url, settings_url=settings_url, force=force,
    )
    timings["prepare"] = time.monotonic() - started
    if prepared.skipped:
        return TournamentResult(prepared.dataset, prepared.run_id, "", True, prepared.existing_version, None, None, timings)

    options = prepared.settings.candidates
    layout = RunLayout.from_url(prepared.run_url)
    train_rows = storage.read_json(layout.profile)["rows"]["train"]
    columns = len(storage.read_json(layout.columns))
    parallel = plan_parallelism(len(options.names), train_rows * columns, options.parallel)

    started = time.monotonic()
    run_candidates(prepared.run_url, options.names, time_budget=options.time_budget, parallel=parallel)
    timings["candidates"] = time.monotonic() - started

    started = time.monotonic()
    decision = run_select(prepared.run_url)
    timings["select"] = time.monotonic() - started

    started = time.monotonic()
    registered = run_register(prepared.run_url, registry_url)
    timings["register"] = time.monotonic() - started
    return TournamentResult(prepared.dataset, prepared.run_id, prepared.run_url, False, None, decision, registered, timings)
