"""Compare synth-ops with SDV used by hand, on the Adult and Telco tables, in one invocation.

Three parts, each measured in fresh subprocesses (see ``measure.py`` for what
is measured and how):

1. ``tournament``: for each table, (a) runs ``sdv_by_hand.py``, which fits,
   samples and scores the four SDV synthesizers one after the other with
   SDV's quality report, with torch's default of one thread per core. (a1)
   runs the same with one torch thread, which a busy machine slows far less.
   (b) runs ``synth-ops run`` with the same four candidates and epochs,
   fresh registry and work folders, and ``--timings-json`` for its step
   times. With ``--repeat 2`` the order is a, a1, b, b, a1, a, so that a
   steady change of the machine's load affects every side alike.
2. ``scoring``: ``scoring_costs.py`` on Adult, with every thread pool limited
   to one thread so that wall time is CPU cost.
3. ``sampling``: a GaussianCopula champion fitted on Adult writes 1 and 10
   million rows to Parquet with ``synth-ops sample``, each in a fresh process,
   and 1 million rows through SDV's own ``sample`` for comparison.

The tables are read from ``../shared/datasets`` beside the repository.

    .venv/bin/python benchmarks/compare_sdv.py --epochs 5 --out docs/benchmarks-results.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measure  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]
DATASETS_DIR = REPOSITORY.parent / "shared" / "datasets"
BENCHMARKS = Path(__file__).resolve().parent
CANDIDATES = ["gaussian_copula", "ctgan", "tvae", "copula_gan"]
LIBRARIES = ["sdv", "sdmetrics", "rdt", "copulas", "ctgan", "torch", "pandas", "numpy", "pyarrow", "scikit-learn", "psutil"]

#: Per table: the file, the usability target, and what the hand-written
#: baseline changes after pandas.read_csv so that SDV models the same columns
#: as synth-ops. Telco's customerID is a key (synth-ops regenerates it), and
#: its TotalCharges contains numbers as text with 11 blanks (synth-ops converts it).
DATASETS = {
    "adult": {"file": "adult.csv", "target": "income", "drop": [], "numeric": []},
    "telco_churn": {"file": "telco_churn.csv", "target": "Churn", "drop": ["customerID"], "numeric": ["TotalCharges"]},
}

_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
_WROTE = re.compile(r"Wrote (\d+) of (\d+) rows \((\d+) rows/s\)")
_CANDIDATE_DONE = re.compile(r"Candidate (\S+) finished: (\S+) in ([\d.]+) s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5, help="training epochs of CTGAN, TVAE and CopulaGAN on both sides (default 5)")
    parser.add_argument("--out", default="docs/benchmarks-results.json", help="JSON file for every number (default docs/benchmarks-results.json)")
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated tables for the tournament part (default: adult,telco_churn)")
    parser.add_argument("--parts", default="tournament,scoring,sampling", help="comma-separated parts to run (default: all three)")
    parser.add_argument("--repeat", type=int, choices=[1, 2], default=1, help="1: each side once; 2: each side twice, the second pass in reverse order (default 1)")
    parser.add_argument("--no-single-thread-baseline", action="store_true", help="skip a1, the hand-written baseline with one torch thread")
    parser.add_argument("--sample-rows", default="1000000,10000000", help="comma-separated row counts for the sampling part")
    parser.add_argument("--sdv-sample-rows", type=int, default=1_000_000, help="rows written through SDV's own sample for comparison; 0 skips it")
    parser.add_argument("--dcr-sizes", default="500,1000,2000", help="subsample sizes for SDMetrics' DCR metrics")
    parser.add_argument("--scratch", help="folder for registries, work areas and Parquet files (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()

    if not DATASETS_DIR.is_dir():
        print(f"compare_sdv.py: error: the datasets folder {DATASETS_DIR} is missing; it must hold adult.csv and telco_churn.csv", file=sys.stderr)
        return 2
    for name in args.datasets.split(","):
        if name not in DATASETS:
            print(f"compare_sdv.py: error: unknown dataset {name!r}; choose from {', '.join(DATASETS)}", file=sys.stderr)
            return 2
        if not (DATASETS_DIR / DATASETS[name]["file"]).is_file():
            print(f"compare_sdv.py: error: {DATASETS_DIR / DATASETS[name]['file']} is missing", file=sys.stderr)
            return 2

    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="synth-ops-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    parts = args.parts.split(",")
    results: dict = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(),
        "epochs": args.epochs,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    started = time.perf_counter()
    try:
        if "tournament" in parts:
            results["tournament"] = {
                name: tournament(name, args.epochs, args.repeat, scratch, not args.no_single_thread_baseline) for name in args.datasets.split(",")
            }
        if "scoring" in parts:
            results["scoring"] = scoring(scratch, args.dcr_sizes)
        if "sampling" in parts:
            rows = [int(value) for value in args.sample_rows.split(",")]
            results["sampling"] = sampling(scratch, rows, args.sdv_sample_rows)
    finally:
        results["benchmark_wall_s"] = time.perf_counter() - started
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print_summary(results)
    print(f"\nWrote {args.out}")
    return 0


def machine_info() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    libraries = {}
    for name in LIBRARIES:
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = None
    commit = _git("rev-parse", "HEAD")
    changed = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "cpu_model": model,
        "logical_cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": libraries,
        "git_commit": commit,
        "git_tracked_changes": bool(changed),
        "loadavg_at_start": list(os.getloadavg()),
    }


def _git(*arguments: str) -> str | None:
    try:
        return subprocess.run(["git", *arguments], cwd=REPOSITORY, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SYNTH_OPS_")}
    env.update(extra)
    return env


def _check(measurement, what: str) -> None:
    if measurement.returncode != 0:
        raise RuntimeError(f"{what} failed with exit code {measurement.returncode}:\n{measurement.output_tail}")


def tournament(name: str, epochs: int, repeat: int, scratch: Path, single_thread_baseline: bool) -> dict:
    """Run the hand-written baseline (a, and a1 with one thread) and synth-ops run (b) on one table."""
    spec = DATASETS[name]
    table = DATASETS_DIR / spec["file"]
    sides = ["a", "a1", "b"] if single_thread_baseline else ["a", "b"]
    # With two repeats the second pass runs in reverse, so that a steady drift of the load affects every side alike.
    order = sides if repeat == 1 else sides + sides[::-1]
    runs: dict[str, list] = {side: [] for side in sides}
    labels = {"a": "SDV by hand", "a1": "SDV by hand, one torch thread", "b": "synth-ops run"}
    for index, side in enumerate(order):
        folder = scratch / f"{name}-{index}-{side}"
        folder.mkdir(parents=True)
        print(f"[{name}] run {index + 1} of {len(order)}: {labels[side]}", flush=True)
        if side == "b":
            runs[side].append(_synth_ops_run(name, table, spec, epochs, folder))
        else:
            runs[side].append(_by_hand(table, spec, epochs, folder, threads=1 if side == "a1" else 0))
    result = {"a_sdv_by_hand": runs["a"], "b_synth_ops": runs["b"]}
    for side, key in (("a", "a"), ("a1", "a1")):
        if side not in runs:
            continue
        if side == "a1":
            result["a1_sdv_by_hand_one_thread"] = runs["a1"]
        result[f"b_over_{key}_wall"] = sum(run["wall_s"] for run in runs["b"]) / sum(run["wall_s"] for run in runs[side])
        result[f"b_over_{key}_cpu"] = sum(run["cpu_s"] for run in runs["b"]) / sum(run["cpu_s"] for run in runs[side])
        # Pairs runs of the same pass: the first b with the first a, the last b with the last a.
        result[f"b_over_{key}_wall_each"] = [b["wall_s"] / a["wall_s"] for a, b in zip(runs[side], runs["b"])]
    return result


def _by_hand(table: Path, spec: dict, epochs: int, folder: Path, threads: int = 0) -> dict:
    out = folder / "by_hand.json"
    command = [sys.executable, str(BENCHMARKS / "sdv_by_hand.py"), str(table), "--epochs", str(epochs), "--out", str(out)]
    for column in spec["drop"]:
        command += ["--drop", column]
    for column in spec["numeric"]:
        command += ["--numeric", column]
    env = _environment()
    if threads:
        command += ["--threads", str(threads)]
        env.update(_ONE_THREAD)
    measurement = measure(command, env=env, cwd=str(folder), log_path=folder / "by_hand.log")
    _check(measurement, "the hand-written SDV baseline")
    result = measurement.to_dict()
    result["steps"] = json.loads(out.read_text())
    return result


def _synth_ops_run(name: str, table: Path, spec: dict, epochs: int, folder: Path) -> dict:
    timings = folder / "timings.json"
    command = [
        sys.executable, "-m", "synth_ops", "run", str(table), "--dataset", name, "--target", spec["target"],
        "--candidates", ",".join(CANDIDATES), "--epochs", str(epochs), "--time-budget", "100000", "--force",
        "--registry", str(folder / "registry"), "--work", str(folder / "work"), "--timings-json", str(timings),
    ]
    log = folder / "synth_ops.log"
    measurement = measure(command, env=_environment(), cwd=str(REPOSITORY), log_path=log)
    _check(measurement, "synth-ops run")
    result = measurement.to_dict()
    steps = json.loads(timings.read_text())
    result["steps"] = steps["step_seconds"]
    run_folder = Path(steps["run_url"].removeprefix("file://"))
    candidates = {}
    for candidate in CANDIDATES:
        scores = json.loads((run_folder / "candidates" / candidate / "scores.json").read_text())
        candidates[candidate] = {"status": scores.get("status"), "timings": scores.get("timings"), "quality": (scores.get("fidelity") or {}).get("quality")}
    # The launcher's time per candidate includes starting Python and importing SDV and torch.
    for match in _CANDIDATE_DONE.finditer(log.read_text(encoding="utf-8", errors="replace")):
        if match.group(1) in candidates:
            candidates[match.group(1)]["process_s"] = float(match.group(3))
    result["candidates"] = candidates
    return result


def scoring(scratch: Path, dcr_sizes: str) -> dict:
    folder = scratch / "scoring"
    folder.mkdir(parents=True)
    out = folder / "scoring.json"
    command = [
        sys.executable, str(BENCHMARKS / "scoring_costs.py"), str(DATASETS_DIR / "adult.csv"), "--target", "income",
        "--work", str(folder / "work"), "--out", str(out), "--dcr-sizes", dcr_sizes,
    ]
    print("[scoring] scorecard, quality report and SDMetrics DCR metrics on Adult", flush=True)
    measurement = measure(command, env=_environment(**_ONE_THREAD), cwd=str(REPOSITORY), log_path=folder / "scoring.log")
    _check(measurement, "scoring_costs.py")
    result = json.loads(out.read_text())
    result["process"] = {key: value for key, value in measurement.to_dict().items() if key != "output_tail"}
    return result


def sampling(scratch: Path, row_counts: list[int], sdv_rows: int) -> dict:
    folder = scratch / "sampling"
    folder.mkdir(parents=True)
    registry = folder / "registry"
    print("[sampling] fitting the GaussianCopula champion on Adult", flush=True)
    fit = measure(
        [sys.executable, "-m", "synth_ops", "run", str(DATASETS_DIR / "adult.csv"), "--dataset", "adult", "--target", "income",
         "--candidates", "gaussian_copula", "--force", "--registry", str(registry), "--work", str(folder / "work")],
        env=_environment(), cwd=str(REPOSITORY), log_path=folder / "fit.log",
    )
    _check(fit, "synth-ops run (GaussianCopula on Adult)")
    runs = []
    for rows in row_counts:
        out = folder / f"rows-{rows}.parquet"
        log = folder / f"sample-{rows}.log"
        print(f"[sampling] synth-ops sample --rows {rows}", flush=True)
        measurement = measure(
            [sys.executable, "-m", "synth_ops", "sample", "--dataset", "adult", "--rows", str(rows), "--out", str(out), "--seed", "1", "--registry", str(registry)],
            env=_environment(), cwd=str(REPOSITORY), log_path=log,
        )
        _check(measurement, f"synth-ops sample --rows {rows}")
        writes = _WROTE.findall(log.read_text(encoding="utf-8", errors="replace"))
        result = {key: value for key, value in measurement.to_dict().items() if key != "output_tail"}
        result.update({
            "rows": rows,
            "file_mb": out.stat().st_size / 2**20,
            "rows_per_s_end_to_end": rows / measurement.wall_s,
            "rows_per_s_writing": float(writes[-1][2]) if writes else None,
        })
        runs.append(result)
        out.unlink()
    comparison = None
    if sdv_rows:
        out = folder / "sdv-sample.parquet"
        timings = folder / "sdv-sample.json"
        print(f"[sampling] {sdv_rows} rows through SDV's own sample", flush=True)
        measurement = measure(
            [sys.executable, str(BENCHMARKS / "sample_rows.py"), "--registry", str(registry), "--dataset", "adult", "--rows", str(sdv_rows),
             "--out", str(out), "--out-json", str(timings), "--sdv-sample"],
            env=_environment(), cwd=str(REPOSITORY), log_path=folder / "sdv-sample.log",
        )
        _check(measurement, "sample_rows.py --sdv-sample")
        comparison = {key: value for key, value in measurement.to_dict().items() if key != "output_tail"}
        comparison.update(json.loads(timings.read_text()))
        out.unlink()
    return {"fit": {key: value for key, value in fit.to_dict().items() if key != "output_tail"}, "synth_ops_sample": runs, "sdv_sample": comparison}


def print_summary(results: dict) -> None:
    machine = results["machine"]
    print(f"\n{machine['cpu_model']}, {machine['logical_cores']} cores, {machine['memory_gib']} GiB, Python {machine['python']}, "
          f"torch {machine['libraries']['torch']}, sdv {machine['libraries']['sdv']}; epochs {results['epochs']}")
    for name, entry in results.get("tournament", {}).items():
        print(f"\n{name}: b/a wall {entry['b_over_a_wall']:.2f}, CPU {entry['b_over_a_cpu']:.2f}")
        if "b_over_a1_wall" in entry:
            print(f"{name}: b/a1 wall {entry['b_over_a1_wall']:.2f}, CPU {entry['b_over_a1_cpu']:.2f}")
        for side, key in (("a", "a_sdv_by_hand"), ("a1", "a1_sdv_by_hand_one_thread"), ("b", "b_synth_ops")):
            for run in entry.get(key, []):
                print(f"  {side}: wall {run['wall_s']:.1f} s, CPU {run['cpu_s']:.1f} s, peak tree RSS {run['peak_tree_rss_mb']:.0f} MB, "
                      f"PSS {run['peak_tree_pss_mb'] or 0:.0f} MB, other load {run['other_load_cores'] or 0:.2f} cores")
            if side == "b":
                for run in entry[key]:
                    print("     steps: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in run["steps"].items()))
    if "scoring" in results:
        scoring_result = results["scoring"]
        print(f"\nscoring on Adult: quality report {scoring_result['quality_report']['wall_s']:.2f} s, scorecard {scoring_result['scorecard']['wall_s']:.2f} s "
              f"({scoring_result['scorecard_over_quality_wall']:.2f}x); dimensions {scoring_result['scorecard']['dimensions_s']}; "
              f"from scratch {scoring_result['scorecard_from_scratch']['wall_s']:.2f} s ({scoring_result['scorecard_from_scratch_over_quality_wall']:.2f}x)")
        for key, estimate in scoring_result["dcr_full_table_estimates"].items():
            print(f"  {key}: estimated {estimate['estimated_full_s'] / 60:.0f} min on the full table (exponent {estimate['exponent']:.2f})")
    if "sampling" in results:
        for run in results["sampling"]["synth_ops_sample"]:
            print(f"\nsample {run['rows']:,} rows: {run['wall_s']:.1f} s end to end ({run['rows_per_s_end_to_end']:,.0f} rows/s), "
                  f"writing {run['rows_per_s_writing'] or 0:,.0f} rows/s, peak RSS {run['largest_process_rss_mb']:.0f} MB")
        sdv = results["sampling"].get("sdv_sample")
        if sdv:
            print(f"SDV's own sample, {sdv['rows']:,} rows: writing {sdv['rows_per_s']:,.0f} rows/s")
    print(f"\nbenchmark wall time {results['benchmark_wall_s'] / 60:.1f} min")


if __name__ == "__main__":
    sys.exit(main())
