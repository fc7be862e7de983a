"""Write rows from a registered generator to Parquet and time the writing alone.

``--sdv-sample`` makes a GaussianCopula generator sample through SDV's own
``GaussianCopulaSynthesizer.sample`` instead of synth-ops' ``CopulaSampler``,
to compare the two in one benchmark run.

    python benchmarks/sample_rows.py --registry DIR --dataset adult --rows 1000000 --out rows.parquet --out-json result.json
"""

from __future__ import annotations

import argparse
import json
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registry", required=True, help="registry folder")
    parser.add_argument("--dataset", required=True, help="dataset name")
    parser.add_argument("--rows", type=int, required=True, help="rows to write")
    parser.add_argument("--out", required=True, help="Parquet file to write")
    parser.add_argument("--out-json", required=True, help="JSON file for the timings")
    parser.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    parser.add_argument("--sdv-sample", action="store_true", help="sample through SDV's GaussianCopulaSynthesizer.sample")
    args = parser.parse_args()

    started = time.perf_counter()
    from synth_ops.candidates.sdv_models import SdvModel
    from synth_ops.registry import load_generator
    from synth_ops.sampling import write_rows

    generator, manifest = load_generator(args.registry, args.dataset)
    if args.sdv_sample:
        SdvModel._fast_sampler = lambda self: None
    load_seconds = time.perf_counter() - started

    writing = time.perf_counter()
    write_rows(generator, args.rows, args.out, seed=args.seed)
    write_seconds = time.perf_counter() - writing

    import pyarrow.parquet as pq

    written = pq.ParquetFile(args.out).metadata.num_rows
    result = {
        "candidate": generator.candidate,
        "version": manifest["version"],
        "rows": args.rows,
        "rows_in_file": written,
        "sampler": "SDV GaussianCopulaSynthesizer.sample" if args.sdv_sample else "synth-ops",
        "import_and_load_s": load_seconds,
        "write_s": write_seconds,
        "rows_per_s": args.rows / write_seconds,
    }
    with open(args.out_json, "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
