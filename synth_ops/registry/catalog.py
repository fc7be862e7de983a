"""A summary of what the registry contains, one row per dataset."""

from __future__ import annotations

import logging
from typing import Any

from synth_ops import storage
from synth_ops.errors import RegistryError, StorageError
from synth_ops.registry.layout import MANIFEST_NAME, version_url
from synth_ops.registry.versions import list_datasets, list_versions, read_champion

logger = logging.getLogger(__name__)

#: Score names copied from the champion manifest's ``scores`` field when present.
SCORE_KEYS = ("score", "fidelity", "usability", "privacy")


def catalog(registry_url: str) -> list[dict[str, Any]]:
    """Return one row per dataset, sorted by dataset name.

    Each row has ``dataset``, ``champion`` (a version or ``None``),
    ``created_at``, ``scores`` (the ``SCORE_KEYS`` found in the champion's
    ``scores``), ``versions`` (count of complete versions) and ``rows`` (the
    champion manifest's ``rows`` field, or ``None``). Only manifests are read,
    so nothing is verified. A dataset whose champion cannot be read still gets
    a row, with ``None`` for the champion fields, and a WARNING is logged.
    """
    rows = []
    for dataset in list_datasets(registry_url):
        row: dict[str, Any] = {
            "dataset": dataset,
            "champion": None,
            "created_at": None,
            "scores": {},
            "versions": len(list_versions(registry_url, dataset)),
            "rows": None,
        }
        try:
            manifest = _champion_manifest(registry_url, dataset)
        except (RegistryError, StorageError, ValueError) as error:
            logger.warning("Catalog row of %s has no champion details: %s", dataset, error)
            manifest = None
        if manifest is not None:
            scores = manifest.get("scores")
            scores = scores if isinstance(scores, dict) else {}
            row.update(
                {
                    "champion": manifest.get("version"),
                    "created_at": manifest.get("created_at"),
                    "scores": {key: scores[key] for key in SCORE_KEYS if key in scores},
                    "rows": manifest.get("rows"),
                }
            )
        rows.append(row)
    return rows


def _champion_manifest(registry_url: str, dataset: str) -> dict[str, Any] | None:
    pointer = read_champion(registry_url, dataset)
    if pointer is None:
        return None
    url = storage.join(version_url(registry_url, dataset, pointer["version"]), MANIFEST_NAME)
    manifest = storage.read_json(url)
    if not isinstance(manifest, dict):
        raise RegistryError(f"manifest {url} is not a JSON object")
    return manifest
