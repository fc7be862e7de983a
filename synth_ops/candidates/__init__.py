"""Candidate synthesizers, looked up by name."""

from __future__ import annotations

from synth_ops.candidates.argn import TabularArgnCandidate, engine_available
from synth_ops.candidates.base import Candidate, FitReport
from synth_ops.candidates.sdv_models import (
    CopulaGANCandidate,
    CTGANCandidate,
    GaussianCopulaCandidate,
    TVAECandidate,
)
from synth_ops.errors import ConfigError

CANDIDATES: dict[str, type[Candidate]] = {
    cls.name: cls
    for cls in (GaussianCopulaCandidate, CTGANCandidate, TVAECandidate, CopulaGANCandidate, TabularArgnCandidate)
}


def get_candidate(name: str) -> type[Candidate]:
    """Return the candidate class registered under ``name``."""
    try:
        return CANDIDATES[name]
    except KeyError:
        raise ConfigError(f"unknown candidate {name!r}: choose from {', '.join(CANDIDATES)}") from None


__all__ = ["CANDIDATES", "Candidate", "FitReport", "engine_available", "get_candidate"]
