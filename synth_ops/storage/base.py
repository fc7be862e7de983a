"""The storage interface and URL helpers shared by every backend."""

from __future__ import annotations

import abc
import os
from pathlib import Path
from urllib.parse import urlparse

from synth_ops.errors import ConfigError

SUPPORTED_SCHEMES = ("file", "s3")


def normalize_url(url_or_path: str | os.PathLike) -> str:
    """Return ``url_or_path`` as a ``file://`` or ``s3://`` URL.

    A plain path becomes an absolute ``file://`` URL. Trailing slashes are kept
    because they mark a prefix.
    """
    text = os.fspath(url_or_path)
    if "://" not in text:
        absolute = str(Path(text).expanduser().resolve())
        if text.endswith("/") and not absolute.endswith("/"):
            absolute += "/"
        return "file://" + absolute
    scheme = urlparse(text).scheme
    if scheme not in SUPPORTED_SCHEMES:
        raise ConfigError(
            f"unsupported storage URL {text!r}: use a local path, file:///ABSOLUTE/PATH "
            "or s3://BUCKET/KEY"
        )
    if scheme == "s3" and not urlparse(text).netloc:
        raise ConfigError(f"S3 URL {text!r} has no bucket: use s3://BUCKET/KEY")
    return text


def join(base: str, *parts: str) -> str:
    """Join ``parts`` onto the URL ``base`` with single slashes."""
    url = normalize_url(base).rstrip("/")
    for part in parts:
        part = str(part).strip("/")
        if part:
            url = f"{url}/{part}"
    return url


class Storage(abc.ABC):
    """One backend. Writes of a single object are atomic for readers."""

    @abc.abstractmethod
    def read_bytes(self, url: str) -> bytes:
        """Read a whole object; raise ``ObjectNotFoundError`` if it is missing."""

    @abc.abstractmethod
    def write_bytes(self, url: str, data: bytes, *, if_absent: bool = False) -> None:
        """Write a whole object atomically.

        With ``if_absent`` the write succeeds only when no object exists at
        ``url`` and raises ``ObjectExistsError`` otherwise.
        """

    @abc.abstractmethod
    def exists(self, url: str) -> bool:
        """Tell whether an object exists at ``url``."""

    @abc.abstractmethod
    def list_objects(self, prefix: str) -> list[str]:
        """List the URLs of every object under ``prefix``, sorted."""

    @abc.abstractmethod
    def delete(self, url: str) -> None:
        """Delete one object; deleting a missing object is not an error."""

    @abc.abstractmethod
    def upload_file(self, path: str, url: str) -> None:
        """Copy a local file to ``url``, atomically for readers."""

    @abc.abstractmethod
    def download_file(self, url: str, path: str) -> None:
        """Copy the object at ``url`` to the local file ``path``."""
