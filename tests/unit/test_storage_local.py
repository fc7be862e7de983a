"""Tests for the file:// backend and the module-level storage helpers."""

from __future__ import annotations

import pandas as pd
import pytest

from synth_ops import storage
from synth_ops.errors import ConfigError, ObjectExistsError, ObjectNotFoundError, StorageError
from synth_ops.storage import io as storage_io
from synth_ops.storage.local import LocalStorage, url_to_path


@pytest.fixture
def backend() -> LocalStorage:
    return LocalStorage()


@pytest.fixture
def root(tmp_path) -> str:
    return storage.normalize_url(tmp_path)


def test_normalize_url_plain_path(tmp_path):
    url = storage.normalize_url(tmp_path / "a" / "b.csv")

    assert url == "file://" + str((tmp_path / "a" / "b.csv").resolve())


def test_normalize_url_keeps_trailing_slash(tmp_path):
    url = storage.normalize_url(str(tmp_path) + "/")

    assert url.endswith("/")


def test_normalize_url_rejects_unknown_scheme():
    with pytest.raises(ConfigError, match="unsupported storage URL 'ftp://host/x'"):
        storage.normalize_url("ftp://host/x")


def test_normalize_url_rejects_s3_without_bucket():
    with pytest.raises(ConfigError, match="has no bucket"):
        storage.normalize_url("s3:///key")


def test_join_single_slashes():
    assert storage.join("s3://bucket/base/", "/a/", "b") == "s3://bucket/base/a/b"


def test_write_read_round_trip(backend, root):
    url = storage.join(root, "nested", "object.bin")

    backend.write_bytes(url, b"\x00payload")

    assert backend.read_bytes(url) == b"\x00payload"
    assert backend.exists(url)


def test_write_replaces_content(backend, root):
    url = storage.join(root, "object.bin")
    backend.write_bytes(url, b"first")

    backend.write_bytes(url, b"second")

    assert backend.read_bytes(url) == b"second"


def test_read_missing_raises_not_found(backend, root):
    url = storage.join(root, "missing.bin")

    with pytest.raises(ObjectNotFoundError, match="missing.bin"):
        backend.read_bytes(url)


def test_read_directory_raises_not_found(backend, root, tmp_path):
    (tmp_path / "folder").mkdir()

    with pytest.raises(ObjectNotFoundError, match="is a directory"):
        backend.read_bytes(storage.join(root, "folder"))


def test_if_absent_creates_object(backend, root):
    url = storage.join(root, "claim")

    backend.write_bytes(url, b"mine", if_absent=True)

    assert backend.read_bytes(url) == b"mine"


def test_if_absent_rejects_existing(backend, root):
    url = storage.join(root, "claim")
    backend.write_bytes(url, b"first", if_absent=True)

    with pytest.raises(ObjectExistsError, match="object already exists"):
        backend.write_bytes(url, b"second", if_absent=True)

    assert backend.read_bytes(url) == b"first"


def test_exists_false_for_missing_and_folders(backend, root, tmp_path):
    (tmp_path / "folder").mkdir()

    assert not backend.exists(storage.join(root, "missing"))
    assert not backend.exists(storage.join(root, "folder"))


def test_list_objects_sorted_and_recursive(backend, root):
    for name in ("b/2.txt", "a.txt", "b/1.txt"):
        backend.write_bytes(storage.join(root, name), b"x")

    urls = backend.list_objects(root)

    assert urls == [storage.join(root, name) for name in ("a.txt", "b/1.txt", "b/2.txt")]


def test_list_objects_skips_temporary_files(backend, root, tmp_path):
    backend.write_bytes(storage.join(root, "kept.txt"), b"x")
    (tmp_path / ".kept.txt.abc123.tmp").write_bytes(b"partial")

    assert backend.list_objects(root) == [storage.join(root, "kept.txt")]


def test_list_objects_prefix_is_a_folder(backend, root):
    backend.write_bytes(storage.join(root, "runs", "a", "x"), b"x")
    backend.write_bytes(storage.join(root, "runs", "ab", "y"), b"y")

    urls = backend.list_objects(storage.join(root, "runs", "a"))

    assert urls == [storage.join(root, "runs", "a", "x")]


