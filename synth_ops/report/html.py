"""Page template, HTML escaping and the small building blocks of every page.

Pages are self-contained: styles are inline, charts are inline SVG, and a
Content-Security-Policy meta tag blocks any script and any load from the
network, so a page opened offline looks the same as online.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from synth_ops.report.formatting import format_number

# Blocks scripts, fetches, fonts, frames and remote images. Inline styles and
# data: images stay allowed because the page and its charts use them.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

PAGE_STYLE = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --panel: #f5f7fa;
        --good: #1b7f3b; --bad: #b42318; --warn: #b54708; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
       "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
header.page { padding: 20px 24px 12px; border-bottom: 1px solid var(--line);
              background: var(--panel); }
header.page h1 { margin: 0 0 4px; font-size: 22px; }
nav.toc { padding: 8px 24px; border-bottom: 1px solid var(--line); font-size: 13px; }
nav.toc a { margin-right: 14px; color: var(--accent); text-decoration: none; }
main { padding: 8px 24px 40px; max-width: 1500px; }
section { margin: 24px 0 8px; }
section > h2 { font-size: 18px; margin: 0 0 4px; border-bottom: 2px solid var(--line);
               padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
p.how { margin: 4px 0 12px; color: var(--muted); font-size: 13px; }
p.how::before { content: "How to read this: "; font-weight: 600; }
p.notice { padding: 10px 14px; background: #fff8e6; border-left: 4px solid var(--warn); }
p.verdict { font-size: 16px; margin: 8px 0; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
.reason { min-width: 160px; max-width: 300px; margin-top: 4px; }
.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.small { font-size: 12px; color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         font-weight: 600; color: #fff; background: var(--muted); }
.badge.winner, .badge.pass, .badge.ok { background: var(--good); }
.badge.gated, .badge.fail, .badge.failed, .badge.timed_out { background: var(--bad); }
.badge.lost, .badge.skipped { background: var(--warn); }
ul.gates { list-style: none; margin: 0; padding: 0; min-width: 170px; }
ul.gates li { margin: 0 0 4px; }
pre { background: var(--panel); padding: 10px; overflow-x: auto; font-size: 12px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; align-items: start; }
.grid.wide { grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); }
figure.chart { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
figure.chart svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figure.chart figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; overflow-wrap: anywhere; }
figure.chart figcaption strong { color: var(--ink); }
"""


def escape(value: object) -> str:
    """Escape a value for HTML text or a double-quoted attribute."""
    return html.escape(str(value), quote=True)


def render_attributes(attributes: Mapping[str, object | None]) -> str:
    """Render ``name="value"`` pairs with a leading space, skipping ``None`` values."""
    parts = [f' {name}="{escape(value)}"' for name, value in attributes.items() if value is not None]
    return "".join(parts)


def render_number(
    value: object,
    *,
    source: str | None = None,
    candidate: str | None = None,
    path: str | None = None,
) -> str:
    """Render a number through ``format_number``, tagged with where it came from.

    ``source`` names the file (``scores`` or ``decision``), ``candidate`` the
    candidate and ``path`` the JSON Pointer of the value inside that file or
    candidate entry, so that a reader or a test can look it up and compare.
    """
    attributes = {"data-source": source, "data-candidate": candidate, "data-path": path}
    return f'<span class="num"{render_attributes(attributes)}>{escape(format_number(value))}</span>'


def render_badge(text: str, kind: str) -> str:
    """Render a coloured label such as a verdict or a gate result."""
    return f'<span class="badge {escape(kind)}">{escape(text)}</span>'


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    row_attributes: Sequence[Mapping[str, object | None]] | None = None,
    table_id: str | None = None,
) -> str:
    """Render a table from plain-text headers and cells that are already HTML."""
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body_rows = []
    for index, row in enumerate(rows):
        attributes = render_attributes(row_attributes[index]) if row_attributes else ""
        cells = "".join(f"<td>{cell}</td>" for cell in row)
        body_rows.append(f"<tr{attributes}>{cells}</tr>")
    table_attributes = render_attributes({"id": table_id})
    return (
        f'<div class="table-wrap"><table{table_attributes}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body_rows)}</tbody></table></div>"
    )


def render_facts(facts: Sequence[tuple[str, str]]) -> str:
    """Render label/value pairs as a definition list; values are already HTML."""
    items = "".join(f"<dt>{escape(label)}</dt><dd>{value}</dd>" for label, value in facts)
    return f'<dl class="facts">{items}</dl>'


def render_notice(text: str) -> str:
    """Render a highlighted paragraph that explains why something is not shown."""
    return f'<p class="notice">{escape(text)}</p>'


def render_figure(
    svg: str,
    caption: str,
    *,
    chart: str,
    column: str | None = None,
    candidate: str | None = None,
) -> str:
    """Wrap an inline SVG chart with a caption that is already HTML.

    ``data-chart`` names the kind of chart; ``data-column`` and
    ``data-candidate`` name what it shows, so charts can be found by column.
    """
    attributes = render_attributes({"data-chart": chart, "data-column": column, "data-candidate": candidate})
    return f'<figure class="chart"{attributes}>{svg}<figcaption>{caption}</figcaption></figure>'


def render_section(section_id: str, title: str, how_to_read: str, body: str) -> str:
    """Render a page section with a stable id, a title and a one-line reading guide."""
    return (
        f'<section id="{escape(section_id)}"><h2>{escape(title)}</h2>'
        f'<p class="how">{escape(how_to_read)}</p>{body}</section>'
    )


def render_page(title: str, header: str, body: str, *, navigation: Sequence[tuple[str, str]] = ()) -> str:
    """Render a whole self-contained HTML document.

    ``header`` and ``body`` are HTML; ``navigation`` lists (section id, label)
    pairs for the table of contents.
    """
    links = "".join(f'<a href="#{escape(anchor)}">{escape(label)}</a>' for anchor, label in navigation)
    toc = f'<nav class="toc">{links}</nav>' if links else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CONTENT_SECURITY_POLICY)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # An empty data: icon stops browsers from asking for /favicon.ico.
        '<link rel="icon" href="data:,">\n'
        f"<title>{escape(title)}</title>\n<style>{PAGE_STYLE}</style>\n</head>\n<body>\n"
        f'<header class="page">{header}</header>\n{toc}\n<main>\n{body}\n</main>\n</body>\n</html>\n'
    )
