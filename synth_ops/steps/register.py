"""The register step: publish the winner as a new, verified registry version."""

from __future__ import annotations

import io
import logging
import pickle
from typing import Any

from synth_ops import storage
from synth_ops.errors import SelectionError
from synth_ops.settings import RunSettings
from synth_ops.steps.layout import RunLayout

logger = logging.getLogger(__name__)


def _publish_rows(generator, rows: int, seed: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    writer = None
    for chunk in generator.iter_chunks(rows, seed=seed):
        table = pa.Table.from_pandas(chunk, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(buffer, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()
    return buffer.getvalue()


def run_register(run_url: str, registry_url: str) -> dict[str, Any]:
    """Register the winner of the run at ``run_url`` in ``registry_url``.

    Nothing is written to the registry unless ``decision.json`` names a winner
    whose files are present. Returns a summary with the version and its URLs.
    """
    from synth_ops.registry import register_version
    from synth_ops.report import ReportView, render_model_card, render_report

    layout = RunLayout.from_url(run_url)
    run = storage.read_json(layout.run_json)
    decision = storage.read_json(layout.decision)
    winner = decision.get("winner")
    if not winner:
        raise SelectionError(f"run {run['run_id']} has no winner, so nothing is registered: {'; '.join(decision.get('reasons', []))}")
    settings = RunSettings.from_dict(run["settings"])
    all_scores = {entry["candidate"]: storage.read_json(layout.candidate(entry["candidate"], "scores.json"))
                  for entry in decision["ranking"] if entry["status"] == "ok"}
    generator_bytes = storage.read_bytes(layout.candidate(winner, "generator.pkl"))
    # These bytes were written by this run's own candidate step into its work area.
    generator = pickle.loads(generator_bytes)

    rows = settings.publish_rows or run["source"]["rows"]
    logger.info("Generating the published synthetic dataset: %d rows from %s", rows, winner)
    synthetic_bytes = _publish_rows(generator, rows, settings.table.seed)

    train = storage.read_parquet(layout.train)
    model_sample = storage.read_parquet(layout.candidate(winner, "sample.parquet"))[list(train.columns)]
    metadata = storage.read_json(layout.metadata)
    profile = storage.read_json(layout.profile)
    lineage = {
        "source": run["source"],
        "libraries": run["libraries"],
        "settings": run["settings"],
        "created_at": run["created_at"],
        # The version number is claimed inside register_version, after the
        # report is rendered, so the page points to the manifest instead.
        "version": "the version whose manifest.json lists this report",
    }
    view = ReportView(
        dataset=run["dataset"], run_id=run["run_id"], decision=decision, scores=all_scores,
        real=train, synthetic=model_sample, metadata=metadata, lineage=lineage, profile=profile,
    )
    winner_entry = next(entry for entry in decision["ranking"] if entry["candidate"] == winner)
    winner_scores = all_scores[winner]
    summary_scores = {
        "candidate": winner,
        "score": winner_entry["score"],
        "fidelity": winner_entry["components"].get("fidelity"),
        "usability": winner_entry["components"].get("usability"),
        "privacy": winner_entry["components"].get("privacy"),
        "quality": (winner_scores.get("fidelity") or {}).get("quality"),
        "tstr_trtr": (winner_scores.get("usability") or {}).get("ratio"),
        "dcr_share_nearer_training": (winner_scores.get("privacy") or {}).get("dcr_share_nearer_training"),
        "exact_copy_rate": (winner_scores.get("privacy") or {}).get("exact_copy_rate"),
    }
    files = {
        "generator.pkl": generator_bytes,
        "synthetic.parquet": synthetic_bytes,
        "report.html": render_report(view).encode("utf-8"),
        "model_card.md": render_model_card(view).encode("utf-8"),
        "decision.json": storage.read_bytes(layout.decision),
        "scores.json": _json_bytes(all_scores),
        "metadata.json": storage.read_bytes(layout.metadata),
        "profile.json": storage.read_bytes(layout.profile),
    }
    manifest_fields = {
        "run_id": run["run_id"],
        "candidate": winner,
        "source": run["source"],
        "libraries": generator.libraries or run["libraries"],
        "metadata": metadata,
        "config": run["settings"],
        "scores": summary_scores,
        "rows": {"published": rows, "train": profile["rows"]["train"], "holdout": profile["rows"]["holdout"]},
    }
    registered = register_version(registry_url, run["dataset"], files, manifest_fields)
    logger.info("Registered %s %s at %s", run["dataset"], registered.version, registered.url)

    write_index(registry_url)
    return {
        "dataset": run["dataset"],
        "version": registered.version,
        "url": registered.url,
        "champion_moved": registered.champion_moved,
        "candidate": winner,
        "scores": summary_scores,
    }


def index_rows(registry_url: str, *, absolute_links: bool = False) -> list[dict[str, Any]]:
    """Return the catalog as flat rows for the index page and the CLI table.

    Links to reports are relative to the registry root unless
    ``absolute_links`` is set.
    """
    from synth_ops.registry import catalog

    rows = []
    for entry in catalog(registry_url):
        scores = entry.get("scores") or {}
        rows_info = entry.get("rows") or {}
        version = entry.get("champion")
        link = None
        if version:
            link = f"{entry['dataset']}/{version}/report.html"
            if absolute_links:
                link = storage.join(registry_url, link)
        rows.append({
            "dataset": entry["dataset"],
            "version": version,
            "created_at": entry.get("created_at"),
            "score": scores.get("score"),
            "fidelity": scores.get("fidelity"),
            "usability": scores.get("usability"),
            "privacy": scores.get("privacy"),
            "rows": rows_info.get("published") if isinstance(rows_info, dict) else rows_info,
            "versions": entry.get("versions"),
            "report_url": link,
        })
    return rows


def write_index(registry_url: str) -> str:
    """Rewrite ``index.html`` at the registry root from the catalog; return its URL."""
    from synth_ops.report import render_catalog

    url = storage.join(registry_url, "index.html")
    storage.write_bytes(url, render_catalog(index_rows(registry_url)).encode("utf-8"))
    return url


def _json_bytes(payload: Any) -> bytes:
    import json

    return (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")
