"""The Airflow assets of synth-ops: the landing bucket and each dataset's champion.

A downstream DAG that must run whenever a dataset gets a new champion
schedules on ``champion_asset("<dataset>")``. A DAG that reacts to every
dataset schedules on the ``CHAMPIONS`` alias. Each event's ``extra`` contains
the dataset, the version, its URL, the run id, the winning candidate, its
score and the source's SHA-256.
"""

from __future__ import annotations

from airflow.sdk import Asset, AssetAlias, AssetWatcher

#: Alias under which the tournament emits its champion events, because the
#: datasets are known only when a run ends.
CHAMPIONS = AssetAlias("synth_ops_champions")

LANDING_ASSET_URI = "synth-ops://landing"


def champion_asset(dataset: str) -> Asset:
    """Return the asset whose events mark a new champion of ``dataset``."""
    return Asset(name=f"synth_ops_champion_{dataset}", uri=f"synth-ops://champion/{dataset}", group="synth-ops")


def landing_asset() -> Asset:
    """Return the landing asset, watched by ``LandingTableTrigger`` in the triggerer.

    The trigger reads the landing URL from the settings when it runs, so this
    function touches no bucket, Variable or connection.
    """
    from synth_ops_airflow.triggers import LandingTableTrigger

    return Asset(
        name="synth_ops_landing",
        uri=LANDING_ASSET_URI,
        group="synth-ops",
        watchers=[AssetWatcher(name="synth_ops_landing_watcher", trigger=LandingTableTrigger())],
    )
