"""Turn a source table into model-ready training and holdout frames.

``prepare_table`` is the single entry point: it types the columns, removes
what must never be learned (keys, PII, constants, empty columns), detects SDV
metadata and splits off a real holdout.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from synth_ops.errors import ConfigError, TableError
from synth_ops.settings import TableSettings
from synth_ops.tables.columns import ColumnSpec
from synth_ops.tables.typing import type_columns

logger = logging.getLogger(__name__)

TABLE_NAME = "table"
_SDTYPES = {"numeric": "numerical", "categorical": "categorical", "boolean": "boolean", "datetime": "datetime"}


@dataclass
class PreparedTable:
    """Model-ready frames plus everything needed to rebuild source-shaped rows."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    columns: list[ColumnSpec]
    metadata: dict[str, Any]
    target: str | None
    seed: int
    holdout_fraction: float
    notes: list[str] = field(default_factory=list)

    @property
    def modeled_columns(self) -> list[str]:
        return [spec.name for spec in self.columns if spec.modeled]

    def profile(self) -> dict[str, Any]:
        """Return a JSON-safe description of the columns and the split (no values)."""
        return {
            "columns": {spec.name: _public_spec(spec, position) for position, spec in enumerate(self.columns)},
            "rows": {"train": len(self.train), "holdout": len(self.holdout)},
            "target": self.target,
            "seed": self.seed,
            "holdout_fraction": self.holdout_fraction,
            "notes": self.notes,
        }


def _public_spec(spec: ColumnSpec, position: int) -> dict[str, Any]:
    """Return ``spec`` without any value of the real data (constants and categories omitted)."""
    return {
        "position": position,
        "kind": spec.kind,
        "dtype": spec.dtype,
        "datetime_format": spec.datetime_format,
        "pii_provider": spec.pii_provider,
        "missing_share": round(spec.missing_share, 4),
        "notes": spec.notes,
    }


def to_model_frame(frame: pd.DataFrame, specs: list[ColumnSpec]) -> pd.DataFrame:
    """Keep the modeled columns, with dtypes every SDV synthesizer accepts."""
    columns = {}
    for spec in specs:
        if not spec.modeled:
            continue
        values = frame[spec.name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        if spec.kind == "numeric" and str(values.dtype) in ("Int64", "Int32", "Int16", "Int8", "UInt64", "UInt32", "UInt16", "UInt8", "Float64", "Float32"):
            values = values.astype("float64")
        if spec.kind == "categorical" and str(values.dtype) in ("Int64", "boolean", "string"):
            values = values.astype(object).where(values.notna(), None)
        columns[spec.name] = values
    return pd.DataFrame(columns, index=frame.index)


def detect_metadata(model_frame: pd.DataFrame, specs: list[ColumnSpec]) -> dict[str, Any]:
    """Detect SDV metadata, then set each column's sdtype from its spec."""
    from sdv.metadata import Metadata

    metadata = Metadata.detect_from_dataframes({TABLE_NAME: model_frame})
    table = metadata.tables[TABLE_NAME]
    if table.primary_key:
        metadata.remove_primary_key(table_name=TABLE_NAME)
    for spec in specs:
        if not spec.modeled:
            continue
        metadata.update_column(column_name=spec.name, sdtype=_SDTYPES[spec.kind], table_name=TABLE_NAME)
    metadata.validate()
    return metadata.to_dict()


def split_holdout(frame: pd.DataFrame, target: str | None, fraction: float, seed: int, target_kind: str | None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Split off a real holdout, stratified on a categorical target when possible."""
    from sklearn.model_selection import train_test_split

    stratify = None
    split_method = "random"
    if target and target_kind in ("categorical", "boolean"):
        labels = frame[target].astype(str)
        counts = labels.value_counts()
        holdout_rows = int(round(len(frame) * fraction))
        if counts.min() >= 2 and holdout_rows >= len(counts):
            stratify = labels
            split_method = f"stratified on {target}"
        else:
            logger.warning("Holdout split is not stratified: target %r has a class with one row", target)
    train, holdout = train_test_split(frame, test_size=fraction, random_state=seed, stratify=stratify)
    return train.reset_index(drop=True), holdout.reset_index(drop=True), split_method


def prepare_table(frame: pd.DataFrame, settings: TableSettings) -> PreparedTable:
    """Type, clean, check and split a source frame into a ``PreparedTable``."""
    if len(frame) < settings.min_rows:
        raise TableError(
            f"the table has {len(frame)} data row{'s' if len(frame) != 1 else ''}; at least "
            f"min_rows={settings.min_rows} are needed to train and to hold out "
            f"{settings.holdout_fraction:.0%} of the rows for scoring. Provide more rows"
        )
    typed, specs = type_columns(frame, settings)
    model_frame = to_model_frame(typed, specs)
    if model_frame.shape[1] == 0:
        raise TableError(
            "no column is left to learn: every column is a key, PII, constant, empty or dropped. "
            "Keep at least one column with varying values"
        )
    target_kind = next((spec.kind for spec in specs if spec.name == settings.target), None)
    train, holdout, split_method = split_holdout(model_frame, settings.target, settings.holdout_fraction, settings.seed, target_kind)
    try:
        metadata = detect_metadata(train, specs)
    except ValueError as error:
        raise TableError(f"SDV could not build metadata for this table: {error}") from None
    notes = [f"holdout of {len(holdout)} rows ({settings.holdout_fraction:.0%}, {split_method}, seed {settings.seed})"]
    for spec in specs:
        if not spec.modeled:
            notes.append(f"column {spec.name!r} is {spec.kind}: regenerated, not learned")
    logger.info(
        "Prepared %d training and %d holdout rows; %d of %d columns are learned",
        len(train), len(holdout), model_frame.shape[1], len(specs),
    )
    return PreparedTable(
        train=train,
        holdout=holdout,
        columns=specs,
        metadata=metadata,
        target=settings.target,
        seed=settings.seed,
        holdout_fraction=settings.holdout_fraction,
        notes=notes,
    )
