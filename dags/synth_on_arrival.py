"""
### Train a generator when a table lands

Starts when a data owner writes a table to `<landing>/<dataset>/` (a `.csv`
or `.parquet` file), then runs the tournament on it: prepare, one
`fit_candidate` task per candidate, select, register, and an asset event
for the new champion (`synth-ops://champion/<dataset>`).

**How it starts.** The DAG is scheduled on the asset `synth-ops://landing`,
which an asset watcher updates. Its trigger, `LandingTableTrigger`, runs in
the triggerer and lists the landing bucket every `landing_poll_seconds`,
so no worker slot is held while nothing arrives. The amazon provider has no
S3 trigger that can watch an asset (its event triggers read SQS, Kinesis or
DynamoDB), and an on-premise MinIO does not publish to those, so the trigger
polls the S3 listing. It works with any S3 API and with `file://` folders.

**Each object version trains once.** The trigger reports the newest table
of each dataset with its content hash (the S3 ETag). `claim_arrivals`
creates `<work>/<dataset>/arrivals/<hash>.json` with a create-only write, so
a version reported twice, for example after a triggerer restart, still gets
one run. Prepare then skips content that the registry already holds. A
version whose run failed is not retried on its own: upload it again under
a new name, or use `synth_manual` with `force`.

Started by hand or by `dag.test()`, without trigger events, the run claims
every unclaimed newest table instead.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag

from synth_ops_airflow.assets import landing_asset
from synth_ops_airflow.sources import claim_arrivals
from synth_ops_airflow.tournament import add_tournament


@dag(
    dag_id="synth_on_arrival",
    schedule=[landing_asset()],
    start_date=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    doc_md=__doc__,
    tags=["synth-ops", "training", "event-driven"],
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=1)},
)
def synth_on_arrival():
    add_tournament(claim_arrivals())


synth_on_arrival()
