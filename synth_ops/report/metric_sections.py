"""Report sections that compare candidates: usability, privacy and timings."""

from __future__ import annotations

from synth_ops.report import charts
from synth_ops.report.html import escape, render_badge, render_figure, render_notice, render_section, render_table
from synth_ops.report.sources import lookup, scores_number
from synth_ops.report.view import ReportView

TIMING_STAGES = ("fit", "sample", "score")
SYNTHETIC_SERIES = "synthetic → training"
HOLDOUT_SERIES = "holdout → training"

USABILITY_GUIDE = (
    "TSTR trains a fixed model on synthetic rows and tests it on the real holdout, and TRTR trains the same "
    "model on the real training rows. Bars of similar height (ratio near 1) mean the synthetic rows are as "
    "useful for that model as the real ones."
)
PRIVACY_GUIDE = (
    "for each synthetic row, the distance to its closest training row (orange) is compared with the same "
    "distance for real holdout rows (green). Matching curves and a DCR share near 0.5 mean synthetic rows are "
    "no closer to training rows than unseen real rows are. A bump near zero would mean near-copies."
)
TIMINGS_GUIDE = (
    "seconds spent per candidate on fitting, sampling and scoring. Deep models stopped by the time budget "
    "kept what they had learned."
)
PRIVACY_HEADERS = [
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
TIMING_HEADERS = [
    "Candidate",
    "Status",
    "Device",
    "Fit s",
    "Sample s",
    "Score s",
    "Total s",
    "Epochs completed / requested",
    "Stopped by budget",
    "Rows sampled",
]


def _finished_candidates(view: ReportView) -> list[str]:
    return [name for name in view.candidate_names() if view.candidate_scores(name).get("status") == "ok"]


def _usability(view: ReportView, candidate: str) -> dict:
    return view.candidate_scores(candidate).get("usability") or {}


def _has_usability(usability: dict) -> bool:
    return bool(usability.get("task") and usability.get("metric") and not usability.get("skipped_reason"))


def usability_section(view: ReportView) -> str:
    """Render TSTR and TRTR bars and their ratio for every finished candidate."""
    finished = _finished_candidates(view)
    candidates = [name for name in finished if _has_usability(_usability(view, name))]
    if not candidates:
        reasons = sorted({str(_usability(view, name)["skipped_reason"]) for name in finished if _usability(view, name).get("skipped_reason")})
        explanation = "; ".join(reasons) or "no candidate finished with a usability score"
        return render_section("usability", "Usability", USABILITY_GUIDE, render_notice(f"Usability was not measured: {explanation}."))

    metric_label = " / ".join(sorted({_usability(view, name)["metric"] for name in candidates}))
    series = {
        label: [lookup(_usability(view, name), key, _usability(view, name)["metric"]) for name in candidates]
        for label, key in (("TSTR", "tstr"), ("TRTR", "trtr"))
    }
    colours = {"TSTR": charts.SYNTHETIC_COLOUR, "TRTR": charts.REAL_COLOUR}
    svg = charts.grouped_bars(candidates, series, colours, "usability", value_label=metric_label)
    figure = render_figure(svg, f"TSTR and TRTR {escape(metric_label)} per candidate", chart="usability")

    rows = [_usability_row(view, name) for name in candidates]
    table = render_table(["Candidate", "Task", "Metric", "TSTR", "TRTR", "Ratio", "Other ratios"], rows)
    return render_section("usability", "Usability", USABILITY_GUIDE, f'<div class="grid">{figure}</div>{table}')


def _usability_row(view: ReportView, candidate: str) -> list[str]:
    usability = _usability(view, candidate)
    metric = usability["metric"]
    other_ratios = [
        f"{escape(other)} {scores_number(view, candidate, 'usability', 'ratios', other)}"
        for other in (usability.get("ratios") or {})
        if other != metric
    ]
    return [
        escape(candidate),
        escape(usability.get("task")),
        escape(metric),
        scores_number(view, candidate, "usability", "tstr", metric),
        scores_number(view, candidate, "usability", "trtr", metric),
        scores_number(view, candidate, "usability", "ratio"),
        ", ".join(other_ratios),
    ]


def privacy_section(view: ReportView) -> str:
    """Render distance-to-closest-record histograms and privacy figures of every finished candidate."""
    figures = []
    rows = []
    for name in _finished_candidates(view):
        histogram = lookup(view.candidate_scores(name), "privacy", "dcr_histogram") or {}
        if histogram.get("bin_edges") and histogram.get("synthetic_to_training") is not None:
            figures.append(_dcr_figure(view, name, histogram))
        rows.append(_privacy_row(view, name))
    if not rows:
        notice = render_notice("No candidate finished, so privacy was not measured.")
        return render_section("privacy", "Privacy", PRIVACY_GUIDE, notice)

    if figures:
        charts_html = f'<div class="grid">{"".join(figures)}</div>'
    else:
        charts_html = render_notice("No DCR histogram was recorded.")
    return render_section("privacy", "Privacy", PRIVACY_GUIDE, charts_html + render_table(PRIVACY_HEADERS, rows))


def _dcr_figure(view: ReportView, candidate: str, histogram: dict) -> str:
    series = {SYNTHETIC_SERIES: histogram["synthetic_to_training"]}
    if histogram.get("holdout_to_training") is not None:
        series[HOLDOUT_SERIES] = histogram["holdout_to_training"]
    colours = {SYNTHETIC_SERIES: charts.SYNTHETIC_COLOUR, HOLDOUT_SERIES: charts.HOLDOUT_COLOUR}
    svg = charts.dcr_chart(histogram["bin_edges"], series, colours, f"dcr-{candidate}")
    share = scores_number(view, candidate, "privacy", "dcr_share_nearer_training")
    return render_figure(svg, f"<strong>{escape(candidate)}</strong> · DCR share {share}", chart="dcr", candidate=candidate)


def _privacy_row(view: ReportView, candidate: str) -> list[str]:
    return [
        escape(candidate),
        scores_number(view, candidate, "privacy", "dcr_share_nearer_training"),
        scores_number(view, candidate, "privacy", "rows_compared"),
        scores_number(view, candidate, "privacy", "dcr_quantiles", "synthetic_to_training", "p5"),
        scores_number(view, candidate, "privacy", "dcr_quantiles", "holdout_to_training", "p5"),
        scores_number(view, candidate, "privacy", "dcr_quantiles", "synthetic_to_training", "p50"),
        scores_number(view, candidate, "privacy", "dcr_quantiles", "holdout_to_training", "p50"),
        scores_number(view, candidate, "privacy", "exact_copy_rate"),
        scores_number(view, candidate, "privacy", "holdout_exact_copy_rate"),
    ]


def timings_section(view: ReportView) -> str:
    """Render the seconds, epochs and status of every candidate, failed ones included."""
    candidates = view.candidate_names()
    if not candidates:
        return render_section("timings", "Timings", TIMINGS_GUIDE, render_notice("No candidate was run."))

    rows = [_timing_row(view, name) for name in candidates]
    stages = {stage: [lookup(view.candidate_scores(name), "timings", f"{stage}_s") for name in candidates] for stage in TIMING_STAGES}
    figure = render_figure(charts.timing_chart(candidates, stages, "timings"), "Seconds per stage", chart="timings")
    return render_section("timings", "Timings", TIMINGS_GUIDE, render_table(TIMING_HEADERS, rows) + f'<div class="grid">{figure}</div>')


def _timing_row(view: ReportView, candidate: str) -> list[str]:
    scores = view.candidate_scores(candidate)
    status = scores.get("status") or "unknown"
    return [
        escape(candidate),
        render_badge(status, status),
        escape(scores.get("device") or ""),
        *(scores_number(view, candidate, "timings", f"{stage}_s") for stage in (*TIMING_STAGES, "total")),
        scores_number(view, candidate, "epochs_completed") + " / " + scores_number(view, candidate, "epochs_requested"),
        scores_number(view, candidate, "stopped_by_budget"),
        scores_number(view, candidate, "rows_sampled"),
    ]
