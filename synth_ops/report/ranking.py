"""The verdict sentence and the ranking table of every candidate."""

from __future__ import annotations

from synth_ops.report.html import escape, render_badge, render_facts, render_table
from synth_ops.report.sources import decision_number, ranking_number, scores_number
from synth_ops.report.view import ReportView

#: Text shown in place of a score that was not computed for a candidate.
NOT_SCORED = "–"
# Errors longer than this show their first line, with the rest folded away.
_MAX_ERROR_PREVIEW = 200

RANKING_HEADERS = [
    "Rank",
    "Candidate",
    "Verdict and reason",
    "Status",
    "Weighted score (components)",
    "Quality",
    "Column shapes",
    "Pair trends",
    "Diagnostic validity",
    "TSTR / TRTR",
    "DCR share nearer training",
    "Exact-copy rate vs holdout rate",
    "Gates",
]


def verdict_sentence(view: ReportView) -> str:
    """Say in one sentence which candidate won and why, or why nothing was registered."""
    winner = view.winner
    if winner:
        reason = (view.ranking_entry(winner).get("reason") or "").rstrip(".")
        return f"{winner} won: {reason}." if reason else f"{winner} won."

    reasons = [str(reason).rstrip(".") for reason in view.decision.get("reasons") or [] if reason]
    if reasons:
        return "Nothing was registered: " + "; ".join(reasons) + "."
    return "Nothing was registered: no candidate passed every gate."


def render_weights(view: ReportView) -> str:
    """Render the effective weights and the gate thresholds of the run."""
    weights = view.decision.get("weights") or {}
    thresholds = view.decision.get("thresholds") or {}
    facts = [(f"weight of {name}", decision_number(view, "weights", name)) for name in weights]
    facts.extend((f"threshold {name}", decision_number(view, "thresholds", name)) for name in thresholds)
    return render_facts(facts)


def render_ranking_table(view: ReportView) -> str:
    """Render one row per candidate with every score, gate and reason."""
    rows = []
    attributes = []
    for candidate in view.candidate_names():
        rows.append(_ranking_row(view, candidate))
        attributes.append({"data-candidate": candidate})
    return render_table(RANKING_HEADERS, rows, row_attributes=attributes, table_id="ranking-table")


def _ranking_row(view: ReportView, candidate: str) -> list[str]:
    entry = view.ranking_entry(candidate)
    scores = view.candidate_scores(candidate)
    status = scores.get("status") or entry.get("status") or "unknown"
    verdict = entry.get("verdict") or "not ranked"

    row = [
        ranking_number(view, candidate, "rank") if entry else NOT_SCORED,
        f"<strong>{escape(candidate)}</strong>",
        render_badge(verdict, verdict) + _reason(entry, scores),
        render_badge(status, status),
        _weighted_score(view, candidate) if entry else NOT_SCORED,
    ]
    if status == "ok":
        row.extend(_score_cells(view, candidate))
    else:
        # Only status, error and timings of a candidate that did not finish
        # mean anything, so its partial scores are not shown.
        row.extend([NOT_SCORED] * 7)
    row.append(_gates(view, candidate))
    return row


def _weighted_score(view: ReportView, candidate: str) -> str:
    components = view.ranking_entry(candidate).get("components") or {}
    parts = [f"{escape(name)} {ranking_number(view, candidate, 'components', name)}" for name in components]
    detail = f'<div class="small">{" · ".join(parts)}</div>' if parts else ""
    return ranking_number(view, candidate, "score") + detail


def _score_cells(view: ReportView, candidate: str) -> list[str]:
    usability = view.candidate_scores(candidate).get("usability") or {}
    if usability.get("skipped_reason") or not usability.get("task"):
        reason = usability.get("skipped_reason") or "no target column"
        usability_cell = f'<span class="small">skipped: {escape(reason)}</span>'
    else:
        metric = usability.get("metric") or ""
        usability_cell = scores_number(view, candidate, "usability", "ratio") + f'<div class="small">{escape(metric)}</div>'

    exact_copies = (
        scores_number(view, candidate, "privacy", "exact_copy_rate")
        + " vs "
        + scores_number(view, candidate, "privacy", "holdout_exact_copy_rate")
    )
    return [
        scores_number(view, candidate, "fidelity", "quality"),
        scores_number(view, candidate, "fidelity", "column_shapes"),
        scores_number(view, candidate, "fidelity", "column_pair_trends"),
        scores_number(view, candidate, "fidelity", "diagnostic_validity"),
        usability_cell,
        scores_number(view, candidate, "privacy", "dcr_share_nearer_training"),
        exact_copies,
    ]


def _gates(view: ReportView, candidate: str) -> str:
    gates = view.ranking_entry(candidate).get("gates") or []
    if not gates:
        return '<span class="small">not evaluated</span>'
    items = []
    for index, gate in enumerate(gates):
        passed = bool(gate.get("passed"))
        badge = render_badge("pass" if passed else "fail", "pass" if passed else "fail")
        numbers = (
            ranking_number(view, candidate, "gates", index, "value")
            + " vs "
            + ranking_number(view, candidate, "gates", index, "threshold")
        )
        reason = f'<div class="small">{escape(gate["reason"])}</div>' if gate.get("reason") else ""
        items.append(f"<li>{badge} {escape(gate.get('name', 'gate'))}: {numbers}{reason}</li>")
    return f'<ul class="gates">{"".join(items)}</ul>'


def _reason(entry: dict, scores: dict) -> str:
    parts = []
    if entry.get("reason"):
        parts.append(escape(entry["reason"]))
    error = scores.get("error")
    if error:
        error = str(error)
        first_line = error.splitlines()[0] if error.strip() else error
        if len(error) <= _MAX_ERROR_PREVIEW and "\n" not in error:
            parts.append(f"<strong>error:</strong> {escape(error)}")
        else:
            parts.append(
                f"<details><summary><strong>error:</strong> {escape(first_line[:_MAX_ERROR_PREVIEW])}</summary>"
                f"<pre>{escape(error)}</pre></details>"
            )
    return '<div class="reason">' + "<br>".join(parts) + "</div>" if parts else ""
