"""Unit tests for the encodings behind the usability and privacy scores."""

import math

import numpy as np
import pandas as pd
import pytest

from synth_ops.errors import TableError
from synth_ops.scoring.encoding import (
    CATEGORICAL,
    DATETIME,
    NUMERICAL,
    DistanceEncoder,
    column_kinds,
    datetime_to_seconds,
    encode_ordinal,
    encode_row_ids,
    read_table_metadata,
)


def make_metadata(sdtypes: dict[str, str]) -> dict:
    columns = {name: {"sdtype": sdtype} for name, sdtype in sdtypes.items()}
    return {"tables": {"table": {"columns": columns}}, "relationships": [], "METADATA_SPEC_VERSION": "V2"}


def test_read_table_metadata_returns_columns():
    name, columns = read_table_metadata(make_metadata({"a": "numerical"}))

    assert name == "table"
    assert columns == {"a": {"sdtype": "numerical"}}


def test_read_table_metadata_rejects_two_tables():
    metadata = make_metadata({"a": "numerical"})
    metadata["tables"]["other"] = metadata["tables"]["table"]

    with pytest.raises(TableError, match=r"exactly one table.*\['other', 'table'\]"):
        read_table_metadata(metadata)


def test_column_kinds_maps_sdtypes():
    metadata = make_metadata(
        {"n": "numerical", "d": "datetime", "c": "categorical", "b": "boolean", "i": "id", "e": "email"}
    )
    _, columns = read_table_metadata(metadata)

    kinds = column_kinds(columns, ["n", "d", "c", "b", "i", "e"])

    assert kinds["n"] == NUMERICAL
    assert kinds["d"] == DATETIME
    assert kinds["c"] == CATEGORICAL
    assert kinds["b"] == CATEGORICAL
    assert kinds["i"] == CATEGORICAL
    assert kinds["e"] == CATEGORICAL


def test_column_kinds_rejects_undescribed_column():
    _, columns = read_table_metadata(make_metadata({"a": "numerical"}))

    with pytest.raises(TableError, match=r"\['b'\] are not in the metadata"):
        column_kinds(columns, ["a", "b"])


def test_datetime_to_seconds_parses_inputs():
    naive = pd.Series(pd.to_datetime(["1970-01-01 00:01:00", None]))
    aware = pd.Series(pd.to_datetime(["1970-01-01 01:00:00"])).dt.tz_localize("Europe/Berlin")
    text = pd.Series(["1970-01-02", "not a date"])

    naive_seconds = datetime_to_seconds(naive)
    aware_seconds = datetime_to_seconds(aware)
    text_seconds = datetime_to_seconds(text, "%Y-%m-%d")

    assert naive_seconds[0] == 60.0
    assert math.isnan(naive_seconds[1])
    assert aware_seconds[0] == 0.0
    assert text_seconds[0] == 86_400.0
    assert math.isnan(text_seconds[1])


def test_encode_ordinal_shares_category_codes():
    first = pd.DataFrame({"c": ["b", "a", None], "n": [1.0, np.nan, 3.0]})
    second = pd.DataFrame({"c": ["c", "a", "b"], "n": [4.0, 5.0, 6.0]})
    kinds = {"c": CATEGORICAL, "n": NUMERICAL}

    (first_matrix, second_matrix), categorical = encode_ordinal([first, second], kinds)

    assert categorical.tolist() == [True, False]
    assert first_matrix[:2, 0].tolist() == [1.0, 0.0]
    assert math.isnan(first_matrix[2, 0])
    assert second_matrix[:, 0].tolist() == [2.0, 0.0, 1.0]
    assert math.isnan(first_matrix[1, 1])


def test_encode_ordinal_passes_wide_columns_as_numbers():
    values = [f"value-{index:04d}" for index in range(300)]
    frame = pd.DataFrame({"c": values})

    _, categorical = encode_ordinal([frame], {"c": CATEGORICAL})

    assert categorical.tolist() == [False]


def test_distance_encoder_category_mismatch_adds_one():
    train = pd.DataFrame({"c": ["x", "y", "x", "z"]})
    encoder = DistanceEncoder({"c": CATEGORICAL}).fit(train)

    points = encoder.transform(pd.DataFrame({"c": ["x", "y", "unseen", None]}))

    def squared_distance(first, second):
        return float(((points[first] - points[second]) ** 2).sum())

    assert squared_distance(0, 1) == pytest.approx(1.0)
    assert squared_distance(0, 2) == pytest.approx(1.0)
    assert squared_distance(2, 3) == pytest.approx(1.0)
    assert points.shape == (4, 3 + 2)


def test_distance_encoder_marks_missing_numbers():
    train = pd.DataFrame({"n": [0.0, 1.0, 2.0, 3.0, 4.0]})
    encoder = DistanceEncoder({"n": NUMERICAL}).fit(train)

    points = encoder.transform(pd.DataFrame({"n": [2.0, np.nan, 4.0]}))

    assert points[0].tolist() == [0.0, 0.0]
    assert points[1].tolist() == [0.0, 1.0]
    assert points[2].tolist() == [1.0, 0.0]


def test_distance_encoder_falls_back_to_std_scale():
    # More than three quarters zeros: the interquartile range is 0.
    train = pd.DataFrame({"n": [0.0] * 9 + [10.0]})
    encoder = DistanceEncoder({"n": NUMERICAL}).fit(train)

    points = encoder.transform(pd.DataFrame({"n": [3.0]}))

    assert points[0, 0] == pytest.approx(1.0)


def test_distance_encoder_scales_datetimes():
    days = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04", "2020-01-05"]))
    encoder = DistanceEncoder({"d": DATETIME}).fit(pd.DataFrame({"d": days}))

    points = encoder.transform(pd.DataFrame({"d": days}))

    assert np.isfinite(points).all()
    assert points[:, 0].tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]


def test_encode_row_ids_matches_equal_rows():
    kinds = {"n": NUMERICAL, "c": CATEGORICAL, "d": DATETIME}
    left = pd.DataFrame({
        "n": pd.Series([1, 2, 3], dtype="int64"),
        "c": ["a", None, "b"],
        "d": pd.to_datetime(["2020-01-01", None, "2020-01-02"]),
    })
    right = pd.DataFrame({
        "n": [1.0, 2.0, 3.0],
        "c": ["a", np.nan, "c"],
        "d": pd.to_datetime(["2020-01-01", None, "2020-01-02"]),
    })

    left_ids, right_ids = encode_row_ids([left, right], kinds)

    assert left_ids[0] == right_ids[0]
    assert left_ids[1] == right_ids[1]
    assert left_ids[2] != right_ids[2]
    assert len(set(left_ids.tolist())) == 3
