"""Read a CSV or Parquet table into a DataFrame, rejecting what is not a table.

CSV files are read with every cell as text so that cleaning, not the parser,
decides types. Width and memory limits are checked from the header and the
file size before the body is parsed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from synth_ops import storage
from synth_ops.errors import ObjectNotFoundError, TableError, TableTooWideError
from synth_ops.settings import TableSettings

logger = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
PARQUET_MAGIC = b"PAR1"
SNIFF_DELIMITERS = ",;\t|"
# Rough bytes a candidate needs per cell while training: the one-hot or
# mode-specific encodings of the deep models are several times the raw data.
BYTES_PER_CELL_ESTIMATE = 400


@dataclass
class SourceTable:
    """A table as read from storage, before any cleaning."""

    frame: pd.DataFrame
    url: str
    sha256: str
    format: str
    encoding: str | None = None
    delimiter: str | None = None


def read_source(url: str, settings: TableSettings) -> SourceTable:
    """Read the table at ``url`` (CSV or Parquet, chosen by suffix or content)."""
    url = storage.normalize_url(url)
    try:
        data = storage.read_bytes(url)
    except ObjectNotFoundError:
        raise TableError(f"table not found: {url}: check the path or URL") from None
    digest = hashlib.sha256(data).hexdigest()
    name = Path(url).name.lower()
    if not data.strip():
        raise TableError(f"table {url} is empty: it has no header and no rows")
    if data[:4] == PARQUET_MAGIC or name.endswith(PARQUET_SUFFIXES):
        frame = _read_parquet(data, url, settings)
        return SourceTable(frame=frame, url=url, sha256=digest, format="parquet")
    if b"\x00" in data[:65536]:
        raise TableError(
            f"{url} is not a table: it contains binary data; provide a CSV (UTF-8 or "
            "Latin-1 text) or a Parquet file"
        )
    text, encoding = _decode(data, url)
    if text.lstrip()[:1] in ("{", "["):
        raise TableError(
            f"{url} is not a table: it looks like JSON; provide a CSV (UTF-8 or Latin-1 text) or a Parquet file"
        )
    frame, delimiter = _read_csv_text(text, url, len(data), settings)
    return SourceTable(frame=frame, url=url, sha256=digest, format="csv", encoding=encoding, delimiter=delimiter)


def _decode(data: bytes, url: str) -> tuple[str, str]:
    try:
        # utf-8-sig drops a byte-order mark when there is one.
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as error:
        logger.warning(
            "%s is not valid UTF-8 (%s at byte %d); reading it as Latin-1", url, error.reason, error.start
        )
        return data.decode("latin-1"), "latin-1"


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=SNIFF_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _check_header(columns: list[str], url: str) -> None:
    unnamed = [index + 1 for index, column in enumerate(columns) if not column.strip()]
    if unnamed:
        raise TableError(
            f"{url}: column {unnamed[0]} has an empty name: give every column a header"
        )
    duplicates = [name for name, count in Counter(columns).items() if count > 1]
    if duplicates:
        raise TableError(
            f"{url}: duplicate column names {', '.join(repr(name) for name in duplicates)}: "
            "rename them so that every column name is unique"
        )


def check_size(columns: int, rows_estimate: int, url: str, settings: TableSettings) -> None:
    """Reject a table wider or bigger than the settings allow, with an estimate."""
    estimate_gib = columns * max(rows_estimate, 1) * BYTES_PER_CELL_ESTIMATE / 2**30
    if columns > settings.max_columns:
        raise TableTooWideError(
            f"{url} has {columns} columns, more than max_columns={settings.max_columns}; "
            f"training on about {rows_estimate} rows would need an estimated {estimate_gib:.1f} GiB. "
            "Drop columns with --drop or drop: in synth.yaml, or raise max_columns"
        )
    if estimate_gib > settings.max_memory_gib:
        raise TableTooWideError(
            f"{url} ({columns} columns, about {rows_estimate} rows) would need an estimated "
            f"{estimate_gib:.1f} GiB to train, more than max_memory_gib={settings.max_memory_gib}. "
            "Drop columns, train on a sample of the rows, or raise max_memory_gib"
        )


def _read_csv_text(text: str, url: str, size: int, settings: TableSettings) -> tuple[pd.DataFrame, str]:
    lines = text.splitlines()
    sample = "\n".join(lines[:50])
    delimiter = _sniff_delimiter(sample)
    header = next(csv.reader([lines[0]], delimiter=delimiter))
    header = [column.strip() for column in header]
    _check_header(header, url)
    average_line = max(len(sample) / max(min(len(lines), 50), 1), 1.0)
    check_size(len(header), int(size / average_line), url, settings)
    try:
        with warnings.catch_warnings():
            # pandas only warns when a row has more fields than the header.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delimiter,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skipinitialspace=False,
                index_col=False,
                engine="c",
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error, ValueError) as error:
        raise TableError(
            f"{url} is not a well-formed table: {error}. Every row needs as many fields as the header"
        ) from None
    frame.columns = header
    _check_row_lengths(text, delimiter, len(header), url)
    if frame.empty:
        raise TableError(f"{url} has a header but no data rows: add rows to the table")
    logger.info("Read %s: %d rows x %d columns (delimiter %r)", url, len(frame), len(header), delimiter)
    return frame, delimiter


def _check_row_lengths(text: str, delimiter: str, width: int, url: str) -> None:
    """Raise ``TableError`` naming the first row with fewer fields than the header.

    pandas fills such rows with empty values without a warning, which would
    quietly turn a truncated line into missing values.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    next(reader, None)
    for record in reader:
        if record and len(record) < width:
            raise TableError(
                f"{url} is not a well-formed table: line {reader.line_num} has {len(record)} fields, "
                f"the header has {width}. Every row needs as many fields as the header"
            )


def _read_parquet(data: bytes, url: str, settings: TableSettings) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet_file = pq.ParquetFile(io.BytesIO(data))
    except (pa.ArrowInvalid, OSError) as error:
        raise TableError(f"{url} is not a valid Parquet file: {error}") from None
    columns = list(parquet_file.schema_arrow.names)
    _check_header(columns, url)
    check_size(len(columns), parquet_file.metadata.num_rows, url, settings)
    frame = parquet_file.read().to_pandas()
    if frame.empty:
        raise TableError(f"{url} has a schema but no data rows: add rows to the table")
    logger.info("Read %s: %d rows x %d columns (Parquet)", url, len(frame), len(columns))
    return frame
