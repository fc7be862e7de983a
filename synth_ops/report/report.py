"""The run report: one self-contained HTML page per run.

Sections, each with a stable id: ``summary``, ``ranking``, ``distributions``,
``associations``, ``usability``, ``privacy``, ``timings`` and ``lineage``.
"""

from __future__ import annotations

import json
import logging
import time

from synth_ops.report import charts
from synth_ops.report.associations import (
    CORRELATION_RATIO,
    CRAMERS_V,
    PEARSON,
    association_matrix,
    largest_changes,
    matrix_columns,
    spearman_matrix,
)
from synth_ops.report.distributions import compare_column, sample_rows
from synth_ops.report.formatting import format_number
from synth_ops.report.html import (
    escape,
    render_badge,
    render_facts,
    render_figure,
    render_notice,
    render_number,
    render_page,
    render_section,
    render_table,
)
from synth_ops.report.ranking import render_ranking_table, render_weights, verdict_sentence
from synth_ops.report.sources import scores_number
from synth_ops.report.view import ReportView, redact_url

logger = logging.getLogger(__name__)

SECTIONS = [
    ("summary", "Summary"),
    ("ranking", "Ranking"),
    ("distributions", "Column distributions"),
    ("associations", "Associations"),
    ("usability", "Usability"),
    ("privacy", "Privacy"),
    ("timings", "Timings"),
    ("lineage", "Lineage"),
]
TIMING_STAGES = ("fit", "sample", "score")
# Colour-scale limit of the difference heatmap: a change of 0.5 in an
# association is already large, and a narrower scale shows small changes.
DIFFERENCE_LIMIT = 0.5


def render_report(view: ReportView) -> str:
    """Render the whole report page of one run as a self-contained HTML string."""
    started = time.perf_counter()
    body = "\n".join(
        [
            _summary_section(view),
            _ranking_section(view),
            _distributions_section(view),
            _associations_section(view),
            _usability_section(view),
            _privacy_section(view),
            _timings_section(view),
            _lineage_section(view),
        ]
    )
    header = f"<h1>Synthetic-data report: {escape(view.dataset)}</h1><div class=\"small\">run {escape(view.run_id)}</div>"
    page = render_page(f"synth-ops report: {view.dataset} ({view.run_id})", header, body, navigation=SECTIONS)
    logger.info(
        "Rendered report of dataset %s run %s: %s characters in %.1f s",
        view.dataset,
        view.run_id,
        len(page),
        time.perf_counter() - started,
    )
    return page


def _missing_rows_reason(view: ReportView) -> str | None:
    if view.real is not None and view.synthetic is not None:
        return None
    if not view.winner:
        return "Nothing was registered, so there are no champion rows to compare. " + verdict_sentence(view)
    missing = "real" if view.real is None else "synthetic"
    return f"The {missing} rows were not passed to the report, so columns cannot be compared."


def _plot_rows(frame):
    # Column names become strings to match ReportView.column_names().
    return sample_rows(frame).rename(columns=str)


def _summary_section(view: ReportView) -> str:
    created = view.decision.get("created_at") or view.lineage.get("created_at")
    facts = [
        ("dataset", escape(view.dataset)),
        ("run id", escape(view.run_id)),
        ("version", escape(view.version or "not registered")),
        ("champion", escape(view.winner or "none")),
        ("created at", escape(created or "unknown")),
        ("candidates", render_number(len(view.candidate_names()))),
    ]
    body = f'<p class="verdict">{escape(verdict_sentence(view))}</p>' + render_facts(facts)
    reasons = view.decision.get("reasons") or []
    if reasons:
        items = "".join(f"<li>{escape(reason)}</li>" for reason in reasons)
        body += f"<h3>Why nothing was registered</h3><ul>{items}</ul>"
    return render_section(
        "summary",
        "Summary",
        "the sentence says which candidate became the champion and why, or why no generator was registered.",
        body,
    )


def _ranking_section(view: ReportView) -> str:
    body = render_weights(view) + render_ranking_table(view)
    return render_section(
        "ranking",
        "Ranking",
        "scores run from 0 to 1, higher is better, except the DCR share (ideal about 0.5; higher means synthetic "
        "rows sit closer to training rows than new real rows do) and the exact-copy rate (should not exceed the "
        "holdout rate). A candidate that fails any gate cannot win, whatever its weighted score.",
        body,
    )


