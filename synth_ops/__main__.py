"""Allow ``python -m synth_ops``."""

from synth_ops.cli import main

raise SystemExit(main())
