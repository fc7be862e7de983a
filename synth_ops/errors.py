"""Typed errors raised by synth-ops.

Every message names the offending value and states what to do next. The CLI
prints ``str(error)`` as its one-line reason and exits with ``exit_code``.
"""

from __future__ import annotations


class SynthOpsError(Exception):
    """Base class for every error that synth-ops raises on purpose."""

    exit_code = 1


class ConfigError(SynthOpsError):
    """A setting in ``synth.yaml``, a CLI flag or the environment is invalid."""

    exit_code = 2


class TableError(SynthOpsError):
    """The input table cannot be read or cannot be used for training."""

    exit_code = 3


class TableTooWideError(TableError):
    """The table has more columns than the configured limit allows."""


class CandidateError(SynthOpsError):
    """A candidate synthesizer failed to fit, sample or score."""

    exit_code = 4


class SelectionError(SynthOpsError):
    """No candidate survived the gates, so nothing can be registered."""

    exit_code = 5


class StorageError(SynthOpsError):
    """An object could not be read from or written to storage."""

    exit_code = 6


class ObjectNotFoundError(StorageError):
    """The requested object does not exist."""


class ObjectExistsError(StorageError):
    """A create-only write found the object already present."""


class RegistryError(SynthOpsError):
    """The registry has no such dataset or version, or cannot be updated."""

    exit_code = 7


class VerificationError(RegistryError):
    """A bundle does not match its manifest: tampered, incomplete or unsigned."""

    exit_code = 8
