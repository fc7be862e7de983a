"""Detect tables in the landing bucket and record which object versions were taken.

Data owners write ``<landing>/<dataset>/<file>.csv`` or ``.parquet``. The
newest table of each dataset folder (by modification time) is what a run
trains on. An object version is identified by its content hash: the S3 ETag
for ``s3://`` (it changes whenever the object is rewritten), or the SHA-256 of
the file for ``file://``.

An arrival is claimed by creating ``<work>/<dataset>/arrivals/<hash>.json``
with a create-only write, which S3 and the local backend both make atomic.
So however often the same object version is reported, only one run trains
on it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import re
from dataclasses import asdict, dataclass
from typing import Any

from synth_ops import storage
from synth_ops.errors import ObjectExistsError

logger = logging.getLogger(__name__)

#: File suffixes that prepare reads as tables.
TABLE_SUFFIXES = (".csv", ".parquet")
#: Dataset folder names that prepare accepts (the same rule as ``synth-ops prepare``).
DATASET_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_HASH_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LandedTable:
    """The newest table of one dataset folder in the landing bucket."""

    dataset: str
    #: Full URL of the object, such as ``s3://synth-landing/adult/adult.csv``.
    url: str
    #: Key relative to the landing URL, such as ``adult/adult.csv``.
    key: str
    #: ``etag:<etag>`` for S3 objects, ``sha256:<hex>`` for local files.
    content_hash: str
    size: int
    #: Modification time, ISO 8601 in UTC.
    last_modified: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> "LandedTable":
        return cls(**{name: payload[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class _ObjectInfo:
    url: str
    key: str
    content_hash: str
    size: int
    last_modified: dt.datetime


def _list_s3(prefix_url: str) -> list[_ObjectInfo]:
    from synth_ops.storage.s3 import split_s3_url

    backend = storage.for_url(prefix_url)
    bucket, key_prefix = split_s3_url(prefix_url)
    folder = key_prefix.rstrip("/") + "/" if key_prefix else ""
    paginator = backend.client.get_paginator("list_objects_v2")
    objects = []
    for page in paginator.paginate(Bucket=bucket, Prefix=folder):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.endswith("/"):
                continue
            etag = str(item.get("ETag", "")).strip('"')
            objects.append(_ObjectInfo(
                url=f"s3://{bucket}/{key}",
                key=key[len(folder):],
                content_hash=f"etag:{etag}",
                size=int(item.get("Size", 0)),
                last_modified=item["LastModified"].astimezone(dt.timezone.utc),
            ))
    return objects


def _list_local(prefix_url: str) -> list[_ObjectInfo]:
    from synth_ops.storage.local import url_to_path

    root = url_to_path(prefix_url)
    objects = []
    for url in storage.list_objects(prefix_url):
        path = url_to_path(url)
        status = path.stat()
        objects.append(_ObjectInfo(
            url=url,
            key=path.relative_to(root).as_posix(),
            content_hash=f"sha256:{file_sha256(url)}",
            size=status.st_size,
            last_modified=dt.datetime.fromtimestamp(status.st_mtime, dt.timezone.utc),
        ))
    return objects


def _list_tables(prefix_url: str) -> list[_ObjectInfo]:
    prefix_url = storage.normalize_url(prefix_url)
    if prefix_url.startswith("s3://"):
        objects = _list_s3(prefix_url)
    else:
        objects = _list_local(prefix_url) if os.path.isdir(prefix_url[len("file://"):]) else []
    return [item for item in objects if item.key.lower().endswith(TABLE_SUFFIXES)]


def newest_tables(landing_url: str, dataset: str | None = None) -> list[LandedTable]:
    """Return the newest table of each dataset folder under ``landing_url``, sorted by dataset.

    With ``dataset``, only that folder is listed. Files directly under the
    landing URL and folders whose names are not valid dataset names are
    skipped with a warning.
    """
    prefix = storage.join(landing_url, dataset) if dataset else storage.normalize_url(landing_url)
    newest: dict[str, _ObjectInfo] = {}
    for item in _list_tables(prefix):
        key = f"{dataset}/{item.key}" if dataset else item.key
        folder, _, name = key.partition("/")
        if not name:
            logger.warning("Skipped %s: put tables in a dataset folder, <landing>/<dataset>/<file>", item.url)
            continue
        if not DATASET_NAME.match(folder):
            logger.warning(
                "Skipped %s: folder %r is not a valid dataset name (1-64 lower-case letters, digits, '_', '-' or '.')",
                item.url, folder,
            )
            continue
        current = newest.get(folder)
        if current is None or (item.last_modified, item.key) > (current.last_modified, current.key):
            newest[folder] = dataclasses.replace(item, key=key)
    return [
        LandedTable(
            dataset=folder,
            url=info.url,
            key=info.key,
            content_hash=info.content_hash,
            size=info.size,
            last_modified=info.last_modified.isoformat(timespec="seconds"),
        )
        for folder, info in sorted(newest.items())
    ]


def file_sha256(url: str) -> str:
    """Return the SHA-256 of the object at ``url``, read in chunks; prepare hashes the same bytes."""
    digest = hashlib.sha256()
    url = storage.normalize_url(url)
    if url.startswith("s3://"):
        from synth_ops.storage.s3 import split_s3_url

        bucket, key = split_s3_url(url)
        body = storage.for_url(url).client.get_object(Bucket=bucket, Key=key)["Body"]
        for chunk in body.iter_chunks(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    else:
        from synth_ops.storage.local import url_to_path

        with open(url_to_path(url), "rb") as handle:
            for chunk in iter(lambda: handle.read(_HASH_CHUNK_BYTES), b""):
                digest.update(chunk)
    return digest.hexdigest()


def claim_url(work_url: str, table: LandedTable) -> str:
    """Return the URL of the claim marker of ``table``'s object version."""
    token = re.sub(r"[^A-Za-z0-9-]+", "-", table.content_hash).strip("-")
    return storage.join(work_url, table.dataset, "arrivals", f"{token}.json")


def is_claimed(work_url: str, table: LandedTable) -> bool:
    return storage.exists(claim_url(work_url, table))


def claim(work_url: str, table: LandedTable, claimed_by: str) -> bool:
    """Claim ``table`` for one run; return False when another run claimed it first."""
    record = {**table.to_dict(), "claimed_by": claimed_by, "claimed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    try:
        storage.write_json(claim_url(work_url, table), record, if_absent=True)
    except ObjectExistsError:
        return False
    return True


def pending_tables(landing_url: str, work_url: str, dataset: str | None = None) -> list[LandedTable]:
    """Return the newest tables whose object versions no run has claimed yet."""
    return [table for table in newest_tables(landing_url, dataset) if not is_claimed(work_url, table)]


def champion_manifest(registry_url: str, dataset: str) -> dict[str, Any] | None:
    """Return the manifest of the champion of ``dataset``, or None when it has no champion."""
    from synth_ops.registry.layout import MANIFEST_NAME, version_url
    from synth_ops.registry.versions import read_champion

    pointer = read_champion(registry_url, dataset)
    if pointer is None:
        return None
    return storage.read_json(storage.join(version_url(registry_url, dataset, pointer["version"]), MANIFEST_NAME))
