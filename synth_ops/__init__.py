"""synth-ops: a synthetic-data factory that runs a tournament of synthesizers."""

__version__ = "0.1.0"
