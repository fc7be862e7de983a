"""The model card of a champion generator, in Markdown.

The card describes the training data by its schema only: column names, kinds,
dtypes and the row count. It never prints a value, category, minimum or
maximum of the real rows, because the card travels with the generator to
people who may not see the real data.
"""

from __future__ import annotations

import json
import logging
import re

from synth_ops.report.formatting import format_number
from synth_ops.report.ranking import verdict_sentence
from synth_ops.report.sources import lookup
from synth_ops.report.view import ReportView, redact_url

logger = logging.getLogger(__name__)

# Characters with a meaning in Markdown or HTML; each is escaped with a
# backslash, which CommonMark allows before any ASCII punctuation.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~&])")

KNOWN_LIMITS = [
    "Synthetic rows keep statistical patterns of the training data, not its individual records: "
    "a row-level answer (this person's income) from synthetic data is meaningless.",
    "Rare categories and rare combinations of values may be missing or over-represented, so "
    "estimates for small subgroups are unreliable.",
    "Relationships the scores do not measure (three or more columns at once, order between rows) "
    "may be weaker than in the real data.",
    "The distance-to-closest-record (DCR) share and the exact-copy rate are heuristics, not a formal "
    "guarantee such as differential privacy: they show that synthetic rows are no closer to training "
    "rows than unseen real rows are, on this run's sample and encoding.",
    "Scores were measured once, on one holdout split and one sample; another seed gives somewhat "
    "different numbers.",
]


def escape_markdown(text: object) -> str:
    """Escape text for a Markdown paragraph or table cell, on one line."""
    one_line = " ".join(str(text).splitlines())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", one_line)


def _code(text: object) -> str:
    # Backslash escapes are literal inside a code span, so backticks, which
    # would end it early, are dropped instead.
    return "`" + " ".join(str(text).splitlines()).replace("`", "") + "`"


def render_model_card(view: ReportView) -> str:
    """Render the Markdown model card of the run's champion, or of a run without one."""
    sections = [
        _title(view),
        _intended_use(view),
        _training_data(view),
        _scores(view),
        _privacy(view),
        _gates(view),
        _known_limits(),
        _lineage(view),
    ]
    card = "\n\n".join(section.strip("\n") for section in sections) + "\n"
    logger.info("Rendered model card of dataset %s run %s", view.dataset, view.run_id)
    return card


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def _number(value: object) -> str:
    return escape_markdown(format_number(value))


def _title(view: ReportView) -> str:
    version = view.version or "not registered"
    rows = [
        ["Dataset", escape_markdown(view.dataset)],
        ["Version", escape_markdown(version)],
        ["Champion synthesizer", escape_markdown(view.winner or "none")],
        ["Run id", escape_markdown(view.run_id)],
        ["Created at", escape_markdown(view.lineage.get("created_at") or view.decision.get("created_at") or "unknown")],
    ]
    return (
        f"# Model card: {escape_markdown(view.dataset)} synthetic-data generator ({escape_markdown(version)})\n\n"
        f"{escape_markdown(verdict_sentence(view))}\n\n" + _table(["Field", "Value"], rows)
    )


def _intended_use(view: ReportView) -> str:
    return (
        "## Intended use\n\n"
        f"Generate synthetic rows shaped like the {_code(view.dataset)} table for development, testing, "
        "demos, analytics prototypes and training models that are later checked on real data, where the real "
        "rows may not be shared.\n\n"
        "Not intended for: decisions about individual people, linking or re-identifying records, or publishing "
        "statistics about small subgroups as if they were measured on real data."
    )


def _training_data(view: ReportView) -> str:
    source = view.lineage.get("source") or {}
    lines = [
        "## Training data",
        "",
        f"- Source SHA-256: {_code(source.get('sha256') or 'unknown')}",
        f"- Source size: {_number(source.get('rows'))} rows × {_number(source.get('columns'))} columns",
    ]
    if view.real is not None:
        lines.append(f"- Training rows (after the holdout split): {_number(len(view.real))}")
    if view.profile and view.profile.get("rows") is not None:
        lines.append(f"- Rows in the profiled table: {_number(view.profile['rows'])}")
    lines.extend(
        [
            "",
            "The schema below lists the model-ready columns only. No values, categories or ranges of the real "
            "data are included in this card.",
            "",
        ]
    )
    rows = [
        [escape_markdown(column), escape_markdown(view.column_kind(column)), escape_markdown(view.column_dtype(column))]
        for column in view.column_names()
    ]
    return "\n".join(lines) + _table(["Column", "Kind", "Dtype"], rows)


