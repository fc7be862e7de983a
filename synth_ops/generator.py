"""The registered generator: a fitted model plus what rebuilds source-shaped rows.

A ``Generator`` is what ``generator.pkl`` holds. It samples the modeled
columns from the fitted synthesizer, then regenerates keys, PII, constants and
empty columns, restores the column order and dtypes of the source, and writes
dates back in their source format.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synth_ops.errors import SynthOpsError
from synth_ops.tables.columns import ColumnSpec
from synth_ops.tables.keys import generate_keys
from synth_ops.tables.pii import generate_pii

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 100_000


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch, which SDV's synthesizers draw from."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency of every candidate
        return
    torch.manual_seed(seed)


@dataclass
class Generator:
    """A fitted model and the column specs that turn its output into source rows."""

    candidate: str
    model: Any
    columns: list[ColumnSpec]
    libraries: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [spec.name for spec in self.columns]

    def sample(self, rows: int, seed: int | None = None) -> pd.DataFrame:
        """Return ``rows`` synthetic rows with the source's columns and dtypes."""
        chunks = list(self.iter_chunks(rows, seed=seed, chunk_rows=max(rows, 1)))
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)

    def iter_chunks(self, rows: int, *, seed: int | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        """Yield ``rows`` synthetic rows in chunks of at most ``chunk_rows``.

        With a seed, the same seed and chunk size give the same rows. Keys stay
        unique across chunks.
        """
        if rows < 0:
            raise SynthOpsError(f"rows={rows} is invalid: request 0 or more rows")
        base_seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        # A model may prepare for a large sample: a GaussianCopula builds its lookup tables.
        expect_rows = getattr(self.model, "expect_rows", None)
        if callable(expect_rows) and rows > chunk_rows:
            expect_rows(rows)
        done = 0
        index = 0
        while done < rows or (rows == 0 and index == 0):
            count = min(chunk_rows, rows - done)
            chunk_seed = int(np.random.SeedSequence([base_seed, index]).generate_state(1)[0])
            yield self._sample_chunk(count, chunk_seed, key_seed=base_seed, offset=done, total=rows)
            done += count
            index += 1
            if rows == 0:
                break

    def _sample_chunk(self, count: int, seed: int, *, key_seed: int, offset: int, total: int) -> pd.DataFrame:
        modeled = [spec.name for spec in self.columns if spec.modeled]
        if count and modeled:
            seed_everything(seed)
            model_rows = self.model.sample(count, seed=seed)
        else:
            model_rows = pd.DataFrame(index=range(count), columns=modeled)
        return self.restore(model_rows, seed=seed, key_seed=key_seed, offset=offset, total=total)

    def restore(self, model_rows: pd.DataFrame, *, seed: int, key_seed: int | None = None, offset: int = 0, total: int | None = None) -> pd.DataFrame:
        """Turn model output into source-shaped rows: add regenerated columns, fix dtypes.

        ``offset`` is the number of rows already produced with ``key_seed``, so
        keys continue their sequence instead of repeating it.
        """
        count = len(model_rows)
        model_rows = model_rows.reset_index(drop=True)
        key_seed = seed if key_seed is None else key_seed
        output = {}
        for position, spec in enumerate(self.columns):
            if spec.modeled:
                output[spec.name] = restore_dtype(model_rows[spec.name], spec)
            elif spec.kind == "key":
                try:
                    values = generate_keys(spec.key_format, count, seed=key_seed, offset=offset, total=total)
                except ValueError as error:
                    raise SynthOpsError(f"cannot generate unique keys for column {spec.name!r}: {error}; request fewer rows") from None
                output[spec.name] = values.astype(spec.dtype) if spec.dtype in ("int64", "Int64") else values
            elif spec.kind == "pii":
                output[spec.name] = generate_pii(spec.pii_provider, count, seed + position)
            elif spec.kind == "constant":
                output[spec.name] = restore_dtype(pd.Series([spec.constant] * count, dtype=object), spec)
            else:  # empty
                output[spec.name] = restore_dtype(pd.Series([None] * count, dtype=object), spec)
        return pd.DataFrame(output, columns=self.column_names)


def restore_dtype(values: pd.Series, spec: ColumnSpec) -> pd.Series:
    """Cast model output back to the source column's dtype and text format."""
    values = values.reset_index(drop=True)
    if spec.kind == "datetime":
        parsed = pd.to_datetime(values, errors="coerce")
        if spec.datetime_format:
            if spec.timezone:
                parsed = parsed.dt.tz_localize("UTC")
            text = parsed.dt.strftime(spec.datetime_format)
            return text.astype(object).where(parsed.notna(), None)
        if spec.timezone:
            return parsed.dt.tz_localize("UTC").dt.tz_convert(spec.timezone)
        return parsed
    dtype = spec.dtype
    if dtype == "category":
        categories = pd.Index(spec.categories or [])
        if len(categories) and not pd.api.types.is_object_dtype(categories.dtype):
            values = pd.to_numeric(values, errors="coerce").astype(categories.dtype, errors="ignore")
        return values.astype(pd.CategoricalDtype(categories))
    if dtype in ("int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "uint64"):
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any():
            return numbers.round().astype("Int64")
        return numbers.round().astype(dtype)
    if dtype in ("Int64", "Int32", "Int16", "Int8"):
        return pd.to_numeric(values, errors="coerce").round().astype(dtype)
    if dtype.startswith("float") or dtype.startswith("Float"):
        return pd.to_numeric(values, errors="coerce").astype(dtype)
    if dtype == "bool":
        if values.isna().any():
            return values.astype("boolean")
        return values.astype(bool)
    if dtype == "boolean":
        return values.astype("boolean")
    if dtype in ("string", "str"):
        return values.astype("string")
    array = values.to_numpy(dtype=object)
    missing = pd.isna(array)
    if missing.any():
        array = array.copy()
        array[missing] = None
    return pd.Series(array, index=values.index, name=values.name, dtype=object)
