"""Decide the kind and output dtype of every column of a source table."""

from __future__ import annotations

import difflib
import logging

import pandas as pd

from synth_ops.errors import ConfigError, TableError
from synth_ops.settings import TableSettings
from synth_ops.tables import cleaning
from synth_ops.tables.columns import ColumnSpec
from synth_ops.tables.keys import infer_key_format
from synth_ops.tables.pii import check_provider

logger = logging.getLogger(__name__)

# A text column with at least this share of distinct values, and at least
# _MIN_DISTINCT_FOR_KEY of them, is an identifier or free text: learning it
# as a category would replay real values verbatim.
_KEY_UNIQUE_SHARE = 0.95
_MIN_DISTINCT_FOR_KEY = 20


def check_declared_columns(frame: pd.DataFrame, settings: TableSettings) -> None:
    """Raise ``ConfigError`` when a setting names a column the table lacks."""
    columns = list(frame.columns)
    declared = {
        "target": [settings.target] if settings.target else [],
        "primary_key": [settings.primary_key] if settings.primary_key else [],
        "drop": settings.drop,
        "pii": list(settings.pii),
        "datetime_formats": list(settings.datetime_formats),
        "categorical": settings.categorical,
    }
    for setting, names in declared.items():
        for name in names:
            if name not in columns:
                hint = difflib.get_close_matches(name, columns, n=1)
                suggestion = f" Did you mean {hint[0]!r}?" if hint else ""
                raise ConfigError(
                    f"{setting} names column {name!r}, which is not in the table.{suggestion} "
                    f"Columns: {', '.join(columns[:30])}{' ...' if len(columns) > 30 else ''}"
                )
    if settings.target and settings.target in settings.drop:
        raise ConfigError(f"target {settings.target!r} is also listed in drop: remove it from one of them")


def type_columns(frame: pd.DataFrame, settings: TableSettings) -> tuple[pd.DataFrame, list[ColumnSpec]]:
    """Clean ``frame`` and return it with one ``ColumnSpec`` per kept column."""
    check_declared_columns(frame, settings)
    cleaned = {}
    specs = []
    for name in frame.columns:
        if name in settings.drop:
            logger.info("Dropping column %r as configured", name)
            continue
        values, spec = _type_column(frame[name], name, settings)
        cleaned[name] = values
        specs.append(spec)
    result = pd.DataFrame(cleaned, index=frame.index)
    _check_target(specs, settings)
    return result, specs


def _type_column(raw: pd.Series, name: str, settings: TableSettings) -> tuple[pd.Series, ColumnSpec]:
    source_dtype = raw.dtype
    categories = None
    if isinstance(source_dtype, pd.CategoricalDtype):
        categories = list(source_dtype.categories)
        values = cleaning.normalize_text(raw, settings.missing_values) if source_dtype.categories.dtype == object else raw.astype(object)
    elif cleaning.is_text(raw):
        values = cleaning.normalize_text(raw, settings.missing_values)
    else:
        values = raw

    missing_share = float(values.isna().mean())
    spec = ColumnSpec(name=name, kind="categorical", dtype=str(source_dtype), missing_share=missing_share, categories=categories)

    if name in settings.pii:
        check_provider(name, settings.pii[name])
        spec.kind, spec.pii_provider, spec.dtype = "pii", settings.pii[name], "object"
        return values, spec
    if values.notna().sum() == 0:
        logger.warning("Column %r is entirely empty: it is kept as an empty column, not learned", name)
        spec.kind = "empty"
        return values, spec

    # Types: declared dates, text numbers, ISO dates.
    if name in settings.datetime_formats:
        fmt = settings.datetime_formats[name]
        values = cleaning.parse_declared_datetime(values, fmt, name)
        spec.kind, spec.datetime_format, spec.dtype = "datetime", fmt, "object"
    elif categories is None and values.dtype == object:
        numbers = cleaning.try_numeric(values)
        if numbers is not None:
            values = numbers
            spec.dtype = str(numbers.dtype)
        else:
            parsed = cleaning.try_iso_datetime(values)
            if parsed is not None:
                values, fmt, timezone = parsed
                spec.kind, spec.datetime_format, spec.timezone, spec.dtype = "datetime", fmt, timezone, "object"
            else:
                spec.dtype = "object"

    if spec.kind != "datetime":
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            spec.kind = "datetime"
            if getattr(values.dt, "tz", None) is not None:
                spec.timezone = str(values.dt.tz)
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        elif pd.api.types.is_bool_dtype(values.dtype):
            spec.kind = "boolean"
        elif pd.api.types.is_numeric_dtype(values.dtype) and categories is None:
            spec.kind = "categorical" if name in settings.categorical else "numeric"
        else:
            spec.kind = "categorical"

    distinct = values.nunique(dropna=True)
    if name == settings.primary_key:
        duplicated = values[values.duplicated(keep=False) & values.notna()]
        if len(duplicated) or values.isna().any():
            example = duplicated.iloc[0] if len(duplicated) else None
            raise TableError(
                f"primary_key {name!r} is not unique (value {example!r} repeats or values are "
                "missing): choose a column with one distinct value per row, or remove primary_key"
            )
        spec.kind, spec.key_format = "key", infer_key_format(values)
        return values, spec
    if values.nunique(dropna=False) == 1:
        spec.kind, spec.constant = "constant", _python_value(values.dropna().iloc[0])
        logger.warning("Column %r has a single value: it is regenerated as that constant, not learned", name)
        return values, spec
    if (
        spec.kind == "categorical"
        and values.dtype == object
        and name != settings.target
        and name not in settings.categorical
        and distinct >= _MIN_DISTINCT_FOR_KEY
        and distinct >= _KEY_UNIQUE_SHARE * values.notna().sum()
    ):
        spec.kind, spec.key_format = "key", infer_key_format(values)
        spec.notes.append("treated as a key because nearly every value is distinct")
        logger.warning(
            "Column %r has a distinct value in nearly every row (%d of %d): it is treated as a key "
            "and regenerated in the same format, never learned. Declare it in categorical to learn "
            "it, in pii to fake it, or in drop to remove it",
            name, distinct, int(values.notna().sum()),
        )
    return values, spec


def _python_value(value):
    return value.item() if hasattr(value, "item") else value


def _check_target(specs: list[ColumnSpec], settings: TableSettings) -> None:
    if not settings.target:
        return
    spec = next(spec for spec in specs if spec.name == settings.target)
    if not spec.modeled:
        raise ConfigError(
            f"target {settings.target!r} is a {spec.kind} column and cannot be predicted: "
            "choose a column with at least two values that is not a key or PII"
        )