def _scores(view: ReportView) -> str:
    lines = ["## Scores", ""]
    winner = view.winner
    if winner:
        scores = view.candidate_scores(winner)
        entry = view.ranking_entry(winner)
        usability = scores.get("usability") or {}
        metric = usability.get("metric")
        rows = [
            ["Weighted score", _number(entry.get("score")), "weights: " + _weights(view)],
            ["Quality", _number(lookup(scores, "fidelity", "quality")), "SDMetrics quality: mean of column shapes and pair trends"],
            ["Column shapes", _number(lookup(scores, "fidelity", "column_shapes")), "similarity of each column's distribution"],
            ["Column pair trends", _number(lookup(scores, "fidelity", "column_pair_trends")), "similarity of pairwise correlations"],
            ["Diagnostic validity", _number(lookup(scores, "fidelity", "diagnostic_validity")), "1.000 means every value is valid for its column"],
        ]
        if metric and not usability.get("skipped_reason"):
            rows.extend(
                [
                    [f"TSTR {escape_markdown(metric)}", _number(lookup(usability, "tstr", metric)), "model trained on synthetic rows, tested on real holdout"],
                    [f"TRTR {escape_markdown(metric)}", _number(lookup(usability, "trtr", metric)), "same model trained on real training rows"],
                    ["TSTR / TRTR ratio", _number(usability.get("ratio")), "1.000 means as useful as real rows for this model"],
                ]
            )
        else:
            rows.append(["Usability", "n/a", escape_markdown(usability.get("skipped_reason") or "not measured")])
        lines.append(_table(["Measure", "Value", "Meaning"], rows))
        lines.append("")
    else:
        lines.extend(["No champion was registered, so the table below lists every candidate.", ""])

    rows = [
        [
            escape_markdown(name),
            escape_markdown(view.ranking_entry(name).get("verdict") or "not ranked"),
            escape_markdown(view.candidate_scores(name).get("status") or "unknown"),
            _number(view.ranking_entry(name).get("score")),
        ]
        for name in view.candidate_names()
    ]
    lines.append("All candidates:")
    lines.append("")
    lines.append(_table(["Candidate", "Verdict", "Status", "Weighted score"], rows))
    return "\n".join(lines)


def _weights(view: ReportView) -> str:
    weights = view.decision.get("weights") or {}
    return ", ".join(f"{escape_markdown(name)} {_number(value)}" for name, value in weights.items()) or "unknown"


def _privacy(view: ReportView) -> str:
    winner = view.winner
    if not winner:
        return "## Privacy\n\nNo champion was registered, so no generator's privacy is described here."
    privacy = view.candidate_scores(winner).get("privacy") or {}
    thresholds = view.decision.get("thresholds") or {}
    return "\n".join(
        [
            "## Privacy",
            "",
            f"- Distance to closest record (DCR) share nearer training: {_number(privacy.get('dcr_share_nearer_training'))} "
            f"(gate: at most {_number(thresholds.get('max_dcr_share'))}). For each synthetic row the distance to its "
            "closest training row is compared with its distance to the closest row of an equal-sized real holdout. "
            "About 0.5 means synthetic rows are no closer to the training rows than to unseen real rows. Values well "
            "above 0.5 suggest memorized training rows.",
            f"- Exact-copy rate: {_number(privacy.get('exact_copy_rate'))} of synthetic rows equal a training row, "
            f"against {_number(privacy.get('holdout_exact_copy_rate'))} of holdout rows that equal a training row by "
            f"chance (tolerance {_number(thresholds.get('exact_copy_tolerance'))}). A rate above the holdout rate "
            "would mean the generator copies records.",
            f"- Rows compared: {_number(privacy.get('rows_compared'))}.",
            "",
            "These checks are empirical and do not amount to differential privacy.",
        ]
    )


def _gates(view: ReportView) -> str:
    rows = []
    for name in view.candidate_names():
        for gate in view.ranking_entry(name).get("gates") or []:
            rows.append(
                [
                    escape_markdown(name),
                    escape_markdown(gate.get("name", "gate")),
                    "pass" if gate.get("passed") else "fail",
                    _number(gate.get("value")),
                    _number(gate.get("threshold")),
                    escape_markdown(gate.get("reason") or ""),
                ]
            )
    if not rows:
        return "## Gates\n\nNo gate was evaluated."
    intro = "A candidate must pass every gate to be registered, whatever its weighted score.\n\n"
    return "## Gates\n\n" + intro + _table(["Candidate", "Gate", "Result", "Value", "Threshold", "Reason"], rows)


def _known_limits() -> str:
    return "## Known limits\n\n" + "\n".join(f"- {limit}" for limit in KNOWN_LIMITS)


def _lineage(view: ReportView) -> str:
    libraries = view.lineage.get("libraries") or {}
    # NOTE: settings are printed as given. They hold configuration, such as
    # missing-value tokens and column names, and are not checked for data values.
    settings = json.dumps(view.lineage.get("settings") or {}, indent=2, sort_keys=True, default=str)
    # A fence longer than any backtick run inside keeps the block closed.
    longest_run = max((len(run) for run in re.findall(r"`+", settings)), default=0)
    fence = "`" * max(3, longest_run + 1)
    source = view.lineage.get("source") or {}
    lines = [
        "## Lineage",
        "",
        f"- Source: {escape_markdown(redact_url(source.get('url')) or 'unknown')}",
        f"- Source SHA-256: {_code(source.get('sha256') or 'unknown')}",
        f"- Created at: {escape_markdown(view.lineage.get('created_at') or 'unknown')}",
        f"- Run id: {escape_markdown(view.run_id)}",
        "",
        _table(["Library", "Version"], [[escape_markdown(name), escape_markdown(version)] for name, version in sorted(libraries.items())]),
        "",
        "Settings:",
        "",
        f"{fence}json\n{settings}\n{fence}",
    ]
    return "\n".join(lines)
