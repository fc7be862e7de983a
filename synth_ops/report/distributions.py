"""Real-versus-synthetic distribution of one column, ready to plot.

Shares, not counts, are compared so that tables of different lengths line up.
Numbers become a histogram on common bins, categories the most frequent real
values plus "(other)" and "(missing)", dates a count per time bin, and key or
PII columns the length of their values, because their values must not be shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Maximum rows read per table for a chart. Larger tables are sampled.
MAX_PLOT_ROWS = 50_000
#: Maximum categories drawn per column before the rest join "(other)".
TOP_CATEGORIES = 12
#: Maximum histogram bins of a numeric column.
MAX_BINS = 40
#: Bins of a datetime column's timeline.
TIME_BINS = 30
OTHER_LABEL = "(other)"
MISSING_LABEL = "(missing)"


@dataclass
class ColumnDistribution:
    """Shares of real and synthetic values of one column on common bins.

    ``chart`` is ``histogram`` (``bins`` are numeric edges), ``bars`` (``bins``
    are category labels) or ``timeline`` (``bins`` are ``datetime64`` edges).
    ``real`` and ``synthetic`` hold one share per bin, or are ``None`` when
    that table lacks the column. Missing shares are of all rows.
    """

    column: str
    chart: str
    bins: list | np.ndarray
    real: np.ndarray | None
    synthetic: np.ndarray | None
    real_missing: float | None
    synthetic_missing: float | None
    value_label: str
    note: str | None = None


def sample_rows(frame: pd.DataFrame | None, max_rows: int = MAX_PLOT_ROWS, seed: int = 0) -> pd.DataFrame | None:
    """Return at most ``max_rows`` rows, drawn with a fixed seed so pages are reproducible."""
    if frame is None or len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=seed)


def compare_column(column: str, kind: str, real: pd.Series | None, synthetic: pd.Series | None) -> ColumnDistribution:
    """Compute the distribution chart data of one column of the given kind."""
    if kind == "numeric":
        return _compare_numbers(column, _to_numbers(real), _to_numbers(synthetic), value_label="value")
    if kind == "datetime":
        return _compare_dates(column, real, synthetic)
    if kind in ("key", "pii"):
        distribution = _compare_numbers(column, _value_lengths(real), _value_lengths(synthetic), value_label="length of value (characters)")
        distribution.note = f"{kind} column: values are hidden, the chart compares their lengths"
        return distribution
    return _compare_categories(column, real, synthetic)


def _missing_share(series: pd.Series | None) -> float | None:
    if series is None:
        return None
    return float(series.isna().mean()) if len(series) else 0.0


def _to_numbers(series: pd.Series | None) -> pd.Series | None:
    if series is None:
        return None
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float)
    return pd.to_numeric(series, errors="coerce")


def _value_lengths(series: pd.Series | None) -> pd.Series | None:
    if series is None:
        return None
    lengths = series.dropna().astype(str).str.len().astype(float)
    # Keep missing rows as NaN so the missing share stays that of the column.
    return lengths.reindex(series.index)


def _finite(series: pd.Series | None) -> np.ndarray:
    if series is None:
        return np.array([], dtype=float)
    values = series.to_numpy(dtype=float, na_value=np.nan)
    return values[np.isfinite(values)]


def _shares(counts: np.ndarray, total: int) -> np.ndarray:
    return counts / total if total else np.zeros(len(counts))


def _numeric_edges(real: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    reference = real if len(real) else synthetic
    low, high = float(reference.min()), float(reference.max())
    if len(real) and len(synthetic):
        # Widen to the bulk of the synthetic values but not to its extreme
        # outliers, which would squash the real distribution into one bin.
        low = min(low, float(np.quantile(synthetic, 0.005)))
        high = max(high, float(np.quantile(synthetic, 0.995)))

    both = np.concatenate([real, synthetic])
    in_range = both[(both >= low) & (both <= high)]
    if bool(np.all(np.equal(np.mod(in_range, 1), 0))):
        # Whole numbers get bins of a whole width centred on them, because
        # fractional widths would give some bins one more integer than others.
        low, high = np.floor(low), np.ceil(high)
        width = max(1.0, np.ceil((high - low + 1) / MAX_BINS))
        return np.arange(low - 0.5, high + width, width)
    if low == high:
        return np.array([low - 0.5, high + 0.5])
    return np.linspace(low, high, MAX_BINS + 1)


def _histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # Values beyond the edges are counted in the first or last bin, so the
    # shares still add up to one.
    clipped = np.clip(values, edges[0], edges[-1])
    counts, _ = np.histogram(clipped, bins=edges)
    return _shares(counts, len(values))


def _compare_numbers(column: str, real: pd.Series | None, synthetic: pd.Series | None, *, value_label: str) -> ColumnDistribution:
    real_values = _finite(real)
    synthetic_values = _finite(synthetic)
    if not len(real_values) and not len(synthetic_values):
        return _compare_categories(column, real, synthetic)

    edges = _numeric_edges(real_values, synthetic_values)
    return ColumnDistribution(
        column=column,
        chart="histogram",
        bins=edges,
        real=_histogram(real_values, edges) if real is not None else None,
        synthetic=_histogram(synthetic_values, edges) if synthetic is not None else None,
        real_missing=_missing_share(real),
        synthetic_missing=_missing_share(synthetic),
        value_label=value_label,
    )


def _category_labels(series: pd.Series) -> pd.Series:
    labels = series.astype(object).where(series.notna(), None)
    return labels.map(lambda value: MISSING_LABEL if value is None else str(value))


def _compare_categories(column: str, real: pd.Series | None, synthetic: pd.Series | None) -> ColumnDistribution:
    real_labels = _category_labels(real) if real is not None else None
    synthetic_labels = _category_labels(synthetic) if synthetic is not None else None

    # The most frequent real values are drawn. Values that only the synthetic
    # rows have fall into "(other)", where an excess shows invented categories.
    reference = real_labels if real_labels is not None else synthetic_labels
    counts = reference[reference != MISSING_LABEL].value_counts() if reference is not None else pd.Series(dtype=int)
    top = [str(label) for label in counts.index[:TOP_CATEGORIES]]

    present = pd.concat([labels for labels in (real_labels, synthetic_labels) if labels is not None])
    bins = list(top)
    if (~present.isin(top) & (present != MISSING_LABEL)).any():
        bins.append(OTHER_LABEL)
    if (present == MISSING_LABEL).any():
        bins.append(MISSING_LABEL)

    return ColumnDistribution(
        column=column,
        chart="bars",
        bins=bins,
        real=_category_shares(real_labels, top, bins),
        synthetic=_category_shares(synthetic_labels, top, bins),
        real_missing=_missing_share(real),
        synthetic_missing=_missing_share(synthetic),
        value_label="share of rows",
    )


def _category_shares(labels: pd.Series | None, top: list[str], bins: list[str]) -> np.ndarray | None:
    if labels is None:
        return None
    grouped = labels.where(labels.isin(top) | (labels == MISSING_LABEL), OTHER_LABEL)
    return grouped.value_counts(normalize=True).reindex(bins, fill_value=0.0).to_numpy(dtype=float)


def _to_dates(series: pd.Series | None) -> pd.Series | None:
    if series is None:
        return None
    # Aware dates are compared in UTC. Nanosecond units keep the int64 view exact.
    dates = pd.to_datetime(series, errors="coerce", utc=True)
    return dates.dt.tz_localize(None).astype("datetime64[ns]")


def _compare_dates(column: str, real: pd.Series | None, synthetic: pd.Series | None) -> ColumnDistribution:
    real_dates = _to_dates(real)
    synthetic_dates = _to_dates(synthetic)
    present = [dates.dropna() for dates in (real_dates, synthetic_dates) if dates is not None]
    values = pd.concat(present) if present else pd.Series(dtype="datetime64[ns]")
    if values.empty:
        logger.info("Column %s has no parseable dates; drawing its missing share instead", column)
        return _compare_categories(column, real, synthetic)

    # Bin on nanoseconds since the epoch, with edges taken from the real dates
    # widened to the bulk of the synthetic ones as for numbers.
    real_ns = _finite(real_dates.dropna().astype("int64").astype(float) if real_dates is not None else None)
    synthetic_ns = _finite(synthetic_dates.dropna().astype("int64").astype(float) if synthetic_dates is not None else None)
    reference = real_ns if len(real_ns) else synthetic_ns
    low, high = float(reference.min()), float(reference.max())
    if len(real_ns) and len(synthetic_ns):
        low = min(low, float(np.quantile(synthetic_ns, 0.005)))
        high = max(high, float(np.quantile(synthetic_ns, 0.995)))
    if low == high:
        day = 86_400e9
        low, high = low - day, high + day
    edges = np.linspace(low, high, TIME_BINS + 1)

    return ColumnDistribution(
        column=column,
        chart="timeline",
        bins=edges.astype("int64").astype("datetime64[ns]"),
        real=_histogram(real_ns, edges) if real is not None else None,
        synthetic=_histogram(synthetic_ns, edges) if synthetic is not None else None,
        real_missing=_missing_share(real_dates),
        synthetic_missing=_missing_share(synthetic_dates),
        value_label="date",
    )
