"""The tournament as a task group that every synth-ops DAG shares.

``add_tournament(requests)`` adds, inside a ``tournament`` task group::

    plan_prepare -> prepare_dataset[request]
        -> plan_candidates -> fit_candidate[run x candidate]
        -> plan_selection  -> select_winner[run]      (waits for every candidate, tolerates failed ones)
        -> find_winners    -> register_champion[run with a winner]
        -> publish_champions -> summarize_tournament

``requests`` is an XComArg that resolves to a list of training requests
(``steps.training_request``), one per dataset. The step tasks are
``SynthStepOperator`` instances, so they run as pods or as local
subprocesses depending on the ``launcher`` setting. A failed candidate does
not stop its run: selection records it as failed and picks among the others.
``summarize_tournament`` fails the DAG run, with the reasons, when a
requested dataset got no new champion and was not already registered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from airflow.sdk import TaskGroup, XComArg, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from synth_ops_airflow.assets import CHAMPIONS, champion_asset
from synth_ops_airflow.operators import SynthStepOperator

logger = logging.getLogger(__name__)

ALL_DONE = "all_done"


def _prepared_runs(prepared: Any) -> list[dict[str, Any]]:
    """Return the results of prepare steps that prepared a run; failed or skipped ones have none."""
    return [result for result in (prepared or []) if result and not result.get("skipped")]


def _read_run_json(run_url: str, name: str) -> dict[str, Any] | None:
    from synth_ops import storage
    from synth_ops.errors import ObjectNotFoundError

    try:
        return storage.read_json(storage.join(run_url, name))
    except ObjectNotFoundError:
        return None


@task
def plan_prepare(requests: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Turn the training requests into the arguments of one prepare step each."""
    from synth_ops_airflow.config import load_settings
    from synth_ops_airflow.steps import prepare_arguments

    requests = [request for request in (requests or []) if request]
    if not requests:
        raise AirflowSkipException("no table to train on")
    datasets = [request["dataset"] for request in requests]
    duplicates = sorted({name for name in datasets if datasets.count(name) > 1})
    if duplicates:
        raise AirflowFailException(
            f"dataset {duplicates[0]!r} is requested more than once in one run: request each dataset once"
        )
    settings = load_settings()
    return [
        {"arguments": prepare_arguments(request, settings), "dataset": request["dataset"]}
        for request in requests
    ]


@task(trigger_rule=ALL_DONE)
def plan_candidates(prepared: Any) -> list[dict[str, Any]]:
    """List one candidate step per prepared run and candidate, each bounded by its time budget."""
    from synth_ops_airflow.steps import candidate_arguments, candidate_time_limit

    runs = _prepared_runs(prepared)
    if not runs:
        raise AirflowSkipException("no run was prepared: every source is already registered or prepare failed")
    jobs = []
    for result in runs:
        run = _read_run_json(result["run_url"], "run.json")
        if run is None:
            raise AirflowFailException(f"run.json not found in {result['run_url']}: prepare did not finish")
        time_limit = candidate_time_limit(run["settings"]["candidates"]["time_budget"])
        for name in result["candidates"]:
            jobs.append({
                "arguments": candidate_arguments(result["run_url"], name),
                "candidate": name,
                "dataset": result["dataset"],
                "time_limit_seconds": time_limit,
            })
    logger.info("Planned %d candidate steps for %d runs", len(jobs), len(runs))
    return jobs


@task(trigger_rule=ALL_DONE)
def plan_selection(prepared: Any) -> list[dict[str, Any]]:
    """List one select step per prepared run."""
    from synth_ops_airflow.steps import select_arguments

    runs = _prepared_runs(prepared)
    if not runs:
        raise AirflowSkipException("no run was prepared, so there is nothing to select")
    return [{"arguments": select_arguments(result["run_url"]), "dataset": result["dataset"]} for result in runs]


@task(trigger_rule=ALL_DONE)
def find_winners(prepared: Any) -> list[dict[str, Any]]:
    """List one register step per run whose decision names a winner; skip registering when none does."""
    from synth_ops_airflow.config import load_settings
    from synth_ops_airflow.steps import register_arguments

    settings = load_settings()
    jobs = []
    for result in _prepared_runs(prepared):
        decision = _read_run_json(result["run_url"], "decision.json")
        if decision and decision.get("winner"):
            logger.info("Run %s of %s has the winner %s", result["run_id"], result["dataset"], decision["winner"])
            jobs.append({"arguments": register_arguments(result["run_url"], settings), "dataset": result["dataset"]})
        else:
            logger.warning("Run %s of %s has no winner; nothing is registered for it", result["run_id"], result["dataset"])
    if not jobs:
        raise AirflowSkipException("no run has a winner, so nothing is registered")
    return jobs


