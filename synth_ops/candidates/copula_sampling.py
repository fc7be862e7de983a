"""Unconditional sampling of SDV 2.0's GaussianCopulaSynthesizer without a per-value inverse CDF.

SDV samples a Gaussian copula in three stages. It draws normal rows from the
copula's correlation matrix and applies each column's inverse CDF
(``percent_point``) to their normal CDF. Then RDT's reverse transforms turn
the values into categories (``UniformEncoder`` intervals) or numbers
(``FloatFormatter`` clipping and rounding). With SDV's default beta marginals
the inverse CDF is scipy's ``betaincinv``, about 1 µs per value on one core
of an AMD EPYC, and it took three quarters of the time of ``sample`` on the
Adult table.

Most columns take only a finite set of output values: a category, or a number
rounded to the digits learned in fit and clipped to the min and max seen
there. Such a column's output depends only on which step of the inverse CDF
a uniform value falls in. ``CopulaSampler`` evaluates the CDF once at the
step boundaries, maps those probabilities back to normal values, and finds
each row's step with a binary search on its normal value. Numbers are then
rebuilt by RDT's own ``FloatFormatter`` and SDV's own ``NumericalFormatter``
from a point inside their step. Numeric columns with more steps than the
sample justifies, or without rounding, still go through ``percent_point``.

The rows equal SDV's for the same random state, except where a value lies
within floating-point rounding of a step boundary: there the inverse CDF and
the CDF can disagree in the last bit.

NOTE: this reads private attributes of SDV 2.0, RDT 2.0 and copulas 0.14
(``_data_processor``, ``_hyper_transformer``, ``_model``,
``_get_normal_samples``). ``CopulaSampler.build`` returns None for any other
SDV version and for any set-up it does not cover, and the caller then uses
SDV's ``sample``. The tests compare both paths row by row.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

#: Maximum number of rounding steps tabulated for one numeric column (32 MiB of
#: float64 values and as many boundaries). Wider columns use the inverse CDF.
MAX_TABLE_STEPS = 1 << 22

#: A numeric column's step table is built once the rows to sample reach
#: 1/TABLE_COST_RATIO of its steps. The beta CDF costs about a third of its
#: inverse per value, so the table never costs much more than the inverse CDF
#: calls it replaces.
TABLE_COST_RATIO = 3

_SUPPORTED_SDV = "2.0."

#: Largest table searched without sorting the values first (512 KiB of float64).
_DIRECT_SEARCH_MAX = 1 << 16

#: Largest decrease between neighbouring CDF values accepted as rounding noise.
_CDF_NOISE = 4 * np.finfo("float64").eps


class _Unsupported(Exception):
    """The synthesizer is set up in a way this sampler does not reproduce."""


@dataclass
class _CategoryColumn:
    """A column reverse transformed by RDT's UniformEncoder: one interval of [0, 1] per category."""

    name: str
    univariate: Any
    transformer: Any
    dtype: Any
    inner_edges: np.ndarray
    midpoints: np.ndarray
    #: Category values by interval, when they are text stored as object and
    #: can be looked up directly; None sends the column through the encoder.
    labels: np.ndarray | None
    #: Normal values at the interval edges, or None where the CDF is unusable.
    normal_edges: np.ndarray | None = None
    table_tried: bool = False

    def values(self, normal: np.ndarray) -> np.ndarray | pd.Series:
        if not self.table_tried:
            self.normal_edges = _normal_thresholds(self.univariate, self.inner_edges)
            self.table_tried = True
        if self.normal_edges is not None:
            # The intervals are closed on the right, as pd.cut's default:
            # x <= edge exactly when u <= F(edge), that is when the normal
            # value z <= ndtri(F(edge)).
            codes = _search(self.normal_edges, normal, "left")
            if self.labels is not None:
                return self.labels[codes]
            points = self.midpoints[codes]
        else:
            points = np.asarray(self.univariate.percent_point(_uniform(normal)), dtype="float64")
            if self.labels is not None:
                # UniformEncoder clips to [0, 1] before pd.cut, whose first
                # interval also includes its left edge.
                codes = np.searchsorted(self.inner_edges, np.clip(points, 0.0, 1.0), side="left")
                result = self.labels[codes]
                result[np.isnan(points)] = np.nan
                return result
        # Any point inside a category's interval gives that category, so the
        # encoder's own code produces the values and their dtype.
        return _cast_like_data_processor(self.transformer._reverse_transform(pd.Series(points, name=self.name)), self.dtype)


