"""Registering versions, listing them and resolving the champion."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synth_ops import storage
from synth_ops.errors import (
    ObjectExistsError,
    ObjectNotFoundError,
    RegistryError,
    StorageError,
    VerificationError,
)
from synth_ops.registry.layout import (
    CHAMPION_NAME,
    CLAIM_NAME,
    MANIFEST_NAME,
    champion_url,
    check_dataset_name,
    check_file_name,
    check_version,
    format_version,
    scan_dataset,
    scan_registry,
    sort_versions,
    version_number,
    version_url,
)
from synth_ops.registry.manifest import (
    build_manifest,
    hash_file,
    manifest_to_bytes,
    normalize_fields,
    sha256_bytes,
    signing_key,
    utc_now,
)
from synth_ops.registry.verify import verify_version

logger = logging.getLogger(__name__)

#: Version numbers one registration tries before it gives up. Each failed try
#: means another writer claimed that number first.
MAX_CLAIM_ATTEMPTS = 1000


@dataclass(frozen=True)
class RegisteredVersion:
    """A version that was written, verified and, if requested, made champion."""

    dataset: str
    version: str
    #: URL of the version folder.
    url: str
    manifest_url: str
    champion_moved: bool


def register_version(
    registry_url: str,
    dataset: str,
    files: dict[str, bytes | Path],
    manifest_fields: dict[str, Any],
    *,
    move_champion: bool = True,
) -> RegisteredVersion:
    """Write ``files`` as the next version of ``dataset`` and return where it went.

    Steps, in order: claim the next free version id with a create-only
    ``.claim`` object, upload every file, write ``manifest.json`` last,
    verify the whole version as stored, and only then rewrite
    ``champion.json`` (unless ``move_champion`` is false).

    A failure before the manifest is written leaves a folder without a
    manifest, which readers ignore. A failure in verification removes the
    manifest again. Neither case touches ``champion.json``. The manifest is
    signed when ``SYNTH_OPS_SIGNING_KEY`` is set.
    """
    check_dataset_name(dataset)
    fields = normalize_fields(manifest_fields)
    _check_files(files)
    key = signing_key()

    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    version = _claim_next_version(registry_url, dataset, owner, fields.get("run_id"))
    base_url = version_url(registry_url, dataset, version)
    manifest_url = storage.join(base_url, MANIFEST_NAME)
    logger.info("Claimed %s for a new version of %s", base_url, dataset)

    try:
        entries = {}
        for name, content in files.items():
            entries[name] = _upload(storage.join(base_url, name), content)
        manifest = build_manifest(fields, dataset, version, entries, key)
        manifest_bytes = manifest_to_bytes(manifest)
        _write_manifest(manifest_url, manifest_bytes)
    except BaseException:
        logger.warning(
            "Registration of %s stopped before its manifest was written, so readers ignore "
            "the incomplete version",
            base_url,
        )
        raise

    try:
        verify_version(registry_url, dataset, version)
    except VerificationError:
        _withdraw_manifest(manifest_url)
        raise

    champion_moved = False
    if move_champion:
        pointer = {
            "dataset": dataset,
            "version": version,
            "manifest_sha256": sha256_bytes(manifest_bytes),
            "updated_at": utc_now(),
        }
        # NOTE: concurrent registrations of one dataset each rewrite the
        # pointer, and the last write wins, even when it names the older version.
        storage.write_json(champion_url(registry_url, dataset), pointer)
        champion_moved = True
        logger.info("Champion of %s is now %s", dataset, version)
    logger.info("Registered %s with %d files", base_url, len(files))
    return RegisteredVersion(dataset, version, base_url, manifest_url, champion_moved)


def _check_files(files: dict[str, bytes | Path]) -> None:
    if not isinstance(files, dict) or not files:
        raise RegistryError("no files to register: pass a dict of file name to bytes or pathlib.Path")
    for name, content in files.items():
        check_file_name(name)
        if isinstance(content, (bytes, bytearray, memoryview)):
            continue
        if not isinstance(content, os.PathLike):
            raise RegistryError(
                f"file {name!r} has content of type {type(content).__name__}: pass bytes "
                "or a pathlib.Path"
            )
        if not Path(content).is_file():
            raise RegistryError(f"file {name!r} not found at {content}: pass an existing file")


def _claim_next_version(registry_url: str, dataset: str, owner: str, run_id: Any) -> str:
    """Create ``<version>/.claim`` for the lowest free version number and return the version.

    The create-only write is atomic in both backends, so two writers never get
    the same version: the loser moves on to the next number.
    """
    folders = scan_dataset(registry_url, dataset)
    number = max((version_number(version) or 0 for version in folders), default=0) + 1
    claim = {"owner": owner, "run_id": run_id, "claimed_at": utc_now()}
    for _ in range(MAX_CLAIM_ATTEMPTS):
        version = format_version(number)
        claim_url = storage.join(version_url(registry_url, dataset, version), CLAIM_NAME)
        try:
            storage.write_json(claim_url, claim, if_absent=True)
            return version
        except ObjectExistsError:
            # A retried S3 write gets 412 when its first attempt landed but the
            # response was lost, so the claim found may be this writer's own.
            if _claim_owner(claim_url) == owner:
                return version
            logger.debug("Version %s of %s is already claimed, trying the next one", version, dataset)
            number += 1
    raise RegistryError(
        f"could not claim a version of {dataset!r} in {registry_url} after "
        f"{MAX_CLAIM_ATTEMPTS} attempts: too many concurrent registrations; retry later"
    )


def _claim_owner(claim_url: str) -> str | None:
    try:
        claim = storage.read_json(claim_url)
    except (ObjectNotFoundError, ValueError):
        return None
    return claim.get("owner") if isinstance(claim, dict) else None


def _upload(url: str, content: bytes | Path) -> dict[str, Any]:
    """Store one file and return its manifest entry, hashed from the local copy."""
    if isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
        storage.write_bytes(url, data)
        return {"sha256": sha256_bytes(data), "bytes": len(data)}
    path = Path(content)
    sha256, size = hash_file(path)
    storage.for_url(url).upload_file(str(path), url)
    return {"sha256": sha256, "bytes": size}


def _write_manifest(manifest_url: str, manifest_bytes: bytes) -> None:
    """Create the manifest; a manifest that already exists is accepted only if it is this one."""
    try:
        storage.write_bytes(manifest_url, manifest_bytes, if_absent=True)
    except ObjectExistsError:
        # As with claims, a retried S3 write gets 412 when its first attempt
        # landed but the response was lost.
        try:
            stored = storage.read_bytes(manifest_url)
        except ObjectNotFoundError:
            stored = None
        if stored != manifest_bytes:
            raise


def _withdraw_manifest(manifest_url: str) -> None:
    try:
        storage.for_url(manifest_url).delete(manifest_url)
    except (StorageError, OSError):
        logger.exception(
            "Could not delete %s after its version failed verification; delete it by hand "
            "so that readers skip the damaged version",
            manifest_url,
        )
    else:
        logger.warning("Deleted %s because its version failed verification", manifest_url)


def list_datasets(registry_url: str) -> list[str]:
    """List the datasets with a champion or at least one complete version, sorted."""
    datasets = []
    for dataset, paths in scan_registry(registry_url).items():
        complete = any(
            version_number(path.partition("/")[0]) is not None and path.endswith("/" + MANIFEST_NAME)
            for path in paths
        )
        if complete or CHAMPION_NAME in paths:
            datasets.append(dataset)
    return sorted(datasets)


def list_versions(registry_url: str, dataset: str) -> list[str]:
    """List the complete versions of ``dataset`` (those with a manifest), oldest first."""
    folders = scan_dataset(registry_url, dataset)
    return sort_versions(version for version, names in folders.items() if MANIFEST_NAME in names)


def read_champion(registry_url: str, dataset: str) -> dict[str, Any] | None:
    """Return the champion pointer of ``dataset``, or ``None`` when it has none."""
    url = champion_url(registry_url, dataset)
    try:
        pointer = storage.read_json(url)
    except ObjectNotFoundError:
        return None
    except ValueError as error:
        raise RegistryError(f"champion pointer {url} is not valid JSON: {error}") from None
    if not isinstance(pointer, dict) or version_number(pointer.get("version")) is None:
        raise RegistryError(
            f"champion pointer {url} names no valid version: register a version to rewrite it"
        )
    return pointer


def resolve_version(registry_url: str, dataset: str, version: str | None = None) -> str:
    """Return ``version`` when it is a complete version, or the champion's when it is ``None``.

    Raises ``RegistryError`` listing the known datasets or versions when the
    dataset, the version or the champion is not found.
    """
    check_dataset_name(dataset)
    if version is not None:
        check_version(version)
    versions = list_versions(registry_url, dataset)
    if not versions:
        known = list_datasets(registry_url)
        raise RegistryError(
            f"dataset {dataset!r} not found in {registry_url}: known datasets: "
            f"{', '.join(known) or 'none'}"
        )
    if version is None:
        pointer = read_champion(registry_url, dataset)
        if pointer is None:
            raise RegistryError(
                f"dataset {dataset!r} in {registry_url} has no champion: pass one of its "
                f"versions: {', '.join(versions)}"
            )
        return pointer["version"]
    if version not in versions:
        raise RegistryError(
            f"version {version!r} of dataset {dataset!r} not found in {registry_url}: "
            f"known versions: {', '.join(versions)}"
        )
    return version


def find_version_by_source(registry_url: str, dataset: str, source_sha256: str) -> str | None:
    """Return the newest complete version trained on the source with this SHA-256, or ``None``.

    Only manifests are read, so the version's files are not verified here.
    """
    check_dataset_name(dataset)
    for version in reversed(list_versions(registry_url, dataset)):
        manifest_url = storage.join(version_url(registry_url, dataset, version), MANIFEST_NAME)
        try:
            manifest = storage.read_json(manifest_url)
        except ValueError:
            logger.warning("Skipped %s because it is not valid JSON", manifest_url)
            continue
        source = manifest.get("source") if isinstance(manifest, dict) else None
        if isinstance(source, dict) and source.get("sha256") == source_sha256:
            return version
    return None
