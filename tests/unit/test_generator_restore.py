"""restore_dtype on text columns: missing values become None, every other value is kept."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth_ops.generator import restore_dtype
from synth_ops.tables.columns import ColumnSpec


def text_spec() -> ColumnSpec:
    return ColumnSpec(name="plan", kind="categorical", dtype="object")


def test_text_missing_values_become_none():
    values = pd.Series(["basic", np.nan, "plus", None, pd.NA, "pro"], index=[5, 6, 7, 8, 9, 10], name="plan")

    restored = restore_dtype(values, text_spec())

    assert restored.dtype == object
    assert restored.tolist() == ["basic", None, "plus", None, None, "pro"]
    assert list(restored.index) == [0, 1, 2, 3, 4, 5]
    assert restored.name == "plan"


def test_text_without_missing_values_kept():
    values = pd.Series(["a", "b", "a"])

    restored = restore_dtype(values, text_spec())

    assert restored.tolist() == ["a", "b", "a"]
    assert restored.dtype == object


def test_text_from_string_and_category_dtypes():
    for values in (pd.Series(["x", None, "y"], dtype="string"), pd.Series(["x", None, "y"], dtype="category")):
        restored = restore_dtype(values, text_spec())

        assert restored.tolist() == ["x", None, "y"]
        assert restored.dtype == object


def test_input_left_unchanged():
    values = pd.Series(["a", np.nan], dtype=object)

    restore_dtype(values, text_spec())

    assert values.isna().tolist() == [False, True]
    assert values.iloc[1] is np.nan
