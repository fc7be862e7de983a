"""The ``s3://`` backend: boto3 against AWS S3 or an S3-compatible store such as MinIO.

Configuration comes from the environment, so a pod and a laptop differ only in
their variables:

``SYNTH_OPS_S3_ENDPOINT_URL``
    Endpoint of the S3 API, for example ``http://minio:9000``. Falls back to
    ``AWS_ENDPOINT_URL``; when both are unset, boto3 uses AWS itself.
``AWS_REGION`` / ``AWS_DEFAULT_REGION``
    Signing region, ``us-east-1`` when neither is set.
``SYNTH_OPS_S3_VERIFY_TLS``
    ``true`` (default), ``false``, or the path of a CA bundle file.
``SYNTH_OPS_S3_CONNECT_TIMEOUT`` / ``SYNTH_OPS_S3_READ_TIMEOUT``
    Socket timeouts in seconds, 10 and 60 by default.
``SYNTH_OPS_S3_MAX_ATTEMPTS``
    Attempts per request, including the first, 5 by default.

Credentials are left to boto3's default chain (environment variables, shared
files, web identity, instance metadata), and this module never reads them.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError as BotoConnectionError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
)

from synth_ops.errors import ConfigError, ObjectExistsError, ObjectNotFoundError, StorageError
from synth_ops.storage.base import Storage

logger = logging.getLogger(__name__)

T = TypeVar("T")

_BOTO_ERRORS = (BotoCoreError, ClientError)

DEFAULT_REGION = "us-east-1"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0
DEFAULT_MAX_ATTEMPTS = 5
#: First retry delay in seconds; each later retry doubles it, up to the maximum.
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_MAX = 20.0
#: Keys per ListObjectsV2 page; 1000 is the S3 maximum.
DEFAULT_LIST_PAGE_SIZE = 1000

_DOWNLOAD_CHUNK_BYTES = 1024 * 1024

#: Error codes that S3 and S3-compatible stores return when a client should slow down.
_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
    }
)
#: Other error codes that a retry can fix. S3 returns ConditionalRequestConflict
#: (409) when a concurrent request changes the key during a conditional write.
_TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "InternalError", "ServiceUnavailable", "ConditionalRequestConflict"}
)
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
_TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
_FALSE_WORDS = frozenset({"false", "0", "no", "off"})


def split_s3_url(url: str) -> tuple[str, str]:
    """Split ``s3://BUCKET/KEY`` into the bucket and the key (possibly empty)."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ConfigError(f"invalid S3 URL {url!r}: use s3://BUCKET/KEY")
    return parsed.netloc, parsed.path.lstrip("/")