def _distributions_section(view: ReportView) -> str:
    how = (
        "each chart overlays the real training rows (filled blue) and the champion's synthetic rows (orange) as "
        "shares, so the shapes should match. The shape score per column is SDMetrics' column-shape similarity "
        "(1 is identical)."
    )
    reason = _missing_rows_reason(view)
    if reason:
        return render_section("distributions", "Column distributions", how, render_notice(reason))

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
        figures.append(render_figure(svg, _distribution_caption(view, winner, column, kind, distribution), chart="distribution", column=column))

    intro = ""
    if winner:
        intro = (
            f"<p>Champion <strong>{escape(winner)}</strong>: column shapes "
            f"{scores_number(view, winner, 'fidelity', 'column_shapes')}, pair trends "
            f"{scores_number(view, winner, 'fidelity', 'column_pair_trends')}.</p>"
        )
    if len(view.real) > len(real) or len(view.synthetic) > len(synthetic):
        intro += f"<p class=\"small\">Charts use a random sample of at most {escape(format_number(len(real)))} rows per table.</p>"
    return render_section("distributions", "Column distributions", how, intro + f'<div class="grid">{"".join(figures)}</div>')


def _distribution_caption(view: ReportView, winner: str, column: str, kind: str, distribution) -> str:
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


def _associations_section(view: ReportView) -> str:
    how = (
        f"colour shows association strength: {PEARSON} for two numeric columns (-1 to 1), {CRAMERS_V} for two "
        f"categorical columns and the {CORRELATION_RATIO} (eta) for a numeric and a categorical column (0 to 1). "
        "The difference matrix is synthetic minus real on a -0.5 to 0.5 scale: white means the synthetic rows keep "
        "the relationship."
    )
    reason = _missing_rows_reason(view)
    if reason:
        return render_section("associations", "Associations", how, render_notice(reason))

    kinds = {column: view.column_kind(column) for column in view.column_names()}
    columns = matrix_columns(kinds)
    if len(columns) < 2:
        notice = render_notice("Fewer than two numeric, categorical or date columns, so there is no pair to compare.")
        return render_section("associations", "Associations", how, notice)

    kinds = {column: kinds[column] for column in columns}
    real = _plot_rows(view.real)
    synthetic = _plot_rows(view.synthetic)
    real_matrix = association_matrix(real, kinds)
    synthetic_matrix = association_matrix(synthetic, kinds)
    difference = synthetic_matrix - real_matrix

    figures = [
        render_figure(charts.association_heatmap(real_matrix, "association-real", colour_label="association, real rows"), "Real training rows", chart="association-real"),
        render_figure(
            charts.association_heatmap(synthetic_matrix, "association-synthetic", colour_label="association, synthetic rows"),
            "Champion's synthetic rows",
            chart="association-synthetic",
        ),
        render_figure(
            charts.association_heatmap(difference, "association-difference", colour_label="synthetic minus real", limit=DIFFERENCE_LIMIT),
            "Difference (synthetic minus real)",
            chart="association-difference",
        ),
    ]
    changes = largest_changes(
        real_matrix,
        synthetic_matrix,
        kinds,
        real_spearman=spearman_matrix(real, kinds),
        synthetic_spearman=spearman_matrix(synthetic, kinds),
    )
    rows = [
        [
            escape(change.first),
            escape(change.second),
            escape(change.measure),
            render_number(change.real),
            render_number(change.synthetic),
            render_number(change.difference),
            render_number(change.real_spearman) + " → " + render_number(change.synthetic_spearman)
            if change.real_spearman is not None or change.synthetic_spearman is not None
            else "",
        ]
        for change in changes
    ]
    table = render_table(["Column", "Column", "Measure", "Real", "Synthetic", "Difference", "Spearman rho real → synthetic"], rows)
    body = f'<div class="grid wide">{"".join(figures)}</div><h3>Pairs that changed most</h3>{table}'
    return render_section("associations", "Associations", how, body)


def _ok_candidates(view: ReportView) -> list[str]:
    return [name for name in view.candidate_names() if view.candidate_scores(name).get("status") == "ok"]


