"""Training requests and the ``synth-ops`` arguments of each step.

A training request is the JSON-serializable dict that the DAGs hand to the
tournament: which table to train on, under which dataset name, with which
run overrides. The functions here turn requests and step results into the
exact argument lists that a pod or a local subprocess runs, so the two
launcher modes cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from synth_ops.errors import ConfigError
from synth_ops.settings import ALL_CANDIDATES

from synth_ops_airflow.config import LauncherSettings

#: Overrides a request may carry, mapped to the ``synth-ops prepare`` flag that sets each.
OVERRIDE_FLAGS = {
    "candidates": "--candidates",
    "epochs": "--epochs",
    "time_budget": "--time-budget",
    "publish_rows": "--publish-rows",
    "target": "--target",
}
#: Seconds a candidate may run past twice its time budget before it is stopped,
#: the same grace that ``synth-ops run`` gives its candidate processes.
CANDIDATE_GRACE_SECONDS = 60


def training_request(
    dataset: str,
    url: str,
    *,
    content_hash: str | None = None,
    overrides: dict[str, Any] | None = None,
    force: bool = False,
) -> dict[str, Any]:
    """Build a training request; ``overrides`` keys must be those of ``OVERRIDE_FLAGS``.

    Overrides that are ``None`` or empty are dropped, so that ``synth.yaml``
    beside the table and the defaults apply.
    """
    cleaned = {key: value for key, value in (overrides or {}).items() if value not in (None, "", [])}
    unknown = sorted(set(cleaned) - set(OVERRIDE_FLAGS))
    if unknown:
        raise ConfigError(f"unknown override {unknown[0]!r}: use {', '.join(OVERRIDE_FLAGS)}")
    candidates = cleaned.get("candidates")
    if candidates is not None:
        if isinstance(candidates, str):
            candidates = [part.strip() for part in candidates.split(",") if part.strip()]
        invalid = [name for name in candidates if name not in ALL_CANDIDATES]
        if invalid:
            raise ConfigError(f"unknown candidate {invalid[0]!r}: choose from {', '.join(ALL_CANDIDATES)}")
        cleaned["candidates"] = list(candidates)
    return {
        "dataset": dataset,
        "url": url,
        "content_hash": content_hash,
        "overrides": cleaned,
        "force": bool(force),
    }


def prepare_arguments(request: dict[str, Any], settings: LauncherSettings) -> list[str]:
    """Return the arguments of ``synth-ops prepare`` for ``request``, without ``--output-json``."""
    arguments = [
        "prepare", request["url"],
        "--dataset", request["dataset"],
        "--work", settings.work_url,
        "--registry", settings.registry_url,
    ]
    for key, flag in OVERRIDE_FLAGS.items():
        value = request.get("overrides", {}).get(key)
        if value is None:
            continue
        arguments += [flag, ",".join(value) if isinstance(value, list) else str(value)]
    if request.get("force"):
        arguments.append("--force")
    return arguments


def candidate_arguments(run_url: str, candidate: str) -> list[str]:
    return ["candidate", "--run", run_url, "--name", candidate]


def select_arguments(run_url: str) -> list[str]:
    return ["select", "--run", run_url]


def register_arguments(run_url: str, settings: LauncherSettings) -> list[str]:
    return ["register", "--run", run_url, "--registry", settings.registry_url]


def sample_arguments(dataset: str, rows: int, out_url: str, seed: int, settings: LauncherSettings) -> list[str]:
    return [
        "sample", "--dataset", dataset, "--rows", str(rows), "--out", out_url,
        "--seed", str(seed), "--registry", settings.registry_url,
    ]


def candidate_time_limit(time_budget: float) -> float:
    """Return the hard wall-time limit of a candidate: twice its budget plus a grace period."""
    return 2 * float(time_budget) + CANDIDATE_GRACE_SECONDS


def published_url(settings: LauncherSettings, dataset: str) -> str:
    """Return where the champion's refreshed synthetic dataset is published."""
    return f"{settings.registry_url}/{dataset}/published/synthetic.parquet"