@dataclass
class _NumericColumn:
    """A column reverse transformed by RDT's FloatFormatter and SDV's NumericalFormatter."""

    name: str
    univariate: Any
    transformer: Any
    dtype: Any
    formatter: Any
    #: Rounded values of the steps and the boundaries between them, or None
    #: when the column is not rounded or has more than MAX_TABLE_STEPS steps.
    step_values: np.ndarray | None = None
    boundaries: np.ndarray | None = None
    normal_boundaries: np.ndarray | None = None
    rows_without_table: int = 0
    table_failed: bool = False

    def expect_rows(self, rows: int) -> None:
        """Build the step table now if ``rows`` more rows justify it."""
        if self.step_values is None or self.normal_boundaries is not None or self.table_failed:
            return
        if len(self.step_values) <= TABLE_COST_RATIO * (self.rows_without_table + rows):
            self.normal_boundaries = _normal_thresholds(self.univariate, self.boundaries)
            self.table_failed = self.normal_boundaries is None
            self.boundaries = None

    def points(self, normal: np.ndarray) -> np.ndarray:
        """Return, for each normal value, a point in the same rounding step as its inverse CDF."""
        self.expect_rows(len(normal))
        if self.normal_boundaries is not None:
            # Rounding sends x < boundary to the lower step, and x < boundary
            # exactly when u < F(boundary), that is when z < ndtri(F(boundary)).
            return self.step_values[_search(self.normal_boundaries, normal, "right")]
        self.rows_without_table += len(normal)
        return np.asarray(self.univariate.percent_point(_uniform(normal)), dtype="float64")


