"""Loading a registered generator, verified before anything is unpickled."""

from __future__ import annotations

import logging
import pickle
from typing import Any

from synth_ops import storage
from synth_ops.errors import RegistryError
from synth_ops.registry.layout import GENERATOR_NAME, version_url
from synth_ops.registry.manifest import sha256_bytes
from synth_ops.registry.verify import check_file_hash, verify_version
from synth_ops.registry.versions import resolve_version

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
    """
    version = resolve_version(registry_url, dataset, version)
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
