"""The generator registry: immutable, verified versions and a champion pointer.

A version is written completely, verified, and only then made champion, so
readers that follow ``champion.json`` never see half a version. Everything
goes through ``synth_ops.storage``, so ``file://`` and ``s3://`` registries
behave the same.
"""

from __future__ import annotations

from synth_ops.registry.bundle import export_bundle, import_bundle
from synth_ops.registry.catalog import catalog
from synth_ops.registry.loader import load_generator
from synth_ops.registry.verify import verify_version
from synth_ops.registry.versions import (
    RegisteredVersion,
    find_version_by_source,
    list_datasets,
    list_versions,
    register_version,
    resolve_version,
)

__all__ = [
    "RegisteredVersion",
    "catalog",
    "export_bundle",
    "find_version_by_source",
    "import_bundle",
    "list_datasets",
    "list_versions",
    "load_generator",
    "register_version",
    "resolve_version",
    "verify_version",
]
