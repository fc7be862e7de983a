"""Tests for the generator registry on a file:// registry."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import pickle
import tarfile
import threading
from pathlib import Path

import pytest

from synth_ops import storage
from synth_ops.errors import RegistryError, StorageError, VerificationError
from synth_ops.registry import (
    RegisteredVersion,
    catalog,
    export_bundle,
    find_version_by_source,
    import_bundle,
    list_datasets,
    list_versions,
    load_generator,
    register_version,
    resolve_version,
    verify_version,
)
from synth_ops.registry import loader as loader_module
from synth_ops.storage import io as storage_io
from synth_ops.storage.base import Storage
from synth_ops.storage.local import url_to_path

SIGNING_KEY = "test-signing-key"
SOURCE_SHA256 = "a" * 64


@pytest.fixture(autouse=True)
def no_signing_key(monkeypatch):
    monkeypatch.delenv("SYNTH_OPS_SIGNING_KEY", raising=False)


@pytest.fixture
def registry(tmp_path) -> str:
    return storage.normalize_url(tmp_path / "registry")


def _touch(path: str) -> None:
    Path(path).write_text("unpickled")


class MarkerPayload:
    """A pickle that creates a marker file when it is unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (_touch, (str(self.marker),))


def _files(generator: object = None, **extra: bytes) -> dict[str, bytes]:
    payload = {"model": "gaussian_copula"} if generator is None else generator
    files = {"generator.pkl": pickle.dumps(payload), "report.html": b"<html>report</html>"}
    files.update(extra)
    return files


def _fields(**extra) -> dict:
    fields = {
        "run_id": "adult-1234",
        "source": {"sha256": SOURCE_SHA256, "rows": 100},
        "scores": {"score": 0.8, "fidelity": 0.9, "usability": 0.7, "privacy": 0.6, "extra": 1},
        "rows": 100,
    }
    fields.update(extra)
    return fields


