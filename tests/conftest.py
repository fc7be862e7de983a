"""Fixtures shared by the test suites: an S3 API server on 127.0.0.1 (moto)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

#: Variables that would point boto3 or synth-ops somewhere other than the test server.
_S3_VARIABLES_TO_CLEAR = (
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_CA_BUNDLE",
    "SYNTH_OPS_S3_VERIFY_TLS",
    "SYNTH_OPS_S3_CONNECT_TIMEOUT",
    "SYNTH_OPS_S3_READ_TIMEOUT",
    "SYNTH_OPS_S3_MAX_ATTEMPTS",
)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """Start one moto S3 server on a free loopback port and yield its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the environment at the test server and drop cached storage backends.

    Returns the endpoint URL. The credentials are moto's dummy values, and the
    shared AWS files are hidden so that a developer's profile cannot leak in.
    """
    from synth_ops.storage import io as storage_io

    for name in _S3_VARIABLES_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SYNTH_OPS_S3_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setattr(storage_io, "_BACKENDS", {})
    return s3_server


@pytest.fixture
def s3_storage(s3_env: str):
    """An ``S3Storage`` configured from the test environment."""
    from synth_ops.storage.s3 import S3Storage

    return S3Storage.from_environment()


@pytest.fixture
def s3_bucket(s3_storage) -> str:
    """Create an empty bucket with a unique name and return its ``s3://`` URL.

    Every moto server in this process shares one in-memory state, so unique
    names keep the tests apart.
    """
    name = f"test-{uuid.uuid4().hex[:16]}"
    s3_storage.client.create_bucket(Bucket=name)
    return f"s3://{name}"
