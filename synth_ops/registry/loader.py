"""Loading a registered generator, verified before anything is unpickled."""

from __future__ import annotations

import logging
import pickle
from typing import Any

from synth_ops import storage
from synth_ops.errors import RegistryError, VerificationError
from synth_ops.registry.layout import GENERATOR_NAME, version_url
from synth_ops.registry.manifest import sha256_bytes
from synth_ops.registry.verify import check_file_hash, verify_version
from synth_ops.registry.versions import read_champion, resolve_version

logger = logging.getLogger(__name__)


def load_generator(
    registry_url: str, dataset: str, version: str | None = None
) -> tuple[object, dict[str, Any]]:
    """Verify a version, then unpickle its ``generator.pkl`` and return it with the manifest.

    ``version=None`` loads the champion. Unpickling runs code, so the whole
    version is verified first, and the bytes passed to ``pickle.loads`` are
    hashed again in case the object changed after verification. Either check
    raises ``VerificationError`` before anything is unpickled. A valid hash
    proves only that the bytes are the registered ones. Only a signing key
    stops a writer of the registry storage from registering a hostile pickle.
    Loading the champion also checks the manifest against the sha256 that
    ``champion.json`` recorded, so an edited manifest is caught there too.
    """
    follows_champion = version is None
    version = resolve_version(registry_url, dataset, version)
    if follows_champion:
        _check_champion_manifest(registry_url, dataset, version)
    manifest = verify_version(registry_url, dataset, version)
    entry = manifest["files"].get(GENERATOR_NAME)
    base_url = version_url(registry_url, dataset, version)
    if entry is None:
        raise RegistryError(
            f"version {base_url} has no {GENERATOR_NAME}, only "
            f"{', '.join(sorted(manifest['files']))}. Pick a version registered with a generator"
        )

    url = storage.join(base_url, GENERATOR_NAME)
    data = storage.read_bytes(url)
    check_file_hash(GENERATOR_NAME, url, sha256_bytes(data), len(data), entry)
    generator = pickle.loads(data)
    logger.info("Loaded generator %s (%d bytes)", url, len(data))
    return generator, manifest


def _check_champion_manifest(registry_url: str, dataset: str, version: str) -> None:
    """Raise ``VerificationError`` when the champion's manifest changed after registration."""
    champion = read_champion(registry_url, dataset) or {}
    expected = champion.get("manifest_sha256")
    if not expected or champion.get("version") != version:
        return
    url = storage.join(version_url(registry_url, dataset, version), "manifest.json")
    actual = sha256_bytes(storage.read_bytes(url))
    if actual != expected:
        raise VerificationError(
            f"{url} changed after registration: its sha256 {actual[:12]}... does not match "
            f"{expected[:12]}... in champion.json. Restore the version from a trusted copy or register it again"
        )
