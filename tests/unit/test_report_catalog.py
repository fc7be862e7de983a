"""Tests of the registry catalog page."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from synth_ops.report import format_number, render_catalog

ROWS = [
    {
        "dataset": "adult",
        "version": "v2",
        "created_at": "2025-01-01T09:00:00+00:00",
        "score": 0.7912,
        "fidelity": 0.83,
        "usability": 0.7,
        "privacy": 0.95,
        "rows": 26048,
        "report_url": "adult/v2/report.html",
    },
    {
        "dataset": "adult",
        "version": "v10",
        "created_at": "2025-03-01T09:00:00+00:00",
        "score": 0.81234,
        "fidelity": 0.8437,
        "usability": 0.75,
        "privacy": 0.9754,
        "rows": 26048,
        "report_url": "adult/v10/report.html",
    },
    {
        "dataset": 'telco <"churn"> & co',
        "version": "v1",
        "created_at": "2025-02-01T09:00:00+00:00",
        "score": 0.7,
        "fidelity": 0.8,
        "usability": None,
        "privacy": 0.9,
        "rows": 5634,
        "report_url": "telco/v1/report.html?x=1&y=2",
    },
]


class CatalogParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str | None]] = []
        self.numbers: list[tuple[str, str, str]] = []
        self.links: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self._number_path: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append(tag)
        if tag == "tr" and "data-dataset" in attributes:
            self.rows.append(attributes)
        if tag == "span" and "data-path" in attributes:
            self._number_path = attributes["data-path"]
        for name in ("src", "href"):
            if attributes.get(name) is not None:
                self.links.append((tag, attributes[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._number_path = None

    def handle_data(self, data: str) -> None:
        if self._number_path is not None:
            self.numbers.append((self.rows[-1]["data-version"], self._number_path, data))


def parse(page: str) -> CatalogParser:
    parser = CatalogParser()
    parser.feed(page)
    parser.close()
    return parser


def test_catalog_lists_newest_version_first() -> None:
    parser = parse(render_catalog(ROWS))

    assert [(row["data-dataset"], row["data-version"]) for row in parser.rows] == [
        ("adult", "v10"),
        ("adult", "v2"),
        ('telco <"churn"> & co', "v1"),
    ]


def test_catalog_marks_latest_version_per_dataset() -> None:
    page = render_catalog(ROWS)

    assert page.count(">latest</span>") == 2
    assert re.search(r"v10 <span[^>]*>latest</span>", page)


def test_catalog_numbers_match_rows() -> None:
    parser = parse(render_catalog(ROWS))
    by_version = {row["version"]: row for row in ROWS}

    assert len(parser.numbers) == 5 * len(ROWS)
    for version, path, text in parser.numbers:
        assert text == format_number(by_version[version][path.lstrip("/")])


def test_catalog_links_reports_relatively() -> None:
    parser = parse(render_catalog(ROWS))
    links = [url for tag, url in parser.links if tag == "a" and not url.startswith("#")]

    assert links == ["adult/v10/report.html", "adult/v2/report.html", "telco/v1/report.html?x=1&y=2"]
    assert not [url for tag, url in parser.links if tag != "a" and not url.startswith("data:")]


def test_catalog_does_not_link_absolute_urls() -> None:
    row = {**ROWS[0], "report_url": "https://example.invalid/adult/v2/report.html"}

    page = render_catalog([row])

    assert 'href="https://' not in page
    assert "https://example.invalid/adult/v2/report.html" in page


def test_catalog_escapes_text() -> None:
    page = render_catalog(ROWS, title="registry <of> & 'all'")

    assert "telco &lt;&quot;churn&quot;&gt; &amp; co" in page
    assert "<title>registry &lt;of&gt; &amp; &#x27;all&#x27;</title>" in page
    assert 'telco <"churn">' not in page


def test_catalog_is_self_contained() -> None:
    page = render_catalog(ROWS)

    assert "script" not in parse(page).tags
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "Content-Security-Policy" in page


def test_catalog_without_rows_says_so() -> None:
    page = render_catalog([])

    assert "No generator has been registered yet." in html.unescape(page)
    assert 'id="catalog"' in page
