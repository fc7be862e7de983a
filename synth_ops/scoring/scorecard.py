"""The scorecard: the baseline computed once per run, and the scores of each candidate.

``compute_baseline`` runs in the prepare step and computes what depends only
on real data (the TRTR score and the holdout's exact-copy rate). The prepare
step stores it, so every candidate is compared with the same reference. ``score_candidate`` runs once
per candidate. Both return plain dicts that ``json.dumps(..., allow_nan=False)``
accepts: a score that cannot be computed is None, never NaN.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from synth_ops.errors import CandidateError, ConfigError, TableError
from synth_ops.scoring.encoding import column_kinds, read_table_metadata
from synth_ops.scoring.fidelity import score_fidelity
from synth_ops.scoring.privacy import exact_copy_rate, holdout_to_training_distances, score_privacy
from synth_ops.scoring.usability import compute_trtr, infer_task, score_usability

logger = logging.getLogger(__name__)


def compute_baseline(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    metadata: dict,
    target: str | None,
    *,
    seed: int,
) -> dict:
    """Compute the real-data reference scores that every candidate is compared with.

    Returns ``{"task", "target", "trtr", "holdout_exact_copy_rate", "rows",
    "skipped_reason"}``. ``trtr`` holds ``macro_f1`` and ``accuracy`` for a
    classification target or ``r2`` for a regression one, and is None, with
    ``skipped_reason`` set, when there is no target or the real data cannot give
    a reference score.

    Raises TableError for unusable frames or metadata, and ConfigError when
    ``target`` is not a column or has an sdtype that cannot be predicted.
    """
    columns, column_metadata = _check_real_frames(train, holdout, metadata)
    kinds = column_kinds(column_metadata, columns)
    formats = _datetime_formats(column_metadata, columns)
    holdout = holdout[columns]

    task = None
    trtr = None
    skipped_reason = None
    if target is None:
        skipped_reason = "no target column is configured"
    else:
        _check_target(target, columns)
        task = infer_task(column_metadata, target)
        trtr, skipped_reason = compute_trtr(
            train, holdout, kinds, target, task, seed=seed, datetime_formats=formats
        )
    if skipped_reason:
        logger.warning("usability baseline skipped: %s", skipped_reason)

    baseline = {
        "task": task,
        "target": target,
        "trtr": trtr,
        "holdout_exact_copy_rate": exact_copy_rate(holdout, train, kinds, formats),
        "rows": {"train": len(train), "holdout": len(holdout)},
        "skipped_reason": skipped_reason,
    }
    logger.info(
        "baseline for target %s: trtr %s, holdout exact-copy rate %s",
        target,
        trtr,
        baseline["holdout_exact_copy_rate"],
    )
    return to_json_safe(baseline)


def real_privacy_reference(train: pd.DataFrame, holdout: pd.DataFrame, metadata: dict, *, seed: int) -> np.ndarray:
    """Compute the holdout-to-training distances that ``score_candidate`` compares every candidate with.

    They depend only on the real rows and the seed, so the prepare step
    computes them once per run. Raises TableError for unusable frames or metadata.
    """
    columns, column_metadata = _check_real_frames(train, holdout, metadata)
    kinds = column_kinds(column_metadata, columns)
    formats = _datetime_formats(column_metadata, columns)
    return holdout_to_training_distances(train, holdout[columns], kinds, seed=seed, datetime_formats=formats)


def score_candidate(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    metadata: dict,
    target: str | None,
    baseline: dict,
    *,
    seed: int,
    timings_out: dict | None = None,
    holdout_to_training: np.ndarray | None = None,
) -> dict:
    """Score one candidate's synthetic rows for fidelity, usability and privacy.

    Returns ``{"fidelity": {...}, "usability": {...}, "privacy": {...}}``. The
    keys of each part are listed in ``score_fidelity``, ``score_usability`` and
    ``score_privacy``. ``baseline`` is the output of ``compute_baseline`` for
    the same ``train``, ``holdout`` and ``target``; its TRTR is reused, not
    recomputed. When ``timings_out`` is a dict, it receives the seconds spent on
    each dimension under the same three keys. ``holdout_to_training`` is the
    output of ``real_privacy_reference`` for the same frames and seed, or None
    to compute it here.

    Columns of ``synthetic`` beyond the training columns are ignored. Raises
    CandidateError when ``synthetic`` is empty or lacks a training column or
    when ``baseline`` is malformed, and the errors of ``compute_baseline`` for
    bad real frames, metadata or target.
    """
    columns, column_metadata = _check_real_frames(train, holdout, metadata)
    synthetic = _check_synthetic(synthetic, columns)
    if target is not None:
        _check_target(target, columns)
    if not isinstance(baseline, Mapping) or "holdout_exact_copy_rate" not in baseline:
        raise CandidateError(
            "the baseline has no 'holdout_exact_copy_rate'. Pass the dict that "
            "compute_baseline returned for this run."
        )
    kinds = column_kinds(column_metadata, columns)
    formats = _datetime_formats(column_metadata, columns)
    holdout = holdout[columns]
    table_metadata = _restrict_metadata(metadata, columns)
    timings = timings_out if timings_out is not None else {}

    started = time.perf_counter()
    fidelity = score_fidelity(train, synthetic, table_metadata, seed=seed)
    timings["fidelity"] = time.perf_counter() - started

    started = time.perf_counter()
    usability = score_usability(
        holdout, synthetic, kinds, target, baseline, seed=seed, datetime_formats=formats
    )
    timings["usability"] = time.perf_counter() - started

    started = time.perf_counter()
    privacy = score_privacy(
        train, holdout, synthetic, kinds, baseline["holdout_exact_copy_rate"],
        seed=seed, datetime_formats=formats, holdout_to_training=holdout_to_training,
    )
    timings["privacy"] = time.perf_counter() - started

    logger.info(
        "scored %s synthetic rows: quality %s, usability ratio %s, DCR share %s, "
        "exact copies %s; seconds fidelity %.2f, usability %.2f, privacy %.2f",
        len(synthetic), fidelity["quality"], usability["ratio"],
        privacy["dcr_share_nearer_training"], privacy["exact_copy_rate"],
        timings["fidelity"], timings["usability"], timings["privacy"],
    )
    return to_json_safe({"fidelity": fidelity, "usability": usability, "privacy": privacy})


def to_json_safe(value):
    """Return ``value`` with numpy scalars as Python numbers and NaN or infinity as None."""
    if isinstance(value, Mapping):
        return {str(key): to_json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [to_json_safe(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _check_real_frames(
    train: pd.DataFrame, holdout: pd.DataFrame, metadata: dict
) -> tuple[list[str], dict[str, dict]]:
    _, column_metadata = read_table_metadata(metadata)
    for name, frame in (("train", train), ("holdout", holdout)):
        if not isinstance(frame, pd.DataFrame):
            raise TableError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}.")
        if frame.empty:
            raise TableError(f"{name} has no rows. The prepare step must leave rows in both splits.")
    columns = [str(column) for column in train.columns]
    missing = [column for column in columns if column not in holdout.columns]
    if missing:
        raise TableError(
            f"holdout lacks the training columns {missing}. Split both frames from one prepared table."
        )
    return columns, column_metadata


def _check_synthetic(synthetic: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    if not isinstance(synthetic, pd.DataFrame):
        raise CandidateError(f"the synthetic sample must be a pandas DataFrame, got {type(synthetic).__name__}.")
    if synthetic.empty:
        raise CandidateError("the synthetic sample has no rows. Sample at least one row before scoring.")
    missing = [column for column in columns if column not in synthetic.columns]
    if missing:
        raise CandidateError(
            f"the synthetic sample lacks the training columns {missing}. "
            "The candidate must return every column it was trained on."
        )
    extra = [column for column in synthetic.columns if column not in columns]
    if extra:
        logger.warning("ignoring synthetic columns that are not in the training table: %s", extra)
    return synthetic[columns].reset_index(drop=True)


def _check_target(target: str, columns: list[str]) -> None:
    if target not in columns:
        raise ConfigError(f"target column {target!r} is not in the table. Set the target to one of {columns}.")


def _datetime_formats(column_metadata: Mapping[str, Mapping], columns: list[str]) -> dict[str, str | None]:
    return {column: column_metadata[column].get("datetime_format") for column in columns}


def _restrict_metadata(metadata: Mapping, columns: list[str]) -> dict:
    """Return a one-table metadata dict that describes exactly ``columns``.

    The SDV reports reject columns that are in the metadata but not in the
    data, such as a primary key that the prepare step removed.
    """
    table_name, column_metadata = read_table_metadata(metadata)
    table = {"columns": {column: column_metadata[column] for column in columns}}
    primary_key = metadata["tables"][table_name].get("primary_key")
    if primary_key in columns:
        table["primary_key"] = primary_key
    return {"tables": {table_name: table}, "relationships": [], "METADATA_SPEC_VERSION": "V2"}