def _champion(registry: str, dataset: str) -> dict:
    return storage.read_json(storage.join(registry, dataset, "champion.json"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Registration


def test_register_writes_version_and_champion(registry):
    files = _files()

    registered = register_version(registry, "adult", files, _fields())

    assert registered == RegisteredVersion(
        dataset="adult",
        version="v1",
        url=storage.join(registry, "adult", "v1"),
        manifest_url=storage.join(registry, "adult", "v1", "manifest.json"),
        champion_moved=True,
    )
    for name, data in files.items():
        assert storage.read_bytes(storage.join(registered.url, name)) == data
    manifest_bytes = storage.read_bytes(registered.manifest_url)
    champion = _champion(registry, "adult")
    assert champion["dataset"] == "adult"
    assert champion["version"] == "v1"
    assert champion["manifest_sha256"] == _sha256(manifest_bytes)
    assert champion["updated_at"]


def test_manifest_content(registry):
    files = _files()

    registered = register_version(registry, "adult", files, _fields())

    manifest = storage.read_json(registered.manifest_url)
    assert manifest["dataset"] == "adult"
    assert manifest["version"] == "v1"
    assert manifest["created_at"].endswith("+00:00")
    assert manifest["signature"] is None
    assert manifest["run_id"] == "adult-1234"
    assert manifest["source"] == {"sha256": SOURCE_SHA256, "rows": 100}
    assert manifest["files"] == {
        name: {"sha256": _sha256(data), "bytes": len(data)} for name, data in files.items()
    }


def test_register_accepts_paths(registry, tmp_path):
    source = tmp_path / "synthetic.parquet"
    source.write_bytes(b"PAR1" + bytes(5000))

    registered = register_version(
        registry, "adult", {"generator.pkl": b"g", "synthetic.parquet": source}, _fields()
    )

    manifest = verify_version(registry, "adult", "v1")
    assert manifest["files"]["synthetic.parquet"] == {
        "sha256": _sha256(source.read_bytes()),
        "bytes": 5004,
    }
    assert storage.read_bytes(storage.join(registered.url, "synthetic.parquet")) == source.read_bytes()


def test_versions_increase_and_champion_moves(registry):
    register_version(registry, "adult", _files(), _fields())

    second = register_version(registry, "adult", _files(), _fields())

    assert second.version == "v2"
    assert _champion(registry, "adult")["version"] == "v2"
    assert list_versions(registry, "adult") == ["v1", "v2"]


def test_register_without_moving_champion(registry):
    register_version(registry, "adult", _files(), _fields())
    champion_before = storage.read_bytes(storage.join(registry, "adult", "champion.json"))

    registered = register_version(registry, "adult", _files(), _fields(), move_champion=False)

    assert registered.version == "v2"
    assert registered.champion_moved is False
    assert storage.read_bytes(storage.join(registry, "adult", "champion.json")) == champion_before
    assert resolve_version(registry, "adult") == "v1"


def test_first_version_without_champion(registry):
    register_version(registry, "adult", _files(), _fields(), move_champion=False)

    assert not storage.exists(storage.join(registry, "adult", "champion.json"))
    with pytest.raises(RegistryError, match="has no champion: pass one of its versions: v1"):
        resolve_version(registry, "adult")


def test_claimed_version_is_skipped(registry):
    storage.write_json(storage.join(registry, "adult", "v1", ".claim"), {"owner": "someone else"})

    registered = register_version(registry, "adult", _files(), _fields())

    assert registered.version == "v2"
    assert list_versions(registry, "adult") == ["v2"]


def test_concurrent_registrations_get_distinct_versions(registry):
    count = 8
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
    for version in versions:
        verify_version(registry, "adult", version)


def test_versions_sort_numerically(registry):
    for _ in range(11):
        register_version(registry, "adult", {"generator.pkl": b"g"}, {})

    versions = list_versions(registry, "adult")

    assert versions[-3:] == ["v9", "v10", "v11"]
    assert resolve_version(registry, "adult") == "v11"


@pytest.mark.parametrize("dataset", ["", "../escape", "a/b", ".hidden", "x" * 129])
def test_invalid_dataset_name_rejected(registry, dataset):
    with pytest.raises(RegistryError, match="invalid dataset name"):
        register_version(registry, dataset, _files(), _fields())

    assert storage.list_objects(registry) == []


@pytest.mark.parametrize("name", ["../generator.pkl", "sub/file", ".claim", "manifest.json"])
def test_invalid_file_name_rejected(registry, name):
    with pytest.raises(RegistryError, match="file name"):
        register_version(registry, "adult", {name: b"x"}, _fields())

    assert storage.list_objects(registry) == []


@pytest.mark.parametrize("field", ["dataset", "version", "created_at", "files", "signature"])
def test_reserved_manifest_field_rejected(registry, field):
    with pytest.raises(RegistryError, match=f"manifest field '{field}' is reserved"):
        register_version(registry, "adult", _files(), {field: "x"})

    assert storage.list_objects(registry) == []


def test_non_json_manifest_field_rejected(registry):
    with pytest.raises(RegistryError, match="cannot be stored as JSON"):
        register_version(registry, "adult", _files(), {"score": float("nan")})

    assert storage.list_objects(registry) == []


def test_numpy_values_stored_as_numbers(registry):
    numpy = pytest.importorskip("numpy")

    registered = register_version(
        registry, "adult", _files(), {"rows": numpy.int64(7), "scores": {"score": numpy.float32(0.5)}}
    )

    manifest = storage.read_json(registered.manifest_url)
    assert manifest["rows"] == 7
    assert manifest["scores"] == {"score": 0.5}


def test_missing_path_rejected_before_claim(registry, tmp_path):
    with pytest.raises(RegistryError, match="not found"):
        register_version(registry, "adult", {"generator.pkl": tmp_path / "absent.pkl"}, _fields())

    assert storage.list_objects(registry) == []


def test_text_content_rejected(registry):
    with pytest.raises(RegistryError, match="pass bytes or a pathlib.Path"):
        register_version(registry, "adult", {"generator.pkl": "not bytes"}, _fields())


def test_no_files_rejected(registry):
    with pytest.raises(RegistryError, match="no files to register"):
        register_version(registry, "adult", {}, _fields())


class FailingUploads(Storage):
    """Delegates to a real backend but fails every data-file write after the first."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.data_writes = 0

    def _count_data_write(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        if name in (".claim", "manifest.json", "champion.json"):
            return
        self.data_writes += 1
        if self.data_writes >= 2:
            raise StorageError(f"simulated upload failure for {url}")

    def read_bytes(self, url):
        return self.inner.read_bytes(url)

    def write_bytes(self, url, data, *, if_absent=False):
        self._count_data_write(url)
        self.inner.write_bytes(url, data, if_absent=if_absent)

    def exists(self, url):
        return self.inner.exists(url)

    def list_objects(self, prefix):
        return self.inner.list_objects(prefix)

    def delete(self, url):
        self.inner.delete(url)

    def upload_file(self, path, url):
        self._count_data_write(url)
        self.inner.upload_file(path, url)

    def download_file(self, url, path):
        self.inner.download_file(url, path)


def test_failed_upload_keeps_champion(registry, monkeypatch):
    register_version(registry, "adult", _files(), _fields())
    champion_url = storage.join(registry, "adult", "champion.json")
    champion_before = storage.read_bytes(champion_url)
    failing = FailingUploads(storage.for_url(registry))
    monkeypatch.setitem(storage_io._BACKENDS, "file", failing)

    with pytest.raises(StorageError, match="simulated upload failure"):
        register_version(registry, "adult", _files(), _fields())

    assert failing.data_writes == 2
    assert storage.read_bytes(champion_url) == champion_before
    assert not storage.exists(storage.join(registry, "adult", "v2", "manifest.json"))
    assert storage.exists(storage.join(registry, "adult", "v2", "generator.pkl"))
    assert list_versions(registry, "adult") == ["v1"]
    assert resolve_version(registry, "adult") == "v1"
    monkeypatch.setitem(storage_io._BACKENDS, "file", failing.inner)
    assert register_version(registry, "adult", _files(), _fields()).version == "v3"


class CorruptingWrites(FailingUploads):
    """Stores every data file with its first byte flipped, as a faulty disk or proxy would."""

    def _count_data_write(self, url: str) -> None:
        return None

    def write_bytes(self, url, data, *, if_absent=False):
        if url.rsplit("/", 1)[-1] not in (".claim", "manifest.json", "champion.json"):
            data = bytes([data[0] ^ 0x01]) + data[1:]
        self.inner.write_bytes(url, data, if_absent=if_absent)


def test_failed_verification_withdraws_manifest(registry, monkeypatch, caplog):
    register_version(registry, "adult", _files(), _fields())
    champion_url = storage.join(registry, "adult", "champion.json")
    champion_before = storage.read_bytes(champion_url)
    monkeypatch.setitem(storage_io._BACKENDS, "file", CorruptingWrites(storage.for_url(registry)))
    caplog.set_level(logging.WARNING, logger="synth_ops.registry.versions")

    with pytest.raises(VerificationError, match="does not match its manifest entry"):
        register_version(registry, "adult", _files(), _fields())

    assert storage.read_bytes(champion_url) == champion_before
    assert not storage.exists(storage.join(registry, "adult", "v2", "manifest.json"))
    assert list_versions(registry, "adult") == ["v1"]
    assert "Deleted " in caplog.text


# Verification


def test_verify_returns_manifest(registry):
    registered = register_version(registry, "adult", _files(), _fields())

    manifest = verify_version(registry, "adult", "v1")

    assert manifest == storage.read_json(registered.manifest_url)


def test_verify_detects_changed_byte(registry):
    registered = register_version(registry, "adult", _files(), _fields())
    path = url_to_path(storage.join(registered.url, "report.html"))
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))

    with pytest.raises(VerificationError, match="report.html does not match its manifest entry"):
        verify_version(registry, "adult", "v1")


def test_verify_detects_missing_file(registry):
    registered = register_version(registry, "adult", _files(), _fields())
    url_to_path(storage.join(registered.url, "report.html")).unlink()

    with pytest.raises(VerificationError, match="report.html listed in .* but missing"):
        verify_version(registry, "adult", "v1")


def test_verify_detects_unlisted_file(registry):
    registered = register_version(registry, "adult", _files(), _fields())
    storage.write_bytes(storage.join(registered.url, "injected.py"), b"print('hi')")

    with pytest.raises(VerificationError, match="unexpected file injected.py"):
        verify_version(registry, "adult", "v1")


def test_verify_missing_manifest_is_incomplete(registry):
    registered = register_version(registry, "adult", _files(), _fields())
    url_to_path(registered.manifest_url).unlink()

    with pytest.raises(VerificationError, match="incomplete version .*manifest.json is missing"):
        verify_version(registry, "adult", "v1")

    assert list_versions(registry, "adult") == []


def test_verify_unknown_version(registry):
    register_version(registry, "adult", _files(), _fields())

    with pytest.raises(RegistryError, match="version 'v7' of dataset 'adult' not found.*known versions: v1"):
        verify_version(registry, "adult", "v7")


def test_verify_rejects_manifest_from_other_version(registry):
    first = register_version(registry, "adult", _files(), _fields())
    second = register_version(registry, "adult", _files(), _fields())
    storage.write_bytes(second.manifest_url, storage.read_bytes(first.manifest_url))

    with pytest.raises(VerificationError, match="is for adult/v1, not adult/v2"):
        verify_version(registry, "adult", "v2")


def test_verify_rejects_invalid_manifest_json(registry):
    registered = register_version(registry, "adult", _files(), _fields())
    storage.write_bytes(registered.manifest_url, b"{not json")

    with pytest.raises(VerificationError, match="is not valid JSON"):
        verify_version(registry, "adult", "v1")


def test_verify_rejects_traversal_in_manifest(registry):
    registered = register_version(registry, "adult", _files(), _fields())
    manifest = storage.read_json(registered.manifest_url)
    manifest["files"]["../champion.json"] = {"sha256": "0" * 64, "bytes": 1}
    storage.write_json(registered.manifest_url, manifest)

    with pytest.raises(VerificationError, match="invalid file name '../champion.json'"):
        verify_version(registry, "adult", "v1")


# Signatures


def test_signed_manifest_verifies(registry, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)

    registered = register_version(registry, "adult", _files(), _fields())

    manifest = verify_version(registry, "adult", "v1")
    assert manifest["signature"].startswith("hmac-sha256:")
    assert storage.read_json(registered.manifest_url)["signature"] == manifest["signature"]


def test_signature_covers_canonical_manifest(registry, monkeypatch):
    import hmac

    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    registered = register_version(registry, "adult", _files(), _fields())

    manifest = storage.read_json(registered.manifest_url)
    unsigned = {key: value for key, value in manifest.items() if key != "signature"}
    canonical = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hmac.new(SIGNING_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    assert manifest["signature"] == "hmac-sha256:" + expected


def test_changed_manifest_fails_signature(registry, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    registered = register_version(registry, "adult", _files(), _fields())
    manifest = storage.read_json(registered.manifest_url)
    manifest["scores"]["score"] = 0.99
    storage.write_json(registered.manifest_url, manifest)

    with pytest.raises(VerificationError, match="signature of manifest .* is invalid"):
        verify_version(registry, "adult", "v1")


def test_rehashed_file_fails_signature(registry, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    registered = register_version(registry, "adult", _files(), _fields())
    hostile = pickle.dumps("replaced")
    storage.write_bytes(storage.join(registered.url, "generator.pkl"), hostile)
    manifest = storage.read_json(registered.manifest_url)
    manifest["files"]["generator.pkl"] = {"sha256": _sha256(hostile), "bytes": len(hostile)}
    storage.write_json(registered.manifest_url, manifest)

    with pytest.raises(VerificationError, match="signature of manifest .* is invalid"):
        verify_version(registry, "adult", "v1")


def test_other_key_fails_signature(registry, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    register_version(registry, "adult", _files(), _fields())
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", "another-key")

    with pytest.raises(VerificationError, match="signed with a key other than"):
        verify_version(registry, "adult", "v1")


def test_unsigned_manifest_rejected_with_key(registry, monkeypatch):
    register_version(registry, "adult", _files(), _fields())
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)

    with pytest.raises(VerificationError, match="is unsigned, but SYNTH_OPS_SIGNING_KEY is set"):
        verify_version(registry, "adult", "v1")


def test_signature_without_key_logs_warning(registry, monkeypatch, caplog):
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    register_version(registry, "adult", _files(), _fields())
    monkeypatch.delenv("SYNTH_OPS_SIGNING_KEY")
    caplog.set_level(logging.WARNING, logger="synth_ops.registry.manifest")

    verify_version(registry, "adult", "v1")

    warnings = [record for record in caplog.records if record.name == "synth_ops.registry.manifest"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "was not checked because SYNTH_OPS_SIGNING_KEY is not set" in warnings[0].getMessage()
    assert SIGNING_KEY not in caplog.text


def test_unsigned_without_key_no_warning(registry, caplog):
    register_version(registry, "adult", _files(), _fields())
    caplog.set_level(logging.WARNING, logger="synth_ops.registry.manifest")

    verify_version(registry, "adult", "v1")

    assert [r for r in caplog.records if r.name == "synth_ops.registry.manifest"] == []


# Loading generators


def test_load_generator_round_trip(registry):
    register_version(registry, "adult", _files({"weights": [1, 2, 3]}), _fields())

    generator, manifest = load_generator(registry, "adult")

    assert generator == {"weights": [1, 2, 3]}
    assert manifest["version"] == "v1"


def test_load_generator_explicit_version(registry):
    register_version(registry, "adult", _files("first"), _fields())
    register_version(registry, "adult", _files("second"), _fields())

    generator, manifest = load_generator(registry, "adult", "v1")

    assert generator == "first"
    assert manifest["version"] == "v1"


def test_marker_pickle_runs_code_when_unpickled(tmp_path):
    marker = tmp_path / "marker"

    pickle.loads(pickle.dumps(MarkerPayload(marker)))

    assert marker.exists()


def test_load_rejects_tampered_generator(registry, tmp_path):
    marker = tmp_path / "marker"
    registered = register_version(registry, "adult", _files(), _fields())
    hostile = pickle.dumps(MarkerPayload(marker))
    storage.write_bytes(storage.join(registered.url, "generator.pkl"), hostile)

    with pytest.raises(VerificationError, match="generator.pkl does not match its manifest entry"):
        load_generator(registry, "adult")

    assert not marker.exists()


def test_load_rejects_single_changed_byte(registry, tmp_path):
    registered = register_version(registry, "adult", _files(), _fields())
    path = url_to_path(storage.join(registered.url, "generator.pkl"))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(VerificationError, match="generator.pkl"):
        load_generator(registry, "adult")


def test_load_rechecks_bytes_after_verification(registry, tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    registered = register_version(registry, "adult", _files(), _fields())
    generator_url = storage.join(registered.url, "generator.pkl")
    real_verify = loader_module.verify_version

    def verify_then_swap(*args):
        manifest = real_verify(*args)
        storage.write_bytes(generator_url, pickle.dumps(MarkerPayload(marker)))
        return manifest

    monkeypatch.setattr(loader_module, "verify_version", verify_then_swap)

    with pytest.raises(VerificationError, match="generator.pkl does not match"):
        load_generator(registry, "adult")

    assert not marker.exists()


def test_load_rejects_unsigned_when_key_set(registry, tmp_path, monkeypatch):
    marker = tmp_path / "marker"
    register_version(registry, "adult", {"generator.pkl": pickle.dumps(MarkerPayload(marker))}, {})
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)

    with pytest.raises(VerificationError, match="unsigned"):
        load_generator(registry, "adult")

    assert not marker.exists()


def test_load_incomplete_champion_rejected(registry, tmp_path):
    registered = register_version(registry, "adult", _files(), _fields())
    url_to_path(storage.join(registered.url, "generator.pkl")).unlink()

    with pytest.raises(VerificationError, match="generator.pkl listed in .* but missing"):
        load_generator(registry, "adult")


def test_load_version_without_generator(registry):
    register_version(registry, "adult", {"report.html": b"r"}, {})

    with pytest.raises(RegistryError, match="has no generator.pkl"):
        load_generator(registry, "adult")


# Lookups


def test_resolve_unknown_dataset_lists_known(registry):
    register_version(registry, "adult", _files(), _fields())
    register_version(registry, "telco", _files(), _fields())

    with pytest.raises(RegistryError, match="dataset 'census' not found .*known datasets: adult, telco"):
        resolve_version(registry, "census")


def test_resolve_unknown_version_lists_known(registry):
    register_version(registry, "adult", _files(), _fields())
    register_version(registry, "adult", _files(), _fields())

    with pytest.raises(RegistryError, match="version 'v3' .* known versions: v1, v2"):
        resolve_version(registry, "adult", "v3")


@pytest.mark.parametrize("version", ["1", "v0", "v01", "latest", "v1/../v2"])
def test_resolve_invalid_version_format(registry, version):
    register_version(registry, "adult", _files(), _fields())

    with pytest.raises(RegistryError, match="invalid version"):
        resolve_version(registry, "adult", version)


def test_resolve_explicit_version(registry):
    register_version(registry, "adult", _files(), _fields())
    register_version(registry, "adult", _files(), _fields(), move_champion=False)

    assert resolve_version(registry, "adult") == "v1"
    assert resolve_version(registry, "adult", "v2") == "v2"


def test_resolve_empty_registry(registry):
    with pytest.raises(RegistryError, match="known datasets: none"):
        resolve_version(registry, "adult")


def test_list_versions_skips_incomplete(registry):
    register_version(registry, "adult", _files(), _fields())
    storage.write_bytes(storage.join(registry, "adult", "v2", ".claim"), b"{}")
    storage.write_bytes(storage.join(registry, "adult", "v3", "generator.pkl"), b"partial")

    assert list_versions(registry, "adult") == ["v1"]


def test_list_versions_unknown_dataset_is_empty(registry):
    assert list_versions(registry, "adult") == []


def test_list_datasets(registry):
    register_version(registry, "telco", _files(), _fields())
    register_version(registry, "adult", _files(), _fields(), move_champion=False)
    storage.write_bytes(storage.join(registry, "partial", "v1", ".claim"), b"{}")

    assert list_datasets(registry) == ["adult", "telco"]


def test_find_version_by_source(registry):
    register_version(registry, "adult", _files(), _fields(source={"sha256": "b" * 64}))
    register_version(registry, "adult", _files(), _fields())
    register_version(registry, "adult", _files(), _fields(), move_champion=False)

    assert find_version_by_source(registry, "adult", "b" * 64) == "v1"
    assert find_version_by_source(registry, "adult", SOURCE_SHA256) == "v3"
    assert find_version_by_source(registry, "adult", "c" * 64) is None
    assert find_version_by_source(registry, "census", SOURCE_SHA256) is None


def test_find_version_by_source_ignores_incomplete(registry):
    registered = register_version(registry, "adult", _files(), _fields())
    url_to_path(registered.manifest_url).unlink()

    assert find_version_by_source(registry, "adult", SOURCE_SHA256) is None


def test_catalog_rows(registry):
    register_version(registry, "adult", _files(), _fields())
    register_version(registry, "adult", _files(), _fields(rows=250, scores={"score": 0.9}))
    register_version(registry, "telco", _files(), _fields(), move_champion=False)

    rows = catalog(registry)

    adult_manifest = verify_version(registry, "adult", "v2")
    assert rows == [
        {
            "dataset": "adult",
            "champion": "v2",
            "created_at": adult_manifest["created_at"],
            "scores": {"score": 0.9},
            "versions": 2,
            "rows": 250,
        },
        {
            "dataset": "telco",
            "champion": None,
            "created_at": None,
            "scores": {},
            "versions": 1,
            "rows": None,
        },
    ]


def test_catalog_score_keys(registry):
    register_version(registry, "adult", _files(), _fields())

    (row,) = catalog(registry)

    assert row["scores"] == {"score": 0.8, "fidelity": 0.9, "usability": 0.7, "privacy": 0.6}


def test_catalog_unreadable_champion(registry, caplog):
    registered = register_version(registry, "adult", _files(), _fields())
    storage.write_bytes(registered.manifest_url, b"{broken")
    register_version(registry, "telco", _files(), _fields())
    caplog.set_level(logging.WARNING, logger="synth_ops.registry.catalog")

    rows = catalog(registry)

    assert [row["dataset"] for row in rows] == ["adult", "telco"]
    assert rows[0]["champion"] is None
    assert rows[1]["champion"] == "v1"
    assert "Catalog row of adult has no champion details" in caplog.text


def test_catalog_empty_registry(registry):
    assert catalog(registry) == []


# Bundles


def _export(registry: str, tmp_path: Path, name: str = "bundle.tar.gz") -> Path:
    return export_bundle(registry, "adult", "v1", tmp_path / "bundles" / name)


def _write_bundle(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _member(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _bundle_contents(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as archive:
        return {member.name: archive.extractfile(member).read() for member in archive.getmembers()}


def test_export_bundle_contains_version(registry, tmp_path):
    files = _files()
    registered = register_version(registry, "adult", files, _fields())

    bundle = _export(registry, tmp_path)

    contents = _bundle_contents(bundle)
    assert contents.pop("manifest.json") == storage.read_bytes(registered.manifest_url)
    assert contents == files
    assert [path.name for path in bundle.parent.iterdir()] == ["bundle.tar.gz"]


def test_export_verifies_first(registry, tmp_path):
    registered = register_version(registry, "adult", _files(), _fields())
    storage.write_bytes(storage.join(registered.url, "report.html"), b"changed")

    with pytest.raises(VerificationError, match="report.html"):
        _export(registry, tmp_path)

    assert not (tmp_path / "bundles" / "bundle.tar.gz").exists()


def test_export_champion_when_version_is_none(registry, tmp_path):
    register_version(registry, "adult", _files(), _fields())
    register_version(registry, "adult", _files("second"), _fields())

    bundle = export_bundle(registry, "adult", None, tmp_path / "champion.tgz")

    assert json.loads(_bundle_contents(bundle)["manifest.json"])["version"] == "v2"


def test_import_round_trip_keeps_hashes(registry, tmp_path):
    source_manifest = storage.read_json(register_version(registry, "adult", _files(), _fields()).manifest_url)
    bundle = _export(registry, tmp_path)
    target = storage.normalize_url(tmp_path / "other-registry")
    register_version(target, "adult", _files("existing"), _fields())

    imported = import_bundle(bundle, target)

    assert imported.version == "v2"
    assert imported.champion_moved
    manifest = verify_version(target, "adult", "v2")
    assert manifest["files"] == source_manifest["files"]
    assert manifest["scores"] == source_manifest["scores"]
    assert manifest["source"] == source_manifest["source"]
    assert manifest["run_id"] == source_manifest["run_id"]
    assert manifest["imported_from"] == {
        "dataset": "adult",
        "version": "v1",
        "manifest_sha256": _sha256(_bundle_contents(bundle)["manifest.json"]),
    }
    generator, _ = load_generator(target, "adult")
    assert generator == {"model": "gaussian_copula"}


def test_import_into_other_dataset(registry, tmp_path):
    register_version(registry, "adult", _files(), _fields())
    bundle = _export(registry, tmp_path)

    imported = import_bundle(bundle, registry, dataset="adult-copy", move_champion=False)

    assert imported.dataset == "adult-copy"
    assert imported.version == "v1"
    assert not imported.champion_moved
    assert list_versions(registry, "adult-copy") == ["v1"]
    assert verify_version(registry, "adult-copy", "v1")["imported_from"]["dataset"] == "adult"


def test_import_signed_bundle_resigned(registry, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    register_version(registry, "adult", _files(), _fields())
    bundle = _export(registry, tmp_path)
    target = storage.normalize_url(tmp_path / "target")

    import_bundle(bundle, target)

    assert verify_version(target, "adult", "v1")["signature"].startswith("hmac-sha256:")


def _tampered_bundle(registry: str, tmp_path: Path, change) -> Path:
    """Export v1 and rewrite the bundle with ``change`` applied to its member contents."""
    contents = _bundle_contents(_export(registry, tmp_path, "original.tar.gz"))
    change(contents)
    members = [_member(name, data) for name, data in contents.items()]
    return _write_bundle(tmp_path / "tampered.tar.gz", members)


def _assert_nothing_written(target: str) -> None:
    assert storage.list_objects(target) == []


def test_import_tampered_file_writes_nothing(registry, tmp_path):
    register_version(registry, "adult", _files(), _fields())

    def flip_byte(contents):
        data = bytearray(contents["generator.pkl"])
        data[-2] ^= 0x01
        contents["generator.pkl"] = bytes(data)

    bundle = _tampered_bundle(registry, tmp_path, flip_byte)
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="generator.pkl does not match"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)


def test_import_missing_file_writes_nothing(registry, tmp_path):
    register_version(registry, "adult", _files(), _fields())
    bundle = _tampered_bundle(registry, tmp_path, lambda contents: contents.pop("report.html"))
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="lacks report.html"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)


def test_import_unexpected_member_writes_nothing(registry, tmp_path):
    register_version(registry, "adult", _files(), _fields())
    bundle = _tampered_bundle(
        registry, tmp_path, lambda contents: contents.update({"extra.py": b"import os"})
    )
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="contains extra.py, not listed"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)


def test_import_missing_manifest_writes_nothing(registry, tmp_path):
    register_version(registry, "adult", _files(), _fields())
    bundle = _tampered_bundle(registry, tmp_path, lambda contents: contents.pop("manifest.json"))
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="has no manifest.json"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)


@pytest.mark.parametrize("name", ["../generator.pkl", "/etc/generator.pkl", "sub/../../x"])
def test_import_path_traversal_rejected(registry, tmp_path, name):
    register_version(registry, "adult", _files(), _fields())
    contents = _bundle_contents(_export(registry, tmp_path))
    members = [_member(member, data) for member, data in contents.items()]
    members.append(_member(name, b"payload"))
    bundle = _write_bundle(tmp_path / "traversal.tar.gz", members)
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="unsafe path"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)
    assert not (tmp_path / "generator.pkl").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_import_link_member_rejected(registry, tmp_path, kind):
    register_version(registry, "adult", _files(), _fields())
    contents = _bundle_contents(_export(registry, tmp_path))
    contents.pop("report.html")
    members = [_member(name, data) for name, data in contents.items()]
    link = tarfile.TarInfo("report.html")
    link.type = kind
    link.linkname = "/etc/passwd"
    members.append((link, None))
    bundle = _write_bundle(tmp_path / "link.tar.gz", members)
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="'report.html', which is a link"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)


def test_import_rejects_unsigned_bundle(registry, tmp_path, monkeypatch):
    register_version(registry, "adult", _files(), _fields())
    bundle = _export(registry, tmp_path)
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="unsigned"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)


def test_import_rejects_changed_manifest(registry, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_OPS_SIGNING_KEY", SIGNING_KEY)
    register_version(registry, "adult", _files(), _fields())

    def raise_score(contents):
        manifest = json.loads(contents["manifest.json"])
        manifest["scores"]["score"] = 1.0
        contents["manifest.json"] = json.dumps(manifest).encode()

    bundle = _tampered_bundle(registry, tmp_path, raise_score)
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="signature of manifest .* is invalid"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)


def test_import_corrupt_archive_rejected(registry, tmp_path):
    register_version(registry, "adult", _files(), _fields())
    bundle = _export(registry, tmp_path)
    bundle.write_bytes(bundle.read_bytes()[:40])
    target = storage.normalize_url(tmp_path / "target")

    with pytest.raises(VerificationError, match="not a readable tar archive"):
        import_bundle(bundle, target)

    _assert_nothing_written(target)


def test_import_missing_bundle(registry, tmp_path):
    with pytest.raises(RegistryError, match="not found"):
        import_bundle(tmp_path / "absent.tar.gz", registry)


def test_public_api_names():
    import synth_ops.registry as registry_package

    assert set(registry_package.__all__) == {
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
    }
    for name in registry_package.__all__:
        assert getattr(registry_package, name) is not None


def test_champion_manifest_edit_detected(tmp_path):
    import pickle as pickle_module

    from synth_ops.errors import VerificationError
    from synth_ops.registry import load_generator, register_version

    registry = str(tmp_path / "registry")
    register_version(registry, "edited", {"generator.pkl": pickle_module.dumps({"rows": 1})}, {"config": {"seed": 42}})
    manifest = tmp_path / "registry" / "edited" / "v1" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"seed": 42', '"seed": 43'))

    with pytest.raises(VerificationError, match="changed after registration"):
        load_generator(registry, "edited")
