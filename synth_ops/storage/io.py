"""Module-level helpers that pick the backend from the URL scheme."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from synth_ops.storage.base import Storage, normalize_url

logger = logging.getLogger(__name__)

_BACKENDS: dict[str, Storage] = {}


def for_url(url: str) -> Storage:
    """Return the backend that serves ``url`` (one shared instance per scheme)."""
    scheme = urlparse(normalize_url(url)).scheme
    if scheme not in _BACKENDS:
        if scheme == "file":
            from synth_ops.storage.local import LocalStorage

            _BACKENDS[scheme] = LocalStorage()
        else:
            from synth_ops.storage.s3 import S3Storage

            _BACKENDS[scheme] = S3Storage.from_environment()
    return _BACKENDS[scheme]


def read_bytes(url: str) -> bytes:
    url = normalize_url(url)
    return for_url(url).read_bytes(url)


def write_bytes(url: str, data: bytes, *, if_absent: bool = False) -> None:
    url = normalize_url(url)
    for_url(url).write_bytes(url, data, if_absent=if_absent)


def exists(url: str) -> bool:
    url = normalize_url(url)
    return for_url(url).exists(url)


def list_objects(prefix: str) -> list[str]:
    prefix = normalize_url(prefix)
    return for_url(prefix).list_objects(prefix)


def read_json(url: str) -> Any:
    return json.loads(read_bytes(url).decode("utf-8"))


def write_json(url: str, payload: Any, *, if_absent: bool = False) -> None:
    text = json.dumps(payload, indent=2, sort_keys=True, default=str, allow_nan=False)
    write_bytes(url, (text + "\n").encode("utf-8"), if_absent=if_absent)


def read_parquet(url: str):
    import pandas as pd

    return pd.read_parquet(io.BytesIO(read_bytes(url)))


def write_parquet(url: str, frame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    write_bytes(url, buffer.getvalue())


def copy_object(source: str, target: str) -> None:
    """Copy one object, across backends if needed."""
    write_bytes(target, read_bytes(source))


@contextlib.contextmanager
def download_to_temp(url: str, suffix: str = "") -> Iterator[Path]:
    """Yield a local path holding the object at ``url``.

    ``file://`` objects are yielded in place, without a copy; other objects are
    downloaded to a temporary file that is removed afterwards.
    """
    url = normalize_url(url)
    if url.startswith("file://"):
        from synth_ops.storage.local import url_to_path

        yield url_to_path(url)
        return
    fd, name = tempfile.mkstemp(suffix=suffix, prefix="synth-ops-")
    os.close(fd)
    try:
        for_url(url).download_file(url, name)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
