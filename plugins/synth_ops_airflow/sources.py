"""Tasks that decide what to train: arrivals, manual requests, nightly changes and refreshes.

Each task returns a list of training requests (``steps.training_request``)
for ``tournament.add_tournament``, or the jobs of the nightly refresh, and
skips when there is nothing to do. The functions under the tasks are plain
Python, so they can be tested without a DAG run.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from synth_ops_airflow import landing
from synth_ops_airflow.config import LauncherSettings, load_settings
from synth_ops_airflow.steps import published_url, sample_arguments, training_request

logger = logging.getLogger(__name__)


def tables_from_events(triggering_asset_events: Any) -> list[landing.LandedTable]:
    """Return the tables reported by ``LandingTableTrigger`` events, the newest per dataset."""
    tables: dict[str, landing.LandedTable] = {}
    for events in (triggering_asset_events or {}).values():
        for event in events:
            payload = (event.extra or {}).get("payload")
            if not isinstance(payload, dict) or "content_hash" not in payload:
                continue
            table = landing.LandedTable.from_dict(payload)
            current = tables.get(table.dataset)
            if current is None or table.last_modified > current.last_modified:
                tables[table.dataset] = table
    return [tables[name] for name in sorted(tables)]


def claim_tables(settings: LauncherSettings, tables: list[landing.LandedTable], claimed_by: str) -> list[landing.LandedTable]:
    """Claim each table's object version and return those this run claimed first."""
    claimed = []
    for table in tables:
        if landing.claim(settings.work_url, table, claimed_by):
            logger.info("Claimed %s (%s) for %s", table.url, table.content_hash, claimed_by)
            claimed.append(table)
        else:
            logger.warning(
                "Skipped %s (%s): another run already claimed this object version at %s",
                table.url, table.content_hash, landing.claim_url(settings.work_url, table),
            )
    return claimed


@task
def claim_arrivals(*, triggering_asset_events: Any = None, dag: Any = None, run_id: str | None = None) -> list[dict[str, Any]]:
    """Claim the tables that started this run; without trigger events, claim every unclaimed newest table."""
    settings = load_settings()
    tables = tables_from_events(triggering_asset_events)
    if tables:
        logger.info("Trigger events report %d table(s): %s", len(tables), ", ".join(table.url for table in tables))
    else:
        logger.info("No trigger events (a manual or test run): looking for unclaimed tables in %s", settings.landing_url)
        tables = landing.pending_tables(settings.landing_url, settings.work_url)
    claimed = claim_tables(settings, tables, f"{dag.dag_id if dag else 'unknown'}/{run_id}")
    if not claimed:
        raise AirflowSkipException("no unclaimed table: every object version reported already has a run")
    return [training_request(table.dataset, table.url, content_hash=table.content_hash) for table in claimed]


def manual_request(settings: LauncherSettings, params: dict[str, Any]) -> dict[str, Any]:
    """Build the training request of a manual run from its params."""
    dataset = params["dataset"]
    source_key = (params.get("source_key") or "").strip()
    content_hash = None
    if source_key:
        url = source_key if "://" in source_key else f"{settings.landing_url}/{source_key.lstrip('/')}"
    else:
        tables = landing.newest_tables(settings.landing_url, dataset)
        if not tables:
            raise AirflowFailException(
                f"no table found in {settings.landing_url}/{dataset}/: upload a .csv or .parquet file "
                "there, or set source_key"
            )
        url, content_hash = tables[0].url, tables[0].content_hash
    overrides = {
        "candidates": params.get("candidates") or None,
        "epochs": params.get("epochs"),
        "time_budget": params.get("time_budget_seconds"),
        "publish_rows": params.get("publish_rows"),
        "target": params.get("target"),
    }
    return training_request(dataset, url, content_hash=content_hash, overrides=overrides, force=bool(params.get("force")))


@task
def resolve_request(*, params: Any = None) -> list[dict[str, Any]]:
    """Turn the manual run's params into one training request."""
    request = manual_request(load_settings(), dict(params or {}))
    logger.info("Training %s on %s with overrides %s", request["dataset"], request["url"], request["overrides"])
    return [request]


def changed_tables(settings: LauncherSettings) -> list[landing.LandedTable]:
    """Return each dataset's newest table whose content differs from its champion's source.

    A dataset without a champion counts as changed. Contents are compared by
    SHA-256, the hash that prepare records in the manifest, so each compared
    table is read once.
    """
    changed = []
    for table in landing.newest_tables(settings.landing_url):
        manifest = landing.champion_manifest(settings.registry_url, table.dataset)
        if manifest is None:
            logger.info("Dataset %s has no champion yet: training on %s", table.dataset, table.url)
            changed.append(table)
            continue
        trained_sha256 = (manifest.get("source") or {}).get("sha256")
        current_sha256 = landing.file_sha256(table.url)
        if current_sha256 == trained_sha256:
            logger.info("Dataset %s is unchanged since champion %s", table.dataset, manifest["version"])
            continue
        logger.info(
            "Dataset %s changed since champion %s (sha256 %s, now %s): retraining on %s",
            table.dataset, manifest["version"], str(trained_sha256)[:12], current_sha256[:12], table.url,
        )
        changed.append(table)
    return changed


@task
def find_changed_datasets(*, dag: Any = None, run_id: str | None = None) -> list[dict[str, Any]]:
    """Claim and request every dataset whose landing table changed since its champion was trained."""
    settings = load_settings()
    claimed = claim_tables(settings, changed_tables(settings), f"{dag.dag_id if dag else 'unknown'}/{run_id}")
    if not claimed:
        raise AirflowSkipException("no dataset changed since its champion was trained")
    return [training_request(table.dataset, table.url, content_hash=table.content_hash) for table in claimed]


def refresh_jobs(settings: LauncherSettings, seed: int) -> list[dict[str, Any]]:
    """Return one sample job per dataset with a champion, writing to its published location."""
    from synth_ops.registry import list_datasets

    jobs = []
    for dataset in list_datasets(settings.registry_url):
        manifest = landing.champion_manifest(settings.registry_url, dataset)
        if manifest is None:
            continue
        rows = settings.publish_rows or int((manifest.get("rows") or {}).get("published") or 0)
        if rows < 1:
            logger.warning("Skipped refreshing %s: its manifest records no published row count; set publish_rows", dataset)
            continue
        arguments = sample_arguments(dataset, rows, published_url(settings, dataset), seed, settings)
        jobs.append({"arguments": [*arguments, "--version", manifest["version"]], "dataset": dataset})
    return jobs


@task(trigger_rule="all_done")
def plan_refresh(*, logical_date: Any = None, run_after: Any = None) -> list[dict[str, Any]]:
    """List the sample jobs that refresh every champion's published synthetic dataset.

    The seed is the run's date as YYYYMMDD, so each night publishes new rows
    and a rerun of the same night publishes the same ones.
    """
    moment = logical_date or run_after
    seed = int(moment.strftime("%Y%m%d")) if moment else 0
    jobs = refresh_jobs(load_settings(), seed)
    if not jobs:
        raise AirflowSkipException("no dataset has a champion to publish")
    return jobs