@task(trigger_rule=ALL_DONE, outlets=[CHAMPIONS])
def publish_champions(prepared: Any, *, outlet_events: Any = None) -> list[dict[str, Any]]:
    """Emit an asset event for each dataset whose champion this DAG run registered."""
    from synth_ops_airflow.config import load_settings
    from synth_ops_airflow.landing import champion_manifest

    settings = load_settings()
    published = []
    for result in _prepared_runs(prepared):
        manifest = champion_manifest(settings.registry_url, result["dataset"])
        if not manifest or manifest.get("run_id") != result["run_id"]:
            continue
        extra = {
            "dataset": result["dataset"],
            "version": manifest["version"],
            "url": f"{settings.registry_url}/{result['dataset']}/{manifest['version']}",
            "run_id": result["run_id"],
            "candidate": manifest.get("candidate"),
            "score": (manifest.get("scores") or {}).get("score"),
            "source_sha256": (manifest.get("source") or {}).get("sha256"),
        }
        outlet_events[CHAMPIONS].add(champion_asset(result["dataset"]), extra=extra)
        logger.info("Published champion %s %s", result["dataset"], manifest["version"])
        published.append(extra)
    return published


def dataset_outcome(result: dict[str, Any] | None, published: bool) -> tuple[bool, str]:
    """Return whether one requested dataset ended well, and how, from its prepare result."""
    if result is None:
        return False, "prepare failed"
    if result.get("skipped"):
        return True, f"already registered as {result.get('existing_version')}"
    if published:
        return True, "new champion registered"
    decision = _read_run_json(result["run_url"], "decision.json")
    if decision is None:
        return False, "selection failed before writing decision.json"
    if not decision.get("winner"):
        return False, "no winner: " + "; ".join(decision.get("reasons") or ["no reason recorded"])
    return False, f"winner {decision['winner']} was not registered"


@task(trigger_rule=ALL_DONE)
def summarize_tournament(requests: Any, prepared: Any, published: Any) -> dict[str, str]:
    """Log each requested dataset's outcome, and fail when one got no champion and was not already registered."""
    prepared_by_dataset = {result["dataset"]: result for result in (prepared or []) if result}
    published_datasets = {entry["dataset"] for entry in (published or [])}
    outcomes: dict[str, str] = {}
    failures = []
    for request in requests or []:
        dataset = request["dataset"]
        succeeded, outcomes[dataset] = dataset_outcome(prepared_by_dataset.get(dataset), dataset in published_datasets)
        logger.info("Dataset %s: %s", dataset, outcomes[dataset])
        if not succeeded:
            failures.append(f"{dataset}: {outcomes[dataset]}")
    if failures:
        raise AirflowFailException("no new champion for " + " | ".join(failures))
    return outcomes


@dataclass(frozen=True)
class Tournament:
    """The tasks of one tournament in a DAG."""

    group: TaskGroup
    #: ``publish_champions``: runs after every registration, whether it succeeded or not.
    published: XComArg
    #: ``summarize_tournament``: keep it a leaf task, so that its failure fails the DAG run.
    summary: XComArg


def add_tournament(requests: XComArg, *, group_id: str = "tournament") -> Tournament:
    """Add the tournament's tasks for ``requests`` to the current DAG and return them."""
    with TaskGroup(group_id=group_id, tooltip="prepare, fit candidates, select, register, publish") as group:
        prepare_jobs = plan_prepare(requests)
        prepared = SynthStepOperator.partial(
            task_id="prepare_dataset",
            step="prepare",
            push_output=True,
            map_index_template="{{ task.dataset }}",
        ).expand_kwargs(prepare_jobs)

        candidate_jobs = plan_candidates(prepared.output)
        fitted = SynthStepOperator.partial(
            task_id="fit_candidate",
            step="candidate",
            map_index_template="{{ task.dataset }} {{ task.candidate }}",
        ).expand_kwargs(candidate_jobs)

        selection_jobs = plan_selection(prepared.output)
        selected = SynthStepOperator.partial(
            task_id="select_winner",
            step="select",
            # Wait for every candidate, whether it succeeded or failed.
            trigger_rule=ALL_DONE,
            map_index_template="{{ task.dataset }}",
        ).expand_kwargs(selection_jobs)
        fitted >> selected

        register_jobs = find_winners(prepared.output)
        selected >> register_jobs
        registered = SynthStepOperator.partial(
            task_id="register_champion",
            step="register",
            map_index_template="{{ task.dataset }}",
        ).expand_kwargs(register_jobs)

        published = publish_champions(prepared.output)
        registered >> published
        summary = summarize_tournament(requests, prepared.output, published)
    return Tournament(group=group, published=published, summary=summary)
