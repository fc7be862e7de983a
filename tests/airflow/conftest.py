"""Airflow configuration for the tests that run in the Airflow environment.

Airflow reads its configuration when it is first imported, so the variables
are set when pytest loads this file: a temporary AIRFLOW_HOME with a SQLite
database, no example DAGs, and the repository's dags/ and plugins/ folders.
In an environment without Airflow the test modules skip themselves.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPOSITORY / "dags"
PLUGINS_FOLDER = REPOSITORY / "plugins"


def configure_airflow_home() -> None:
    """Point Airflow at a temporary home once per process; later calls keep the first home."""
    if "SYNTH_OPS_TEST_AIRFLOW_HOME" not in os.environ:
        home = tempfile.mkdtemp(prefix="synth-ops-airflow-")
        os.environ["SYNTH_OPS_TEST_AIRFLOW_HOME"] = home
        os.environ["AIRFLOW_HOME"] = home
        os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home}/airflow.db"
        os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
        os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
        os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(PLUGINS_FOLDER)
    if str(PLUGINS_FOLDER) not in sys.path:
        sys.path.insert(0, str(PLUGINS_FOLDER))


configure_airflow_home()

#: The worker environment's synth-ops, which the local launcher runs.
#: The worker environment's synth-ops; SYNTH_OPS_WORKER_BIN points the tests at another one.
WORKER_BIN = Path(os.environ.get("SYNTH_OPS_WORKER_BIN") or REPOSITORY / ".venv" / "bin" / "synth-ops")
DATASETS = REPOSITORY.parent / "shared" / "datasets"

#: Variables that would point boto3 or synth-ops somewhere other than the test server.
_S3_VARIABLES_TO_CLEAR = (
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_CA_BUNDLE",
    "SYNTH_OPS_S3_VERIFY_TLS",
)


@dataclass(frozen=True)
class Deployment:
    """The three buckets of a test deployment on the moto server."""

    landing_url: str
    work_url: str
    registry_url: str
    endpoint_url: str


@pytest.fixture(scope="session")
def worker_bin() -> Path:
    """Return the worker environment's synth-ops, or skip when it is not installed beside the repository."""
    if not WORKER_BIN.is_file():
        pytest.skip(f"worker environment not found at {WORKER_BIN}: create .venv with the [worker] extra")
    return WORKER_BIN


@pytest.fixture(scope="module")
def deployment(s3_server: str, worker_bin: Path) -> Iterator[Deployment]:
    """Create landing, work and registry buckets and point the synth-ops settings at them, in local mode.

    The environment carries moto's dummy credentials, so local step
    subprocesses reach the server exactly as a pod would with its Secret.
    """
    import boto3

    from synth_ops.storage import io as storage_io

    with pytest.MonkeyPatch.context() as patch:
        for name in _S3_VARIABLES_TO_CLEAR:
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        patch.setenv("SYNTH_OPS_S3_ENDPOINT_URL", s3_server)
        patch.setattr(storage_io, "_BACKENDS", {})
        client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1")
        suffix = uuid.uuid4().hex[:10]
        urls = {}
        for role in ("landing", "work", "registry"):
            bucket = f"synth-{role}-{suffix}"
            client.create_bucket(Bucket=bucket)
            urls[role] = f"s3://{bucket}"
            patch.setenv(f"SYNTH_OPS_{role.upper()}_URL", urls[role])
        patch.setenv("SYNTH_OPS_LAUNCHER", "local")
        patch.setenv("SYNTH_OPS_WORKER_BIN", str(worker_bin))
        yield Deployment(urls["landing"], urls["work"], urls["registry"], s3_server)


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Create the tables of the temporary SQLite metadata database once per session."""
    from airflow.utils.db import initdb

    initdb()


@pytest.fixture(scope="session")
def adult_slice():
    """Return a function giving the header and the first N rows of the Adult table; skip without the table."""
    path = DATASETS / "adult.csv"
    if not path.is_file():
        pytest.skip(f"Adult dataset not found at {path}")

    def read(rows: int) -> bytes:
        with open(path, "rb") as handle:
            lines = [handle.readline() for _ in range(rows + 1)]
        return b"".join(lines)

    return read
