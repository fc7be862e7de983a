"""An event trigger that watches the landing bucket for new tables.

``LandingTableTrigger`` runs in the triggerer, so waiting for a table occupies
no worker slot. It is an asset watcher's trigger (a ``BaseEventTrigger``): every
``landing_poll_seconds`` it lists the landing URL and fires one event per
dataset whose newest table is an object version that no run has claimed yet.
The event's payload is ``LandedTable.to_dict()``: the dataset, the object URL
and key, and its content hash.

The amazon provider (9.39) has no S3 key trigger that can watch an asset. Its
event triggers read SQS, Kinesis or DynamoDB, and an on-premise MinIO does not
publish to those. Polling the listing works with any S3 API and with
``file://`` landing folders.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from synth_ops_airflow import landing
from synth_ops_airflow.config import load_settings


class LandingTableTrigger(BaseEventTrigger):
    """Fire when a dataset folder of the landing bucket gets a table that no run has claimed.

    :param poll_seconds: seconds between listings; ``None`` reads the
        ``landing_poll_seconds`` setting at every poll.
    :param dataset: watch only this dataset folder; ``None`` watches all.

    The landing and work URLs are read from the settings when the trigger
    runs, never when a DAG file is parsed. An event is not repeated for an
    object version while this trigger runs. After a triggerer restart, it is
    repeated for a version whose run has not claimed it yet. The claim is a
    create-only write, so that version still gets one training run.
    """

    def __init__(self, poll_seconds: float | None = None, dataset: str | None = None) -> None:
        super().__init__()
        self.poll_seconds = poll_seconds
        self.dataset = dataset

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"poll_seconds": self.poll_seconds, "dataset": self.dataset},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        reported: set[tuple[str, str]] = set()
        last_error: str | None = None
        while True:
            poll_seconds = self.poll_seconds or 60.0
            try:
                settings = load_settings()
                poll_seconds = self.poll_seconds or settings.landing_poll_seconds
                tables = await asyncio.to_thread(
                    landing.pending_tables, settings.landing_url, settings.work_url, self.dataset
                )
            except Exception as error:  # noqa: BLE001 - a watcher keeps polling through outages
                message = f"{type(error).__name__}: {error}"
                # Log an error once, not at every poll, until it changes or clears.
                if message != last_error:
                    self.log.error("Listing the landing bucket failed, retrying every %.0f s: %s", poll_seconds, message)
                    last_error = message
            else:
                if last_error is not None:
                    self.log.info("Listing the landing bucket works again")
                    last_error = None
                # Claimed versions drop out of the listing, so forget them too.
                reported.intersection_update((table.dataset, table.content_hash) for table in tables)
                for table in tables:
                    identity = (table.dataset, table.content_hash)
                    if identity in reported:
                        continue
                    reported.add(identity)
                    self.log.info("New table for dataset %s: %s (%s)", table.dataset, table.url, table.content_hash)
                    yield TriggerEvent(table.to_dict())
            await asyncio.sleep(poll_seconds)
