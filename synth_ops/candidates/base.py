"""The interface every candidate synthesizer implements."""

from __future__ import annotations

import abc
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from synth_ops.errors import CandidateError

logger = logging.getLogger(__name__)


@dataclass
class FitReport:
    """Record of one fit: device, time, epochs and warnings, stored in ``scores.json``."""

    device: str = "cpu"
    fit_seconds: float = 0.0
    epochs_requested: int | None = None
    epochs_completed: int | None = None
    stopped_by_budget: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class Candidate(abc.ABC):
    """A synthesizer family behind one small interface.

    ``fit`` validates, logs and times; subclasses implement ``_build`` (create
    the model from resolved parameters) and ``_fit``. The fitted model must be
    picklable and offer ``sample(rows) -> DataFrame``.
    """

    name: str = ""
    #: Deep candidates train in epochs, on a GPU when one is present.
    deep: bool = False

    def __init__(self, params: dict[str, Any] | None = None, *, epochs: int = 300, time_budget: float = 600.0, device: str = "auto", seed: int = 42):
        self.params = dict(params or {})
        self.epochs = epochs
        self.time_budget = time_budget
        self.device = device
        self.seed = seed
        self.model: Any = None

    def fit(self, train: pd.DataFrame, metadata: dict[str, Any], on_epoch=None) -> FitReport:
        """Fit on the model-ready ``train`` frame described by SDV ``metadata``."""
        if train.empty:
            raise CandidateError(f"{self.name}: the training frame has no rows")
        report = FitReport(device=self.resolve_device())
        logger.info("Fitting %s on %d rows x %d columns (device %s)", self.name, len(train), train.shape[1], report.device)
        started = time.monotonic()
        self.model = self._build(metadata, train, report)
        self._fit(train, report, on_epoch)
        report.fit_seconds = time.monotonic() - started
        logger.info("Fitted %s in %.1f s", self.name, report.fit_seconds)
        return report

    def sample(self, rows: int) -> pd.DataFrame:
        if self.model is None:
            raise CandidateError(f"{self.name}: call fit before sample")
        return self.model.sample(rows)

    def resolve_device(self) -> str:
        """Return ``cuda`` or ``cpu`` from the setting and the hardware present."""
        if not self.deep:
            return "cpu"
        import torch

        available = torch.cuda.is_available()
        if self.device == "cuda" and not available:
            raise CandidateError(f"{self.name}: device=cuda was requested but no CUDA device is available; use device=auto or cpu")
        if self.device == "cpu":
            return "cpu"
        return "cuda" if available else "cpu"

    @abc.abstractmethod
    def _build(self, metadata: dict[str, Any], train: pd.DataFrame, report: FitReport) -> Any:
        """Create the unfitted model."""

    @abc.abstractmethod
    def _fit(self, train: pd.DataFrame, report: FitReport, on_epoch) -> None:
        """Fit ``self.model``; record epochs and budget stops in ``report``."""
