"""Manifests: the list of a version's files with their hashes, and its signature.

A manifest is a JSON object. The registry adds ``dataset``, ``version``,
``created_at``, ``files`` (name to ``{"sha256", "bytes"}``) and ``signature``
to the fields that the caller passes.

The signature is ``"hmac-sha256:<hex>"``, an HMAC-SHA256 keyed with
``SYNTH_OPS_SIGNING_KEY`` over the canonical JSON of the manifest without its
``signature`` field. Canonical JSON has sorted keys, no spaces and UTF-8 text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
from pathlib import Path
from typing import Any, BinaryIO

from synth_ops.errors import RegistryError, VerificationError
from synth_ops.registry.layout import MANIFEST_NAME, is_valid_name

logger = logging.getLogger(__name__)

SIGNING_KEY_ENV = "SYNTH_OPS_SIGNING_KEY"
SIGNATURE_PREFIX = "hmac-sha256:"

#: Fields that the registry writes itself; callers may not pass them.
RESERVED_FIELDS = ("dataset", "version", "created_at", "files", "signature")

_SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
_HASH_CHUNK_BYTES = 1024 * 1024


def utc_now() -> str:
    """Return the current time as ISO 8601 text in UTC, to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_stream(handle: BinaryIO) -> tuple[str, int]:
    """Read ``handle`` to its end and return its SHA-256 hex digest and byte count."""
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(_HASH_CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def hash_file(path: Path) -> tuple[str, int]:
    with open(path, "rb") as handle:
        return hash_stream(handle)


def canonical_json(payload: Any) -> bytes:
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def manifest_to_bytes(manifest: dict[str, Any]) -> bytes:
    """Serialize a manifest for storage: indented, sorted keys, final newline."""
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _json_fallback(value: Any) -> Any:
    # NumPy scalars (scores, row counts) expose .item(); dates and paths become text.
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def normalize_fields(manifest_fields: dict[str, Any]) -> dict[str, Any]:
    """Return ``manifest_fields`` as plain JSON values, checking reserved names.

    The result survives a JSON round trip unchanged, so a signature computed on
    it still matches after the manifest is stored and read back.
    """
    if not isinstance(manifest_fields, dict):
        raise RegistryError(
            f"manifest_fields must be a dict, not {type(manifest_fields).__name__}"
        )
    for key in manifest_fields:
        if not isinstance(key, str):
            raise RegistryError(f"manifest field name {key!r} is invalid: use text keys")
        if key in RESERVED_FIELDS:
            raise RegistryError(
                f"manifest field {key!r} is reserved because the registry writes it: "
                f"remove it from manifest_fields (reserved: {', '.join(RESERVED_FIELDS)})"
            )
    try:
        text = json.dumps(manifest_fields, default=_json_fallback, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise RegistryError(
            f"manifest_fields cannot be stored as JSON: {error}. Use text, numbers, "
            "booleans, None, lists and dicts, with None in place of NaN or infinity"
        ) from None
    return json.loads(text)


def signing_key() -> bytes | None:
    """Return the signing key from the environment, or ``None`` when it is unset or empty."""
    value = os.environ.get(SIGNING_KEY_ENV, "")
    return value.encode("utf-8") if value else None


def compute_signature(manifest: dict[str, Any], key: bytes) -> str:
    unsigned = {name: value for name, value in manifest.items() if name != "signature"}
    digest = hmac.new(key, canonical_json(unsigned), hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def build_manifest(
    fields: dict[str, Any],
    dataset: str,
    version: str,
    files: dict[str, dict[str, Any]],
    key: bytes | None,
) -> dict[str, Any]:
    """Combine normalized caller fields with the registry's own, and sign when ``key`` is set."""
    manifest = dict(fields)
    manifest.update(
        {
            "dataset": dataset,
            "version": version,
            "created_at": utc_now(),
            "files": {name: dict(entry) for name, entry in sorted(files.items())},
        }
    )
    manifest["signature"] = compute_signature(manifest, key) if key is not None else None
    return manifest


def parse_manifest(data: bytes, location: str) -> dict[str, Any]:
    """Parse manifest bytes and check their structure; ``location`` names them in errors."""
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise VerificationError(f"manifest {location} is not valid JSON: {error}") from None
    if not isinstance(manifest, dict):
        raise VerificationError(f"manifest {location} is not a JSON object")
    for field in ("dataset", "version"):
        if not isinstance(manifest.get(field), str):
            raise VerificationError(f"manifest {location} has no {field!r} text field")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise VerificationError(f"manifest {location} lists no files")
    for name, entry in files.items():
        if not is_valid_name(name) or name == MANIFEST_NAME:
            raise VerificationError(
                f"manifest {location} lists an invalid file name {name!r}: names are one "
                "path segment, so this manifest was not written by the registry"
            )
        sha256 = entry.get("sha256") if isinstance(entry, dict) else None
        size = entry.get("bytes") if isinstance(entry, dict) else None
        valid_size = isinstance(size, int) and not isinstance(size, bool) and size >= 0
        if not isinstance(sha256, str) or not _SHA256_PATTERN.fullmatch(sha256) or not valid_size:
            raise VerificationError(
                f"manifest {location} has an invalid entry for {name}: expected "
                f'{{"sha256": 64 hex digits, "bytes": count}}, got {entry!r}'
            )
    return manifest


def check_signature(manifest: dict[str, Any], location: str) -> None:
    """Check the manifest's signature against ``SYNTH_OPS_SIGNING_KEY``.

    With a key set, a missing or different signature raises
    ``VerificationError``. Without a key, a signature cannot be checked, so
    it is accepted with a WARNING.
    """
    key = signing_key()
    signature = manifest.get("signature")
    if key is None:
        if signature:
            logger.warning(
                "Signature of manifest %s was not checked because %s is not set",
                location,
                SIGNING_KEY_ENV,
            )
        return
    if not signature:
        raise VerificationError(
            f"manifest {location} is unsigned, but {SIGNING_KEY_ENV} is set: register the "
            f"version again with the signing key, or unset {SIGNING_KEY_ENV} to accept "
            "unsigned versions"
        )
    if not isinstance(signature, str) or not hmac.compare_digest(
        signature, compute_signature(manifest, key)
    ):
        raise VerificationError(
            f"signature of manifest {location} is invalid: the manifest was changed after "
            f"it was signed, or it was signed with a key other than {SIGNING_KEY_ENV}"
        )
