"""Column kinds from SDV metadata, and the numeric encodings that scoring needs.

Three encodings serve three purposes:

- ``encode_ordinal`` turns frames into float matrices for a tree model
  (usability), with one category list shared by every frame.
- ``DistanceEncoder`` turns rows into points for nearest-neighbour distances
  (privacy). It is fitted on the training rows only.
- ``encode_row_ids`` gives equal rows equal integer ids across frames, so exact
  copies can be counted (privacy).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

from synth_ops.errors import TableError

logger = logging.getLogger(__name__)

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
DATETIME = "datetime"

#: Maximum number of categories that ``HistGradientBoosting*`` accepts in a
#: native categorical feature (its ``max_bins`` default). Columns with more are
#: passed as numeric codes.
MAX_NATIVE_CATEGORIES = 255

#: Maximum number of categories per column that get their own one-hot column
#: in distance encoding. The rarer ones share the column's "other" indicator.
MAX_ONE_HOT_CATEGORIES = 100

# A one-hot entry of 1/sqrt(2) makes a category mismatch, which sets two
# entries apart, add exactly 1 to the squared distance: the same as a numeric
# difference of one scale unit.
_ONE_HOT_VALUE = 1.0 / math.sqrt(2.0)

_EPOCH = pd.Timestamp("1970-01-01")


def read_table_metadata(metadata: Mapping) -> tuple[str, dict[str, dict]]:
    """Return the table name and per-column metadata of a one-table SDV metadata dict.

    ``metadata`` has the shape of ``sdv.metadata.Metadata.to_dict()``. Raises
    TableError when it does not describe exactly one table.
    """
    tables = metadata.get("tables") if isinstance(metadata, Mapping) else None
    if not isinstance(tables, Mapping) or len(tables) != 1:
        found = sorted(tables) if isinstance(tables, Mapping) else tables
        raise TableError(
            f"metadata must describe exactly one table under 'tables', found {found!r}. "
            "Pass the dict of Metadata.detect_from_dataframes({name: train}).to_dict()."
        )
    table_name, table = next(iter(tables.items()))
    columns = table.get("columns") if isinstance(table, Mapping) else None
    if not isinstance(columns, Mapping) or not columns:
        raise TableError(
            f"metadata table {table_name!r} has no 'columns' entry. "
            "Detect the metadata again from the training table."
        )
    return table_name, {name: dict(spec) for name, spec in columns.items()}


def column_kinds(column_metadata: Mapping[str, Mapping], columns: Sequence[str]) -> dict[str, str]:
    """Map each column to ``NUMERICAL``, ``DATETIME`` or ``CATEGORICAL`` by its SDV sdtype.

    Every sdtype other than ``numerical`` and ``datetime`` (``categorical``,
    ``boolean``, ``id``, PII types and unknown ones) is treated as categorical:
    values are compared for equality only. Raises TableError for a column that
    the metadata does not describe.
    """
    missing = [column for column in columns if column not in column_metadata]
    if missing:
        raise TableError(
            f"columns {missing} are not in the metadata. Detect the metadata from the "
            "same model-ready table that is scored."
        )
    kinds = {}
    for column in columns:
        sdtype = column_metadata[column].get("sdtype")
        if sdtype == "numerical":
            kinds[column] = NUMERICAL
        elif sdtype == "datetime":
            kinds[column] = DATETIME
        else:
            kinds[column] = CATEGORICAL
    return kinds


def to_float(series: pd.Series) -> np.ndarray:
    """Return a numeric column as float64, with NaN for values that are not numbers."""
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()


def to_datetime(series: pd.Series, datetime_format: str | None = None) -> pd.Series:
    """Return a column as timezone-naive datetime64 in UTC, with NaT for unparsable values.

    Text is parsed with ``datetime_format`` when given, else each value's format
    is inferred on its own, which is slower.
    """
    if not is_datetime64_any_dtype(series):
        series = pd.to_datetime(series, errors="coerce", format=datetime_format or "mixed")
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return series


def datetime_to_seconds(series: pd.Series, datetime_format: str | None = None) -> np.ndarray:
    """Return a datetime column as float64 seconds since the Unix epoch, NaT as NaN."""
    values = to_datetime(series, datetime_format)
    return (values - _EPOCH).dt.total_seconds().to_numpy(dtype="float64")


def column_to_float(series: pd.Series, kind: str, datetime_format: str | None = None) -> np.ndarray:
    """Return a numerical or datetime column as float64 with NaN for missing values."""
    if kind == DATETIME:
        return datetime_to_seconds(series, datetime_format)
    return to_float(series)


def encode_ordinal(
    frames: Sequence[pd.DataFrame],
    kinds: Mapping[str, str],
    datetime_formats: Mapping[str, str | None] | None = None,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Encode frames to float matrices for a gradient-boosted tree model.

    Categorical columns become integer codes of one category list, the union
    over all ``frames`` sorted by text, so a category has the same code in every
    frame. Missing values stay NaN, which the tree model handles natively.
    Datetimes become seconds since the epoch.

    Returns one matrix per frame, columns in ``kinds`` order, and a boolean
    mask of the columns to declare categorical: those with at most
    ``MAX_NATIVE_CATEGORIES`` categories. Wider ones keep their codes as numbers,
    so their order (by text) carries meaning the data may not have.
    """
    datetime_formats = datetime_formats or {}
    blocks: list[list[np.ndarray]] = [[] for _ in frames]
    is_categorical = []
    for column, kind in kinds.items():
        if kind == CATEGORICAL:
            union = pd.unique(pd.concat([frame[column] for frame in frames], ignore_index=True).dropna())
            categories = pd.Index(sorted(union, key=str), dtype=object)
            for block, frame in zip(blocks, frames):
                codes = pd.Categorical(frame[column].astype(object), categories=categories).codes
                block.append(np.where(codes < 0, np.nan, codes).astype("float64"))
            is_categorical.append(0 < len(categories) <= MAX_NATIVE_CATEGORIES)
        else:
            for block, frame in zip(blocks, frames):
                block.append(column_to_float(frame[column], kind, datetime_formats.get(column)))
            is_categorical.append(False)
    matrices = [
        np.column_stack(block) if block else np.empty((len(frame), 0))
        for block, frame in zip(blocks, frames)
    ]
    return matrices, np.array(is_categorical, dtype=bool)


