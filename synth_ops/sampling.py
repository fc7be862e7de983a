"""Write on-demand synthetic rows from a registered generator to a file, in chunks."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path

from synth_ops.errors import ConfigError
from synth_ops.generator import DEFAULT_CHUNK_ROWS

logger = logging.getLogger(__name__)

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def output_format(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"output file {str(path)!r} has an unsupported extension: use .csv or .parquet")
    return FORMATS[suffix]


def write_rows(generator, rows: int, out_path: str | os.PathLike, *, seed: int | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS, progress=None) -> Path | str:
    """Write ``rows`` rows from ``generator`` to ``out_path`` (CSV or Parquet by extension).

    Rows are generated and written one chunk at a time, so memory depends on
    ``chunk_rows``, not on ``rows``. The file appears only when complete: the
    rows go to a temporary file in the same directory that is then renamed.
    ``out_path`` may also be a storage URL. An ``s3://`` object is written to a
    local temporary file first and then uploaded, and its URL is returned.
    """
    if chunk_rows < 1:
        raise ConfigError(f"chunk_rows={chunk_rows} is invalid: use 1 or more rows per chunk")
    text = os.fspath(out_path)
    if "://" in text:
        from synth_ops import storage

        url = storage.normalize_url(text)
        if url.startswith("s3://"):
            output_format(url)
            with tempfile.TemporaryDirectory(prefix="synth-ops-sample-") as folder:
                local = _write_file(generator, rows, Path(folder) / Path(url).name, seed=seed, chunk_rows=chunk_rows, progress=progress)
                storage.for_url(url).upload_file(str(local), url)
            return url
        from synth_ops.storage.local import url_to_path

        out_path = url_to_path(url)
    return _write_file(generator, rows, Path(out_path), seed=seed, chunk_rows=chunk_rows, progress=progress)


def _write_file(generator, rows: int, out_path: Path, *, seed: int | None, chunk_rows: int, progress) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    kind = output_format(out_path)
    if rows < 1:
        raise ConfigError(f"rows={rows} is invalid: request 1 or more rows")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp")
    os.close(fd)
    started = time.monotonic()
    written = 0
    try:
        writer = None
        with open(temp_name, "wb") as handle:
            for chunk in generator.iter_chunks(rows, seed=seed, chunk_rows=chunk_rows):
                if kind == "parquet":
                    table = pa.Table.from_pandas(chunk, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(handle, table.schema)
                    writer.write_table(table.cast(writer.schema) if table.schema != writer.schema else table)
                else:
                    chunk.to_csv(handle, index=False, header=written == 0)
                written += len(chunk)
                if progress is not None:
                    progress(written, rows)
                logger.info("Wrote %d of %d rows (%.0f rows/s)", written, rows, written / max(time.monotonic() - started, 1e-9))
            if writer is not None:
                writer.close()
        os.replace(temp_name, out_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return out_path