def test_list_objects_prefix_naming_a_file(backend, root):
    url = storage.join(root, "single.txt")
    backend.write_bytes(url, b"x")

    assert backend.list_objects(url) == [url]


def test_list_objects_missing_prefix_is_empty(backend, root):
    assert backend.list_objects(storage.join(root, "nothing")) == []


def test_delete_removes_object(backend, root):
    url = storage.join(root, "object.bin")
    backend.write_bytes(url, b"x")

    backend.delete(url)

    assert not backend.exists(url)


def test_delete_missing_is_not_an_error(backend, root):
    backend.delete(storage.join(root, "missing.bin"))


def test_upload_and_download_file(backend, root, tmp_path):
    source = tmp_path / "source.bin"
    source.write_bytes(b"file content")
    url = storage.join(root, "stored", "copy.bin")
    target = tmp_path / "downloaded.bin"

    backend.upload_file(str(source), url)
    backend.download_file(url, str(target))

    assert backend.read_bytes(url) == b"file content"
    assert target.read_bytes() == b"file content"


def test_upload_missing_file_raises(backend, root, tmp_path):
    with pytest.raises(StorageError, match="local file not found"):
        backend.upload_file(str(tmp_path / "absent.bin"), storage.join(root, "x"))

    assert backend.list_objects(root) == []


def test_download_missing_object_raises(backend, root, tmp_path):
    with pytest.raises(ObjectNotFoundError):
        backend.download_file(storage.join(root, "absent"), str(tmp_path / "out"))


def test_url_to_path_unquotes():
    assert str(url_to_path("file:///tmp/with%20space/x")) == "/tmp/with space/x"


def test_for_url_returns_shared_local_backend(tmp_path, monkeypatch):
    monkeypatch.setattr(storage_io, "_BACKENDS", {})

    first = storage.for_url(str(tmp_path))
    second = storage.for_url(storage.normalize_url(tmp_path / "other"))

    assert isinstance(first, LocalStorage)
    assert first is second


def test_helpers_accept_plain_paths(tmp_path):
    path = tmp_path / "plain" / "object.txt"

    storage.write_bytes(str(path), b"via path")

    assert path.read_bytes() == b"via path"
    assert storage.read_bytes(str(path)) == b"via path"
    assert storage.exists(str(path))


def test_json_round_trip(root):
    url = storage.join(root, "payload.json")

    storage.write_json(url, {"b": [1, 2], "a": "text"})

    assert storage.read_json(url) == {"a": "text", "b": [1, 2]}


def test_write_json_rejects_nan(root):
    with pytest.raises(ValueError):
        storage.write_json(storage.join(root, "nan.json"), {"score": float("nan")})


def test_write_json_if_absent(root):
    url = storage.join(root, "pointer.json")
    storage.write_json(url, {"version": "v1"}, if_absent=True)

    with pytest.raises(ObjectExistsError):
        storage.write_json(url, {"version": "v2"}, if_absent=True)

    assert storage.read_json(url) == {"version": "v1"}


def test_parquet_round_trip(root):
    frame = pd.DataFrame({"age": [31, 45], "city": ["Oslo", "Lima"]})
    url = storage.join(root, "table.parquet")

    storage.write_parquet(url, frame)

    pd.testing.assert_frame_equal(storage.read_parquet(url), frame)


def test_copy_object(root):
    source = storage.join(root, "a.bin")
    target = storage.join(root, "copy", "b.bin")
    storage.write_bytes(source, b"content")

    storage.copy_object(source, target)

    assert storage.read_bytes(target) == b"content"


def test_download_to_temp_yields_file_in_place(root, tmp_path):
    url = storage.join(root, "in-place.bin")
    storage.write_bytes(url, b"x")

    with storage.download_to_temp(url) as path:
        assert path == tmp_path.resolve() / "in-place.bin"
        assert path.read_bytes() == b"x"
