"""SDV's single-table synthesizers as candidates.

SDV 2.0's single-table ``fit`` takes a dict of one table name to its frame,
and ``sample`` may return a dict keyed the same way. ``SdvModel`` hides both.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from synth_ops.candidates.base import Candidate, FitReport
from synth_ops.candidates.budget import epoch_budget
from synth_ops.tables.prepare import TABLE_NAME

logger = logging.getLogger(__name__)


class SdvModel:
    """A fitted SDV synthesizer with a plain ``sample(rows) -> DataFrame``."""

    def __init__(self, synthesizer: Any):
        self.synthesizer = synthesizer

    def __getstate__(self) -> dict[str, Any]:
        # The fast sampler is rebuilt from the synthesizer after unpickling.
        state = dict(self.__dict__)
        state.pop("_copula_sampler", None)
        return state

    def sample(self, rows: int, seed: int | None = None) -> pd.DataFrame:
        if seed is not None:
            self._seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sampler = self._fast_sampler() if rows > 0 else None
            if sampler is not None:
                return sampler.sample(rows)
            result = self.synthesizer.sample(num_rows=rows)
        if isinstance(result, dict):
            result = result[TABLE_NAME]
        return result

    def expect_rows(self, rows: int) -> None:
        """Prepare for about ``rows`` rows in the ``sample`` calls that follow.

        A GaussianCopula then builds its lookup tables before the first chunk
        of a large sample instead of after several chunks.
        """
        sampler = self._fast_sampler() if rows > 0 else None
        if sampler is not None:
            sampler.expect_rows(rows)

    def _fast_sampler(self):
        """Return a ``CopulaSampler`` for a fitted GaussianCopula, or None for SDV's own ``sample``.

        The sampler is built once per fitted copula: a refit replaces
        ``synthesizer._model``, and with it the cached sampler.
        """
        from synth_ops.candidates.copula_sampling import CopulaSampler

        copula = getattr(self.synthesizer, "_model", None)
        if copula is None:
            return None
        cached = getattr(self, "_copula_sampler", None)
        if cached is None or cached[0] is not copula:
            cached = (copula, CopulaSampler.build(self.synthesizer))
            self._copula_sampler = cached
        return cached[1]


    def _seed(self, seed: int) -> None:
        """Seed the model and every RDT transformer's reverse transform.

        SDV 2.0 seeds only the model through ``_set_random_state``; the RDT
        transformers that turn model output back into values draw from their
        own states, so those are seeded too.

        NOTE: uses SDV 2.0 / RDT 2.0 private attributes
        (``_data_processor._hyper_transformer``); the seeded-sampling tests
        fail if a release renames them.
        """
        processor = self.synthesizer._data_processor
        processor.reset_sampling()
        transformers = processor._hyper_transformer.field_transformers.values()
        for index, transformer in enumerate(transformers):
            if transformer is not None:
                state = np.random.RandomState((seed + index) % 2**32)
                transformer.set_random_state(state, "reverse_transform")
        self.synthesizer._set_random_state(seed % 2**32)


def _metadata(metadata: dict[str, Any]):
    from sdv.metadata import Metadata

    return Metadata.load_from_dict(metadata)


class _SdvCandidate(Candidate):
    synthesizer_class: str = ""

    def _synthesizer_type(self):
        import sdv.single_table

        return getattr(sdv.single_table, self.synthesizer_class)

    def _build(self, metadata: dict[str, Any], train: pd.DataFrame, report: FitReport) -> Any:
        params = self._resolve_params(len(train), report)
        report.params = params
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            synthesizer = self._synthesizer_type()(_metadata(metadata), **params)
        return SdvModel(synthesizer)

    def _resolve_params(self, rows: int, report: FitReport) -> dict[str, Any]:
        return dict(self.params)

    def _fit(self, train: pd.DataFrame, report: FitReport, on_epoch) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.model.synthesizer.fit({TABLE_NAME: train})


class GaussianCopulaCandidate(_SdvCandidate):
    name = "gaussian_copula"
    synthesizer_class = "GaussianCopulaSynthesizer"


class _DeepSdvCandidate(_SdvCandidate):
    deep = True
    #: CTGAN packs ``pac`` rows per discriminator input, so the batch size
    #: must be a multiple of it.
    uses_pac = True

    def _resolve_params(self, rows: int, report: FitReport) -> dict[str, Any]:
        params = {"epochs": self.epochs, "batch_size": 500, "verbose": False}
        if self.uses_pac:
            params["pac"] = 10
        params.update(self.params)
        params["enable_gpu"] = report.device == "cuda"
        batch_size = int(params["batch_size"])
        pac = int(params.get("pac", 1))
        if pac > rows:
            params["pac"] = pac = 1
        if batch_size > rows:
            smaller = max(pac, rows // pac * pac)
            message = (
                f"batch_size={batch_size} is larger than the {rows} training rows; "
                f"training with batch_size={smaller}"
            )
            logger.warning("%s: %s", self.name, message)
            report.warnings.append(message)
            batch_size = smaller
        elif batch_size % pac:
            batch_size = batch_size // pac * pac or pac
        params["batch_size"] = batch_size
        report.epochs_requested = int(params["epochs"])
        return params

    def _fit(self, train: pd.DataFrame, report: FitReport, on_epoch) -> None:
        import joblib

        # ctgan 0.12's DataTransformer.transform runs joblib's Parallel(n_jobs=-1)
        # on 500 rows or more, which starts one process per core, and each
        # imports pandas, scikit-learn and RDT. On Telco's 5,634 training rows
        # and 2 cores the transform took 3.7 s that way and 0.4 s in this
        # process, with the same output. Candidates already run in parallel.
        with joblib.parallel_config(backend="sequential"), epoch_budget(self.time_budget, on_epoch) as progress:
            super()._fit(train, report, on_epoch)
        report.epochs_completed = progress.completed
        report.stopped_by_budget = progress.stopped_by_budget
        if progress.stopped_by_budget:
            logger.warning(
                "%s stopped at its time budget of %.0f s after %d of %d epochs; the model trained so far is kept",
                self.name, self.time_budget, progress.completed, report.epochs_requested,
            )


class CTGANCandidate(_DeepSdvCandidate):
    name = "ctgan"
    synthesizer_class = "CTGANSynthesizer"


class CopulaGANCandidate(_DeepSdvCandidate):
    name = "copula_gan"
    synthesizer_class = "CopulaGANSynthesizer"


class TVAECandidate(_DeepSdvCandidate):
    name = "tvae"
    synthesizer_class = "TVAESynthesizer"
    uses_pac = False