class DistanceEncoder:
    """Encode mixed-type rows as points whose Euclidean distance compares rows.

    Fitted on training rows only, so every frame it transforms lands in the same
    space:

    - numerical and datetime columns: ``(x - median) / scale`` where the scale is
      the interquartile range, or the standard deviation when that range is 0,
      or 1 when both are 0. A missing value becomes 0 (the median) plus a 1 in
      the column's missing indicator.
    - categorical columns: one-hot over the ``MAX_ONE_HOT_CATEGORIES`` most
      frequent training categories, plus a missing indicator and an "other"
      indicator for every value outside that list. Entries are 1/sqrt(2), so a
      category mismatch adds 1 to the squared distance.

    NOTE: two rows whose values both fall under "other" count as equal in that
    column, so distances understate differences in high-cardinality columns.
    """

    def __init__(
        self,
        kinds: Mapping[str, str],
        datetime_formats: Mapping[str, str | None] | None = None,
    ) -> None:
        self.kinds = dict(kinds)
        self.datetime_formats = dict(datetime_formats or {})

    def fit(self, frame: pd.DataFrame) -> DistanceEncoder:
        """Learn medians, scales and categories from the training rows."""
        self.centers_: dict[str, float] = {}
        self.scales_: dict[str, float] = {}
        self.categories_: dict[str, pd.Index] = {}
        for column, kind in self.kinds.items():
            if kind == CATEGORICAL:
                counts = frame[column].astype(object).value_counts(dropna=True, sort=True)
                self.categories_[column] = pd.Index(counts.index[:MAX_ONE_HOT_CATEGORIES], dtype=object)
                continue
            values = column_to_float(frame[column], kind, self.datetime_formats.get(column))
            values = values[~np.isnan(values)]
            self.centers_[column], self.scales_[column] = _robust_center_and_scale(values)
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Return a float64 matrix with one row per row of ``frame``."""
        blocks = []
        for column, kind in self.kinds.items():
            if kind == CATEGORICAL:
                blocks.append(self._one_hot(frame[column]))
                continue
            values = column_to_float(frame[column], kind, self.datetime_formats.get(column))
            missing = np.isnan(values)
            scaled = np.where(missing, 0.0, (values - self.centers_[column]) / self.scales_[column])
            blocks.append(np.column_stack([scaled, missing.astype("float64")]))
        if not blocks:
            return np.zeros((len(frame), 1))
        return np.hstack(blocks)

    def _one_hot(self, series: pd.Series) -> np.ndarray:
        categories = self.categories_[series.name]
        values = series.astype(object)
        codes = pd.Categorical(values, categories=categories).codes.astype("int64")
        missing_column = len(categories)
        other_column = len(categories) + 1
        codes = np.where(codes >= 0, codes, other_column)
        codes = np.where(values.isna().to_numpy(), missing_column, codes)
        block = np.zeros((len(series), len(categories) + 2))
        block[np.arange(len(series)), codes] = _ONE_HOT_VALUE
        return block


def _robust_center_and_scale(values: np.ndarray) -> tuple[float, float]:
    if values.size == 0:
        return 0.0, 1.0
    q25, median, q75 = np.percentile(values, [25, 50, 75])
    scale = q75 - q25
    if not scale > 0:
        scale = float(np.std(values))
    if not scale > 0:
        scale = 1.0
    return float(median), float(scale)


def encode_row_ids(
    frames: Sequence[pd.DataFrame],
    kinds: Mapping[str, str],
    datetime_formats: Mapping[str, str | None] | None = None,
) -> list[np.ndarray]:
    """Give every row an integer id that two rows share exactly when all their values are equal.

    Ids are consistent across ``frames``. Numbers compare as float64 (so 1 equals
    1.0, and 0.0 equals -0.0), datetimes as UTC timestamps, other values by
    Python equality. Missing values (None, NaN, NaT) equal each other.
    """
    datetime_formats = datetime_formats or {}
    sizes = [len(frame) for frame in frames]
    row_ids = np.zeros(sum(sizes), dtype="int64")
    for column, kind in kinds.items():
        parts = [frame[column] for frame in frames]
        if kind == NUMERICAL:
            combined = pd.Series(np.concatenate([to_float(part) for part in parts]))
        elif kind == DATETIME:
            combined = pd.concat(
                [to_datetime(part, datetime_formats.get(column)) for part in parts], ignore_index=True
            )
        else:
            combined = pd.concat([part.astype(object) for part in parts], ignore_index=True)
        column_codes, uniques = pd.factorize(combined, use_na_sentinel=False)
        # Pair the ids so far with this column's codes and number the distinct
        # pairs again. Both factors are below the row count, so the pair key
        # fits in int64 for any table with fewer than 3e9 rows.
        pair_keys = row_ids * len(uniques) + column_codes
        row_ids, _ = pd.factorize(pair_keys)
    return np.split(row_ids, np.cumsum(sizes)[:-1])
