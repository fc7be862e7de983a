"""Airflow configuration for the DAG integrity tests; the same as tests/airflow/conftest.py.

Both folders may run in one pytest process, so whichever conftest loads
first creates the temporary AIRFLOW_HOME and the other one keeps it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPOSITORY / "dags"
PLUGINS_FOLDER = REPOSITORY / "plugins"

if "SYNTH_OPS_TEST_AIRFLOW_HOME" not in os.environ:
    _home = tempfile.mkdtemp(prefix="synth-ops-airflow-")
    os.environ["SYNTH_OPS_TEST_AIRFLOW_HOME"] = _home
    os.environ["AIRFLOW_HOME"] = _home
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_home}/airflow.db"
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS_FOLDER)
    os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(PLUGINS_FOLDER)
if str(PLUGINS_FOLDER) not in sys.path:
    sys.path.insert(0, str(PLUGINS_FOLDER))
