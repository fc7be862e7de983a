"""Report sections that compare the champion's synthetic rows with the real rows."""

from __future__ import annotations

import pandas as pd

from synth_ops.report import charts
from synth_ops.report.associations import (
    CORRELATION_RATIO,
    CRAMERS_V,
    PEARSON,
    PairChange,
    association_matrix,
    largest_changes,
    matrix_columns,
    spearman_matrix,
)
from synth_ops.report.distributions import ColumnDistribution, compare_column, sample_rows
from synth_ops.report.formatting import format_number
from synth_ops.report.html import escape, render_figure, render_notice, render_number, render_section, render_table
from synth_ops.report.ranking import verdict_sentence
from synth_ops.report.sources import scores_number
from synth_ops.report.view import ReportView

# Colour-scale limit of the difference heatmap. A change of 0.5 in an
# association is already large, and a narrower scale shows small changes.
DIFFERENCE_LIMIT = 0.5

DISTRIBUTIONS_GUIDE = (
    "each chart overlays the real training rows (filled blue) and the champion's synthetic rows (orange) as "
    "shares, so the shapes should match. The shape score per column is SDMetrics' column-shape similarity "
    "(1 is identical)."
)
ASSOCIATIONS_GUIDE = (
    f"colour shows association strength: {PEARSON} for two numeric columns (-1 to 1), {CRAMERS_V} for two "
    f"categorical columns and the {CORRELATION_RATIO} (eta) for a numeric and a categorical column (0 to 1). "
    "The difference matrix is synthetic minus real on a -0.5 to 0.5 scale, and white means the synthetic rows "
    "keep the relationship."
)


def missing_rows_reason(view: ReportView) -> str | None:
    """Explain why real and synthetic rows cannot be compared, or return ``None`` when they can."""
    if view.real is not None and view.synthetic is not None:
        return None
    if not view.winner:
        return "Nothing was registered, so there are no champion rows to compare. " + verdict_sentence(view)
    missing = "real" if view.real is None else "synthetic"
    return f"The {missing} rows were not passed to the report, so columns cannot be compared."


def _plot_rows(frame: pd.DataFrame) -> pd.DataFrame:
    # Column names become strings to match ReportView.column_names().
    return sample_rows(frame).rename(columns=str)


def distributions_section(view: ReportView) -> str:
    """Render one real-versus-synthetic chart per column, with its shape score."""
    reason = missing_rows_reason(view)
    if reason:
        return render_section("distributions", "Column distributions", DISTRIBUTIONS_GUIDE, render_notice(reason))

    winner = view.winner or ""
    real = _plot_rows(view.real)
    synthetic = _plot_rows(view.synthetic)
    figures = []
    for index, column in enumerate(view.column_names()):
        kind = view.column_kind(column)
        distribution = compare_column(
            column,
            kind,
            real[column] if column in real.columns else None,
            synthetic[column] if column in synthetic.columns else None,
        )
        svg = charts.distribution_chart(distribution, f"distribution-{index}")
        caption = _distribution_caption(view, winner, kind, distribution)
        figures.append(render_figure(svg, caption, chart="distribution", column=column))

    intro = ""
    if winner:
        intro = (
            f"<p>Champion <strong>{escape(winner)}</strong>: column shapes "
            f"{scores_number(view, winner, 'fidelity', 'column_shapes')}, pair trends "
            f"{scores_number(view, winner, 'fidelity', 'column_pair_trends')}.</p>"
        )
    if len(view.real) > len(real) or len(view.synthetic) > len(synthetic):
        sample_size = escape(format_number(max(len(real), len(synthetic))))
        intro += f'<p class="small">Charts use a random sample of at most {sample_size} rows per table.</p>'
    body = intro + f'<div class="grid">{"".join(figures)}</div>'
    return render_section("distributions", "Column distributions", DISTRIBUTIONS_GUIDE, body)


def _distribution_caption(view: ReportView, winner: str, kind: str, distribution: ColumnDistribution) -> str:
    column = distribution.column
    shape = scores_number(view, winner, "fidelity", "column_scores", column) if winner else escape(format_number(None))
    caption = f"<strong>{escape(column)}</strong> · {escape(kind)} · shape score {shape}"
    missing = [
        f"{label} {escape(format_number(share))}"
        for label, share in (("real", distribution.real_missing), ("synthetic", distribution.synthetic_missing))
        if share
    ]
    if missing:
        caption += " · missing share: " + ", ".join(missing)
    if distribution.real is None:
        caption += " · absent from the real rows"
    if distribution.synthetic is None:
        caption += " · absent from the synthetic rows"
    if distribution.note:
        caption += f" · {escape(distribution.note)}"
    return caption


def associations_section(view: ReportView) -> str:
    """Render real, synthetic and difference association heatmaps and the pairs that changed most."""
    reason = missing_rows_reason(view)
    if reason:
        return render_section("associations", "Associations", ASSOCIATIONS_GUIDE, render_notice(reason))

    kinds = {column: view.column_kind(column) for column in view.column_names()}
    columns = matrix_columns(kinds)
    if len(columns) < 2:
        notice = render_notice("Fewer than two numeric, categorical or date columns, so there is no pair to compare.")
        return render_section("associations", "Associations", ASSOCIATIONS_GUIDE, notice)

    kinds = {column: kinds[column] for column in columns}
    real = _plot_rows(view.real)
    synthetic = _plot_rows(view.synthetic)
    real_matrix = association_matrix(real, kinds)
    synthetic_matrix = association_matrix(synthetic, kinds)
    difference = synthetic_matrix - real_matrix

    real_svg = charts.association_heatmap(real_matrix, "association-real", colour_label="association, real rows")
    synthetic_svg = charts.association_heatmap(synthetic_matrix, "association-synthetic", colour_label="association, synthetic rows")
    difference_svg = charts.association_heatmap(
        difference, "association-difference", colour_label="synthetic minus real", limit=DIFFERENCE_LIMIT
    )
    figures = [
        render_figure(real_svg, "Real training rows", chart="association-real"),
        render_figure(synthetic_svg, "Champion's synthetic rows", chart="association-synthetic"),
        render_figure(difference_svg, "Difference (synthetic minus real)", chart="association-difference"),
    ]

    changes = largest_changes(
        real_matrix,
        synthetic_matrix,
        kinds,
        real_spearman=spearman_matrix(real, kinds),
        synthetic_spearman=spearman_matrix(synthetic, kinds),
    )
    headers = ["Column", "Column", "Measure", "Real", "Synthetic", "Difference", "Spearman rho real → synthetic"]
    table = render_table(headers, [_change_row(change) for change in changes])
    body = f'<div class="grid wide">{"".join(figures)}</div><h3>Pairs that changed most</h3>{table}'
    return render_section("associations", "Associations", ASSOCIATIONS_GUIDE, body)


def _change_row(change: PairChange) -> list[str]:
    spearman = ""
    if change.real_spearman is not None or change.synthetic_spearman is not None:
        spearman = render_number(change.real_spearman) + " → " + render_number(change.synthetic_spearman)
    return [
        escape(change.first),
        escape(change.second),
        escape(change.measure),
        render_number(change.real),
        render_number(change.synthetic),
        render_number(change.difference),
        spearman,
    ]
