"""The tournament's steps, each a function over URLs (and a CLI command).

``prepare`` -> ``candidate`` (once per candidate) -> ``select`` -> ``register``.
A pod runs exactly one step; ``synth_ops.tournament`` runs them all locally.
"""

from synth_ops.steps.layout import RunLayout
from synth_ops.steps.prepare import PrepareResult, run_prepare
from synth_ops.steps.candidate import run_candidate
from synth_ops.steps.select import run_select
from synth_ops.steps.register import run_register

__all__ = ["PrepareResult", "RunLayout", "run_candidate", "run_prepare", "run_register", "run_select"]
