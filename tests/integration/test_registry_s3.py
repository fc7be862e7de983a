"""Tests for the generator registry on an s3:// registry served by moto on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import logging
import pickle
import socket
import tarfile
import threading
from pathlib import Path

import pytest
from botocore.exceptions import ConnectionClosedError

from synth_ops import storage
from synth_ops.errors import StorageError, VerificationError
from synth_ops.registry import (
    RegisteredVersion,
    catalog,
    export_bundle,
    import_bundle,
    list_versions,
    load_generator,
    register_version,
    resolve_version,
    verify_version,
)
from synth_ops.storage import io as storage_io
from synth_ops.storage.base import Storage
from synth_ops.storage.s3 import S3Storage

SIGNING_KEY = "test-signing-key"


@pytest.fixture(autouse=True)
def no_signing_key(monkeypatch):
    monkeypatch.delenv("SYNTH_OPS_SIGNING_KEY", raising=False)


@pytest.fixture
def registry(s3_bucket) -> str:
    return f"{s3_bucket}/registry"


def _touch(path: str) -> None:
    Path(path).write_text("unpickled")


class MarkerPayload:
    """A pickle that creates a marker file when it is unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (_touch, (str(self.marker),))


def _files(generator: object = "generator") -> dict[str, bytes]:
    return {
        "generator.pkl": pickle.dumps(generator),
        "report.html": b"<html>report</html>",
        "model_card.md": b"# Model card\n",
    }


def _fields() -> dict:
    return {"run_id": "adult-1", "source": {"sha256": "a" * 64}, "scores": {"score": 0.75}, "rows": 10}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_register_verify_load(registry, tmp_path):
    synthetic = tmp_path / "synthetic.parquet"
    synthetic.write_bytes(b"PAR1" + bytes(10_000))
    files = {**_files({"weights": [1, 2]}), "synthetic.parquet": synthetic}

    registered = register_version(registry, "adult", files, _fields())

    assert registered.url == f"{registry}/adult/v1"
    manifest = verify_version(registry, "adult", "v1")
    assert manifest["files"]["synthetic.parquet"] == {
        "sha256": _sha256(synthetic.read_bytes()),
        "bytes": 10_004,
    }
    assert manifest["files"]["report.html"]["sha256"] == _sha256(b"<html>report</html>")
    champion = storage.read_json(f"{registry}/adult/champion.json")
    assert champion["version"] == "v1"
    assert champion["manifest_sha256"] == _sha256(storage.read_bytes(registered.manifest_url))
    generator, loaded_manifest = load_generator(registry, "adult")
    assert generator == {"weights": [1, 2]}
    assert loaded_manifest == manifest


def test_tampered_generator_not_unpickled(registry, tmp_path):
    marker = tmp_path / "marker"
    registered = register_version(registry, "adult", _files(), _fields())
    storage.write_bytes(f"{registered.url}/generator.pkl", pickle.dumps(MarkerPayload(marker)))

    with pytest.raises(VerificationError, match="generator.pkl does not match its manifest entry"):
        load_generator(registry, "adult")

    assert not marker.exists()


def test_missing_manifest_is_incomplete(registry, s3_storage):
    registered = register_version(registry, "adult", _files(), _fields())
    s3_storage.delete(registered.manifest_url)

    with pytest.raises(VerificationError, match="incomplete version"):
        verify_version(registry, "adult", "v1")

    assert list_versions(registry, "adult") == []


def test_missing_file_detected(registry, s3_storage):
    registered = register_version(registry, "adult", _files(), _fields())
    s3_storage.delete(f"{registered.url}/model_card.md")

    with pytest.raises(VerificationError, match="model_card.md listed in .* but missing"):
        verify_version(registry, "adult", "v1")


