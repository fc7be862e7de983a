"""Run settings: documented defaults, overridden by ``synth.yaml``, then by flags.

Resolution order is always ``defaults < synth.yaml < CLI flags / DAG params``.
Every setting has one home here so the CLI, the pod steps and the DAGs agree.
"""

from __future__ import annotations

import copy
import math
import difflib
import logging
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import yaml

from synth_ops.errors import ConfigError

logger = logging.getLogger(__name__)

#: Values read as missing after surrounding spaces are stripped.
DEFAULT_MISSING_VALUES = ["", "?", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"]

#: Candidate names in the order they are listed and launched. ``tabular_argn``
#: needs ``mostlyai-engine`` in the worker environment; without it, it is
#: recorded as skipped, with the reason.
ALL_CANDIDATES = ["gaussian_copula", "ctgan", "tvae", "copula_gan", "tabular_argn"]

#: Default weights of the three scorecard dimensions (renormalized when
#: usability is skipped because the table has no target).
DEFAULT_WEIGHTS = {"fidelity": 0.4, "usability": 0.4, "privacy": 0.2}


@dataclass
class TableSettings:
    """Settings for reading, cleaning, typing and splitting a source table."""

    #: Column to predict in the usability score; ``None`` skips usability.
    target: str | None = None
    #: Column whose values are unique per row; regenerated in the same format.
    primary_key: str | None = None
    #: Columns removed before anything is learned or written.
    drop: list[str] = field(default_factory=list)
    #: Column name to Faker provider (``email``, ``name``, ``phone_number`` ...).
    pii: dict[str, str] = field(default_factory=dict)
    #: Column name to ``strptime`` format, such as ``"%d %b %Y"``.
    datetime_formats: dict[str, str] = field(default_factory=dict)
    #: Column names forced to categorical even when their values are numbers.
    categorical: list[str] = field(default_factory=list)
    #: Text values, compared after stripping spaces, that mean "missing".
    missing_values: list[str] = field(default_factory=lambda: list(DEFAULT_MISSING_VALUES))
    #: Share of rows held out as real test data for usability and privacy.
    holdout_fraction: float = 0.2
    #: Seed of the holdout split and of every candidate.
    seed: int = 42
    #: Minimum number of data rows; with fewer, the holdout is too small to score.
    min_rows: int = 50
    #: Most columns accepted before the table is rejected, before it is loaded.
    max_columns: int = 1000
    #: Memory the run may plan to use, in GiB; wider or longer tables are rejected.
    max_memory_gib: float = 8.0


@dataclass
class CandidateSettings:
    """Settings for the competing synthesizers and their training time."""

    #: Candidate names to run; see ``ALL_CANDIDATES``.
    names: list[str] = field(default_factory=lambda: list(ALL_CANDIDATES))
    #: Training epochs of the deep candidates (CTGAN, TVAE, CopulaGAN).
    epochs: int = 300
    #: Wall-time budget per candidate in seconds. Deep models stop training at
    #: the budget and keep what they learned. A candidate still running at
    #: twice the budget plus a grace minute is killed and marked timed out.
    time_budget: float = 600.0
    #: Per-candidate keyword arguments passed to the synthesizer, e.g.
    #: ``{"ctgan": {"batch_size": 500}}``.
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Candidates run at the same time; ``0`` picks from cores and memory.
    parallel: int = 0
    #: ``auto`` uses CUDA when present, else the CPU; or ``cpu`` / ``cuda``.
    device: str = "auto"


@dataclass
class SelectionSettings:
    """Gates and weights that turn scorecards into a decision."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    #: SDV diagnostic validity below this means invalid output: gated.
    min_diagnostic_validity: float = 1.0
    #: Highest accepted share of synthetic rows nearer a training row than a
    #: holdout row (0.5 is ideal; 1.0 means every row sits on the training data).
    max_dcr_share: float = 0.6
    #: Accepted excess of the exact-copy rate over the rate at which holdout
    #: rows happen to equal training rows.
    exact_copy_tolerance: float = 0.01


@dataclass
class RunSettings:
    """Everything a tournament run needs besides its URLs."""

    dataset: str | None = None
    table: TableSettings = field(default_factory=TableSettings)
    candidates: CandidateSettings = field(default_factory=CandidateSettings)
    selection: SelectionSettings = field(default_factory=SelectionSettings)
    #: Rows of the published synthetic dataset; ``0`` means as many as the source.
    publish_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> "RunSettings":
        return apply_overrides(cls(), payload, source="settings")

    def validate(self) -> "RunSettings":
        """Raise ``ConfigError`` on any value outside its accepted range."""
        table, cands, sel = self.table, self.candidates, self.selection
        if not 0.05 <= table.holdout_fraction <= 0.5:
            raise ConfigError(
                f"holdout_fraction={table.holdout_fraction} is invalid: use a value "
                "between 0.05 and 0.5"
            )
        if table.min_rows < 10:
            raise ConfigError(f"min_rows={table.min_rows} is invalid: use 10 or more")
        unknown = [name for name in cands.names if name not in ALL_CANDIDATES]
        if unknown:
            raise ConfigError(
                f"unknown candidate {unknown[0]!r}: choose from {', '.join(ALL_CANDIDATES)}"
            )
        if not cands.names:
            raise ConfigError(f"no candidates selected: choose from {', '.join(ALL_CANDIDATES)}")
        if cands.epochs < 1:
            raise ConfigError(f"epochs={cands.epochs} is invalid: use 1 or more")
        if cands.time_budget <= 0:
            raise ConfigError(f"time_budget={cands.time_budget} is invalid: use seconds > 0")
        if cands.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device={cands.device!r} is invalid: use auto, cpu or cuda")
        unknown_params = [name for name in cands.params if name not in ALL_CANDIDATES]
        if unknown_params:
            raise ConfigError(
                f"params given for unknown candidate {unknown_params[0]!r}: "
                f"choose from {', '.join(ALL_CANDIDATES)}"
            )
        unknown_weights = set(sel.weights) - set(DEFAULT_WEIGHTS)
        if unknown_weights:
            raise ConfigError(
                f"unknown weight {sorted(unknown_weights)[0]!r}: use fidelity, usability, privacy"
            )
        if any(value < 0 for value in sel.weights.values()) or sum(sel.weights.values()) <= 0:
            raise ConfigError(f"weights {sel.weights} are invalid: use values >= 0 with a sum > 0")
        if not 0.5 <= sel.max_dcr_share <= 1.0:
            raise ConfigError(
                f"max_dcr_share={sel.max_dcr_share} is invalid: use a value between 0.5 and 1.0"
            )
        if cands.parallel < 0:
            raise ConfigError(f"parallel={cands.parallel} is invalid: use 0 (choose from cores and memory) or more")
        if self.publish_rows < 0:
            raise ConfigError(f"publish_rows={self.publish_rows} is invalid: use 0 or more")
        return self


def _section_for(settings: RunSettings, key: str) -> tuple[Any, str] | None:
    for section in (settings, settings.table, settings.candidates, settings.selection):
        if key in {f.name for f in fields(section)}:
            return section, key
    return None


# Keys accepted in synth.yaml as aliases of the dataclass field names.
_ALIASES = {
    "candidates": "names",
    "time_budget_seconds": "time_budget",
    "pii_columns": "pii",
    "drop_columns": "drop",
}


def apply_overrides(settings: RunSettings, overrides: dict[str, Any], *, source: str) -> RunSettings:
    """Return a copy of ``settings`` with ``overrides`` applied.

    ``overrides`` may be flat (``{"target": "income", "epochs": 10}``) or
    nested by section (``{"table": {...}, "candidates": {...}}``), as in
    ``synth.yaml``. Unknown keys raise ``ConfigError`` naming the closest key.
    """
    result = copy.deepcopy(settings)
    flat: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if key in ("table", "selection") and isinstance(value, dict):
            flat.update(value)
        elif key == "candidates" and isinstance(value, dict):
            # ``candidates:`` as a mapping of name to params, or a nested section.
            if set(value) <= set(ALL_CANDIDATES) | {"names"}:
                names = value.get("names") or [name for name in value if name != "names"]
                flat["names"] = names
                params = {name: (opts or {}) for name, opts in value.items() if name != "names"}
                if params:
                    flat["params"] = params
            else:
                flat.update(value)
        elif key == "thresholds" and isinstance(value, dict):
            flat.update(value)
        elif key == "weights" and isinstance(value, dict):
            flat["weights"] = value
        else:
            flat[key] = value

    for key, value in flat.items():
        if value is None and key not in ("target", "primary_key", "dataset"):
            continue
        name = _ALIASES.get(key, key)
        if name == "names" and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        found = _section_for(result, name)
        if found is None:
            known = sorted({f.name for s in (result, result.table, result.candidates, result.selection) for f in fields(s)})
            hint = difflib.get_close_matches(key, known, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"unknown setting {key!r} in {source}{suggestion}")
        section, attr = found
        current = getattr(section, attr)
        if attr == "weights":
            if not isinstance(value, dict):
                raise ConfigError(f"setting {key!r} in {source} has invalid value {value!r}: expected a mapping such as {{fidelity: 0.4}}")
            merged = dict(current)
            merged.update({k: _coerce(v, float, f"weights.{k}", source) for k, v in value.items()})
            value = merged
        elif attr == "params":
            if not isinstance(value, dict) or not all(isinstance(opts, dict) or opts is None for opts in value.values()):
                raise ConfigError(f"setting {key!r} in {source} has invalid value {value!r}: expected candidate names mapped to settings")
            merged = copy.deepcopy(current)
            for cand, opts in value.items():
                merged.setdefault(cand, {}).update(opts or {})
            value = merged
        elif isinstance(current, bool):
            value = bool(value)
        elif isinstance(current, int) and not isinstance(current, bool):
            value = _coerce(value, int, key, source)
        elif isinstance(current, float):
            value = _coerce(value, float, key, source)
        elif isinstance(current, list) and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        _check_type(attr, key, value, current, source)
        setattr(section, attr, value)
    return result


_TEXT_SETTINGS = ("target", "primary_key", "dataset")


def _coerce(value: Any, kind: type, key: str, source: str) -> Any:
    if isinstance(value, bool) or (kind is int and isinstance(value, float) and not value.is_integer()):
        raise ConfigError(f"setting {key!r} in {source} has invalid value {value!r}: expected {kind.__name__}")
    try:
        result = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"setting {key!r} in {source} has invalid value {value!r}: expected {kind.__name__}"
        ) from None
    if kind is float and not math.isfinite(result):
        raise ConfigError(f"setting {key!r} in {source} has invalid value {value!r}: expected a finite number")
    return result


def _check_type(attr: str, key: str, value: Any, current: Any, source: str) -> None:
    """Raise ``ConfigError`` when ``value`` has the wrong shape for setting ``attr``."""
    if attr in _TEXT_SETTINGS:
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigError(f"setting {key!r} in {source} has invalid value {value!r}: expected a column or dataset name")
    elif isinstance(current, list):
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"setting {key!r} in {source} has invalid value {value!r}: expected a list of names")
    elif isinstance(current, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"setting {key!r} in {source} has invalid value {value!r}: expected a mapping")
        if attr == "weights" and not all(isinstance(item, float) and math.isfinite(item) for item in value.values()):
            raise ConfigError(f"setting {key!r} in {source} has invalid value {value!r}: weights must be finite numbers")


def load_yaml_settings(text: str, source: str) -> dict[str, Any]:
    """Parse ``synth.yaml`` text into an overrides mapping."""
    try:
        payload = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{source} is not valid YAML: {error}") from None
    if not isinstance(payload, dict):
        raise ConfigError(f"{source} must contain a mapping of settings, not {type(payload).__name__}")
    return payload


def resolve_settings(
    yaml_overrides: dict[str, Any] | None,
    cli_overrides: dict[str, Any] | None,
    *,
    yaml_source: str = "synth.yaml",
) -> RunSettings:
    """Apply ``synth.yaml`` then CLI overrides to the defaults, and validate."""
    settings = RunSettings()
    if yaml_overrides:
        settings = apply_overrides(settings, yaml_overrides, source=yaml_source)
    if cli_overrides:
        settings = apply_overrides(settings, cli_overrides, source="command-line flags")
    return settings.validate()
