"""Clean raw columns: missing markers, stray spaces, numbers and dates stored as text."""

from __future__ import annotations

import logging
import re
import warnings

import numpy as np
import pandas as pd

from synth_ops.errors import TableError

logger = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def is_text(series: pd.Series) -> bool:
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype) and not isinstance(
        series.dtype, pd.CategoricalDtype
    )


def normalize_text(series: pd.Series, missing_values: list[str]) -> pd.Series:
    """Strip surrounding spaces of text values and turn missing markers into NA."""
    markers = set(missing_values)
    values = series.astype(object)
    mask = values.notna()
    stripped = values[mask].map(lambda value: value.strip() if isinstance(value, str) else value)
    stripped = stripped.map(lambda value: None if isinstance(value, str) and value in markers else value)
    result = pd.Series([None] * len(values), index=values.index, dtype=object)
    result[mask] = stripped
    return result


def parse_declared_datetime(series: pd.Series, fmt: str, column: str) -> pd.Series:
    """Parse ``series`` with the declared ``strptime`` format, or raise naming a bad value."""
    present = series.notna()
    parsed = pd.to_datetime(series, format=fmt, errors="coerce")
    bad = present & parsed.isna()
    if bad.any():
        example = series[bad].iloc[0]
        raise TableError(
            f"column {column!r}: value {example!r} does not match the declared datetime format "
            f"{fmt!r} ({int(bad.sum())} values fail): fix the format in datetime_formats"
        )
    return parsed


def try_numeric(series: pd.Series) -> pd.Series | None:
    """Return the column as numbers when every present value is a number, else ``None``."""
    present = series.notna()
    if not present.any():
        return None
    numbers = pd.to_numeric(series, errors="coerce")
    if numbers[present].isna().any():
        return None
    if np.isinf(numbers[present].astype(float)).any():
        return None
    values = numbers[present].astype(float)
    if (values == values.round()).all() and values.abs().max() < 2**53:
        if present.all():
            return numbers.astype("int64")
        return numbers.astype("Int64")
    return numbers.astype("float64")


def try_iso_datetime(series: pd.Series) -> tuple[pd.Series, str, str | None] | None:
    """Parse ISO 8601 text dates; return (values as naive UTC, format, time zone) or ``None``."""
    present = series[series.notna()]
    if present.empty or not present.map(lambda value: bool(_ISO_DATE.match(str(value)))).all():
        return None
    first = str(present.iloc[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fmt = pd.tseries.api.guess_datetime_format(first) or "%Y-%m-%d"
        parsed = pd.to_datetime(series, format="ISO8601", errors="coerce", utc=first.endswith("Z") or "+" in first[10:] or "-" in first[10:])
    if parsed[series.notna()].isna().any():
        return None
    timezone = None
    if getattr(parsed.dt, "tz", None) is not None:
        timezone = "UTC"
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
        if first.endswith("Z"):
            fmt = fmt.replace("%z", "Z")
    return parsed.astype("datetime64[ns]"), fmt, timezone
