"""The candidate step: fit one synthesizer, sample, score, and write its outputs.

Outputs in ``candidates/<name>/``: ``generator.pkl``, ``sample.parquet``
(source-shaped synthetic rows, as many as the training rows), ``scores.json``
and ``log.json``. ``scores.json`` is written last, also on failure, with the
status and the error, so selection can tell a failed candidate from a crashed
one (a crash leaves no ``scores.json``).
"""

from __future__ import annotations

import logging
import os
import pickle
import time
import traceback
from typing import Any

from synth_ops import storage
from synth_ops.errors import CandidateError, ObjectNotFoundError, SynthOpsError
from synth_ops.generator import Generator, seed_everything
from synth_ops.settings import RunSettings
from synth_ops.steps.layout import RunLayout
from synth_ops.tables.columns import ColumnSpec
from synth_ops.versions import library_versions

logger = logging.getLogger(__name__)


def _limit_threads() -> None:
    threads = os.environ.get("SYNTH_OPS_THREADS")
    if threads:
        import torch

        torch.set_num_threads(max(1, int(threads)))


def run_candidate(run_url: str, name: str) -> dict[str, Any]:
    """Fit, sample and score candidate ``name`` of the run at ``run_url``.

    Returns the ``scores.json`` payload. Raises ``CandidateError`` after
    recording the failure when the candidate fails.
    """
    from synth_ops.candidates import engine_available, get_candidate
    from synth_ops.candidates.argn import INSTALL_HINT
    from synth_ops.scoring import score_candidate

    layout = RunLayout.from_url(run_url)
    run = storage.read_json(layout.run_json)
    settings = RunSettings.from_dict(run["settings"])
    candidate_type = get_candidate(name)
    options = settings.candidates
    scores: dict[str, Any] = {"candidate": name, "status": "failed", "error": None, "timings": {}}
    log: dict[str, Any] = {"candidate": name, "libraries": library_versions(), "warnings": []}
    if name == "tabular_argn" and not engine_available():
        scores.update(status="skipped", error=f"mostlyai-engine is not installed in the worker environment; {INSTALL_HINT}")
        logger.warning("Skipping candidate %s: %s", name, scores["error"])
        storage.write_json(layout.candidate(name, "log.json"), log)
        storage.write_json(layout.candidate(name, "scores.json"), scores)
        return scores
    started = time.monotonic()
    try:
        _limit_threads()
        train = storage.read_parquet(layout.train)
        holdout = storage.read_parquet(layout.holdout)
        metadata = storage.read_json(layout.metadata)
        baseline = storage.read_json(layout.baseline)
        privacy_reference = _read_privacy_reference(layout)
        columns = [ColumnSpec.from_dict(item) for item in storage.read_json(layout.columns)]
        seed = settings.table.seed

        candidate = candidate_type(
            options.params.get(name, {}),
            epochs=options.epochs,
            time_budget=options.time_budget,
            device=options.device,
            seed=seed,
        )
        seed_everything(seed)

        def on_epoch(progress) -> None:
            if progress.completed == 1 or progress.completed % 10 == 0 or progress.completed == progress.requested:
                logger.info("%s: epoch %d of %d", name, progress.completed, progress.requested)

        fit = candidate.fit(train, metadata, on_epoch=on_epoch)
        log["warnings"].extend(fit.warnings)
        generator = Generator(candidate=name, model=candidate.model, columns=columns, libraries=log["libraries"])

        sample_started = time.monotonic()
        model_rows = candidate.model.sample(len(train), seed=seed)
        sample_seconds = time.monotonic() - sample_started

        score_started = time.monotonic()
        dimension_seconds: dict[str, float] = {}
        card = score_candidate(
            train, holdout, model_rows, metadata, settings.table.target, baseline, seed=seed, timings_out=dimension_seconds,
            holdout_to_training=privacy_reference,
        )
        score_seconds = time.monotonic() - score_started

        source_shaped = generator.restore(model_rows, seed=seed)
        storage.write_bytes(layout.candidate(name, "generator.pkl"), pickle.dumps(generator, protocol=pickle.HIGHEST_PROTOCOL))
        storage.write_parquet(layout.candidate(name, "sample.parquet"), source_shaped)

        scores.update(card)
        scores.update({
            "status": "ok",
            "device": fit.device,
            "params": fit.params,
            "epochs_requested": fit.epochs_requested,
            "epochs_completed": fit.epochs_completed,
            "stopped_by_budget": fit.stopped_by_budget,
            "rows_sampled": len(model_rows),
            "timings": {
                "fit_s": round(fit.fit_seconds, 3),
                "sample_s": round(sample_seconds, 3),
                "score_s": round(score_seconds, 3),
                "score_dimensions_s": {key: round(value, 3) for key, value in dimension_seconds.items()},
            },
        })
        logger.info("%s finished: quality %s", name, (card.get("fidelity") or {}).get("quality"))
    except (SynthOpsError, Exception) as error:  # noqa: BLE001 - every failure is recorded, then re-raised
        scores["status"] = "failed"
        scores["error"] = f"{type(error).__name__}: {error}"
        log["traceback"] = traceback.format_exc()
        logger.error("Candidate %s failed: %s", name, scores["error"])
        raise CandidateError(f"candidate {name} failed: {scores['error']}") from error
    finally:
        scores["timings"]["total_s"] = round(time.monotonic() - started, 3)
        storage.write_json(layout.candidate(name, "log.json"), log)
        storage.write_json(layout.candidate(name, "scores.json"), scores)
    return scores


def _read_privacy_reference(layout: RunLayout):
    """Return the run's holdout-to-training distances, or None for a run prepared before they were stored."""
    import io

    import numpy as np

    try:
        data = storage.read_bytes(layout.privacy_reference)
    except ObjectNotFoundError:
        return None
    return np.load(io.BytesIO(data), allow_pickle=False)