@dataclass
class CopulaSampler:
    """Samples a fitted GaussianCopulaSynthesizer as its ``sample(num_rows=rows)`` does, faster."""

    synthesizer: Any
    columns: list[_CategoryColumn | _NumericColumn]
    output_order: list[str]
    renamed_columns: pd.Index | None = None
    _warned_overflow: bool = field(default=False, repr=False)

    @classmethod
    def build(cls, synthesizer: Any) -> CopulaSampler | None:
        """Return a sampler for ``synthesizer``, or None where SDV's own ``sample`` must be used."""
        try:
            return cls._build(synthesizer)
        except _Unsupported as reason:
            logger.debug("Sampling with SDV's GaussianCopulaSynthesizer.sample: %s", reason)
            return None

    @classmethod
    def _build(cls, synthesizer: Any) -> CopulaSampler:
        import sdv
        from copulas.multivariate import GaussianMultivariate
        from rdt.transformers.categorical import UniformEncoder
        from rdt.transformers.numerical import FloatFormatter
        from sdv.single_table import GaussianCopulaSynthesizer

        if not sdv.__version__.startswith(_SUPPORTED_SDV):
            raise _Unsupported(f"SDV {sdv.__version__} is not the 2.0 release this sampler reproduces")
        if type(synthesizer) is not GaussianCopulaSynthesizer or not getattr(synthesizer, "_fitted", False):
            raise _Unsupported("not a fitted GaussianCopulaSynthesizer")
        model = synthesizer._model
        if type(model) is not GaussianMultivariate:
            raise _Unsupported("the copula is not a GaussianMultivariate")
        if synthesizer.get_constraints():
            raise _Unsupported("the synthesizer has constraints")
        processor = synthesizer._data_processor
        if processor._keys or getattr(processor, "grouped_columns_to_transformers", None):
            raise _Unsupported("the table has keys or grouped-column transformers")
        transformers = processor._hyper_transformer.field_transformers
        metadata_columns = list(processor.metadata.columns)
        if sorted(metadata_columns) != sorted(model.columns) or sorted(transformers) != sorted(model.columns):
            raise _Unsupported("the copula's columns are not the table's columns one to one")

        univariates = dict(zip(model.columns, model.univariates))
        columns: list[_CategoryColumn | _NumericColumn] = []
        for name in model.columns:
            transformer = transformers[name]
            if transformer is None or list(transformer.get_output_columns()) != [name]:
                raise _Unsupported(f"column {name!r} is not reverse transformed from itself alone")
            if type(transformer) is UniformEncoder:
                columns.append(_category_column(name, transformer, univariates[name], processor))
            elif type(transformer) is FloatFormatter:
                columns.append(_numeric_column(name, transformer, univariates[name], processor))
            else:
                raise _Unsupported(f"column {name!r} uses {type(transformer).__name__}")

        original = getattr(synthesizer, "_original_columns", None)
        renamed = original if original is not None and not original.empty else None
        return cls(synthesizer, columns, metadata_columns, renamed)

    def expect_rows(self, rows: int) -> None:
        """Prepare for about ``rows`` rows in the next calls: build the step tables they justify."""
        for column in self.columns:
            if isinstance(column, _NumericColumn):
                column.expect_rows(rows)

    def sample(self, rows: int) -> pd.DataFrame:
        """Return ``rows`` rows (``rows`` >= 1), advancing the synthesizer's random states as SDV does."""
        from copulas.utils import set_random_state
        from sdv.single_table.base import FIXED_RNG_SEED

        synthesizer = self.synthesizer
        if not synthesizer._random_state_set:
            synthesizer._set_random_state(FIXED_RNG_SEED)
        model = synthesizer._model
        # As GaussianMultivariate.sample does, through its random_state decorator.
        if model.random_state is None:
            normal = model._get_normal_samples(rows, None)
        else:
            with set_random_state(model.random_state, model.set_random_state):
                normal = model._get_normal_samples(rows, None)
        names = [column.name for column in self.columns]
        normal = np.ascontiguousarray(normal[names].to_numpy(dtype="float64").T)

        output: dict[str, Any] = {}
        for position, column in enumerate(self.columns):
            if isinstance(column, _CategoryColumn):
                output[column.name] = column.values(normal[position])
            else:
                output[column.name] = self._numbers(column, normal[position])
        frame = pd.DataFrame({name: output[name] for name in self.output_order})
        if self.renamed_columns is not None:
            frame.columns = self.renamed_columns
        return frame

    def _numbers(self, column: _NumericColumn, normal: np.ndarray) -> pd.Series:
        """Reverse transform one numeric column as SDV's DataProcessor.reverse_transform does."""
        points = pd.DataFrame({column.name: column.points(normal)})
        # The public reverse_transform sets and advances the transformer's
        # random state, from which FloatFormatter draws the missing values.
        values = column.transformer.reverse_transform(points)[column.name]
        try:
            values = _cast_like_data_processor(values, column.dtype)
        except OverflowError:
            if not self._warned_overflow:
                warnings.warn(
                    f"The real data in column {column.name!r} was stored as '{column.dtype}' but the "
                    "synthetic data overflowed when casting back to this type."
                )
            self._warned_overflow = True
        if column.formatter is not None:
            values = column.formatter.format_data(values)
        return values


def _cast_like_data_processor(values: pd.Series, dtype: Any) -> pd.Series:
    """Cast one reverse-transformed column to the fitted dtype as SDV 2.0's DataProcessor does.

    Missing values become NaN, an integer column with missing values stays
    float, and an OverflowError is left to the caller.
    """
    from pandas.errors import IntCastingNaNError

    if pd.api.types.is_integer_dtype(dtype) and pd.api.types.is_float_dtype(values.dtype):
        values = values.round()
    missing = values.isna()
    if missing.any():
        # The DataProcessor assigns the column's present values to a frame,
        # which leaves NaN in the other rows.
        frame = pd.DataFrame(index=values.index)
        frame[values.name] = values[~missing]
        values = frame[values.name]
    try:
        return values.astype(dtype)
    except IntCastingNaNError:
        return values


