"""Charts drawn with matplotlib and returned as inline SVG text.

Only the object-oriented API is used (``Figure`` without pyplot), so drawing
a report neither needs a display nor changes the process-wide backend. Text
stays text in the SVG (``svg.fonttype: none``) to keep pages small, and the
browser draws it with a local font.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from synth_ops.report.distributions import ColumnDistribution
from synth_ops.report.html import escape

REAL_COLOUR = "#1f5fa8"
SYNTHETIC_COLOUR = "#e8772e"
HOLDOUT_COLOUR = "#3a9b5c"
STAGE_COLOURS = {"fit": "#1f5fa8", "sample": "#e8772e", "score": "#8e6bbf"}
# Maximum characters of a category or column label drawn on an axis.
MAX_LABEL_CHARS = 28
# Matrices up to this size get the value written in each cell. In larger
# ones the text would be too small to read.
MAX_ANNOTATED_COLUMNS = 12

_STYLE = {
    "svg.fonttype": "none",
    # Column names and categories may contain "$", which must not start TeX math.
    "text.parse_math": False,
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "legend.frameon": False,
}


# Legend in one row above the plot, where it never hides data.
_LEGEND_ABOVE = {"loc": "lower right", "bbox_to_anchor": (1.0, 1.0), "ncol": 2}


@contextmanager
def _chart_style(chart_key: str) -> Iterator[None]:
    # matplotlib derives the ids of clip paths and markers from this salt. A
    # salt per chart keeps ids unique when many SVGs share one HTML page.
    with matplotlib.rc_context({**_STYLE, "svg.hashsalt": chart_key}):
        yield


def _figure_to_svg(figure: Figure, label: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    # Drop the XML prolog and DOCTYPE, which do not belong inside HTML, and the
    # ids of groups, which nothing references and which repeat across charts.
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'<g id="[^"]*"', "<g", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)


def _short_label(text: object) -> str:
    label = str(text).replace("\n", " ")
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def distribution_chart(distribution: ColumnDistribution, chart_key: str) -> str:
    """Draw real and synthetic shares of one column on its common bins."""
    with _chart_style(chart_key):
        if distribution.chart == "bars":
            figure = _category_bars(distribution)
        else:
            figure = _stairs(distribution)
        return _figure_to_svg(figure, f"real and synthetic distribution of column {distribution.column}")


def _series(distribution: ColumnDistribution) -> list[tuple[str, np.ndarray, str]]:
    series = []
    if distribution.real is not None:
        series.append(("real", distribution.real, REAL_COLOUR))
    if distribution.synthetic is not None:
        series.append(("synthetic", distribution.synthetic, SYNTHETIC_COLOUR))
    return series


def _stairs(distribution: ColumnDistribution) -> Figure:
    figure = Figure(figsize=(5.2, 2.5))
    axes = figure.add_subplot()
    edges = distribution.bins
    if distribution.chart == "timeline":
        edges = mdates.date2num(np.asarray(distribution.bins, dtype="datetime64[ns]"))
        locator = mdates.AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))

    for label, shares, colour in _series(distribution):
        # Real rows are a filled area, synthetic rows an outline on top of it.
        filled = label == "real"
        axes.stairs(shares, edges, fill=filled, alpha=0.45 if filled else 1.0, color=colour, linewidth=1.6, label=label)
    axes.set_xlabel(distribution.value_label)
    axes.set_ylabel("share of values")
    axes.set_ylim(bottom=0)
    axes.legend(**_LEGEND_ABOVE)
    return figure


def _category_bars(distribution: ColumnDistribution) -> Figure:
    labels = [_short_label(label) for label in distribution.bins]
    height = max(2.2, 0.3 * len(labels) + 0.9)
    figure = Figure(figsize=(5.2, height))
    axes = figure.add_subplot()
    positions = np.arange(len(labels))
    series = _series(distribution)
    bar_height = 0.8 / max(len(series), 1)

    for index, (label, shares, colour) in enumerate(series):
        offsets = positions - 0.4 + bar_height * (index + 0.5)
        axes.barh(offsets, shares, height=bar_height, color=colour, label=label)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel(distribution.value_label)
    axes.legend(**_LEGEND_ABOVE)
    return figure


def association_heatmap(matrix: pd.DataFrame, chart_key: str, *, colour_label: str, limit: float = 1.0) -> str:
    """Draw an association matrix on a fixed diverging colour scale from ``-limit`` to ``limit``.

    Values beyond the limit take the colour of the limit.
    """
    with _chart_style(chart_key):
        size = len(matrix)
        side = max(3.6, 0.3 * size + 1.8)
        figure = Figure(figsize=(side + 1.0, side))
        axes = figure.add_subplot()
        values = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
        colour_map = matplotlib.colormaps["RdBu_r"].with_extremes(bad="#e4e7eb")
        mesh = axes.pcolormesh(values, cmap=colour_map, vmin=-limit, vmax=limit, edgecolors="white", linewidth=0.5)

        labels = [_short_label(column) for column in matrix.columns]
        axes.set_xticks(np.arange(size) + 0.5, labels, rotation=90)
        axes.set_yticks(np.arange(size) + 0.5, labels)
        axes.invert_yaxis()
        axes.set_aspect("equal")
        for spine in axes.spines.values():
            spine.set_visible(False)

        if size <= MAX_ANNOTATED_COLUMNS:
            for row in range(size):
                for column in range(size):
                    value = values[row, column]
                    if value is np.ma.masked:
                        continue
                    colour = "white" if abs(value) > 0.6 * limit else "#1f2933"
                    # Adding 0.0 turns a rounded -0.0 into 0.0, so no "-0.00" is printed.
                    label = f"{round(float(value), 2) + 0.0:.2f}"
                    axes.text(column + 0.5, row + 0.5, label, ha="center", va="center", fontsize=7, color=colour)

        colour_bar = figure.colorbar(mesh, ax=axes, fraction=0.046, pad=0.04, extend="both" if limit < 1.0 else "neither")
        colour_bar.set_label(colour_label)
        return _figure_to_svg(figure, colour_label)


def grouped_bars(
    groups: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    colours: Mapping[str, str],
    chart_key: str,
    *,
    value_label: str,
) -> str:
    """Draw one group of bars per entry of ``groups``, one bar per series.

    A ``None`` value draws no bar and writes "n/a" at the baseline.
    """
    with _chart_style(chart_key):
        figure = Figure(figsize=(max(4.0, 1.3 * len(groups) + 1.5), 2.8))
        axes = figure.add_subplot()
        positions = np.arange(len(groups))
        width = 0.8 / max(len(series), 1)

        for index, (label, values) in enumerate(series.items()):
            offsets = positions - 0.4 + width * (index + 0.5)
            heights = [np.nan if value is None else float(value) for value in values]
            axes.bar(offsets, np.nan_to_num(heights), width=width, color=colours[label], label=label)
            for offset, height in zip(offsets, heights, strict=True):
                if np.isnan(height):
                    axes.text(offset, 0, "n/a", ha="center", va="bottom", fontsize=7)
        axes.axhline(0, color="#52606d", linewidth=0.8)
        axes.set_xticks(positions, [_short_label(group) for group in groups])
        axes.set_ylabel(value_label)
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _figure_to_svg(figure, value_label)


def dcr_chart(bin_edges: Sequence[float], series: Mapping[str, Sequence[float]], colours: Mapping[str, str], chart_key: str) -> str:
    """Draw distance-to-closest-record histograms as shares of their rows."""
    with _chart_style(chart_key):
        figure = Figure(figsize=(5.2, 2.5))
        axes = figure.add_subplot()
        edges = np.asarray(bin_edges, dtype=float)
        for index, (label, counts) in enumerate(series.items()):
            counts = np.asarray(counts, dtype=float)
            total = counts.sum()
            shares = counts / total if total else counts
            filled = index == 0
            axes.stairs(shares, edges, fill=filled, alpha=0.45 if filled else 1.0, color=colours[label], linewidth=1.6, label=label)
        axes.set_xlabel("distance to the closest training row")
        axes.set_ylabel("share of rows")
        axes.set_ylim(bottom=0)
        axes.legend(**_LEGEND_ABOVE)
        return _figure_to_svg(figure, "distance to closest record, synthetic and holdout rows")


def timing_chart(candidates: Sequence[str], stages: Mapping[str, Sequence[float | None]], chart_key: str) -> str:
    """Draw stacked horizontal bars of the seconds each candidate spent per stage."""
    with _chart_style(chart_key):
        figure = Figure(figsize=(6.0, max(1.8, 0.45 * len(candidates) + 1.0)))
        axes = figure.add_subplot()
        positions = np.arange(len(candidates))
        left = np.zeros(len(candidates))
        for stage, seconds in stages.items():
            widths = np.array([0.0 if value is None else float(value) for value in seconds])
            axes.barh(positions, widths, left=left, color=STAGE_COLOURS.get(stage, "#9aa5b1"), label=stage, height=0.6)
            left += widths
        axes.set_yticks(positions, [_short_label(candidate) for candidate in candidates])
        axes.invert_yaxis()
        axes.set_xlabel("seconds")
        axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _figure_to_svg(figure, "seconds per candidate and stage")
