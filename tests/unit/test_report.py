"""Tests of the HTML report and the model card, on a real slice of the Adult table."""

from __future__ import annotations

import html
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth_ops.report import ReportView, format_number, render_model_card, render_report

ADULT_CSV = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "adult.csv"
SECTION_IDS = ["summary", "ranking", "distributions", "associations", "usability", "privacy", "timings", "lineage"]
# A column name that breaks HTML and Markdown unless it is escaped.
HOSTILE_COLUMN = '<b>&"x"'
# Training rows of an 80/20 split of Adult's 32,561 rows.
TRAINING_ROWS = 26_048
MAX_PAGE_BYTES = 3_000_000
NUMERIC_COLUMNS = {"age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"}


def load_adult() -> pd.DataFrame:
    if not ADULT_CSV.exists():
        pytest.skip(f"Adult dataset not found at {ADULT_CSV}; the report tests need the shared datasets folder")
    frame = pd.read_csv(ADULT_CSV, skipinitialspace=True, na_values="?")
    return frame.rename(columns={"sex": HOSTILE_COLUMN})


def perturb(real: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """Make a stand-in for synthetic rows: noisy numbers, a shuffled column, an invented category."""
    rng = np.random.default_rng(seed)
    synthetic = real.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for column in ("age", "hours-per-week", "fnlwgt"):
        noise = rng.normal(0.0, synthetic[column].std() * 0.1, len(synthetic))
        synthetic[column] = (synthetic[column] + noise).round().clip(lower=1)
    synthetic["workclass"] = rng.permutation(synthetic["workclass"].to_numpy())
    invented = rng.random(len(synthetic)) < 0.01
    synthetic.loc[invented, "occupation"] = "Invented-occupation"
    return synthetic


def gate(name: str, passed: bool, value: float, threshold: float, reason: str) -> dict:
    return {"name": name, "passed": passed, "value": value, "threshold": threshold, "reason": reason}


def ok_scores(candidate: str, columns: list[str], *, quality: float, dcr_share: float, ratio: float) -> dict:
    edges = [round(0.1 * step, 1) for step in range(21)]
    shape = np.exp(-((np.arange(20) - 8) ** 2) / 20.0)
    return {
        "candidate": candidate,
        "status": "ok",
        "error": None,
        "device": "cpu",
        "epochs_requested": 300,
        "epochs_completed": 12,
        "stopped_by_budget": True,
        "timings": {"fit_s": 12.3456, "sample_s": 0.8123, "score_s": 3.1, "total_s": 16.2579},
        "rows_sampled": TRAINING_ROWS,
        "fidelity": {
            "quality": quality,
            "column_shapes": quality + 0.0312,
            "column_pair_trends": quality - 0.0417,
            "column_scores": {column: 0.9 - 0.01 * index for index, column in enumerate(columns)},
            "diagnostic": 1.0,
            "diagnostic_validity": 1.0,
            "diagnostic_structure": 1.0,
        },
        "usability": {
            "task": "classification",
            "metric": "macro_f1",
            "tstr": {"macro_f1": round(0.8016 * ratio, 4), "accuracy": 0.8049},
            "trtr": {"macro_f1": 0.8016, "accuracy": 0.8611},
            "ratio": ratio,
            "ratios": {"macro_f1": ratio, "accuracy": 0.9347},
            "skipped_reason": None,
        },
        "privacy": {
            "dcr_share_nearer_training": dcr_share,
            "exact_copy_rate": 0.0003,
            "holdout_exact_copy_rate": 0.0005,
            "rows_compared": 6513,
            "dcr_histogram": {
                "bin_edges": edges,
                "synthetic_to_training": [int(count) for count in 500 * shape],
                "holdout_to_training": [int(count) for count in 480 * np.roll(shape, 1)],
            },
            "dcr_quantiles": {
                "synthetic_to_training": {"p5": 0.2134, "p50": 0.8021},
                "holdout_to_training": {"p5": 0.1987, "p50": 0.7893},
            },
        },
    }


def build_decision(winner: str | None, reasons: list[str]) -> dict:
    passing = [
        gate("diagnostic_validity", True, 1.0, 1.0, "every synthetic value is valid"),
        gate("dcr_share", True, 0.5123, 0.6, "0.512 is at most 0.600"),
        gate("exact_copies", True, 0.0003, 0.0105, "copy rate 0.000 is within the holdout rate plus tolerance"),
    ]
    gated = [
        gate("diagnostic_validity", True, 1.0, 1.0, "every synthetic value is valid"),
        gate("dcr_share", False, 0.6789, 0.6, "0.679 is above 0.600: synthetic rows sit closer to training rows"),
        gate("exact_copies", True, 0.0003, 0.0105, "copy rate 0.000 is within the holdout rate plus tolerance"),
    ]
    ranking = [
        {
            "candidate": "gaussian_copula",
            "rank": 1,
            "status": "ok",
            "verdict": "winner" if winner else "gated",
            "reason": "highest weighted score 0.812 among 2 candidates that passed every gate",
            "score": 0.81234,
            "components": {"fidelity": 0.8437, "usability": 0.75, "privacy": 0.9754},
            "gates": passing,
        },
        {
            "candidate": "ctgan",
            "rank": 2,
            "status": "ok",
            "verdict": "lost",
            "reason": "weighted score 0.701 is below the winner's 0.812",
            "score": 0.70149,
            "components": {"fidelity": 0.7921, "usability": 0.6667, "privacy": 0.9},
            "gates": passing,
        },
        {
            "candidate": "tvae",
            "rank": None,
            "status": "ok",
            "verdict": "gated",
            "reason": "failed the dcr_share gate",
            "score": 0.7456,
            "components": {"fidelity": 0.81, "usability": 0.7, "privacy": 0.6421},
            "gates": gated,
        },
        {
            "candidate": "copula_gan",
            "rank": None,
            "status": "failed",
            "verdict": "failed",
            "reason": "fit failed",
            "score": None,
            "components": {},
            "gates": [],
        },
    ]
    return {
        "dataset": "adult",
        "run_id": "20250102-adult-1",
        "winner": winner,
        "created_at": "2025-01-02T10:00:00+00:00",
        "weights": {"fidelity": 0.4, "usability": 0.4, "privacy": 0.2},
        "thresholds": {"min_diagnostic_validity": 1.0, "max_dcr_share": 0.6, "exact_copy_tolerance": 0.01},
        "ranking": ranking,
        "reasons": reasons,
    }


def build_view(
    columns: pd.DataFrame,
    real: pd.DataFrame | None,
    synthetic: pd.DataFrame | None,
    *,
    winner: str | None,
    reasons: list[str] | None = None,
) -> ReportView:
    """Build a view; ``columns`` is a frame whose columns and dtypes describe the table."""
    kinds = {column: "numeric" if column in NUMERIC_COLUMNS else "categorical" for column in columns.columns}
    dtypes = {column: str(dtype) for column, dtype in columns.dtypes.items()}
    columns = list(columns.columns)
    scores = {
        "gaussian_copula": ok_scores("gaussian_copula", columns, quality=0.8437, dcr_share=0.5123, ratio=0.75),
        "ctgan": ok_scores("ctgan", columns, quality=0.7921, dcr_share=0.5311, ratio=0.6667),
        "tvae": ok_scores("tvae", columns, quality=0.81, dcr_share=0.6789, ratio=0.7),
        "copula_gan": {
            "candidate": "copula_gan",
            "status": "failed",
            "error": "ValueError: <script>alert(1)</script> & more\nTraceback (most recent call last): ...",
            "device": "cpu",
            "timings": {"fit_s": 4.5, "sample_s": None, "score_s": None, "total_s": 4.5},
            # A partial score that must not be shown for a failed candidate.
            "fidelity": {"quality": 0.1234},
        },
    }
    metadata = {
        "tables": {"adult": {"columns": {column: {"sdtype": "numerical" if kind == "numeric" else "categorical"} for column, kind in kinds.items()}}}
    }
    profile = {
        "columns": {column: {"kind": kind, "dtype": dtypes[column]} for column, kind in kinds.items()},
        "rows": TRAINING_ROWS,
    }
    lineage = {
        "source": {"url": "s3://user:secret@synth-data/adult.csv", "sha256": "9f" * 32, "rows": 32561, "columns": 15},
        "libraries": {"sdv": "2.0.0", "pandas": "2.3.3", "torch": "2.13.0"},
        "settings": {"table": {"target": "income", "missing_values": ["?", "<NA>"]}, "candidates": {"epochs": 300, "names": ["ctgan"]}},
        "created_at": "2025-01-02T10:00:00+00:00",
        "version": "v3" if winner else None,
    }
    return ReportView(
        dataset="adult",
        run_id="20250102-adult-1",
        decision=build_decision(winner, reasons or []),
        scores=scores,
        real=real,
        synthetic=synthetic,
        metadata=metadata,
        lineage=lineage,
        profile=profile,
    )


@pytest.fixture(scope="module")
def adult_real() -> pd.DataFrame:
    return load_adult().sample(n=TRAINING_ROWS, random_state=42).reset_index(drop=True)


@pytest.fixture(scope="module")
def winner_view(adult_real: pd.DataFrame) -> ReportView:
    return build_view(adult_real, adult_real, perturb(adult_real), winner="gaussian_copula")


@pytest.fixture(scope="module")
def rendered(winner_view: ReportView) -> tuple[str, float]:
    started = time.perf_counter()
    page = render_report(winner_view)
    return page, time.perf_counter() - started


@pytest.fixture(scope="module")
def page(rendered: tuple[str, float]) -> str:
    return rendered[0]


@pytest.fixture(scope="module")
def no_winner_view(adult_real: pd.DataFrame) -> ReportView:
    reasons = ["every candidate failed a gate", "tvae: dcr_share 0.679 is above 0.600"]
    return build_view(adult_real, None, None, winner=None, reasons=reasons)


class PageParser(HTMLParser):
    """Collect section ids, chart figures, tagged numbers and resource links of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.section_ids: list[str] = []
        self.figures: list[dict[str, str | None]] = []
        self.numbers: list[dict] = []
        self.links: list[tuple[str, str, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._current_section: str | None = None
        self._open_number: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "section":
            self._current_section = attributes.get("id")
            self.section_ids.append(attributes.get("id") or "")
        if tag == "figure":
            self.figures.append({**attributes, "section": self._current_section})
        if tag == "span" and "data-path" in attributes:
            self._open_number = {**attributes, "section": self._current_section, "text": ""}
        for name in ("src", "href", "xlink:href", "data", "poster", "srcset"):
            if attributes.get(name) is not None:
                self.links.append((tag, name, attributes[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._current_section = None
        if tag == "span" and self._open_number is not None:
            self.numbers.append(self._open_number)
            self._open_number = None

    def handle_data(self, data: str) -> None:
        if self._open_number is not None:
            self._open_number["text"] += data


class TableParser(HTMLParser):
    """Collect the header texts of one table and, per row and cell, the data-path of its numbers."""

    def __init__(self, table_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.table_id = table_id
        self.headers: list[str] = []
        self.rows: list[list[list[str]]] = []
        self._inside = False
        self._in_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._inside = attributes.get("id") == self.table_id
        if not self._inside:
            return
        if tag == "th":
            self._in_header = True
            self.headers.append("")
        if tag == "tr" and "data-candidate" in attributes:
            self.rows.append([])
        if tag == "td" and self.rows:
            self.rows[-1].append([])
        if tag == "span" and "data-path" in attributes and self.rows and self.rows[-1]:
            self.rows[-1][-1].append(attributes["data-path"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        if tag == "th":
            self._in_header = False

    def handle_data(self, data: str) -> None:
        if self._inside and self._in_header:
            self.headers[-1] += data


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def resolve_pointer(document: object, pointer: str, *, allow_missing: bool = False) -> object:
    """Follow an RFC 6901 JSON Pointer.

    A pointer that leads nowhere raises KeyError or IndexError, or returns
    ``None`` with ``allow_missing``, as the report shows an absent value as n/a.
    """
    value = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        try:
            value = value[int(token)] if isinstance(value, list) else value[token]
        except (KeyError, IndexError):
            if allow_missing:
                return None
            raise
    return value


def source_document(view: ReportView, number: dict) -> object:
    candidate = number.get("data-candidate")
    if number["data-source"] == "scores":
        return view.scores[candidate]
    if candidate is None:
        return view.decision
    entries = [entry for entry in view.decision["ranking"] if entry["candidate"] == candidate]
    assert len(entries) == 1, f"candidate {candidate} appears {len(entries)} times in the ranking"
    return entries[0]


# Report page


def test_report_has_every_section(page: str) -> None:
    parser = parse(page)

    assert parser.section_ids == SECTION_IDS


def test_report_page_stays_light(page: str) -> None:
    assert len(page.encode("utf-8")) < MAX_PAGE_BYTES


def test_report_one_distribution_chart_per_column(page: str, winner_view: ReportView) -> None:
    parser = parse(page)
    charts = [figure for figure in parser.figures if figure.get("data-chart") == "distribution"]
    columns = list(winner_view.real.columns)

    assert len(charts) == len(columns)
    assert sorted(chart["data-column"] for chart in charts) == sorted(columns)
    assert all(chart["section"] == "distributions" for chart in charts)


def test_report_distribution_captions_show_shape_scores(page: str, winner_view: ReportView) -> None:
    parser = parse(page)
    shape_numbers = {
        number["data-path"]: number["text"]
        for number in parser.numbers
        if number["section"] == "distributions" and number["data-path"].startswith("/fidelity/column_scores/")
    }
    column_scores = winner_view.scores["gaussian_copula"]["fidelity"]["column_scores"]

    assert len(shape_numbers) == len(column_scores)
    for column, score in column_scores.items():
        pointer = "/fidelity/column_scores/" + column.replace("~", "~0").replace("/", "~1")
        assert shape_numbers[pointer] == format_number(score)


def test_report_ranking_numbers_match_sources(page: str, winner_view: ReportView) -> None:
    parser = parse(page)
    ranking_numbers = [number for number in parser.numbers if number["section"] == "ranking"]

    # 3 finished candidates x (score, 3 components, 7 score cells + 1 holdout
    # rate, 3 gates x 2) + rank of all 4 + score of the failed one + 3 weights
    # + 3 thresholds.
    assert len(ranking_numbers) == 3 * (1 + 3 + 8 + 6) + 4 + 1 + 6
    for number in ranking_numbers:
        expected = format_number(resolve_pointer(source_document(winner_view, number), number["data-path"]))
        assert number["text"] == expected, f"{number['data-candidate']} {number['data-path']}"


def test_report_ranking_columns_match_headers(page: str) -> None:
    parser = TableParser("ranking-table")
    parser.feed(page)
    expected_paths = {
        "Rank": ["/rank"],
        "Weighted score (components)": ["/score", "/components/fidelity", "/components/usability", "/components/privacy"],
        "Quality": ["/fidelity/quality"],
        "Column shapes": ["/fidelity/column_shapes"],
        "Pair trends": ["/fidelity/column_pair_trends"],
        "Diagnostic validity": ["/fidelity/diagnostic_validity"],
        "TSTR / TRTR": ["/usability/ratio"],
        "DCR share nearer training": ["/privacy/dcr_share_nearer_training"],
        "Exact-copy rate vs holdout rate": ["/privacy/exact_copy_rate", "/privacy/holdout_exact_copy_rate"],
        "Gates": [f"/gates/{index}/{key}" for index in range(3) for key in ("value", "threshold")],
    }
    winner_row = parser.rows[0]

    assert len(parser.rows) == 4
    assert len(winner_row) == len(parser.headers)
    for header, paths in expected_paths.items():
        assert winner_row[parser.headers.index(header)] == paths, header


def test_report_every_tagged_number_matches_source(page: str, winner_view: ReportView) -> None:
    parser = parse(page)

    assert {number["section"] for number in parser.numbers} >= {"ranking", "distributions", "usability", "privacy", "timings"}
    for number in parser.numbers:
        value = resolve_pointer(source_document(winner_view, number), number["data-path"], allow_missing=True)
        expected = format_number(value)
        assert number["text"] == expected, f"{number['section']} {number['data-candidate']} {number['data-path']}"


def test_report_hides_scores_of_failed_candidate(page: str) -> None:
    parser = parse(page)
    failed_numbers = [
        (number["section"], number["data-path"])
        for number in parser.numbers
        if number.get("data-candidate") == "copula_gan" and number["data-source"] == "scores"
    ]

    assert [path for section, path in failed_numbers if section != "timings"] == []
    assert ("timings", "/timings/fit_s") in failed_numbers


def test_report_ranking_lists_gate_reasons_and_errors(page: str) -> None:
    ranking = re.search(r'<section id="ranking">.*?</section>', page, flags=re.DOTALL).group(0)

    for candidate in ("gaussian_copula", "ctgan", "tvae", "copula_gan"):
        assert f'data-candidate="{candidate}"' in ranking
    assert "0.679 is above 0.600: synthetic rows sit closer to training rows" in ranking
    assert "failed the dcr_share gate" in ranking
    assert "ValueError: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in ranking


def test_report_verdict_names_winner_and_reason(page: str) -> None:
    summary = re.search(r'<section id="summary">.*?</section>', page, flags=re.DOTALL).group(0)

    assert "gaussian_copula won: highest weighted score 0.812 among 2 candidates that passed every gate." in summary
    assert "v3" in summary


def test_report_loads_nothing_external(page: str) -> None:
    parser = parse(page)

    assert not [tag for tag, _ in parser.tags if tag in ("script", "iframe", "object", "embed")]
    for tag, attribute, value in parser.links:
        assert value.startswith(("#", "data:")), f"<{tag} {attribute}={value!r}> loads a resource"
    assert not [attributes for tag, attributes in parser.tags if tag == "link" and attributes.get("rel") == "stylesheet"]
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page)


def test_report_escapes_column_names(page: str) -> None:
    parser = parse(page)
    columns = {figure["data-column"] for figure in parser.figures if figure.get("data-chart") == "distribution"}

    assert HOSTILE_COLUMN in columns
    assert HOSTILE_COLUMN not in page
    assert "&lt;b&gt;&amp;&quot;x&quot;" in page
    assert "<b>" not in page


def test_report_redacts_source_credentials(page: str) -> None:
    assert "secret" not in page
    assert "s3://***@synth-data/adult.csv" in page


def test_report_lineage_lists_libraries_and_settings(page: str) -> None:
    lineage = re.search(r'<section id="lineage">.*?</section>', page, flags=re.DOTALL).group(0)

    assert "9f" * 32 in lineage
    assert "<code>table.target</code>" in lineage
    assert "&quot;&lt;NA&gt;&quot;" in lineage
    for library, version in (("sdv", "2.0.0"), ("pandas", "2.3.3"), ("torch", "2.13.0")):
        assert f"<td>{library}</td><td>{version}</td>" in lineage


def test_report_has_association_heatmaps(page: str) -> None:
    parser = parse(page)
    charts = {figure.get("data-chart") for figure in parser.figures if figure["section"] == "associations"}

    assert charts == {"association-real", "association-synthetic", "association-difference"}
    text = html.unescape(page)
    assert "Cramér's V" in text
    assert "correlation ratio" in text


def test_report_has_usability_privacy_and_timing_charts(page: str) -> None:
    parser = parse(page)
    dcr_candidates = sorted(figure["data-candidate"] for figure in parser.figures if figure.get("data-chart") == "dcr")

    assert any(figure.get("data-chart") == "usability" for figure in parser.figures)
    assert any(figure.get("data-chart") == "timings" for figure in parser.figures)
    assert dcr_candidates == ["ctgan", "gaussian_copula", "tvae"]


def test_report_without_winner_explains_why(no_winner_view: ReportView) -> None:
    page = render_report(no_winner_view)
    parser = parse(page)
    distributions = re.search(r'<section id="distributions">.*?</section>', page, flags=re.DOTALL).group(0)
    associations = re.search(r'<section id="associations">.*?</section>', page, flags=re.DOTALL).group(0)

    assert parser.section_ids == SECTION_IDS
    assert "Nothing was registered: every candidate failed a gate; tvae: dcr_share 0.679 is above 0.600." in page
    assert "no champion rows to compare" in distributions
    assert "no champion rows to compare" in associations
    assert not [figure for figure in parser.figures if figure.get("data-chart") == "distribution"]
    assert "not registered" in page
    for number in parser.numbers:
        value = resolve_pointer(source_document(no_winner_view, number), number["data-path"], allow_missing=True)
        assert number["text"] == format_number(value)


def test_report_without_synthetic_rows_explains_why(adult_real: pd.DataFrame) -> None:
    view = build_view(adult_real, adult_real.head(500), None, winner="gaussian_copula")

    page = render_report(view)

    assert "The synthetic rows were not passed to the report" in page
    assert parse(page).section_ids == SECTION_IDS


# Model card


@pytest.fixture(scope="module")
def model_card(winner_view: ReportView) -> str:
    return render_model_card(winner_view)


def test_model_card_has_every_heading(model_card: str) -> None:
    headings = re.findall(r"^## (.+)$", model_card, flags=re.MULTILINE)

    assert headings == ["Intended use", "Training data", "Scores", "Privacy", "Gates", "Known limits", "Lineage"]


def test_model_card_describes_schema_and_row_count(model_card: str, winner_view: ReportView) -> None:
    assert f"Training rows (after the holdout split): {format_number(TRAINING_ROWS)}" in model_card
    assert "| age | numeric | int64 |" in model_card
    assert "| native-country | categorical | object |" in model_card
    assert "\\<b\\>\\&\"x\"" in model_card
    assert HOSTILE_COLUMN not in model_card


def test_model_card_contains_no_real_values(model_card: str, adult_real: pd.DataFrame) -> None:
    categories = ["Bachelors", "Married-civ-spouse", "Exec-managerial", "United-States", "Husband", "Self-emp-not-inc", ">50K"]
    extremes = [adult_real["fnlwgt"].min(), adult_real["fnlwgt"].max(), adult_real["capital-gain"].max()]

    for category in categories:
        assert category in set(adult_real.astype(str).to_numpy().ravel()), f"{category} should be a real value"
        assert category not in model_card
    for extreme in extremes:
        assert str(int(extreme)) not in model_card
        assert format_number(int(extreme)) not in model_card


def test_model_card_reports_privacy_and_limits(model_card: str) -> None:
    assert "DCR) share nearer training: 0.512" in model_card
    assert "Exact-copy rate: 0.000" in model_card
    assert "differential privacy" in model_card
    assert "| gaussian\\_copula | dcr\\_share | pass | 0.512 | 0.600 |" in model_card


def test_model_card_records_lineage(model_card: str) -> None:
    assert "`" + "9f" * 32 + "`" in model_card
    assert "| sdv | 2.0.0 |" in model_card
    assert '"target": "income"' in model_card
    assert "secret" not in model_card


def test_model_card_without_winner_gives_reasons(no_winner_view: ReportView) -> None:
    card = render_model_card(no_winner_view)

    assert "Nothing was registered: every candidate failed a gate" in card
    assert "No champion was registered" in card
    assert f"Rows in the profiled table: {format_number(TRAINING_ROWS)}" in card
    assert "Training rows" not in card