def _usability_section(view: ReportView) -> str:
    how = (
        "TSTR trains a fixed model on synthetic rows and tests it on the real holdout; TRTR trains the same model "
        "on the real training rows. Bars of similar height (ratio near 1) mean the synthetic rows are as useful "
        "for that model as the real ones."
    )
    candidates = []
    for name in _ok_candidates(view):
        usability = view.candidate_scores(name).get("usability") or {}
        if usability.get("task") and usability.get("metric") and not usability.get("skipped_reason"):
            candidates.append(name)
    if not candidates:
        reasons = {
            (view.candidate_scores(name).get("usability") or {}).get("skipped_reason") for name in _ok_candidates(view)
        } - {None}
        why = "; ".join(sorted(str(reason) for reason in reasons)) or "no candidate finished with a usability score"
        return render_section("usability", "Usability", how, render_notice(f"Usability was not measured: {why}."))

    metrics = {view.candidate_scores(name)["usability"]["metric"] for name in candidates}
    metric_label = " / ".join(sorted(metrics))
    series = {
        "TSTR": [view.candidate_scores(name)["usability"].get("tstr", {}).get(view.candidate_scores(name)["usability"]["metric"]) for name in candidates],
        "TRTR": [view.candidate_scores(name)["usability"].get("trtr", {}).get(view.candidate_scores(name)["usability"]["metric"]) for name in candidates],
    }
    svg = charts.grouped_bars(
        candidates,
        series,
        {"TSTR": charts.SYNTHETIC_COLOUR, "TRTR": charts.REAL_COLOUR},
        "usability",
        value_label=metric_label,
    )
    figure = render_figure(svg, f"TSTR and TRTR {escape(metric_label)} per candidate", chart="usability")

    rows = []
    for name in candidates:
        usability = view.candidate_scores(name)["usability"]
        metric = usability["metric"]
        other_ratios = [
            f"{escape(other)} {scores_number(view, name, 'usability', 'ratios', other)}"
            for other in (usability.get("ratios") or {})
            if other != metric
        ]
        rows.append(
            [
                escape(name),
                escape(usability.get("task")),
                escape(metric),
                scores_number(view, name, "usability", "tstr", metric),
                scores_number(view, name, "usability", "trtr", metric),
                scores_number(view, name, "usability", "ratio"),
                ", ".join(other_ratios),
            ]
        )
    table = render_table(["Candidate", "Task", "Metric", "TSTR", "TRTR", "Ratio", "Other ratios"], rows)
    return render_section("usability", "Usability", how, f'<div class="grid">{figure}</div>{table}')


def _privacy_section(view: ReportView) -> str:
    how = (
        "for each synthetic row, the distance to its closest training row (orange) is compared with the same "
        "distance for real holdout rows (green). Matching curves and a DCR share near 0.5 mean synthetic rows are "
        "no closer to training rows than unseen real rows are; a bump near zero would mean near-copies."
    )
    figures = []
    rows = []
    for name in _ok_candidates(view):
        privacy = view.candidate_scores(name).get("privacy") or {}
        histogram = privacy.get("dcr_histogram") or {}
        if histogram.get("bin_edges") and histogram.get("synthetic_to_training") is not None:
            series = {"synthetic → training": histogram["synthetic_to_training"]}
            if histogram.get("holdout_to_training") is not None:
                series["holdout → training"] = histogram["holdout_to_training"]
            colours = {"synthetic → training": charts.SYNTHETIC_COLOUR, "holdout → training": charts.HOLDOUT_COLOUR}
            svg = charts.dcr_chart(histogram["bin_edges"], series, colours, f"dcr-{name}")
            caption = f"<strong>{escape(name)}</strong> · DCR share {scores_number(view, name, 'privacy', 'dcr_share_nearer_training')}"
            figures.append(render_figure(svg, caption, chart="dcr", candidate=name))
        rows.append(
            [
                escape(name),
                scores_number(view, name, "privacy", "dcr_share_nearer_training"),
                scores_number(view, name, "privacy", "rows_compared"),
                scores_number(view, name, "privacy", "dcr_quantiles", "synthetic_to_training", "p5"),
                scores_number(view, name, "privacy", "dcr_quantiles", "holdout_to_training", "p5"),
                scores_number(view, name, "privacy", "dcr_quantiles", "synthetic_to_training", "p50"),
                scores_number(view, name, "privacy", "dcr_quantiles", "holdout_to_training", "p50"),
                scores_number(view, name, "privacy", "exact_copy_rate"),
                scores_number(view, name, "privacy", "holdout_exact_copy_rate"),
            ]
        )
    if not rows:
        return render_section("privacy", "Privacy", how, render_notice("No candidate finished, so privacy was not measured."))

    headers = [
        "Candidate",
        "DCR share nearer training",
        "Rows compared",
        "5th percentile DCR, synthetic",
        "5th percentile DCR, holdout",
        "Median DCR, synthetic",
        "Median DCR, holdout",
        "Exact-copy rate",
        "Holdout exact-copy rate",
    ]
    charts_html = f'<div class="grid">{"".join(figures)}</div>' if figures else render_notice("No DCR histogram was recorded.")
    return render_section("privacy", "Privacy", how, charts_html + render_table(headers, rows))


