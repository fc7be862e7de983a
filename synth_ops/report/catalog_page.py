"""The registry catalog: one self-contained HTML index of registered generators."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from synth_ops.report.html import escape, render_badge, render_notice, render_number, render_page, render_section, render_table

logger = logging.getLogger(__name__)

CATALOG_HEADERS = ["Dataset", "Version", "Created at", "Score", "Fidelity", "Usability", "Privacy", "Rows", "Report"]
_SCORE_KEYS = ("score", "fidelity", "usability", "privacy", "rows")


def render_catalog(rows: list[dict], *, title: str = "synth-ops registry") -> str:
    """Render the catalog page from one row per registered version.

    Each row has ``dataset``, ``version``, ``created_at``, ``score``,
    ``fidelity``, ``usability``, ``privacy``, ``rows`` and ``report_url``, a
    link relative to the catalog page. Rows are grouped by dataset, newest
    version first, and the newest version of each dataset is marked latest.
    """
    ordered = sorted(rows, key=lambda row: (str(row.get("dataset") or ""), -_version_number(row), _reverse_text(row.get("created_at"))))
    table_rows = []
    attributes = []
    seen_datasets: set[str] = set()
    for row in ordered:
        dataset = str(row.get("dataset") or "")
        is_latest = dataset not in seen_datasets
        seen_datasets.add(dataset)
        table_rows.append(_catalog_row(row, is_latest))
        attributes.append({"data-dataset": dataset, "data-version": row.get("version")})

    if table_rows:
        summary = f"<p>{len(seen_datasets)} datasets, {len(table_rows)} registered versions.</p>"
        body = summary + render_table(CATALOG_HEADERS, table_rows, row_attributes=attributes, table_id="catalog-table")
    else:
        body = render_notice("No generator has been registered yet.")

    section = render_section(
        "catalog",
        "Registered generators",
        "each row is one registered champion; scores run from 0 to 1, higher is better. Open a report to see why it won.",
        body,
    )
    logger.info("Rendered catalog %s with %s rows", title, len(table_rows))
    return render_page(title, f"<h1>{escape(title)}</h1>", section)


def _version_number(row: dict) -> int:
    match = re.fullmatch(r"v?(\d+)", str(row.get("version") or ""))
    return int(match.group(1)) if match else -1


def _reverse_text(text: object) -> tuple[int, ...]:
    # Sorts ISO timestamps newest first inside one ascending sort key.
    return tuple(-ord(character) for character in str(text or ""))


def _catalog_row(row: dict, is_latest: bool) -> list[str]:
    version = escape(row.get("version") or "unknown")
    if is_latest:
        version += " " + render_badge("latest", "ok")
    created_at = str(row.get("created_at") or "")
    created = f'<span title="{escape(created_at)}">{escape(created_at[:10] or "unknown")}</span>'
    numbers = [render_number(row.get(key), source="catalog", path=f"/{key}") for key in _SCORE_KEYS]
    return [escape(row.get("dataset") or "unknown"), version, created, *numbers, _report_link(row)]


def _report_link(row: dict) -> str:
    url = str(row.get("report_url") or "")
    if not url:
        return '<span class="small">no report</span>'
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith("/"):
        # The catalog must open offline next to its reports, so only links
        # relative to it are followed.
        logger.warning("Catalog row of dataset %s has a report URL that is not relative: %s", row.get("dataset"), url)
        return f'<span class="small">{escape(url)}</span>'
    return f'<a href="{escape(url)}">report</a>'
