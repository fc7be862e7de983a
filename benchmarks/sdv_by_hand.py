"""The tournament as a user writes it by hand with SDV 2.0, timed per step.

For each synthesizer in turn: fit on the whole table, sample as many rows as
the table has, and run SDV's quality report against the table. No holdout,
usability or privacy score, no registry. ``compare_sdv.py`` runs this script
in a fresh process so that its memory is measured alone.

    python benchmarks/sdv_by_hand.py TABLE.csv --epochs 5 --out result.json [--drop customerID] [--numeric TotalCharges] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

SYNTHESIZERS = {
    "gaussian_copula": "GaussianCopulaSynthesizer",
    "ctgan": "CTGANSynthesizer",
    "tvae": "TVAESynthesizer",
    "copula_gan": "CopulaGANSynthesizer",
}
DEEP = {"ctgan", "tvae", "copula_gan"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("table", help="CSV file")
    parser.add_argument("--epochs", type=int, required=True, help="training epochs of CTGAN, TVAE and CopulaGAN")
    parser.add_argument("--out", required=True, help="JSON file for the step times")
    parser.add_argument("--drop", action="append", default=[], help="column to drop before fitting; repeatable")
    parser.add_argument("--numeric", action="append", default=[], help="text column to convert with pandas.to_numeric; repeatable")
    parser.add_argument("--synthesizers", default=",".join(SYNTHESIZERS), help="comma-separated names (default: all four)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads; 0 keeps torch's default of one per core")
    args = parser.parse_args()

    started = time.perf_counter()
    import pandas as pd
    import sdv.single_table
    from sdv.evaluation import evaluate_quality
    from sdv.metadata import Metadata

    warnings.simplefilter("ignore")
    import_seconds = time.perf_counter() - started
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    step = time.perf_counter()
    data = pd.read_csv(args.table)
    data = data.drop(columns=args.drop)
    for column in args.numeric:
        data[column] = pd.to_numeric(data[column], errors="coerce")
    metadata = Metadata.detect_from_dataframes({"table": data})
    prepare_seconds = time.perf_counter() - step

    results = {}
    for name in args.synthesizers.split(","):
        synthesizer_type = getattr(sdv.single_table, SYNTHESIZERS[name])
        options = {"epochs": args.epochs} if name in DEEP else {}
        synthesizer = synthesizer_type(metadata, **options)

        step = time.perf_counter()
        synthesizer.fit({"table": data})
        fit_seconds = time.perf_counter() - step

        step = time.perf_counter()
        synthetic = synthesizer.sample(num_rows=len(data))
        if isinstance(synthetic, dict):
            synthetic = synthetic["table"]
        sample_seconds = time.perf_counter() - step

        step = time.perf_counter()
        report = evaluate_quality({"table": data}, {"table": synthetic}, metadata, verbose=False)
        quality_seconds = time.perf_counter() - step

        results[name] = {
            "fit_s": fit_seconds,
            "sample_s": sample_seconds,
            "quality_s": quality_seconds,
            "quality": float(report.get_score()),
        }
        print(f"{name}: fit {fit_seconds:.1f} s, sample {sample_seconds:.1f} s, quality report {quality_seconds:.1f} s, quality {report.get_score():.3f}", flush=True)

    summary = {
        "rows": len(data),
        "columns": data.shape[1],
        "sdtypes": {column: spec["sdtype"] for column, spec in metadata.tables["table"].columns.items()},
        "import_s": import_seconds,
        "read_and_detect_s": prepare_seconds,
        "synthesizers": results,
        "total_s": time.perf_counter() - started,
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(summary, handle, indent=2)


if __name__ == "__main__":
    main()
