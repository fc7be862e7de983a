"""The prepare step: read, validate and split a source table into a run's work area."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from synth_ops import storage
from synth_ops.errors import ConfigError, ObjectNotFoundError
from synth_ops.settings import RunSettings, load_yaml_settings, resolve_settings
from synth_ops.steps.layout import RunLayout
from synth_ops.tables.prepare import prepare_table
from synth_ops.tables.reading import read_source
from synth_ops.versions import library_versions

logger = logging.getLogger(__name__)

DATASET_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
SETTINGS_FILE = "synth.yaml"


@dataclass
class PrepareResult:
    """Result of the prepare step, or the registered version that made it unnecessary."""

    dataset: str
    run_id: str
    run_url: str
    source_sha256: str
    settings: RunSettings
    skipped: bool = False
    existing_version: str | None = None
    rows: int = 0


def dataset_name_from(source_url: str) -> str:
    """Derive a dataset name from a file name: ``Telco Churn.csv`` -> ``telco_churn``."""
    stem = PurePosixPath(source_url).name.split(".")[0]
    name = re.sub(r"[^a-z0-9_.-]+", "_", stem.lower()).strip("_.-")
    return name or "dataset"


def check_dataset_name(name: str) -> str:
    if not DATASET_NAME.match(name):
        raise ConfigError(
            f"dataset name {name!r} is invalid: use 1-64 lower-case letters, digits, '_', '-' or '.', "
            "starting with a letter or digit"
        )
    return name


def load_settings_beside(source_url: str, settings_url: str | None = None) -> tuple[dict[str, Any], str | None]:
    """Read ``synth.yaml`` from beside the source table (or ``settings_url``)."""
    url = settings_url or storage.join(storage.normalize_url(source_url).rsplit("/", 1)[0], SETTINGS_FILE)
    try:
        text = storage.read_bytes(url).decode("utf-8")
    except ObjectNotFoundError:
        if settings_url:
            raise ConfigError(f"settings file not found: {settings_url}") from None
        return {}, None
    logger.info("Using settings from %s", url)
    return load_yaml_settings(text, url), url


def run_prepare(
    source_url: str,
    work_url: str,
    *,
    dataset: str | None = None,
    overrides: dict[str, Any] | None = None,
    registry_url: str | None = None,
    settings_url: str | None = None,
    force: bool = False,
) -> PrepareResult:
    """Prepare ``source_url`` into ``<work>/<dataset>/<run_id>/``.

    When ``registry_url`` is given and a registered version was trained on the
    same source content, nothing is written and the result reports that version, unless
    ``force`` is set.
    """
    from synth_ops.scoring import compute_baseline
    from synth_ops.scoring.scorecard import real_privacy_reference

    source_url = storage.normalize_url(source_url)
    yaml_overrides, yaml_url = load_settings_beside(source_url, settings_url)
    settings = resolve_settings(yaml_overrides, overrides, yaml_source=yaml_url or SETTINGS_FILE)
    dataset = check_dataset_name(dataset or settings.dataset or dataset_name_from(source_url))
    settings.dataset = dataset

    source = read_source(source_url, settings.table)
    run_id = source.sha256[:16]
    if registry_url and not force:
        from synth_ops.registry import find_version_by_source

        existing = find_version_by_source(registry_url, dataset, source.sha256)
        if existing:
            logger.info(
                "Dataset %s with source sha256 %s is already registered as %s; not retraining (use --force to retrain)",
                dataset, source.sha256[:12], existing,
            )
            return PrepareResult(dataset, run_id, "", source.sha256, settings, skipped=True, existing_version=existing)
    if force:
        run_id = f"{run_id}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}"

    prepared = prepare_table(source.frame, settings.table)
    layout = RunLayout.create(work_url, dataset, run_id)
    logger.info("Writing prepared data for run %s to %s", run_id, layout.url)

    baseline = compute_baseline(prepared.train, prepared.holdout, prepared.metadata, prepared.target, seed=prepared.seed)
    storage.write_parquet(layout.train, prepared.train)
    storage.write_parquet(layout.holdout, prepared.holdout)
    storage.write_json(layout.metadata, prepared.metadata)
    storage.write_json(layout.profile, prepared.profile())
    storage.write_json(layout.columns, [spec.to_dict() for spec in prepared.columns])
    storage.write_json(layout.baseline, baseline)
    reference = real_privacy_reference(prepared.train, prepared.holdout, prepared.metadata, seed=prepared.seed)
    storage.write_bytes(layout.privacy_reference, _npy_bytes(reference))
    run_record = {
        "dataset": dataset,
        "run_id": run_id,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "source": {
            "url": source.url,
            "sha256": source.sha256,
            "format": source.format,
            "encoding": source.encoding,
            "delimiter": source.delimiter,
            "rows": int(len(source.frame)),
            "columns": int(source.frame.shape[1]),
        },
        "settings_file": yaml_url,
        "settings": settings.to_dict(),
        "libraries": library_versions(),
        "notes": prepared.notes,
    }
    # run.json is written last: its presence marks a complete prepare step.
    storage.write_json(layout.run_json, json.loads(json.dumps(run_record, default=str)))
    return PrepareResult(dataset, run_id, layout.url, source.sha256, settings, rows=len(source.frame))


def _npy_bytes(array) -> bytes:
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()
