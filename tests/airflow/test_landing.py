"""Landing detection, arrival claims and the landing trigger, against S3 on 127.0.0.1 and local folders."""

from __future__ import annotations

import asyncio
import hashlib
import time

import pytest

pytest.importorskip("airflow.sdk", reason="Airflow is not installed: run these tests with .venv-airflow/bin/python")

from synth_ops import storage  # noqa: E402

from synth_ops_airflow import landing  # noqa: E402
from synth_ops_airflow.sources import tables_from_events  # noqa: E402
from synth_ops_airflow.triggers import LandingTableTrigger  # noqa: E402

TABLE = b"age,income\n39,<=50K\n50,>50K\n"


@pytest.fixture
def buckets(s3_env, s3_storage, monkeypatch):
    """A landing and a work bucket on the test server, named in the settings."""
    import uuid

    urls = {}
    for role in ("landing", "work"):
        name = f"{role}-{uuid.uuid4().hex[:12]}"
        s3_storage.client.create_bucket(Bucket=name)
        urls[role] = f"s3://{name}"
        monkeypatch.setenv(f"SYNTH_OPS_{role.upper()}_URL", urls[role])
    return urls


def test_newest_table_per_dataset(buckets):
    landing_url = buckets["landing"]
    storage.write_bytes(f"{landing_url}/adult/old.csv", TABLE)
    time.sleep(1.1)  # S3 modification times have one-second resolution.
    storage.write_bytes(f"{landing_url}/adult/new.parquet", b"PAR1")
    storage.write_bytes(f"{landing_url}/adult/synth.yaml", b"target: income\n")
    storage.write_bytes(f"{landing_url}/telco/telco.csv", TABLE)

    tables = landing.newest_tables(landing_url)

    assert [(table.dataset, table.key) for table in tables] == [("adult", "adult/new.parquet"), ("telco", "telco/telco.csv")]
    assert tables[1].content_hash == "etag:" + hashlib.md5(TABLE).hexdigest()
    assert tables[1].url == f"{landing_url}/telco/telco.csv"
    assert tables[1].size == len(TABLE)


def test_invalid_folders_and_loose_files_are_skipped(buckets, caplog):
    landing_url = buckets["landing"]
    storage.write_bytes(f"{landing_url}/Bad Name/table.csv", TABLE)
    storage.write_bytes(f"{landing_url}/loose.csv", TABLE)

    assert landing.newest_tables(landing_url) == []
    assert "not a valid dataset name" in caplog.text
    assert "put tables in a dataset folder" in caplog.text


def test_one_dataset_folder(buckets):
    storage.write_bytes(f"{buckets['landing']}/adult/adult.csv", TABLE)
    storage.write_bytes(f"{buckets['landing']}/telco/telco.csv", TABLE)

    assert [table.dataset for table in landing.newest_tables(buckets["landing"], "telco")] == ["telco"]


def test_claim_succeeds_once(buckets):
    storage.write_bytes(f"{buckets['landing']}/adult/adult.csv", TABLE)
    table = landing.newest_tables(buckets["landing"])[0]

    assert landing.pending_tables(buckets["landing"], buckets["work"]) == [table]
    assert landing.claim(buckets["work"], table, "run-a") is True
    assert landing.claim(buckets["work"], table, "run-b") is False
    assert landing.pending_tables(buckets["landing"], buckets["work"]) == []
    assert storage.read_json(landing.claim_url(buckets["work"], table))["claimed_by"] == "run-a"


def test_rewritten_table_is_pending_again(buckets):
    url = f"{buckets['landing']}/adult/adult.csv"
    storage.write_bytes(url, TABLE)
    landing.claim(buckets["work"], landing.newest_tables(buckets["landing"])[0], "run-a")
    storage.write_bytes(url, TABLE + b"28,<=50K\n")

    pending = landing.pending_tables(buckets["landing"], buckets["work"])

    assert [table.url for table in pending] == [url]


def test_file_sha256_matches_content(buckets):
    url = f"{buckets['landing']}/adult/adult.csv"
    storage.write_bytes(url, TABLE)

    assert landing.file_sha256(url) == hashlib.sha256(TABLE).hexdigest()


def test_local_landing_folder_uses_sha256(tmp_path):
    folder = tmp_path / "landing" / "adult"
    folder.mkdir(parents=True)
    (folder / "adult.csv").write_bytes(TABLE)

    tables = landing.newest_tables(str(tmp_path / "landing"))

    assert [table.key for table in tables] == ["adult/adult.csv"]
    assert tables[0].content_hash == "sha256:" + hashlib.sha256(TABLE).hexdigest()
    assert landing.newest_tables(str(tmp_path / "absent")) == []


def test_events_keep_newest_table_per_dataset():
    class Event:
        def __init__(self, payload):
            self.extra = {"from_trigger": True, "payload": payload}

    older = landing.LandedTable("adult", "s3://l/adult/a.csv", "adult/a.csv", "etag:1", 10, "2026-01-01T00:00:00+00:00")
    newer = landing.LandedTable("adult", "s3://l/adult/b.csv", "adult/b.csv", "etag:2", 10, "2026-01-02T00:00:00+00:00")
    events = {"landing": [Event(older.to_dict()), Event(newer.to_dict()), Event(None)]}

    assert tables_from_events(events) == [newer]
    assert tables_from_events(None) == []


def test_trigger_fires_once_per_object_version(buckets):
    storage.write_bytes(f"{buckets['landing']}/adult/adult.csv", TABLE)

    async def collect_events() -> list:
        events = []
        generator = LandingTableTrigger(poll_seconds=0.05).run()
        events.append(await anext(generator))
        # Later polls list the same unclaimed version, which must not be
        # reported again, and a new dataset, which must be.
        storage.write_bytes(f"{buckets['landing']}/telco/telco.csv", TABLE)
        events.append(await anext(generator))
        await generator.aclose()
        return events

    events = asyncio.run(asyncio.wait_for(collect_events(), timeout=60))

    assert [event.payload["dataset"] for event in events] == ["adult", "telco"]
    assert events[0].payload["url"] == f"{buckets['landing']}/adult/adult.csv"
    assert events[0].payload["content_hash"].startswith("etag:")


def test_trigger_skips_claimed_versions(buckets):
    storage.write_bytes(f"{buckets['landing']}/adult/adult.csv", TABLE)
    landing.claim(buckets["work"], landing.newest_tables(buckets["landing"])[0], "run-a")
    storage.write_bytes(f"{buckets['landing']}/telco/telco.csv", TABLE)

    async def first_event():
        generator = LandingTableTrigger(poll_seconds=0.05).run()
        event = await anext(generator)
        await generator.aclose()
        return event

    event = asyncio.run(asyncio.wait_for(first_event(), timeout=60))

    assert event.payload["dataset"] == "telco"


def test_trigger_serializes_its_arguments():
    classpath, kwargs = LandingTableTrigger(poll_seconds=30, dataset="adult").serialize()

    assert classpath == "synth_ops_airflow.triggers.LandingTableTrigger"
    assert kwargs == {"poll_seconds": 30, "dataset": "adult"}
