"""Cost of the synth-ops scorecard against SDV's quality report and SDMetrics' DCR metrics, on one table.

Prepares the table as ``synth-ops prepare`` does, fits a GaussianCopula on the
training rows, samples as many rows, and times (median of ``--repeats``):

- SDV's quality report alone on the training and synthetic rows;
- the whole scorecard (fidelity, usability, privacy) on the same rows, as a
  candidate runs it: with the holdout-to-training distances that the prepare
  step computes once per run, whose time is reported on its own, and also
  from scratch;
- SDMetrics 0.32's ``DCRBaselineProtection`` and ``DCROverfittingProtection``
  on random subsamples of ``--dcr-sizes`` rows of each input, and the
  scorecard's privacy part on the same subsamples.

The SDMetrics metrics compare every synthetic row with every reference row in
pandas, so their time grows with the number of row pairs. Their time on the
whole table is extrapolated from the subsamples with a power law fitted to
time against row pairs: an estimate, not a measurement.

    python benchmarks/scoring_costs.py TABLE.csv --target income --work DIR --out result.json
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
import warnings


def timed(function, repeats: int) -> dict:
    """Run ``function`` ``repeats`` times; return the median and every wall and CPU time."""
    walls, cpus = [], []
    result = None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus), "walls_s": walls, "cpus_s": cpus, "result": result}


def power_law(pairs: list[float], seconds: list[float]) -> tuple[float, float]:
    """Fit seconds = scale * pairs ** exponent by least squares on logarithms; return (scale, exponent)."""
    xs = [math.log(value) for value in pairs]
    ys = [math.log(value) for value in seconds]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    exponent = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread if spread else 1.0
    return math.exp(mean_y - exponent * mean_x), exponent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("table", help="CSV file")
    parser.add_argument("--target", required=True, help="target column of the usability score")
    parser.add_argument("--work", required=True, help="scratch folder for the prepared run")
    parser.add_argument("--out", required=True, help="JSON file for the results")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the quality report and the scorecard (default 3)")
    parser.add_argument("--dcr-sizes", default="500,1000,2000", help="comma-separated subsample sizes for the SDMetrics DCR metrics")
    parser.add_argument("--seed", type=int, default=42, help="seed of the split, the model and the subsamples (default 42)")
    args = parser.parse_args()

    warnings.simplefilter("ignore")
    from sdmetrics.single_table import DCRBaselineProtection, DCROverfittingProtection
    from sdv.evaluation import evaluate_quality
    from sdv.metadata import Metadata

    from synth_ops import storage
    from synth_ops.candidates import get_candidate
    from synth_ops.scoring import score_candidate
    from synth_ops.scoring.encoding import column_kinds, read_table_metadata
    from synth_ops.scoring.privacy import score_privacy
    from synth_ops.scoring.scorecard import real_privacy_reference
    from synth_ops.steps import run_prepare
    from synth_ops.steps.layout import RunLayout

    prepared = run_prepare(args.table, args.work, overrides={"target": args.target, "seed": args.seed}, force=True)
    layout = RunLayout.from_url(prepared.run_url)
    train = storage.read_parquet(layout.train)
    holdout = storage.read_parquet(layout.holdout)
    metadata = storage.read_json(layout.metadata)
    baseline = storage.read_json(layout.baseline)
    table_name, column_metadata = read_table_metadata(metadata)
    kinds = column_kinds(column_metadata, list(train.columns))

    candidate = get_candidate("gaussian_copula")(seed=args.seed)
    candidate.fit(train, metadata)
    synthetic = candidate.model.sample(len(train), seed=args.seed)
    sdv_metadata = Metadata.load_from_dict(metadata)

    quality = timed(lambda: evaluate_quality({table_name: train}, {table_name: synthetic}, sdv_metadata, verbose=False).get_score(), args.repeats)
    dimensions: list[dict] = []

    reference = timed(lambda: real_privacy_reference(train, holdout, metadata, seed=args.seed), args.repeats)

    def scorecard(shared_reference):
        seconds: dict = {}
        card = score_candidate(
            train, holdout, synthetic, metadata, args.target, baseline, seed=args.seed, timings_out=seconds, holdout_to_training=shared_reference
        )
        dimensions.append(seconds)
        return {"quality": card["fidelity"]["quality"], "dcr_share": card["privacy"]["dcr_share_nearer_training"]}

    card = timed(lambda: scorecard(reference["result"]), args.repeats)
    dimension_medians = {key: statistics.median(entry[key] for entry in dimensions) for key in dimensions[0]}
    dimensions.clear()
    from_scratch = timed(lambda: scorecard(None), args.repeats)
    scratch_medians = {key: statistics.median(entry[key] for entry in dimensions) for key in dimensions[0]}
    print(f"quality report {quality['wall_s']:.2f} s, scorecard {card['wall_s']:.2f} s {dimension_medians}, from scratch {from_scratch['wall_s']:.2f} s", flush=True)

    rows = {"train": len(train), "holdout": len(holdout), "synthetic": len(synthetic)}
    subsamples = []
    for size in [int(value) for value in args.dcr_sizes.split(",")]:
        train_part = train.sample(n=min(size, len(train)), random_state=args.seed).reset_index(drop=True)
        holdout_part = holdout.sample(n=min(size, len(holdout)), random_state=args.seed).reset_index(drop=True)
        synthetic_part = synthetic.sample(n=min(size, len(synthetic)), random_state=args.seed).reset_index(drop=True)
        dcr_baseline = timed(lambda: DCRBaselineProtection.compute_breakdown(train_part, synthetic_part, metadata, table_name)["score"], 1)
        dcr_overfitting = timed(
            lambda: DCROverfittingProtection.compute_breakdown(train_part, synthetic_part, holdout_part, metadata, table_name)["score"], 1
        )
        ours = timed(
            lambda: score_privacy(train_part, holdout_part, synthetic_part, kinds, baseline["holdout_exact_copy_rate"], seed=args.seed)["dcr_share_nearer_training"],
            1,
        )
        subsamples.append({
            "rows": size,
            # DCRBaselineProtection compares the synthetic rows and as many random rows with the real rows.
            "baseline_pairs": 2 * len(synthetic_part) * len(train_part),
            # DCROverfittingProtection compares the synthetic rows with the training and the validation rows.
            "overfitting_pairs": len(synthetic_part) * (len(train_part) + len(holdout_part)),
            "dcr_baseline_protection_s": dcr_baseline["wall_s"],
            "dcr_overfitting_protection_s": dcr_overfitting["wall_s"],
            "synth_ops_privacy_s": ours["wall_s"],
            "scores": {"dcr_baseline_protection": dcr_baseline["result"], "dcr_overfitting_protection": dcr_overfitting["result"], "synth_ops_dcr_share": ours["result"]},
        })
        print(f"{size} rows: DCRBaselineProtection {dcr_baseline['wall_s']:.1f} s, DCROverfittingProtection {dcr_overfitting['wall_s']:.1f} s, synth-ops privacy {ours['wall_s']:.2f} s", flush=True)

    full_pairs = {
        "baseline": 2 * rows["synthetic"] * rows["train"],
        "overfitting": rows["synthetic"] * (rows["train"] + rows["holdout"]),
    }
    estimates = {}
    for metric, key in (("baseline", "dcr_baseline_protection_s"), ("overfitting", "dcr_overfitting_protection_s")):
        scale, exponent = power_law([entry[f"{metric}_pairs"] for entry in subsamples], [entry[key] for entry in subsamples])
        estimates[key.removesuffix("_s")] = {"full_pairs": full_pairs[metric], "exponent": exponent, "estimated_full_s": scale * full_pairs[metric] ** exponent}

    result = {
        "rows": rows,
        "quality_report": {key: quality[key] for key in ("wall_s", "cpu_s", "walls_s", "cpus_s")} | {"score": quality["result"]},
        "scorecard": {key: card[key] for key in ("wall_s", "cpu_s", "walls_s", "cpus_s")} | {"dimensions_s": dimension_medians, "scores": card["result"]},
        "scorecard_over_quality_wall": card["wall_s"] / quality["wall_s"],
        "scorecard_over_quality_cpu": card["cpu_s"] / quality["cpu_s"],
        "privacy_reference_once_per_run": {key: reference[key] for key in ("wall_s", "cpu_s")},
        "scorecard_from_scratch": {key: from_scratch[key] for key in ("wall_s", "cpu_s", "walls_s", "cpus_s")} | {"dimensions_s": scratch_medians},
        "scorecard_from_scratch_over_quality_wall": from_scratch["wall_s"] / quality["wall_s"],
        "dcr_subsamples": subsamples,
        "dcr_full_table_estimates": estimates,
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
