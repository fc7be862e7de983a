"""Column specs: what each source column is and how it is regenerated."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Kinds learned by a model.
MODELED_KINDS = ("numeric", "categorical", "boolean", "datetime")
#: Kinds regenerated without learning: keys, PII, constants, empty columns.
REGENERATED_KINDS = ("key", "pii", "constant", "empty")


@dataclass
class ColumnSpec:
    """One source column: its kind, its output dtype and how to rebuild it."""

    name: str
    kind: str
    #: pandas dtype of the column in the output, e.g. ``int64`` or ``Int64``.
    dtype: str
    #: ``strftime`` format when the source held dates as text, else ``None``.
    datetime_format: str | None = None
    #: The source's time zone of datetimes that carried one (stored as UTC).
    timezone: str | None = None
    #: Categories of a pandas ``category`` column, in order.
    categories: list[Any] | None = None
    #: Faker provider of a PII column.
    pii_provider: str | None = None
    #: Value of a constant column.
    constant: Any = None
    #: How a key column is regenerated (see ``synth_ops.tables.keys``).
    key_format: dict[str, Any] | None = None
    #: Share of missing values in the source.
    missing_share: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def modeled(self) -> bool:
        return self.kind in MODELED_KINDS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> "ColumnSpec":
        return cls(**payload)
