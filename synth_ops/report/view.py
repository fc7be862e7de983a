"""The inputs of a report: one run's decision, scores, rows and lineage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

#: Column kinds used by the charts and the model card, as in the table profile.
COLUMN_KINDS = ("numeric", "categorical", "datetime", "boolean", "key", "pii", "constant", "empty")

# SDV sdtypes that are not listed here (email, phone_number, "unknown" ...) are
# semantic types that SDV anonymizes rather than learns, so they count as PII.
_SDTYPE_KINDS = {
    "numerical": "numeric",
    "categorical": "categorical",
    "ordinal": "categorical",
    "boolean": "boolean",
    "datetime": "datetime",
    "id": "key",
}


@dataclass
class ReportView:
    """Everything one run produced that the report, model card and catalog show.

    ``decision`` and ``scores`` follow the ``decision.json`` and per-candidate
    ``scores.json`` schemas. ``real`` and ``synthetic`` are the real training
    rows and the champion's synthetic rows with the same model-ready columns,
    or ``None`` when nothing was registered. ``metadata`` is the SDV metadata
    dict, ``lineage`` the source, library versions and settings of the run,
    and ``profile`` the optional column summary with a ``kind`` per column.
    """

    dataset: str
    run_id: str
    decision: dict
    scores: dict[str, dict]
    real: pd.DataFrame | None
    synthetic: pd.DataFrame | None
    metadata: dict
    lineage: dict
    profile: dict | None = None

    @property
    def winner(self) -> str | None:
        """Name of the champion candidate, or ``None`` when nothing won."""
        return self.decision.get("winner")

    @property
    def version(self) -> str | None:
        """Registry version of the champion, such as ``v3``, or ``None``."""
        return self.lineage.get("version")

    def ranking_entry(self, candidate: str) -> dict:
        """Return the candidate's entry in the decision ranking, or an empty dict."""
        for entry in self.decision.get("ranking") or []:
            if entry.get("candidate") == candidate:
                return entry
        return {}

    def candidate_scores(self, candidate: str) -> dict:
        """Return the candidate's ``scores.json`` content, or an empty dict."""
        return self.scores.get(candidate) or {}

    def candidate_names(self) -> list[str]:
        """List candidates in ranking order, then scored candidates the ranking lacks."""
        names = [entry["candidate"] for entry in self.decision.get("ranking") or [] if entry.get("candidate")]
        names.extend(name for name in self.scores if name not in names)
        return names

    def column_names(self) -> list[str]:
        """List the model-ready columns: real columns first, then synthetic-only ones."""
        names: list[str] = []
        for frame in (self.real, self.synthetic):
            if frame is not None:
                names.extend(str(column) for column in frame.columns if str(column) not in names)
        if not names:
            names = list(self._metadata_columns())
        if not names and self.profile:
            names = list((self.profile.get("columns") or {}).keys())
        return names

    def column_kind(self, column: str) -> str:
        """Return the column's kind from the profile, else the metadata, else its dtype."""
        profiled = ((self.profile or {}).get("columns") or {}).get(column) or {}
        if profiled.get("kind") in COLUMN_KINDS:
            return profiled["kind"]

        sdtype = (self._metadata_columns().get(column) or {}).get("sdtype")
        if sdtype:
            return _SDTYPE_KINDS.get(sdtype, "pii")

        frame = self.real if self.real is not None and column in self.real.columns else self.synthetic
        if frame is None or column not in frame.columns:
            return "categorical"
        return kind_from_dtype(frame[column])

    def column_dtype(self, column: str) -> str:
        """Return the column's dtype name from the profile, else from the real rows."""
        profiled = ((self.profile or {}).get("columns") or {}).get(column) or {}
        if profiled.get("dtype"):
            return str(profiled["dtype"])
        for frame in (self.real, self.synthetic):
            if frame is not None and column in frame.columns:
                return str(frame[column].dtype)
        return "unknown"

    def _metadata_columns(self) -> dict[str, Any]:
        tables = self.metadata.get("tables")
        if not tables:
            return self.metadata.get("columns") or {}
        # Single-table runs have one table; its name need not match the dataset.
        table = tables.get(self.dataset) or next(iter(tables.values()))
        return table.get("columns") or {}


def kind_from_dtype(series: pd.Series) -> str:
    """Guess a column kind from its pandas dtype alone."""
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_numeric_dtype(series):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return "categorical"


def redact_url(url: str | None) -> str | None:
    """Replace the user and password of a URL, if any, with ``***``."""
    if not url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))
