"""Verification of a stored version against its manifest."""

from __future__ import annotations

import logging
from typing import Any

from synth_ops import storage
from synth_ops.errors import ObjectNotFoundError, RegistryError, VerificationError
from synth_ops.registry.layout import (
    CLAIM_NAME,
    MANIFEST_NAME,
    check_dataset_name,
    check_version,
    scan_dataset,
    sort_versions,
    version_url,
)
from synth_ops.registry.manifest import check_signature, hash_file, parse_manifest

logger = logging.getLogger(__name__)


def verify_version(registry_url: str, dataset: str, version: str) -> dict[str, Any]:
    """Check every file of a version against its manifest and return the manifest.

    Raises ``VerificationError`` naming the file when a listed file is missing,
    a file is present but not listed, or a file's size or SHA-256 differs. A
    version without ``manifest.json`` is incomplete and raises too. When
    ``SYNTH_OPS_SIGNING_KEY`` is set, an unsigned or wrongly signed manifest
    raises. Without a key, a signature is not checked, and a WARNING is logged.
    """
    manifest, _manifest_bytes = read_verified_manifest(registry_url, dataset, version)
    return manifest


def read_verified_manifest(
    registry_url: str, dataset: str, version: str
) -> tuple[dict[str, Any], bytes]:
    """Verify a version like ``verify_version`` and also return the manifest's exact bytes."""
    check_dataset_name(dataset)
    check_version(version)
    folders = scan_dataset(registry_url, dataset)
    if version not in folders:
        known = [name for name, names in folders.items() if MANIFEST_NAME in names]
        raise RegistryError(
            f"version {version!r} of dataset {dataset!r} not found in {registry_url}: "
            f"known versions: {', '.join(sort_versions(known)) or 'none'}"
        )
    base_url = version_url(registry_url, dataset, version)
    present = folders[version]
    if MANIFEST_NAME not in present:
        raise VerificationError(
            f"incomplete version {base_url}: {MANIFEST_NAME} is missing, so its registration "
            "did not finish or the manifest was deleted. Register the files again as a new version"
        )

    manifest_url = storage.join(base_url, MANIFEST_NAME)
    try:
        manifest_bytes = storage.read_bytes(manifest_url)
    except ObjectNotFoundError:
        raise VerificationError(
            f"incomplete version {base_url}: {MANIFEST_NAME} disappeared while it was read"
        ) from None
    manifest = parse_manifest(manifest_bytes, manifest_url)
    if manifest["dataset"] != dataset or manifest["version"] != version:
        raise VerificationError(
            f"manifest {manifest_url} is for {manifest['dataset']}/{manifest['version']}, "
            f"not {dataset}/{version}: it was copied from another version"
        )
    check_signature(manifest, manifest_url)

    listed = manifest["files"]
    stored = present - {MANIFEST_NAME, CLAIM_NAME}
    missing = sorted(set(listed) - stored)
    if missing:
        raise VerificationError(
            f"{', '.join(missing)} listed in {manifest_url} but missing from {base_url}: "
            "the version is damaged. Register the files again as a new version"
        )
    unexpected = sorted(stored - set(listed))
    if unexpected:
        raise VerificationError(
            f"unexpected file {', '.join(unexpected)} in {base_url}, not listed in its "
            "manifest: versions are immutable, so remove the file or register a new version"
        )
    for name in sorted(listed):
        _check_stored_file(storage.join(base_url, name), name, listed[name])
    logger.debug("Verified %s (%d files)", base_url, len(listed))
    return manifest, manifest_bytes


def _check_stored_file(url: str, name: str, expected: dict[str, Any]) -> None:
    try:
        with storage.download_to_temp(url, suffix=f"-{name}") as path:
            sha256, size = hash_file(path)
    except (ObjectNotFoundError, FileNotFoundError):
        raise VerificationError(f"{name} is listed in the manifest but missing: {url}") from None
    check_file_hash(name, url, sha256, size, expected)


def check_file_hash(name: str, location: str, sha256: str, size: int, expected: dict[str, Any]) -> None:
    """Raise ``VerificationError`` naming ``name`` unless the hash and size match the entry."""
    if sha256 != expected["sha256"] or size != expected["bytes"]:
        raise VerificationError(
            f"{name} does not match its manifest entry: {location} has sha256 {sha256} "
            f"({size} bytes), the manifest lists sha256 {expected['sha256']} "
            f"({expected['bytes']} bytes). The file was changed or corrupted after registration"
        )
