"""Plain-text tables for the terminal."""

from __future__ import annotations

from typing import Any


def format_number(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_table(headers: list[str], rows: list[list[Any]]) -> str:
    """Return ``rows`` as an aligned text table; numbers are right-aligned."""
    cells = [[format_number(value) for value in row] for row in rows]
    widths = [max([len(header)] + [len(row[index]) for row in cells]) for index, header in enumerate(headers)]
    numeric = [all(isinstance(row[index], (int, float)) or row[index] is None for row in rows) for index in range(len(headers))]

    def line(values: list[str]) -> str:
        parts = [value.rjust(width) if is_number else value.ljust(width) for value, width, is_number in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    separator = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), separator] + [line(row) for row in cells])


def score_table(decision: dict[str, Any], all_scores: dict[str, dict[str, Any]]) -> str:
    """Return the ranking of a decision as a text table, then why each unranked candidate was left out."""
    headers = ["rank", "candidate", "verdict", "score", "quality", "tstr/trtr", "dcr share", "copies", "fit s", "epochs"]
    rows = []
    for entry in decision["ranking"]:
        scores = all_scores.get(entry["candidate"], {})
        fidelity = scores.get("fidelity") or {}
        usability = scores.get("usability") or {}
        privacy = scores.get("privacy") or {}
        timings = scores.get("timings") or {}
        epochs = None
        if scores.get("epochs_requested"):
            epochs = f"{scores.get('epochs_completed')}/{scores.get('epochs_requested')}"
        rows.append([
            entry.get("rank"), entry["candidate"], entry["verdict"], entry.get("score"),
            fidelity.get("quality"), usability.get("ratio"), privacy.get("dcr_share_nearer_training"),
            privacy.get("exact_copy_rate"), timings.get("fit_s"), epochs,
        ])
    table = render_table(headers, rows)
    notes = [
        f"  {entry['candidate']} ({entry['verdict']}): {entry['reason']}"
        for entry in decision["ranking"]
        if entry["verdict"] in ("gated", "failed", "skipped")
    ]
    if notes:
        table += "\n\nNot ranked:\n" + "\n".join(notes)
    return table
