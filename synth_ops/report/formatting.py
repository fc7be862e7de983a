"""Number formatting shared by every page, so shown values can be checked.

The report, the model card and the catalog print every score, rate, time and
count through ``format_number``. A test or a reader can format a value from
``scores.json`` or ``decision.json`` the same way and compare the text.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: Text shown where a value was not computed (``None`` or NaN).
MISSING_TEXT = "n/a"

#: Decimal places of every non-integer number.
DECIMALS = 3


def format_number(value: object) -> str:
    """Format a score, rate, time or count for display.

    Integers get thousands separators (``26,048``), other real numbers are
    rounded to exactly three decimals (``0.812``, ``1.000``), booleans become ``yes`` or
    ``no``, and ``None`` or NaN become ``n/a``. Any other value is shown with
    ``str`` so that an unexpected type is visible rather than hidden.
    """
    if value is None:
        return MISSING_TEXT
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return MISSING_TEXT
        if math.isinf(number):
            return "∞" if number > 0 else "-∞"
        # Values that round to zero print as 0.000, never as -0.000.
        return f"{round(number, DECIMALS) + 0.0:,.{DECIMALS}f}"
    return str(value)
