"""Portable bundles: one tar.gz file with every file of a version and its manifest.

A bundle contains ``manifest.json`` first and then each file listed in it, as
plain members without folders. Importing checks every member against the
manifest before anything is written to the target registry.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tarfile
import tempfile
import time
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, Any

from synth_ops import storage
from synth_ops.errors import RegistryError, VerificationError
from synth_ops.registry.layout import MANIFEST_NAME, check_dataset_name, version_url
from synth_ops.registry.manifest import (
    RESERVED_FIELDS,
    check_signature,
    hash_stream,
    parse_manifest,
    sha256_bytes,
)
from synth_ops.registry.verify import check_file_hash, read_verified_manifest
from synth_ops.registry.versions import RegisteredVersion, register_version, resolve_version

logger = logging.getLogger(__name__)

#: Largest manifest accepted from a bundle; real manifests are a few KiB.
MAX_MANIFEST_BYTES = 16 * 1024 * 1024

_COPY_CHUNK_BYTES = 1024 * 1024
#: Errors that a truncated or corrupted tar.gz file raises while it is read.
_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, zlib.error)


def export_bundle(
    registry_url: str, dataset: str, version: str | None, out_path: str | os.PathLike
) -> Path:
    """Verify a version and write it, manifest included, to one tar.gz file.

    ``version=None`` exports the champion. Each file is hashed again as it is
    added, so the bundle contains exactly the verified bytes. The bundle is
    written to a temporary file next to ``out_path`` and renamed at the end,
    so a failed export leaves no partial bundle.
    """
    version = resolve_version(registry_url, dataset, version)
    manifest, manifest_bytes = read_verified_manifest(registry_url, dataset, version)
    base_url = version_url(registry_url, dataset, version)

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with tarfile.open(temp_name, "w:gz") as archive:
            _add_member(archive, MANIFEST_NAME, io.BytesIO(manifest_bytes), len(manifest_bytes))
            for name, entry in sorted(manifest["files"].items()):
                url = storage.join(base_url, name)
                with storage.download_to_temp(url, suffix=f"-{name}") as path, open(path, "rb") as handle:
                    sha256, size = hash_stream(handle)
                    check_file_hash(name, url, sha256, size, entry)
                    handle.seek(0)
                    _add_member(archive, name, handle, size)
        os.replace(temp_name, out)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    logger.info("Exported %s to %s", base_url, out)
    return out


def _add_member(archive: tarfile.TarFile, name: str, handle: IO[bytes], size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    info.mtime = int(time.time())
    archive.addfile(info, handle)


def import_bundle(
    bundle_path: str | os.PathLike,
    registry_url: str,
    *,
    dataset: str | None = None,
    move_champion: bool = True,
) -> RegisteredVersion:
    """Check a bundle completely, then register its files as a new version.

    The bundle is rejected with ``VerificationError`` before anything is
    written when a member has an absolute or ``..`` path, is a link or another
    non-regular file, is not listed in the manifest, is missing, or does not
    match its SHA-256. The signature is checked as in ``verify_version``.

    The new version goes to ``dataset``, or to the manifest's dataset when it
    is ``None``. It keeps the original manifest fields and gains an
    ``imported_from`` entry with the source dataset, version and manifest
    SHA-256. Its version id and ``created_at`` are new.
    """
    if dataset is not None:
        check_dataset_name(dataset)
    path = Path(bundle_path)
    with tempfile.TemporaryDirectory(prefix="synth-ops-import-") as staging:
        manifest, manifest_sha256 = _unpack_verified(path, Path(staging))
        target = check_dataset_name(dataset or manifest["dataset"])
        fields = {key: value for key, value in manifest.items() if key not in RESERVED_FIELDS}
        fields["imported_from"] = {
            "dataset": manifest["dataset"],
            "version": manifest["version"],
            "manifest_sha256": manifest_sha256,
        }
        files = {name: Path(staging, name) for name in manifest["files"]}
        registered = register_version(
            registry_url, target, files, fields, move_champion=move_champion
        )
    logger.info(
        "Imported %s/%s from %s as %s",
        manifest["dataset"],
        manifest["version"],
        path,
        registered.url,
    )
    return registered


def _unpack_verified(path: Path, staging: Path) -> tuple[dict[str, Any], str]:
    """Copy the bundle's listed files to ``staging`` and return the checked manifest and its SHA-256.

    Members are read with ``extractfile`` and written under names taken from
    the checked manifest, so no member path ever reaches the file system.
    """
    if not path.is_file():
        raise RegistryError(f"bundle {path} not found: pass the path of a file written by export_bundle")
    try:
        with tarfile.open(path, "r:*") as archive:
            members = _index_members(archive.getmembers(), path)
            manifest_bytes = _read_manifest_member(archive, members, path)
            manifest_location = f"{path}:{MANIFEST_NAME}"
            manifest = parse_manifest(manifest_bytes, manifest_location)
            check_signature(manifest, manifest_location)

            listed = manifest["files"]
            present = set(members) - {MANIFEST_NAME}
            missing = sorted(set(listed) - present)
            if missing:
                raise VerificationError(
                    f"bundle {path} lacks {', '.join(missing)}, listed in its manifest: "
                    "export the version again"
                )
            unexpected = sorted(present - set(listed))
            if unexpected:
                raise VerificationError(
                    f"bundle {path} contains {', '.join(unexpected)}, not listed in its "
                    "manifest: bundles contain only the manifest and its files"
                )
            for name in sorted(listed):
                _copy_member(archive, members[name], staging / name, f"{path}:{name}", listed[name])
    except _ARCHIVE_ERRORS as error:
        raise VerificationError(
            f"bundle {path} is not a readable tar archive: {error}. Export the version again"
        ) from None
    return manifest, sha256_bytes(manifest_bytes)


def _index_members(members: list[tarfile.TarInfo], path: Path) -> dict[str, tarfile.TarInfo]:
    """Map member names to members, rejecting unsafe paths, non-regular files and duplicates."""
    by_name: dict[str, tarfile.TarInfo] = {}
    for member in members:
        name = member.name
        posix = PurePosixPath(name.replace("\\", "/"))
        if posix.is_absolute() or ".." in posix.parts:
            raise VerificationError(
                f"bundle {path} has a member with an unsafe path {name!r}: members must be "
                "plain file names, so the bundle was not written by export_bundle"
            )
        if not member.isreg():
            if member.issym() or member.islnk():
                kind = "link"
            elif member.isdir():
                kind = "folder"
            else:
                kind = "special file"
            raise VerificationError(
                f"bundle {path} has member {name!r}, which is a {kind}: bundles contain only "
                "regular files"
            )
        if name in by_name:
            raise VerificationError(f"bundle {path} contains {name!r} twice: export the version again")
        by_name[name] = member
    return by_name


def _read_manifest_member(
    archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo], path: Path
) -> bytes:
    member = members.get(MANIFEST_NAME)
    if member is None:
        raise VerificationError(f"bundle {path} has no {MANIFEST_NAME}: export the version again")
    if member.size > MAX_MANIFEST_BYTES:
        raise VerificationError(
            f"{MANIFEST_NAME} in bundle {path} has {member.size} bytes, more than the "
            f"maximum of {MAX_MANIFEST_BYTES}"
        )
    return _open_member(archive, member).read()


def _copy_member(
    archive: tarfile.TarFile,
    member: tarfile.TarInfo,
    target: Path,
    location: str,
    expected: dict[str, Any],
) -> None:
    # Compare the declared size first, so an oversized member is never copied.
    if member.size != expected["bytes"]:
        raise VerificationError(
            f"{target.name} does not match its manifest entry: {location} has "
            f"{member.size} bytes, the manifest lists {expected['bytes']} bytes"
        )
    source = _open_member(archive, member)
    digest = hashlib.sha256()
    size = 0
    with open(target, "wb") as handle:
        while chunk := source.read(_COPY_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
    check_file_hash(target.name, location, digest.hexdigest(), size, expected)


def _open_member(archive: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    handle = archive.extractfile(member)
    if handle is None:
        raise VerificationError(f"bundle member {member.name!r} has no content")
    return handle
