"""The run report: one self-contained HTML page per run.

Sections, each with a stable id: ``summary``, ``ranking``, ``distributions``,
``associations``, ``usability``, ``privacy``, ``timings`` and ``lineage``.
"""

from __future__ import annotations

import json
import logging
import time

from synth_ops.report.formatting import format_number
from synth_ops.report.html import escape, render_facts, render_notice, render_number, render_page, render_section, render_table
from synth_ops.report.metric_sections import privacy_section, timings_section, usability_section
from synth_ops.report.ranking import render_ranking_table, render_weights, verdict_sentence
from synth_ops.report.row_sections import associations_section, distributions_section
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

SUMMARY_GUIDE = "the sentence says which candidate became the champion and why, or why no generator was registered."
RANKING_GUIDE = (
    "scores run from 0 to 1 and higher is better, with two exceptions. The DCR share is ideal near 0.5, and "
    "higher means synthetic rows sit closer to training rows than new real rows do. The exact-copy rate should "
    "not exceed the holdout rate. A candidate that fails any gate cannot win, whatever its weighted score."
)
LINEAGE_GUIDE = (
    "where the training data came from (its SHA-256 identifies the exact file) and which library versions and "
    "settings produced this run. Together they let the run be repeated."
)


def render_report(view: ReportView) -> str:
    """Render the whole report page of one run as a self-contained HTML string."""
    started = time.perf_counter()
    body = "\n".join(
        [
            _summary_section(view),
            _ranking_section(view),
            distributions_section(view),
            associations_section(view),
            usability_section(view),
            privacy_section(view),
            timings_section(view),
            _lineage_section(view),
        ]
    )
    header = f'<h1>Synthetic-data report: {escape(view.dataset)}</h1><div class="small">run {escape(view.run_id)}</div>'
    page = render_page(f"synth-ops report: {view.dataset} ({view.run_id})", header, body, navigation=SECTIONS)
    logger.info(
        "Rendered report of dataset %s run %s: %s characters in %.1f s",
        view.dataset,
        view.run_id,
        len(page),
        time.perf_counter() - started,
    )
    return page


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
    if reasons and not view.winner:
        items = "".join(f"<li>{escape(reason)}</li>" for reason in reasons)
        body += f"<h3>Why nothing was registered</h3><ul>{items}</ul>"
    return render_section("summary", "Summary", SUMMARY_GUIDE, body)


def _ranking_section(view: ReportView) -> str:
    body = render_weights(view) + render_ranking_table(view)
    return render_section("ranking", "Ranking", RANKING_GUIDE, body)


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
    library_rows = [[escape(name), escape(version)] for name, version in sorted(libraries.items())]
    library_table = render_table(["Library", "Version"], library_rows) if library_rows else render_notice("No library versions were recorded.")

    settings = [(key, value) for key, value in _flatten(view.lineage.get("settings") or {}) if key]
    settings_rows = [[f"<code>{escape(key)}</code>", f"<code>{escape(json.dumps(value, default=str))}</code>"] for key, value in settings]
    settings_table = render_table(["Setting", "Value"], settings_rows) if settings_rows else render_notice("No settings were recorded.")

    lineage = view.lineage
    if source.get("url"):
        lineage = {**view.lineage, "source": {**source, "url": redact_url(source["url"])}}
    pretty = escape(json.dumps(lineage, indent=2, sort_keys=True, default=str))
    body = (
        render_facts(facts)
        + "<h3>Libraries</h3>"
        + library_table
        + "<h3>Settings</h3>"
        + settings_table
        + f"<details><summary>Lineage as JSON</summary><pre>{pretty}</pre></details>"
    )
    return render_section("lineage", "Lineage", LINEAGE_GUIDE, body)
