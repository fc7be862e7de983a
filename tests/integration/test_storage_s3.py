"""Tests for the s3:// backend against a moto S3 server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket

import pytest
from botocore.awsrequest import AWSResponse

from synth_ops import storage
from synth_ops.errors import ConfigError, ObjectExistsError, ObjectNotFoundError, StorageError
from synth_ops.storage.s3 import S3Storage

S3_LOGGER = "synth_ops.storage.s3"


class _StaticBody:
    """The raw body of an injected response, in the shape botocore reads."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_kwargs):
        yield self.content


def _record_requests(backend: S3Storage, operation: str) -> list:
    """Record every HTTP request that ``backend`` sends for ``operation``."""
    requests = []

    def record(request, **_kwargs):
        requests.append(request)

    backend.client.meta.events.register(f"before-send.s3.{operation}", record)
    return requests


def _closed_port() -> int:
    """Return a loopback port with no listener, so connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_write_read_round_trip(s3_storage, s3_bucket):
    url = f"{s3_bucket}/runs/a/object.bin"

    s3_storage.write_bytes(url, b"\x00payload")

    assert s3_storage.read_bytes(url) == b"\x00payload"


def test_requests_use_path_style(s3_storage, s3_bucket, s3_env):
    requests = _record_requests(s3_storage, "PutObject")
    bucket = s3_bucket.removeprefix("s3://")

    s3_storage.write_bytes(f"{s3_bucket}/key.txt", b"x")

    assert len(requests) == 1
    assert requests[0].url == f"{s3_env}/{bucket}/key.txt"


def test_read_missing_raises_not_found(s3_storage, s3_bucket):
    url = f"{s3_bucket}/missing.bin"

    with pytest.raises(ObjectNotFoundError, match=f"object not found: {url}"):
        s3_storage.read_bytes(url)


def test_missing_bucket_named_in_error(s3_storage):
    with pytest.raises(StorageError, match="bucket 'no-such-bucket-1' not found") as caught:
        s3_storage.read_bytes("s3://no-such-bucket-1/key")

    assert not isinstance(caught.value, ObjectNotFoundError)
    assert "Create the bucket or fix the URL" in str(caught.value)


def test_url_without_key_rejected(s3_storage, s3_bucket):
    with pytest.raises(ConfigError, match="names no object"):
        s3_storage.read_bytes(s3_bucket + "/")


def test_if_absent_creates_object(s3_storage, s3_bucket):
    url = f"{s3_bucket}/claim"

    s3_storage.write_bytes(url, b"mine", if_absent=True)

    assert s3_storage.read_bytes(url) == b"mine"


def test_if_absent_conflict_over_http(s3_storage, s3_bucket):
    url = f"{s3_bucket}/claim"
    s3_storage.write_bytes(url, b"first", if_absent=True)
    requests = _record_requests(s3_storage, "PutObject")
    statuses = []
    s3_storage.client.meta.events.register(
        "after-call.s3.PutObject",
        lambda http_response, **_kwargs: statuses.append(http_response.status_code),
    )

    with pytest.raises(ObjectExistsError, match=f"object already exists: {url}"):
        s3_storage.write_bytes(url, b"second", if_absent=True)

    assert [request.headers["If-None-Match"] for request in requests] == [b"*"]
    assert statuses == [412]
    assert s3_storage.read_bytes(url) == b"first"


def test_plain_write_overwrites(s3_storage, s3_bucket):
    url = f"{s3_bucket}/pointer.json"
    s3_storage.write_bytes(url, b"v1")

    s3_storage.write_bytes(url, b"v2")

    assert s3_storage.read_bytes(url) == b"v2"


def test_exists(s3_storage, s3_bucket):
    url = f"{s3_bucket}/present"
    s3_storage.write_bytes(url, b"x")

    assert s3_storage.exists(url)
    assert not s3_storage.exists(f"{s3_bucket}/absent")


def test_list_objects_paginates(s3_env, s3_bucket):
    backend = S3Storage.from_params(endpoint_url=s3_env, list_page_size=2)
    expected = [f"{s3_bucket}/data/{index:02d}.bin" for index in range(5)]
    for url in expected:
        backend.write_bytes(url, b"x")
    requests = _record_requests(backend, "ListObjectsV2")

    urls = backend.list_objects(f"{s3_bucket}/data")

    assert urls == expected
    assert len(requests) == 3


def test_list_objects_prefix_is_a_folder(s3_storage, s3_bucket):
    s3_storage.write_bytes(f"{s3_bucket}/runs/a/x", b"x")
    s3_storage.write_bytes(f"{s3_bucket}/runs/ab/y", b"y")

    urls = s3_storage.list_objects(f"{s3_bucket}/runs/a")

    assert urls == [f"{s3_bucket}/runs/a/x"]


def test_list_objects_whole_bucket_sorted(s3_storage, s3_bucket):
    for key in ("b/2", "a", "b/1"):
        s3_storage.write_bytes(f"{s3_bucket}/{key}", b"x")

    assert s3_storage.list_objects(s3_bucket) == [
        f"{s3_bucket}/a",
        f"{s3_bucket}/b/1",
        f"{s3_bucket}/b/2",
    ]


def test_list_objects_skips_folder_markers(s3_storage, s3_bucket):
    bucket = s3_bucket.removeprefix("s3://")
    s3_storage.client.put_object(Bucket=bucket, Key="data/", Body=b"")
    s3_storage.write_bytes(f"{s3_bucket}/data/file", b"x")

    assert s3_storage.list_objects(f"{s3_bucket}/data/") == [f"{s3_bucket}/data/file"]


def test_list_objects_missing_prefix_is_empty(s3_storage, s3_bucket):
    assert s3_storage.list_objects(f"{s3_bucket}/nothing") == []


def test_delete(s3_storage, s3_bucket):
    url = f"{s3_bucket}/object"
    s3_storage.write_bytes(url, b"x")

    s3_storage.delete(url)
    s3_storage.delete(url)

    assert not s3_storage.exists(url)


def test_upload_and_download_file(s3_storage, s3_bucket, tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(bytes(range(256)) * 1000)
    target = tmp_path / "downloaded.bin"
    url = f"{s3_bucket}/files/copy.bin"

    s3_storage.upload_file(str(source), url)
    s3_storage.download_file(url, str(target))

    assert target.read_bytes() == source.read_bytes()


def test_upload_missing_file_raises(s3_storage, s3_bucket, tmp_path):
    with pytest.raises(StorageError, match="local file not found"):
        s3_storage.upload_file(str(tmp_path / "absent"), f"{s3_bucket}/x")

    assert s3_storage.list_objects(s3_bucket) == []


def test_download_missing_raises_not_found(s3_storage, s3_bucket, tmp_path):
    with pytest.raises(ObjectNotFoundError):
        s3_storage.download_file(f"{s3_bucket}/absent", str(tmp_path / "out"))


def test_retries_unreachable_endpoint(s3_env, caplog):
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    backend = S3Storage.from_params(endpoint_url=endpoint, max_attempts=3, backoff_base=0)
    url = "s3://bucket/key"
    caplog.set_level(logging.WARNING, logger=S3_LOGGER)

    with pytest.raises(StorageError, match="failed after 3 attempts") as caught:
        backend.read_bytes(url)

    assert endpoint in str(caught.value)
    warnings = [record for record in caplog.records if record.name == S3_LOGGER]
    assert len(warnings) == 2
    for attempt, record in enumerate(warnings, start=1):
        assert record.levelno == logging.WARNING
        assert f"attempt {attempt} of 3" in record.getMessage()
        assert url in record.getMessage()


def test_retries_503_then_succeeds(s3_env, s3_bucket, caplog):
    backend = S3Storage.from_params(endpoint_url=s3_env, max_attempts=3, backoff_base=0)
    url = f"{s3_bucket}/after-retry"
    sent = []

    def fail_first_request(request, **_kwargs):
        sent.append(request)
        if len(sent) == 1:
            body = b"<Error><Code>SlowDown</Code><Message>Reduce your request rate</Message></Error>"
            return AWSResponse(request.url, 503, {}, _StaticBody(body))
        return None

    backend.client.meta.events.register("before-send.s3.PutObject", fail_first_request)
    caplog.set_level(logging.WARNING, logger=S3_LOGGER)

    backend.write_bytes(url, b"stored")

    assert len(sent) == 2
    assert backend.read_bytes(url) == b"stored"
    warnings = [record.getMessage() for record in caplog.records if record.name == S3_LOGGER]
    assert len(warnings) == 1
    assert "attempt 1 of 3" in warnings[0]
    assert url in warnings[0]


def test_client_errors_not_retried(s3_env, caplog):
    backend = S3Storage.from_params(endpoint_url=s3_env, max_attempts=3, backoff_base=0)
    requests = _record_requests(backend, "GetObject")
    caplog.set_level(logging.WARNING, logger=S3_LOGGER)

    with pytest.raises(StorageError, match="not found"):
        backend.read_bytes("s3://no-such-bucket-2/key")

    assert len(requests) == 1
    assert [record for record in caplog.records if record.name == S3_LOGGER] == []


def test_client_config_from_environment(s3_env, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_S3_CONNECT_TIMEOUT", "2.5")
    monkeypatch.setenv("SYNTH_OPS_S3_READ_TIMEOUT", "7")
    monkeypatch.setenv("SYNTH_OPS_S3_MAX_ATTEMPTS", "4")

    backend = S3Storage.from_environment()
    config = backend.client.meta.config

    assert backend.max_attempts == 4
    assert config.connect_timeout == 2.5
    assert config.read_timeout == 7.0
    assert config.s3["addressing_style"] == "path"
    assert config.retries["total_max_attempts"] == 1
    assert backend.client.meta.endpoint_url == s3_env


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"SYNTH_OPS_S3_ENDPOINT_URL": "http://a:1", "AWS_ENDPOINT_URL": "http://b:2"}, "http://a:1"),
        ({"AWS_ENDPOINT_URL": "http://b:2"}, "http://b:2"),
        ({}, None),
    ],
)
def test_endpoint_from_environment(variables, expected):
    assert S3Storage.from_environment(variables).endpoint_url == expected


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-north-1"}, "eu-west-1"),
        ({"AWS_DEFAULT_REGION": "eu-north-1"}, "eu-north-1"),
        ({}, "us-east-1"),
    ],
)
def test_region_from_environment(variables, expected):
    assert S3Storage.from_environment(variables).region == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("false", False), ("0", False), ("TRUE", True), ("", None)],
)
def test_verify_tls_words(value, expected):
    backend = S3Storage.from_environment({"SYNTH_OPS_S3_VERIFY_TLS": value})

    assert backend.verify is expected


def test_verify_tls_ca_bundle_path(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")

    backend = S3Storage.from_environment({"SYNTH_OPS_S3_VERIFY_TLS": str(bundle)})

    assert backend.verify == str(bundle)


def test_verify_tls_invalid_value(tmp_path):
    with pytest.raises(ConfigError, match="SYNTH_OPS_S3_VERIFY_TLS='maybe' is invalid"):
        S3Storage.from_environment({"SYNTH_OPS_S3_VERIFY_TLS": "maybe"})


@pytest.mark.parametrize(
    "variables",
    [
        {"SYNTH_OPS_S3_READ_TIMEOUT": "0"},
        {"SYNTH_OPS_S3_CONNECT_TIMEOUT": "soon"},
        {"SYNTH_OPS_S3_MAX_ATTEMPTS": "1.5"},
    ],
)
def test_invalid_numbers_rejected(variables):
    name = next(iter(variables))

    with pytest.raises(ConfigError, match=f"{name}=.* is invalid"):
        S3Storage.from_environment(variables)


def test_invalid_endpoint_rejected():
    with pytest.raises(ConfigError, match="S3 endpoint URL 'minio:9000' is invalid"):
        S3Storage.from_params(endpoint_url="minio:9000")


def test_for_url_builds_from_environment(s3_env, s3_bucket):
    url = f"{s3_bucket}/via-helpers.json"

    storage.write_json(url, {"version": "v1"}, if_absent=True)

    backend = storage.for_url(url)
    assert isinstance(backend, S3Storage)
    assert backend.endpoint_url == s3_env
    assert storage.read_json(url) == {"version": "v1"}
    with pytest.raises(ObjectExistsError):
        storage.write_json(url, {"version": "v2"}, if_absent=True)


def test_download_to_temp_removes_copy(s3_env, s3_bucket):
    url = f"{s3_bucket}/temp.bin"
    storage.write_bytes(url, b"content")

    with storage.download_to_temp(url, suffix=".bin") as path:
        assert path.read_bytes() == b"content"

    assert not path.exists()
