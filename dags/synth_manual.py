"""
### Train a generator on request

Runs the tournament on one table with the settings chosen in the trigger
form. Every field is optional except `dataset`. An empty field leaves the
value to `synth.yaml` beside the table, then to the synth-ops defaults.

| param | meaning |
|---|---|
| `dataset` | dataset name in the registry; also the landing folder searched when `source_key` is empty |
| `source_key` | table key inside the landing bucket (`adult/adult.csv`) or a full `s3://` URL; empty takes the newest table of `<landing>/<dataset>/` |
| `candidates` | candidates that compete |
| `epochs` | training epochs of the deep candidates |
| `time_budget_seconds` | wall-time budget per candidate; a candidate still running at twice the budget plus 60 s is stopped |
| `publish_rows` | rows of the registered synthetic dataset; 0 means as many as the source |
| `target` | column predicted by the usability score |
| `force` | train even when this content is already registered |
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Param, dag

from synth_ops.settings import ALL_CANDIDATES
from synth_ops_airflow.sources import resolve_request
from synth_ops_airflow.tournament import add_tournament


@dag(
    dag_id="synth_manual",
    schedule=None,
    start_date=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    doc_md=__doc__,
    tags=["synth-ops", "training", "manual"],
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=1)},
    params={
        "dataset": Param(
            "adult", type="string", pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$",
            title="Dataset", description="Dataset name: lower-case letters, digits, '_', '-' or '.'",
        ),
        "source_key": Param(
            "", type="string", title="Source key",
            description="Key in the landing bucket or a full URL; empty takes the dataset folder's newest table",
        ),
        "candidates": Param(
            list(ALL_CANDIDATES), type="array", items={"type": "string", "enum": list(ALL_CANDIDATES)},
            uniqueItems=True, title="Candidates", description="Candidates that compete; empty uses synth.yaml",
        ),
        "epochs": Param(
            None, type=["null", "integer"], minimum=1, title="Epochs",
            description="Training epochs of the deep candidates; empty uses synth.yaml or 300",
        ),
        "time_budget_seconds": Param(
            None, type=["null", "number"], exclusiveMinimum=0, title="Time budget (s)",
            description="Wall-time budget per candidate in seconds; empty uses synth.yaml or 600",
        ),
        "publish_rows": Param(
            None, type=["null", "integer"], minimum=0, title="Rows to publish",
            description="Rows of the registered synthetic dataset; 0 or empty means as many as the source",
        ),
        "target": Param(
            None, type=["null", "string"], title="Target column",
            description="Column predicted by the usability score; empty uses synth.yaml",
        ),
        "force": Param(False, type="boolean", title="Force", description="Train even when this content is already registered"),
    },
)
def synth_manual():
    add_tournament(resolve_request())


synth_manual()
