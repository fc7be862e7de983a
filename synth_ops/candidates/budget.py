"""Stop the training loop of CTGAN, TVAE and CopulaGAN at a wall-time budget.

ctgan 0.12 trains with ``for epoch in tqdm(range(epochs), ...)``, where
``tqdm`` is looked up in the module ``ctgan.synthesizers.ctgan`` (CTGAN and
CopulaGAN) or ``ctgan.synthesizers.tvae`` (TVAE). ``epoch_budget`` swaps that
name for an iterator that ends when the deadline passes, so the loop exits
cleanly after a whole epoch and the weights trained so far are kept.

NOTE: this depends on that loop shape of ctgan 0.12; the candidate tests fail
if a ctgan release changes it (training would then run every epoch).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

logger = logging.getLogger(__name__)

_PATCHED_MODULES = ("ctgan.synthesizers.ctgan", "ctgan.synthesizers.tvae")


@dataclass
class EpochProgress:
    """Epochs completed so far, and whether the budget ended training."""

    requested: int = 0
    completed: int = 0
    stopped_by_budget: bool = False


class _BudgetedEpochs:
    """A stand-in for ``tqdm(range(epochs))`` that stops at the deadline."""

    def __init__(self, iterable, deadline: float, progress: EpochProgress, on_epoch: Callable[[EpochProgress], None] | None):
        self._iterable = iterable
        self._deadline = deadline
        self._progress = progress
        self._on_epoch = on_epoch

    def set_description(self, *args, **kwargs) -> None:
        """Accept tqdm's description updates and ignore them."""

    def __iter__(self) -> Iterator[int]:
        items = list(self._iterable)
        self._progress.requested = len(items)
        for position, item in enumerate(items):
            if position and time.monotonic() >= self._deadline:
                self._progress.stopped_by_budget = True
                logger.info("Time budget reached after %d of %d epochs", position, len(items))
                return
            yield item
            self._progress.completed = position + 1
            if self._on_epoch is not None:
                self._on_epoch(self._progress)


@contextlib.contextmanager
def epoch_budget(seconds: float, on_epoch: Callable[[EpochProgress], None] | None = None) -> Iterator[EpochProgress]:
    """Within the block, ctgan training loops stop once ``seconds`` have passed."""
    import importlib

    deadline = time.monotonic() + seconds
    progress = EpochProgress()
    originals = {}

    def factory(iterable=None, *args, **kwargs):
        return _BudgetedEpochs(iterable, deadline, progress, on_epoch)

    for name in _PATCHED_MODULES:
        module = importlib.import_module(name)
        originals[name] = module.tqdm
        module.tqdm = factory
    try:
        yield progress
    finally:
        for name, original in originals.items():
            importlib.import_module(name).tqdm = original
