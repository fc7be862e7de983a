"""Pairwise association matrices over mixed column types.

Each pair gets the measure that fits its types. Two numeric columns get
Pearson's r (signed, -1 to 1), two categorical columns Cramér's V, and a
numeric and a categorical column the correlation ratio eta (both 0 to 1).
Dates count as numbers (nanoseconds), booleans as categories. Keys, PII,
constant and empty columns are left out because no association is defined.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Maximum columns in a matrix. Wider tables keep the first ones in column order.
MAX_MATRIX_COLUMNS = 40
#: Maximum categories kept per column. The rest are merged into one.
MAX_CATEGORIES = 50

PEARSON = "Pearson r"
SPEARMAN = "Spearman rho"
CRAMERS_V = "Cramér's V"
CORRELATION_RATIO = "correlation ratio"

_NUMERIC_KINDS = ("numeric", "datetime")
_CATEGORICAL_KINDS = ("categorical", "boolean")


@dataclass
class PairChange:
    """One column pair whose association differs between real and synthetic rows."""

    first: str
    second: str
    measure: str
    real: float
    synthetic: float
    #: Spearman's rho of numeric pairs, ``None`` for other pairs.
    real_spearman: float | None = None
    synthetic_spearman: float | None = None

    @property
    def difference(self) -> float:
        """Synthetic minus real association."""
        return self.synthetic - self.real


def matrix_columns(kinds: dict[str, str]) -> list[str]:
    """List the columns that get an association, capped at ``MAX_MATRIX_COLUMNS``."""
    columns = [column for column, kind in kinds.items() if kind in _NUMERIC_KINDS + _CATEGORICAL_KINDS]
    if len(columns) > MAX_MATRIX_COLUMNS:
        logger.info("Association matrix keeps the first %s of %s columns", MAX_MATRIX_COLUMNS, len(columns))
    return columns[:MAX_MATRIX_COLUMNS]


def pair_measure(first_kind: str, second_kind: str) -> str:
    """Name the measure used for a pair of column kinds."""
    numeric = (first_kind in _NUMERIC_KINDS, second_kind in _NUMERIC_KINDS)
    if all(numeric):
        return PEARSON
    if not any(numeric):
        return CRAMERS_V
    return CORRELATION_RATIO


def association_matrix(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Compute the association of every pair of the columns in ``kinds``.

    Columns absent from ``frame`` get NaN rows. Numeric pairs use the rows
    where both values are present, and a missing category counts as a
    category of its own. A pair with no variation on either side is NaN.
    """
    columns = list(kinds)
    matrix = pd.DataFrame(np.nan, index=columns, columns=columns, dtype=float)
    numbers = {column: _as_numbers(frame[column], kinds[column]) for column in columns if column in frame and kinds[column] in _NUMERIC_KINDS}
    codes = {column: _as_codes(frame[column]) for column in columns if column in frame and kinds[column] in _CATEGORICAL_KINDS}

    for column in columns:
        if column in frame:
            matrix.loc[column, column] = 1.0

    if numbers:
        correlations = pd.DataFrame(numbers).corr(method="pearson")
        matrix.loc[correlations.index, correlations.columns] = correlations

    for position, first in enumerate(columns):
        for second in columns[position + 1 :]:
            if first in codes and second in codes:
                value = cramers_v(codes[first], codes[second])
            elif first in codes and second in numbers:
                value = correlation_ratio(codes[first], numbers[second])
            elif first in numbers and second in codes:
                value = correlation_ratio(codes[second], numbers[first])
            else:
                continue
            matrix.loc[first, second] = value
            matrix.loc[second, first] = value
    return matrix


def spearman_matrix(frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Compute Spearman's rho between the numeric and datetime columns in ``kinds``."""
    numbers = {column: _as_numbers(frame[column], kind) for column, kind in kinds.items() if kind in _NUMERIC_KINDS and column in frame}
    return pd.DataFrame(numbers).corr(method="spearman")


def cramers_v(first: np.ndarray, second: np.ndarray) -> float:
    """Compute Cramér's V of two integer-coded categorical columns (no bias correction)."""
    table = _contingency_table(first, second)
    if min(table.shape) < 2:
        return float("nan")
    total = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    chi_squared = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi_squared / (total * (min(table.shape) - 1))))


def correlation_ratio(categories: np.ndarray, values: pd.Series) -> float:
    """Compute eta, the share of a numeric column's spread explained by a categorical one.

    Returns the square root of the between-group sum of squares over the
    total sum of squares, over rows where the number is present.
    """
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    present = np.isfinite(numbers)
    numbers = numbers[present]
    groups = categories[present]
    if len(numbers) < 2:
        return float("nan")

    mean = numbers.mean()
    total_squares = float(((numbers - mean) ** 2).sum())
    if total_squares == 0.0:
        return float("nan")
    group_sizes = np.bincount(groups)
    group_sums = np.bincount(groups, weights=numbers)
    occupied = group_sizes > 0
    group_means = group_sums[occupied] / group_sizes[occupied]
    between_squares = float((group_sizes[occupied] * (group_means - mean) ** 2).sum())
    return float(np.sqrt(between_squares / total_squares))


def largest_changes(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    kinds: dict[str, str],
    *,
    real_spearman: pd.DataFrame | None = None,
    synthetic_spearman: pd.DataFrame | None = None,
    limit: int = 10,
) -> list[PairChange]:
    """List the column pairs whose association changed most, largest change first."""
    changes = []
    columns = list(real.index)
    for position, first in enumerate(columns):
        for second in columns[position + 1 :]:
            real_value = real.loc[first, second]
            synthetic_value = synthetic.loc[first, second]
            if np.isnan(real_value) or np.isnan(synthetic_value):
                continue
            measure = pair_measure(kinds[first], kinds[second])
            change = PairChange(first, second, measure, float(real_value), float(synthetic_value))
            if measure == PEARSON:
                change.real_spearman = _lookup(real_spearman, first, second)
                change.synthetic_spearman = _lookup(synthetic_spearman, first, second)
            changes.append(change)
    changes.sort(key=lambda change: abs(change.difference), reverse=True)
    return changes[:limit]


def _lookup(matrix: pd.DataFrame | None, first: str, second: str) -> float | None:
    if matrix is None or first not in matrix.index or second not in matrix.columns:
        return None
    value = matrix.loc[first, second]
    return None if np.isnan(value) else float(value)


def _as_numbers(series: pd.Series, kind: str) -> pd.Series:
    if kind == "datetime":
        dates = pd.to_datetime(series, errors="coerce", utc=True).dt.tz_localize(None).astype("datetime64[ns]")
        nanoseconds = dates.to_numpy(dtype="datetime64[ns]").view("int64").astype(float)
        return pd.Series(nanoseconds, index=series.index).where(dates.notna())
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    return pd.to_numeric(series, errors="coerce").astype(float)


def _as_codes(series: pd.Series) -> np.ndarray:
    labels = series.astype(object).where(series.notna(), None).map(lambda value: "\0missing" if value is None else str(value))
    counts = labels.value_counts()
    if len(counts) > MAX_CATEGORIES:
        labels = labels.where(labels.isin(counts.index[: MAX_CATEGORIES - 1]), "\0other")
    codes, _ = pd.factorize(labels)
    return codes


def _contingency_table(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    width = int(second.max()) + 1 if len(second) else 0
    counts = np.bincount(first * width + second, minlength=(int(first.max()) + 1 if len(first) else 0) * width)
    table = counts.reshape(-1, width) if width else np.zeros((0, 0))
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    return table.astype(float)