def test_signature_checked_over_s3(registry, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    registered = register_version(registry, "adult", _files(), _fields())
    manifest = storage.read_json(registered.manifest_url)
    manifest["rows"] = 1_000_000
    storage.write_json(registered.manifest_url, manifest)

    # The version is named, so the champion's manifest hash check is bypassed.
    with pytest.raises(VerificationError, match="signature of manifest .* is invalid"):
        load_generator(registry, "adult", "v1")


def test_concurrent_registrations_get_distinct_versions(registry):
    count = 6
    results: list[RegisteredVersion] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def register(index: int) -> None:
        try:
            start.wait()
            results.append(register_version(registry, "adult", _files(index), _fields()))
        except BaseException as error:  # reported by the asserts below
            errors.append(error)

    threads = [threading.Thread(target=register, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    versions = sorted((result.version for result in results), key=lambda v: int(v[1:]))
    assert versions == [f"v{number}" for number in range(1, count + 1)]
    assert list_versions(registry, "adult") == versions


@pytest.mark.parametrize("object_name", [".claim", "manifest.json"])
def test_lost_create_response_recognized(registry, s3_env, monkeypatch, object_name):
    # The first create-only request reaches the server, but its response is
    # lost. The retry then gets 412, and the registration must recognize the
    # object as its own instead of failing or claiming another version.
    backend = S3Storage.from_params(endpoint_url=s3_env, backoff_base=0)
    monkeypatch.setitem(storage_io._BACKENDS, "s3", backend)
    lost = []

    def drop_response(http_response, **_kwargs):
        if http_response.url.endswith("/" + object_name) and not lost:
            lost.append(http_response.url)
            raise ConnectionClosedError(endpoint_url=s3_env)

    backend.client.meta.events.register("after-call.s3.PutObject", drop_response)

    registered = register_version(registry, "adult", _files(), _fields())

    assert lost == [f"{s3_env}/{registry.removeprefix('s3://')}/adult/v1/{object_name}"]
    assert registered.version == "v1"
    assert registered.champion_moved
    assert list_versions(registry, "adult") == ["v1"]
    claims = [url for url in storage.list_objects(registry) if url.endswith("/.claim")]
    assert claims == [f"{registry}/adult/v1/.claim"]
    verify_version(registry, "adult", "v1")


class BreakAfterFirstUpload(Storage):
    """Sends reads and the first data-file upload to ``healthy``, later uploads to ``broken``.

    ``broken`` points at a loopback port with no server, so the failure is a
    real refused connection that goes through the retry loop.
    """

    def __init__(self, healthy: S3Storage, broken: S3Storage) -> None:
        self.healthy = healthy
        self.broken = broken
        self.data_uploads = 0

    def _writer(self, url: str) -> Storage:
        if url.rsplit("/", 1)[-1] in (".claim", "manifest.json", "champion.json"):
            return self.healthy
        self.data_uploads += 1
        return self.healthy if self.data_uploads == 1 else self.broken

    def read_bytes(self, url):
        return self.healthy.read_bytes(url)

    def write_bytes(self, url, data, *, if_absent=False):
        self._writer(url).write_bytes(url, data, if_absent=if_absent)

    def exists(self, url):
        return self.healthy.exists(url)

    def list_objects(self, prefix):
        return self.healthy.list_objects(prefix)

    def delete(self, url):
        self.healthy.delete(url)

    def upload_file(self, path, url):
        self._writer(url).upload_file(path, url)

    def download_file(self, url, path):
        self.healthy.download_file(url, path)


def test_interrupted_upload_keeps_champion(registry, s3_env, monkeypatch, caplog):
    register_version(registry, "adult", _files("first"), _fields())
    champion_url = f"{registry}/adult/champion.json"
    champion_before = storage.read_bytes(champion_url)
    healthy = storage.for_url(registry)
    broken = S3Storage.from_params(
        endpoint_url=f"http://127.0.0.1:{_closed_port()}", max_attempts=2, backoff_base=0
    )
    monkeypatch.setitem(storage_io._BACKENDS, "s3", BreakAfterFirstUpload(healthy, broken))
    caplog.set_level(logging.WARNING)

    with pytest.raises(StorageError, match="failed after 2 attempts"):
        register_version(registry, "adult", _files("second"), _fields())

    monkeypatch.setitem(storage_io._BACKENDS, "s3", healthy)
    assert storage.read_bytes(champion_url) == champion_before
    assert not storage.exists(f"{registry}/adult/v2/manifest.json")
    assert storage.exists(f"{registry}/adult/v2/.claim")
    assert list_versions(registry, "adult") == ["v1"]
    assert resolve_version(registry, "adult") == "v1"
    generator, _ = load_generator(registry, "adult")
    assert generator == "first"
    retry_messages = [r.getMessage() for r in caplog.records if r.name == "synth_ops.storage.s3"]
    assert len(retry_messages) == 1
    assert "attempt 1 of 2" in retry_messages[0]
    assert f"{registry}/adult/v2/" in retry_messages[0]
    registry_messages = [r.getMessage() for r in caplog.records if r.name == "synth_ops.registry.versions"]
    assert any("stopped before its manifest was written" in message for message in registry_messages)


def test_export_file_import_s3_keeps_hashes(registry, tmp_path):
    source_registry = storage.normalize_url(tmp_path / "source-registry")
    files = _files({"model": "copula"})
    source = register_version(source_registry, "adult", files, _fields())
    source_manifest_bytes = storage.read_bytes(source.manifest_url)
    bundle = export_bundle(source_registry, "adult", "v1", tmp_path / "adult-v1.tar.gz")

    imported = import_bundle(bundle, registry)

    assert imported.url == f"{registry}/adult/v1"
    manifest = verify_version(registry, "adult", "v1")
    assert manifest["files"] == {
        name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in files.items()
    }
    assert manifest["imported_from"] == {
        "dataset": "adult",
        "version": "v1",
        "manifest_sha256": _sha256(source_manifest_bytes),
    }
    for name, data in files.items():
        assert storage.read_bytes(f"{imported.url}/{name}") == data
    generator, _ = load_generator(registry, "adult")
    assert generator == {"model": "copula"}


def test_export_from_s3(registry, tmp_path):
    files = _files()
    register_version(registry, "adult", files, _fields())

    bundle = export_bundle(registry, "adult", None, tmp_path / "from-s3.tar.gz")

    with tarfile.open(bundle) as archive:
        names = archive.getnames()
        contents = {name: archive.extractfile(name).read() for name in files}
    assert names[0] == "manifest.json"
    assert sorted(names) == sorted(["manifest.json", *files])
    assert contents == files


def test_import_tampered_archive_writes_nothing(registry, tmp_path, s3_bucket):
    source_registry = storage.normalize_url(tmp_path / "source-registry")
    register_version(source_registry, "adult", _files(), _fields())
    bundle = export_bundle(source_registry, "adult", "v1", tmp_path / "original.tar.gz")
    with tarfile.open(bundle) as archive:
        contents = {member.name: archive.extractfile(member).read() for member in archive.getmembers()}
    contents["report.html"] = b"<html>changed</html>"
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(tampered, "w:gz") as archive:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))

    with pytest.raises(VerificationError, match="report.html does not match"):
        import_bundle(tampered, registry)

    assert storage.list_objects(s3_bucket) == []


def test_catalog_over_s3(registry):
    register_version(registry, "adult", _files(), _fields())
    register_version(registry, "telco", _files(), _fields())

    rows = catalog(registry)

    assert [(row["dataset"], row["champion"], row["versions"]) for row in rows] == [
        ("adult", "v1", 1),
        ("telco", "v1", 1),
    ]
    assert rows[0]["scores"] == {"score": 0.75}
    assert rows[0]["rows"] == 10