def _error_code(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


def _http_status(error: Exception) -> int:
    metadata = getattr(error, "response", {}).get("ResponseMetadata", {})
    return int(metadata.get("HTTPStatusCode") or 0)


def is_transient(error: Exception) -> bool:
    """Tell whether ``error`` is worth a retry: a network failure, a 5xx or throttling."""
    if isinstance(error, (BotoConnectionError, HTTPClientError, IncompleteReadError)):
        return True
    if isinstance(error, ClientError):
        code = _error_code(error)
        status = _http_status(error)
        return status >= 500 or status == 429 or code in _THROTTLING_CODES or code in _TRANSIENT_CODES
    return False


def _parse_verify(value: str | None) -> bool | str | None:
    if value is None or not value.strip():
        return None
    word = value.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    if os.path.isfile(value):
        return value
    raise ConfigError(
        f"SYNTH_OPS_S3_VERIFY_TLS={value!r} is invalid: use true, false or the path "
        "of an existing CA bundle file"
    )


def _parse_positive(environ: Mapping[str, str], name: str, default: float, kind: type) -> Any:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or value <= 0:
        raise ConfigError(f"{name}={text!r} is invalid: use a {kind.__name__} greater than 0")
    return value


def _first_set(environ: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


class S3Storage(Storage):
    """Objects in S3 buckets, addressed as ``s3://BUCKET/KEY``.

    Requests use path-style addressing, which MinIO and other S3-compatible
    stores need. Each request is tried up to ``max_attempts`` times when it
    fails with a network error, a 5xx status or throttling, with exponential
    backoff between attempts, and every retry is logged at WARNING.
    botocore's own retries are switched off, so these are the only ones.
    """

    def __init__(
        self,
        *,
        endpoint_url: str | None,
        region: str,
        verify: bool | str | None,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        backoff_base: float,
        backoff_max: float,
        list_page_size: int,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self.verify = verify
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.list_page_size = list_page_size
        self._client: Any = None
        self._client_lock = threading.Lock()

    @classmethod
    def from_params(
        cls,
        *,
        endpoint_url: str | None = None,
        region: str = DEFAULT_REGION,
        verify: bool | str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_base: float = DEFAULT_BACKOFF_BASE,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        list_page_size: int = DEFAULT_LIST_PAGE_SIZE,
    ) -> "S3Storage":
        """Build a backend from explicit values and validate them.

        ``verify`` is ``True``, ``False``, a CA bundle path, or ``None`` for
        boto3's default, which verifies and honors ``AWS_CA_BUNDLE``. Timeouts and
        backoff delays are in seconds.
        """
        if endpoint_url is not None:
            scheme = urlparse(endpoint_url).scheme
            if scheme not in ("http", "https"):
                raise ConfigError(
                    f"S3 endpoint URL {endpoint_url!r} is invalid: use http://HOST:PORT "
                    "or https://HOST:PORT"
                )
        if isinstance(verify, str) and not os.path.isfile(verify):
            raise ConfigError(f"CA bundle {verify!r} not found: pass the path of an existing file")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ConfigError(
                f"S3 timeouts connect={connect_timeout} read={read_timeout} are invalid: "
                "use seconds greater than 0"
            )
        if max_attempts < 1:
            raise ConfigError(f"max_attempts={max_attempts} is invalid: use 1 or more")
        if backoff_base < 0 or backoff_max < 0:
            raise ConfigError(
                f"backoff delays base={backoff_base} max={backoff_max} are invalid: "
                "use seconds of 0 or more"
            )
        if not 1 <= list_page_size <= 1000:
            raise ConfigError(
                f"list_page_size={list_page_size} is invalid: use a value from 1 to 1000"
            )
        return cls(
            endpoint_url=endpoint_url,
            region=region,
            verify=verify,
            connect_timeout=float(connect_timeout),
            read_timeout=float(read_timeout),
            max_attempts=int(max_attempts),
            backoff_base=float(backoff_base),
            backoff_max=float(backoff_max),
            list_page_size=int(list_page_size),
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> "S3Storage":
        """Build a backend from the variables listed in the module docstring."""
        environ = os.environ if environ is None else environ
        return cls.from_params(
            endpoint_url=_first_set(environ, "SYNTH_OPS_S3_ENDPOINT_URL", "AWS_ENDPOINT_URL"),
            region=_first_set(environ, "AWS_REGION", "AWS_DEFAULT_REGION") or DEFAULT_REGION,
            verify=_parse_verify(environ.get("SYNTH_OPS_S3_VERIFY_TLS")),
            connect_timeout=_parse_positive(
                environ, "SYNTH_OPS_S3_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT, float
            ),
            read_timeout=_parse_positive(
                environ, "SYNTH_OPS_S3_READ_TIMEOUT", DEFAULT_READ_TIMEOUT, float
            ),
            max_attempts=_parse_positive(
                environ, "SYNTH_OPS_S3_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, int
            ),
        )

    @property
    def client(self) -> Any:
        """The boto3 S3 client, created on first use and shared by all threads."""
        with self._client_lock:
            if self._client is None:
                self._client = self._create_client()
        return self._client

    def _create_client(self) -> Any:
        config = Config(
            region_name=self.region,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},
            s3={"addressing_style": "path"},
        )
        if self.verify is False:
            logger.warning(
                "TLS certificate verification is off for S3 endpoint %s", self.endpoint_url
            )
        session = boto3.session.Session()
        client = session.client(
            "s3", endpoint_url=self.endpoint_url, verify=self.verify, config=config
        )
        logger.info(
            "Created S3 client for endpoint %s in region %s",
            self._endpoint_text(),
            self.region,
        )
        return client

    def _call(self, action: str, url: str, operation: Callable[[], T]) -> T:
        """Run ``operation``, retrying transient failures with exponential backoff.

        Raises ``StorageError`` once the attempts are used up, and lets any
        other botocore error through for the caller to translate.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                return operation()
            except _BOTO_ERRORS as error:
                if not is_transient(error):
                    raise
                if attempt == self.max_attempts:
                    raise StorageError(
                        f"S3 {action} of {url} failed after {attempt} attempts: {error}. "
                        f"Check that the endpoint {self._endpoint_text()} is reachable and "
                        "healthy, or raise SYNTH_OPS_S3_MAX_ATTEMPTS"
                    ) from error
                delay = self._backoff_delay(attempt)
                logger.warning(
                    "S3 %s of %s failed on attempt %d of %d, retrying in %.2f s: %s",
                    action,
                    url,
                    attempt,
                    self.max_attempts,
                    delay,
                    error,
                )
                time.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")

    def _backoff_delay(self, attempt: int) -> float:
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        # Jitter spreads out clients that failed at the same moment.
        return ceiling * random.uniform(0.5, 1.0)

    def _endpoint_text(self) -> str:
        return self.endpoint_url or "(AWS default)"

    def _translate(self, error: Exception, action: str, url: str) -> StorageError:
        """Turn a non-transient botocore error into the matching ``StorageError``."""
        if isinstance(error, NoCredentialsError):
            return StorageError(
                f"S3 {action} of {url} failed: no credentials found. Set AWS_ACCESS_KEY_ID "
                "and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
            )
        code = _error_code(error)
        status = _http_status(error)
        bucket, _key = split_s3_url(url)
        if code == "NoSuchBucket":
            return StorageError(
                f"S3 {action} of {url} failed: bucket {bucket!r} not found at "
                f"{self._endpoint_text()}. Create the bucket or fix the URL"
            )
        if code in _NOT_FOUND_CODES or status == 404:
            return ObjectNotFoundError(f"object not found: {url}")
        if status == 403 or code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            return StorageError(
                f"S3 {action} of {url} failed: access denied ({code or status}). Check the "
                f"credentials and the bucket policy for {bucket!r}"
            )
        return StorageError(f"S3 {action} of {url} failed: {error}")

    def read_bytes(self, url: str) -> bytes:
        bucket, key = self._object_location(url)

        def read() -> bytes:
            response = self.client.get_object(Bucket=bucket, Key=key)
            return response["Body"].read()

        try:
            return self._call("read", url, read)
        except _BOTO_ERRORS as error:
            raise self._translate(error, "read", url) from error

    def write_bytes(self, url: str, data: bytes, *, if_absent: bool = False) -> None:
        bucket, key = self._object_location(url)
        # If-None-Match: * makes S3 itself reject the write when the key exists,
        # so the check and the write are one atomic step.
        conditions = {"IfNoneMatch": "*"} if if_absent else {}
        try:
            self._call(
                "write",
                url,
                lambda: self.client.put_object(Bucket=bucket, Key=key, Body=data, **conditions),
            )
        except _BOTO_ERRORS as error:
            if if_absent and (_http_status(error) == 412 or _error_code(error) == "PreconditionFailed"):
                raise ObjectExistsError(f"object already exists: {url}") from None
            raise self._translate(error, "write", url) from error

    def exists(self, url: str) -> bool:
        bucket, key = self._object_location(url)
        try:
            self._call("existence check", url, lambda: self.client.head_object(Bucket=bucket, Key=key))
        except _BOTO_ERRORS as error:
            # A HEAD response has no body, so a missing bucket also reads as 404.
            if _http_status(error) == 404 or _error_code(error) in _NOT_FOUND_CODES:
                return False
            raise self._translate(error, "existence check", url) from error
        return True

    def list_objects(self, prefix: str) -> list[str]:
        bucket, key_prefix = split_s3_url(prefix)
        # A prefix names a folder, as with file:// URLs: "runs/a" must not match "runs/ab".
        folder = key_prefix if not key_prefix or key_prefix.endswith("/") else key_prefix + "/"

        def list_all() -> list[str]:
            paginator = self.client.get_paginator("list_objects_v2")
            pages = paginator.paginate(
                Bucket=bucket,
                Prefix=key_prefix,
                PaginationConfig={"PageSize": self.list_page_size},
            )
            keys = []
            for page in pages:
                for item in page.get("Contents", []):
                    keys.append(item["Key"])
            return keys

        try:
            keys = self._call("listing", prefix, list_all)
        except _BOTO_ERRORS as error:
            raise self._translate(error, "listing", prefix) from error
        urls = []
        for key in keys:
            # Keys ending in "/" are folder markers made by consoles, not objects.
            if key.endswith("/"):
                continue
            if key == key_prefix or key.startswith(folder):
                urls.append(f"s3://{bucket}/{key}")
        return sorted(urls)

    def delete(self, url: str) -> None:
        bucket, key = self._object_location(url)
        try:
            self._call("delete", url, lambda: self.client.delete_object(Bucket=bucket, Key=key))
        except _BOTO_ERRORS as error:
            if _http_status(error) == 404 and _error_code(error) != "NoSuchBucket":
                return
            raise self._translate(error, "delete", url) from error

    def upload_file(self, path: str, url: str) -> None:
        bucket, key = self._object_location(url)
        if not os.path.isfile(path):
            raise StorageError(f"local file not found: {path}")

        def upload() -> None:
            # upload_fileobj switches to a multipart upload for large files. The
            # object appears only when the upload completes, so readers never
            # see part of it.
            with open(path, "rb") as handle:
                self.client.upload_fileobj(handle, bucket, key)

        try:
            self._call("upload", url, upload)
        except _BOTO_ERRORS as error:
            raise self._translate(error, "upload", url) from error

    def download_file(self, url: str, path: str) -> None:
        bucket, key = self._object_location(url)

        def download() -> None:
            response = self.client.get_object(Bucket=bucket, Key=key)
            body = response["Body"]
            with open(path, "wb") as handle:
                for chunk in body.iter_chunks(_DOWNLOAD_CHUNK_BYTES):
                    handle.write(chunk)

        try:
            self._call("download", url, download)
        except _BOTO_ERRORS as error:
            raise self._translate(error, "download", url) from error

    def _object_location(self, url: str) -> tuple[str, str]:
        bucket, key = split_s3_url(url)
        if not key or key.endswith("/"):
            raise ConfigError(f"S3 URL {url!r} names no object: use s3://BUCKET/KEY")
        return bucket, key