def _timings_section(view: ReportView) -> str:
    how = "seconds spent per candidate on fitting, sampling and scoring; deep models stopped by the time budget kept what they had learned."
    candidates = view.candidate_names()
    rows = []
    for name in candidates:
        scores = view.candidate_scores(name)
        status = scores.get("status") or "unknown"
        rows.append(
            [
                escape(name),
                render_badge(status, status),
                escape(scores.get("device") or ""),
                *(scores_number(view, name, "timings", f"{stage}_s") for stage in (*TIMING_STAGES, "total")),
                scores_number(view, name, "epochs_completed") + " / " + scores_number(view, name, "epochs_requested"),
                scores_number(view, name, "stopped_by_budget"),
                scores_number(view, name, "rows_sampled"),
            ]
        )
    if not rows:
        return render_section("timings", "Timings", how, render_notice("No candidate was run."))

    stages = {
        stage: [(view.candidate_scores(name).get("timings") or {}).get(f"{stage}_s") for name in candidates]
        for stage in TIMING_STAGES
    }
    figure = render_figure(charts.timing_chart(candidates, stages, "timings"), "Seconds per stage", chart="timings")
    headers = ["Candidate", "Status", "Device", "Fit s", "Sample s", "Score s", "Total s", "Epochs completed / requested", "Stopped by budget", "Rows sampled"]
    return render_section("timings", "Timings", how, render_table(headers, rows) + f'<div class="grid">{figure}</div>')


def _flatten(settings: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(settings, dict) and settings:
        items = []
        for key, value in settings.items():
            items.extend(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return items
    return [(prefix, settings)]


def _lineage_section(view: ReportView) -> str:
    source = view.lineage.get("source") or {}
    facts = [
        ("source", escape(redact_url(source.get("url")) or "unknown")),
        ("source SHA-256", f"<code>{escape(source.get('sha256') or 'unknown')}</code>"),
        ("source rows", render_number(source.get("rows"))),
        ("source columns", render_number(source.get("columns"))),
        ("training rows", render_number(len(view.real)) if view.real is not None else escape(format_number(None))),
        ("created at", escape(view.lineage.get("created_at") or "unknown")),
        ("version", escape(view.version or "not registered")),
    ]
    libraries = view.lineage.get("libraries") or {}
    library_table = render_table(["Library", "Version"], [[escape(name), escape(version)] for name, version in sorted(libraries.items())])
    settings = [(key, value) for key, value in _flatten(view.lineage.get("settings") or {}) if key]
    settings_rows = [[f"<code>{escape(key)}</code>", f"<code>{escape(json.dumps(value, default=str))}</code>"] for key, value in settings]
    settings_table = render_table(["Setting", "Value"], settings_rows) if settings_rows else render_notice("No settings were recorded.")
    lineage = {**view.lineage, "source": {**source, "url": redact_url(source.get("url"))}} if source else view.lineage
    pretty = escape(json.dumps(lineage, indent=2, sort_keys=True, default=str))
    body = (
        render_facts(facts)
        + "<h3>Libraries</h3>"
        + library_table
        + "<h3>Settings</h3>"
        + settings_table
        + f"<details><summary>Lineage as JSON</summary><pre>{pretty}</pre></details>"
    )
    return render_section(
        "lineage",
        "Lineage",
        "where the training data came from (its SHA-256 identifies the exact file), which library versions and "
        "settings produced this run; together they let the run be repeated.",
        body,
    )

