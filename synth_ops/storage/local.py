"""The ``file://`` backend, where a directory tree takes the place of a bucket."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from synth_ops.errors import ObjectExistsError, ObjectNotFoundError, StorageError
from synth_ops.storage.base import Storage

logger = logging.getLogger(__name__)


def url_to_path(url: str) -> Path:
    """Return the local path of a ``file://`` URL."""
    return Path(unquote(urlparse(url).path))


class LocalStorage(Storage):
    """Objects are files; writes go to a temporary file, then ``os.replace``."""

    def read_bytes(self, url: str) -> bytes:
        path = url_to_path(url)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise ObjectNotFoundError(f"object not found: {url}") from None
        except IsADirectoryError:
            raise ObjectNotFoundError(f"object not found: {url} is a directory") from None

    def write_bytes(self, url: str, data: bytes, *, if_absent: bool = False) -> None:
        path = url_to_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        if if_absent:
            # O_EXCL makes the create-only check and the create one atomic step.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                raise ObjectExistsError(f"object already exists: {url}") from None
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            return
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def exists(self, url: str) -> bool:
        return url_to_path(url).is_file()

    def list_objects(self, prefix: str) -> list[str]:
        root = url_to_path(prefix)
        if root.is_file():
            return [prefix]
        if not root.is_dir():
            return []
        urls = []
        for dirpath, _dirnames, filenames in os.walk(root):
            for name in filenames:
                if name.startswith(".") and name.endswith(".tmp"):
                    continue
                urls.append("file://" + str(Path(dirpath, name)))
        return sorted(urls)

    def delete(self, url: str) -> None:
        url_to_path(url).unlink(missing_ok=True)

    def upload_file(self, path: str, url: str) -> None:
        target = url_to_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        try:
            shutil.copyfile(path, temp_name)
            os.replace(temp_name, target)
        except FileNotFoundError:
            Path(temp_name).unlink(missing_ok=True)
            raise StorageError(f"local file not found: {path}") from None
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def download_file(self, url: str, path: str) -> None:
        source = url_to_path(url)
        if not source.is_file():
            raise ObjectNotFoundError(f"object not found: {url}")
        shutil.copyfile(source, path)
