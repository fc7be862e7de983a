"""Open a rendered report in headless Chromium and check it works offline.

The page is loaded through the DevTools protocol on 127.0.0.1 to record every
network request and console message, then drawn once more with
``--screenshot`` to check that something visible was rendered.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synth_ops.report import ReportView, render_report

websocket = pytest.importorskip("websocket", reason="websocket-client is not installed; pip install websocket-client")
Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed; pip install pillow")

CHROMIUM = Path("/usr/bin/chromium")
ADULT_CSV = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "adult.csv"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WINDOW_SIZE = "1280,2000"
STARTUP_TIMEOUT_S = 30.0
LOAD_TIMEOUT_S = 30.0
# Time to keep listening after the load event, for requests made late.
SETTLE_S = 1.0
HOSTILE_COLUMN = '<b>&"x"'

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found; install it with apt-get install -y chromium")


def build_view() -> ReportView:
    """Build a view from a slice of Adult with a date, a key and a hostile column name added."""
    if not ADULT_CSV.exists():
        pytest.skip(f"Adult dataset not found at {ADULT_CSV}; the browser test needs the shared datasets folder")
    real = pd.read_csv(ADULT_CSV, skipinitialspace=True, na_values="?", nrows=4000)
    real = real[["age", "workclass", "education", "hours-per-week", "sex", "income"]].rename(columns={"sex": HOSTILE_COLUMN})
    rng = np.random.default_rng(11)
    real["interviewed"] = pd.Timestamp("1994-01-01") + pd.to_timedelta(rng.integers(0, 365, len(real)), unit="D")
    real["respondent_id"] = [f"R{index:06d}" for index in range(len(real))]

    synthetic = real.sample(frac=1.0, random_state=5).reset_index(drop=True)
    synthetic["age"] = synthetic["age"] + rng.integers(-2, 3, len(synthetic))
    synthetic["respondent_id"] = [f"S{index:06d}" for index in range(len(synthetic))]

    kinds = {column: "categorical" for column in real.columns}
    kinds.update({"age": "numeric", "hours-per-week": "numeric", "interviewed": "datetime", "respondent_id": "key"})
    edges = [0.25 * step for step in range(9)]
    scores = {
        "gaussian_copula": {
            "candidate": "gaussian_copula",
            "status": "ok",
            "error": None,
            "device": "cpu",
            "timings": {"fit_s": 4.2, "sample_s": 0.3, "score_s": 1.9, "total_s": 6.4},
            "rows_sampled": len(synthetic),
            "fidelity": {
                "quality": 0.86,
                "column_shapes": 0.9,
                "column_pair_trends": 0.82,
                "column_scores": {column: 0.88 for column in real.columns},
                "diagnostic_validity": 1.0,
            },
            "usability": {"task": "classification", "metric": "macro_f1", "tstr": {"macro_f1": 0.61}, "trtr": {"macro_f1": 0.79}, "ratio": 0.772},
            "privacy": {
                "dcr_share_nearer_training": 0.52,
                "exact_copy_rate": 0.0,
                "holdout_exact_copy_rate": 0.0,
                "rows_compared": 800,
                "dcr_histogram": {"bin_edges": edges, "synthetic_to_training": [5, 40, 120, 200, 210, 130, 60, 35], "holdout_to_training": [6, 44, 118, 190, 215, 135, 58, 34]},
            },
        },
        "ctgan": {"candidate": "ctgan", "status": "timed_out", "error": "stopped after 1260 s", "timings": {"fit_s": 1260.0, "total_s": 1260.0}},
    }
    decision = {
        "dataset": "adult",
        "run_id": "browser-check",
        "winner": "gaussian_copula",
        "weights": {"fidelity": 0.4, "usability": 0.4, "privacy": 0.2},
        "thresholds": {"min_diagnostic_validity": 1.0, "max_dcr_share": 0.6, "exact_copy_tolerance": 0.01},
        "ranking": [
            {
                "candidate": "gaussian_copula",
                "rank": 1,
                "status": "ok",
                "verdict": "winner",
                "reason": "only candidate that passed every gate",
                "score": 0.83,
                "components": {"fidelity": 0.86, "usability": 0.772, "privacy": 0.96},
                "gates": [{"name": "dcr_share", "passed": True, "value": 0.52, "threshold": 0.6, "reason": "0.520 is at most 0.600"}],
            },
            {"candidate": "ctgan", "rank": None, "status": "timed_out", "verdict": "failed", "reason": "timed out", "score": None, "gates": []},
        ],
        "reasons": [],
    }
    return ReportView(
        dataset="adult",
        run_id="browser-check",
        decision=decision,
        scores=scores,
        real=real,
        synthetic=synthetic,
        metadata={},
        lineage={"source": {"sha256": "ab" * 32, "rows": 4000, "columns": 8}, "libraries": {"sdv": "2.0.0"}, "settings": {}, "version": "v1"},
        profile={"columns": {column: {"kind": kind} for column, kind in kinds.items()}, "rows": len(real)},
    )


class DevToolsSession:
    """A minimal DevTools protocol client attached to one page target."""

    def __init__(self, connection: websocket.WebSocket) -> None:
        self.connection = connection
        self.events: list[dict] = []
        self.session_id: str | None = None
        self._next_id = 0

    def send(self, method: str, params: dict | None = None, *, to_page: bool = True) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if to_page and self.session_id:
            message["sessionId"] = self.session_id
        self.connection.send(json.dumps(message))
        while True:
            reply = json.loads(self.connection.recv())
            if reply.get("id") == self._next_id:
                assert "error" not in reply, f"{method} failed: {reply['error']}"
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not any(event.get("method") == method for event in self.events):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out after {timeout_s} s waiting for {method}"
            self.connection.settimeout(remaining)
            self.events.append(json.loads(self.connection.recv()))

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self.connection.settimeout(remaining)
            try:
                self.events.append(json.loads(self.connection.recv()))
            except websocket.WebSocketTimeoutException:
                break


def wait_for_devtools_port(profile: Path, process: subprocess.Popen) -> tuple[int, str]:
    """Read the port and browser path Chromium writes once ``--remote-debugging-port=0`` is bound."""
    active_port = profile / "DevToolsActivePort"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"Chromium exited early with code {process.returncode}"
        if active_port.exists():
            lines = active_port.read_text().splitlines()
            if len(lines) >= 2:
                return int(lines[0]), lines[1]
        time.sleep(0.1)
    raise AssertionError(f"Chromium did not write {active_port} within {STARTUP_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report(build_view()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded_page(report_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Load the report through DevTools and return its events and a few DOM facts."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    command = [
        str(CHROMIUM),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--window-size={WINDOW_SIZE}",
        "about:blank",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port, browser_path = wait_for_devtools_port(profile, process)
        connection = websocket.create_connection(f"ws://127.0.0.1:{port}{browser_path}", timeout=LOAD_TIMEOUT_S, suppress_origin=True)
        try:
            session = DevToolsSession(connection)
            target = session.send("Target.createTarget", {"url": "about:blank"}, to_page=False)
            attached = session.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, to_page=False)
            session.session_id = attached["sessionId"]
            for domain in ("Network", "Runtime", "Log", "Page"):
                session.send(f"{domain}.enable")
            session.events.clear()

            session.send("Page.navigate", {"url": report_file.as_uri()})
            session.wait_for("Page.loadEventFired", LOAD_TIMEOUT_S)
            session.drain(SETTLE_S)
            facts = session.send(
                "Runtime.evaluate",
                {
                    "expression": (
                        "JSON.stringify({"
                        "charts: document.querySelectorAll('figure[data-chart=\"distribution\"]').length,"
                        "sections: [...document.querySelectorAll('section')].map(s => s.id),"
                        "drawnCharts: [...document.querySelectorAll('figure.chart svg')]"
                        ".filter(svg => svg.getBoundingClientRect().width > 50).length,"
                        "title: document.title})"
                    ),
                    "returnByValue": True,
                },
            )
            return {"events": session.events, "facts": json.loads(facts["result"]["value"])}
        finally:
            connection.close()
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_report_makes_no_network_requests(loaded_page: dict, report_file: Path) -> None:
    requested = [event["params"]["request"]["url"] for event in loaded_page["events"] if event.get("method") == "Network.requestWillBeSent"]

    assert report_file.as_uri() in requested
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []


def test_report_logs_no_console_errors(loaded_page: dict) -> None:
    errors = []
    for event in loaded_page["events"]:
        method = event.get("method")
        params = event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(params)
        if method == "Runtime.exceptionThrown":
            errors.append(params)
        if method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(params["entry"])

    assert errors == []


def test_report_draws_every_chart(loaded_page: dict) -> None:
    facts = loaded_page["facts"]

    assert facts["charts"] == 8
    assert facts["sections"] == ["summary", "ranking", "distributions", "associations", "usability", "privacy", "timings", "lineage"]
    # 8 distributions, 3 association heatmaps, usability, 1 DCR chart and timings.
    assert facts["drawnCharts"] == 14
    assert facts["title"] == "synth-ops report: adult (browser-check)"


def test_report_screenshot_is_not_blank(report_file: Path, tmp_path: Path) -> None:
    screenshot = tmp_path / "report.png"
    command = [
        str(CHROMIUM),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={screenshot}",
        f"--window-size={WINDOW_SIZE}",
        report_file.as_uri(),
    ]
    subprocess.run(command, check=True, timeout=STARTUP_TIMEOUT_S + LOAD_TIMEOUT_S, capture_output=True)

    with Image.open(screenshot) as image:
        pixels = np.asarray(image.convert("RGB"))
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    non_white_share = float((pixels.min(axis=2) < 245).mean())

    assert pixels.shape[:2] == (2000, 1280)
    assert len(colours) > 50
    assert non_white_share > 0.05
