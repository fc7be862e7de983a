"""Scoring of synthetic tables for fidelity, usability and privacy.

``compute_baseline`` runs once per run on the real training and holdout rows;
``score_candidate`` runs once per candidate and reuses that baseline.
"""

from synth_ops.scoring.scorecard import compute_baseline, score_candidate

__all__ = ["compute_baseline", "score_candidate"]