def _category_column(name: str, transformer: Any, univariate: Any, processor: Any) -> _CategoryColumn:
    if transformer.missing_value_encoding != "new_category":
        raise _Unsupported(f"column {name!r} leaves missing values unencoded")
    intervals = transformer.intervals or {}
    if not intervals:
        raise _Unsupported(f"column {name!r} learned no categories")
    if name in processor.formatters:
        raise _Unsupported(f"column {name!r} has a formatter")
    bounds = np.array(list(intervals.values()), dtype="float64")
    edges = np.concatenate([[0.0], bounds[:-1, 1], [1.0]])
    if np.any(np.diff(edges) <= 0):
        raise _Unsupported(f"column {name!r} has intervals that do not increase")
    keys = list(intervals)
    dtype = processor._dtypes[name]
    labels = None
    text_only = all(pd.isna(key) or isinstance(key, str) for key in keys)
    if text_only and np.dtype(transformer.dtype) == np.dtype(object) and np.dtype(dtype) == np.dtype(object):
        labels = np.empty(len(keys), dtype=object)
        labels[:] = [np.nan if pd.isna(key) else key for key in keys]
    midpoints = (edges[:-1] + edges[1:]) / 2
    return _CategoryColumn(name, univariate, transformer, dtype, edges[1:-1], midpoints, labels)


def _numeric_column(name: str, transformer: Any, univariate: Any, processor: Any) -> _NumericColumn:
    if transformer.missing_value_generation not in (None, "random"):
        raise _Unsupported(f"column {name!r} generates missing values from a separate column")
    dtype = processor._dtypes[name]
    if np.dtype(dtype).kind not in "iuf":
        raise _Unsupported(f"column {name!r} is stored as {dtype}")
    column = _NumericColumn(name, univariate, transformer, dtype, processor.formatters.get(name))
    digits = transformer._rounding_digits if transformer.learn_rounding_scheme else None
    if digits is None or digits < 0 or not transformer.enforce_min_max_values:
        return column
    low, high = float(transformer._min_value), float(transformer._max_value)
    if not (np.isfinite(low) and np.isfinite(high)):
        return column
    scale = 10.0**digits
    first, last = round(low * scale), round(high * scale)
    if last < first or last - first + 1 > MAX_TABLE_STEPS:
        return column
    numbers = np.arange(first, last + 1, dtype="float64")
    # Each step's own rounded value lies inside it, so the transformers map
    # it to that step's output. Boundaries sit halfway between neighbours.
    column.step_values = numbers / scale
    column.boundaries = (numbers[:-1] + 0.5) / scale
    return column


def _search(table: np.ndarray, values: np.ndarray, side: str) -> np.ndarray:
    """Return ``np.searchsorted(table, values, side)``, sorting ``values`` first for large tables.

    On sorted values each binary search starts from the previous result, which
    halved the time for tables larger than the CPU caches.
    """
    if len(table) <= _DIRECT_SEARCH_MAX or len(values) < 2:
        return np.searchsorted(table, values, side=side)
    order = np.argsort(values, kind="stable")
    positions = np.empty(len(values), dtype=np.intp)
    positions[order] = np.searchsorted(table, values[order], side=side)
    return positions


def _uniform(normal: np.ndarray) -> np.ndarray:
    """Return SDV's uniform values: scipy.stats.norm.cdf(z) computes ndtr((z - 0) / 1)."""
    from scipy.special import ndtr

    return ndtr(normal)


def _normal_thresholds(univariate: Any, points: np.ndarray) -> np.ndarray | None:
    """Return ndtri(F(points)) for the univariate's CDF F, or None if F is not finite and nondecreasing there.

    Comparing a normal value with ndtri(F(b)) gives the same answer as
    comparing its inverse CDF with b, except within floating-point rounding.
    """
    from scipy.special import ndtri

    if len(points) == 0:
        return np.empty(0)
    try:
        with np.errstate(all="ignore"):
            values = np.asarray(univariate.cumulative_distribution(points), dtype="float64")
    except (ValueError, TypeError, AttributeError, NotImplementedError):
        return None
    if values.shape != points.shape or not np.all(np.isfinite(values)):
        return None
    if np.any(np.diff(values) < -_CDF_NOISE):
        return None
    # Near 0 and 1 a CDF computed in float64 can step back by an ulp; there
    # the inverse CDF cannot tell the points apart either.
    values = np.maximum.accumulate(np.clip(values, 0.0, 1.0))
    return ndtri(values)
