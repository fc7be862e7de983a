"""
### Retrain changed datasets and refresh published data every night

1. `find_changed_datasets` lists the newest table of every dataset folder
   in the landing bucket and compares its SHA-256 with the source that the
   dataset's champion was trained on. Datasets without a champion and
   datasets whose table changed run the tournament, one mapped task per
   dataset and candidate. An object version that another run has already
   claimed, for example a `synth_on_arrival` run, is skipped.
2. `refresh_published` samples every champion again, with the night's date
   as the seed, into `<registry>/<dataset>/published/synthetic.parquet`,
   the stable location that consumers read. The row count is the
   `publish_rows` setting, or the champion's own published row count.

The schedule is the cron expression in the environment variable
`SYNTH_OPS_NIGHTLY_SCHEDULE` (default `0 2 * * *`). It is read when the file
is parsed, so it comes from the environment only, never from a Variable.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag

from synth_ops_airflow.config import nightly_schedule
from synth_ops_airflow.operators import SynthStepOperator
from synth_ops_airflow.sources import find_changed_datasets, plan_refresh
from synth_ops_airflow.tournament import add_tournament


@dag(
    dag_id="synth_nightly",
    schedule=nightly_schedule(),
    start_date=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["synth-ops", "training", "scheduled"],
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=5)},
)
def synth_nightly():
    tournament = add_tournament(find_changed_datasets())
    refresh_jobs = plan_refresh()
    # After the registrations, so that new champions are published too. The
    # tournament's summary stays a leaf task, so its failure fails the run.
    tournament.published >> refresh_jobs
    SynthStepOperator.partial(
        task_id="refresh_published",
        step="sample",
        map_index_template="{{ task.dataset }}",
    ).expand_kwargs(refresh_jobs)


synth_nightly()
