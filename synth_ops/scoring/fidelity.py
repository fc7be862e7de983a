"""Fidelity: how closely synthetic rows follow the training rows' distributions.

Both measures come from SDV 2.0 (``sdv.evaluation``), which wraps SDMetrics:

- the quality report, with the "Column Shapes" property (one score per column:
  KS complement for numbers and datetimes, TV complement for categories) and
  the "Column Pair Trends" property (correlation and contingency similarity of
  every column pair). Its overall score is the mean of the two.
- the diagnostic report, with "Data Validity" (values inside the training
  ranges and categories) and "Data Structure" (same column names). A score
  below 1.0 means that some synthetic values could never occur in real data.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import pandas as pd

from synth_ops.errors import CandidateError

logger = logging.getLogger(__name__)

#: Maximum number of rows per side given to the quality report. Its column-pair step grows
#: with rows times column pairs, so larger tables are sampled down to this.
MAX_QUALITY_ROWS = 20_000


def score_fidelity(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    table_metadata: Mapping,
    *,
    seed: int,
    max_rows: int = MAX_QUALITY_ROWS,
) -> dict:
    """Run the SDV quality and diagnostic reports of ``synthetic`` against ``train``.

    ``table_metadata`` is a one-table SDV metadata dict whose columns match the
    frames. The quality report compares seeded samples of at most ``max_rows``
    rows per side. The diagnostic report compares all rows, because a sample of
    the training rows could miss a rare category and call a valid value invalid.

    Scores that SDMetrics cannot compute (for example column pair trends of a
    one-column table) are None. Raises CandidateError when a report fails.
    """
    # Imported here because sdv loads torch and takes seconds to import.
    from sdv.evaluation import evaluate_quality, run_diagnostic
    from sdv.metadata import Metadata

    metadata = Metadata.load_from_dict(dict(table_metadata))
    table_name = next(iter(table_metadata["tables"]))
    real_sample = _sample_rows(train, max_rows, seed)
    synthetic_sample = _sample_rows(synthetic, max_rows, seed)

    try:
        quality = evaluate_quality(
            {table_name: real_sample}, {table_name: synthetic_sample}, metadata, verbose=False
        )
        diagnostic = run_diagnostic({table_name: train}, {table_name: synthetic}, metadata, verbose=False)
    except (ValueError, TypeError, KeyError) as error:
        raise CandidateError(
            f"the SDV report failed on the synthetic sample: {error}. Check that the sample "
            "has the training columns with the same kinds of values."
        ) from error

    logger.debug(
        "quality report on %s real and %s synthetic rows, diagnostic on %s and %s",
        len(real_sample),
        len(synthetic_sample),
        len(train),
        len(synthetic),
    )
    quality_properties = _property_scores(quality)
    diagnostic_properties = _property_scores(diagnostic)
    shapes = quality.get_details("Column Shapes")
    column_scores = {row.Column: _finite_or_none(row.Score) for row in shapes.itertuples()}

    return {
        "quality": _finite_or_none(quality.get_score()),
        "column_shapes": quality_properties.get("Column Shapes"),
        "column_pair_trends": quality_properties.get("Column Pair Trends"),
        "column_scores": column_scores,
        "diagnostic": _finite_or_none(diagnostic.get_score()),
        "diagnostic_validity": diagnostic_properties.get("Data Validity"),
        "diagnostic_structure": diagnostic_properties.get("Data Structure"),
        "rows_compared": {
            "quality_real": len(real_sample),
            "quality_synthetic": len(synthetic_sample),
            "diagnostic_real": len(train),
            "diagnostic_synthetic": len(synthetic),
        },
    }


def _sample_rows(frame: pd.DataFrame, max_rows: int, seed: int) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=seed).reset_index(drop=True)


def _property_scores(report) -> dict[str, float | None]:
    properties = report.get_properties()
    return {row.Property: _finite_or_none(row.Score) for row in properties.itertuples()}


def _finite_or_none(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
