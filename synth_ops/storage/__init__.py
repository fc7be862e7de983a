"""Object storage behind one interface: ``file://`` and ``s3://`` URLs.

Every step of synth-ops reads and writes through these functions, so the same
code runs on a laptop (``file://``) and in a pod (``s3://``). Plain paths are
accepted wherever a URL is and are treated as ``file://`` URLs.
"""

from __future__ import annotations

from synth_ops.storage.base import Storage, join, normalize_url
from synth_ops.storage.io import (
    copy_object,
    download_to_temp,
    exists,
    for_url,
    list_objects,
    read_bytes,
    read_json,
    read_parquet,
    write_bytes,
    write_json,
    write_parquet,
)

__all__ = [
    "Storage",
    "copy_object",
    "download_to_temp",
    "exists",
    "for_url",
    "join",
    "list_objects",
    "normalize_url",
    "read_bytes",
    "read_json",
    "read_parquet",
    "write_bytes",
    "write_json",
    "write_parquet",
]
