"""Names and URLs of the registry layout.

::

    <registry>/<dataset>/champion.json            pointer to the current version
    <registry>/<dataset>/<version>/.claim         written first, create-only
    <registry>/<dataset>/<version>/<file>         generator.pkl, synthetic.parquet, ...
    <registry>/<dataset>/<version>/manifest.json  written last; marks the version complete

Version ids are ``v1``, ``v2``, ... and sort by their number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from synth_ops import storage
from synth_ops.errors import RegistryError

MANIFEST_NAME = "manifest.json"
CHAMPION_NAME = "champion.json"
CLAIM_NAME = ".claim"
GENERATOR_NAME = "generator.pkl"

#: Dataset and file names: one path segment of letters, digits, ".", "_" and "-",
#: starting with a letter or digit, so no name can be empty, hidden or "..".
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_VERSION_PATTERN = re.compile(r"v([1-9][0-9]*)")


def is_valid_name(name: object) -> bool:
    """Tell whether ``name`` is usable as a dataset or file name."""
    return isinstance(name, str) and _NAME_PATTERN.fullmatch(name) is not None


def check_dataset_name(dataset: str) -> str:
    """Return ``dataset`` or raise ``RegistryError`` when it is not a valid name."""
    if not is_valid_name(dataset):
        raise RegistryError(
            f"invalid dataset name {dataset!r}: use up to 128 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return dataset


def check_file_name(name: str) -> str:
    """Return ``name`` or raise ``RegistryError`` when it cannot be a version file."""
    if not is_valid_name(name):
        raise RegistryError(
            f"invalid file name {name!r}: use up to 128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit, without folders"
        )
    if name == MANIFEST_NAME:
        raise RegistryError(
            f"file name {name!r} is reserved for the manifest that the registry writes: "
            "rename the file"
        )
    return name


def version_number(version: object) -> int | None:
    """Return the number of a version id such as ``v12``, or ``None`` for other text."""
    if not isinstance(version, str):
        return None
    match = _VERSION_PATTERN.fullmatch(version)
    return int(match.group(1)) if match else None


def check_version(version: str) -> str:
    """Return ``version`` or raise ``RegistryError`` when it is not ``v<N>``."""
    if version_number(version) is None:
        raise RegistryError(f"invalid version {version!r}: use v1, v2, ...")
    return version


def format_version(number: int) -> str:
    return f"v{number}"


def sort_versions(versions: Iterable[str]) -> list[str]:
    """Sort version ids by number, so ``v10`` comes after ``v9``."""
    return sorted(versions, key=lambda version: version_number(version) or 0)


def dataset_url(registry_url: str, dataset: str) -> str:
    return storage.join(registry_url, check_dataset_name(dataset))


def version_url(registry_url: str, dataset: str, version: str) -> str:
    return storage.join(dataset_url(registry_url, dataset), check_version(version))


def champion_url(registry_url: str, dataset: str) -> str:
    return storage.join(dataset_url(registry_url, dataset), CHAMPION_NAME)


def scan_dataset(registry_url: str, dataset: str) -> dict[str, set[str]]:
    """Map each version folder of ``dataset``, complete or not, to its object names.

    Names are relative to the version folder. Objects outside version folders,
    such as ``champion.json``, are left out.
    """
    prefix = dataset_url(registry_url, dataset) + "/"
    folders: dict[str, set[str]] = {}
    for url in storage.list_objects(prefix):
        if not url.startswith(prefix):
            continue
        version, _, name = url[len(prefix) :].partition("/")
        if name and version_number(version) is not None:
            folders.setdefault(version, set()).add(name)
    return folders


def scan_registry(registry_url: str) -> dict[str, set[str]]:
    """Map each dataset folder of the registry to its object paths, relative to it."""
    prefix = storage.normalize_url(registry_url).rstrip("/") + "/"
    datasets: dict[str, set[str]] = {}
    for url in storage.list_objects(prefix):
        if not url.startswith(prefix):
            continue
        dataset, _, rest = url[len(prefix) :].partition("/")
        if rest and is_valid_name(dataset):
            datasets.setdefault(dataset, set()).add(rest)
    return datasets
