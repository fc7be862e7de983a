"""Versions of the libraries that shape a generator, recorded in every manifest."""

from __future__ import annotations

import platform
from importlib import metadata

TRACKED = ("synth-ops", "sdv", "rdt", "sdmetrics", "ctgan", "copulas", "torch", "pandas", "numpy", "scikit-learn", "pyarrow", "faker", "mostlyai-engine")


def library_versions() -> dict[str, str]:
    """Return ``{distribution: version}`` for the tracked libraries that are installed."""
    versions = {"python": platform.python_version()}
    for name in TRACKED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
