"""Tests of association measures and distribution data behind the report charts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import contingency

from synth_ops.report.associations import (
    CORRELATION_RATIO,
    CRAMERS_V,
    PEARSON,
    association_matrix,
    cramers_v,
    correlation_ratio,
    largest_changes,
    matrix_columns,
    pair_measure,
    spearman_matrix,
)
from synth_ops.report.distributions import MISSING_LABEL, OTHER_LABEL, TOP_CATEGORIES, compare_column


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    size = 2000
    group = rng.choice(["a", "b", "c"], size=size, p=[0.5, 0.3, 0.2])
    shift = pd.Series(group).map({"a": 0.0, "b": 2.0, "c": 5.0}).to_numpy()
    income = shift + rng.normal(size=size)
    return pd.DataFrame(
        {
            "income": income,
            "spend": 2.0 * income + rng.normal(size=size),
            "group": group,
            "region": np.where(rng.random(size) < 0.8, group, "z"),
            "joined": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, size), unit="D"),
            "customer_id": [f"C{index:05d}" for index in range(size)],
        }
    )


KINDS = {"income": "numeric", "spend": "numeric", "group": "categorical", "region": "categorical", "joined": "datetime", "customer_id": "key"}


def test_cramers_v_matches_scipy(mixed_frame: pd.DataFrame) -> None:
    first, _ = pd.factorize(mixed_frame["group"])
    second, _ = pd.factorize(mixed_frame["region"])
    observed = pd.crosstab(mixed_frame["group"], mixed_frame["region"]).to_numpy()

    assert cramers_v(first, second) == pytest.approx(contingency.association(observed, method="cramer"))


def test_cramers_v_of_single_category_is_nan() -> None:
    assert np.isnan(cramers_v(np.zeros(10, dtype=int), np.arange(10) % 2))


def test_correlation_ratio_matches_definition(mixed_frame: pd.DataFrame) -> None:
    codes, _ = pd.factorize(mixed_frame["group"])
    values = mixed_frame["income"]
    group_means = values.groupby(mixed_frame["group"]).transform("mean")
    expected = np.sqrt(((group_means - values.mean()) ** 2).sum() / ((values - values.mean()) ** 2).sum())

    assert correlation_ratio(codes, values) == pytest.approx(expected)


def test_correlation_ratio_ignores_missing_numbers() -> None:
    values = pd.Series([1.0, 2.0, np.nan, 10.0, 11.0])
    codes = np.array([0, 0, 1, 1, 1])

    assert correlation_ratio(codes, values) == pytest.approx(correlation_ratio(codes[[0, 1, 3, 4]], values.drop(2)))


def test_association_matrix_uses_measure_per_pair(mixed_frame: pd.DataFrame) -> None:
    kinds = {column: KINDS[column] for column in matrix_columns(KINDS)}

    matrix = association_matrix(mixed_frame, kinds)

    assert list(matrix.columns) == ["income", "spend", "group", "region", "joined"]
    assert matrix.loc["income", "spend"] == pytest.approx(mixed_frame["income"].corr(mixed_frame["spend"]))
    assert matrix.loc["group", "income"] > 0.8
    assert matrix.loc["group", "region"] == matrix.loc["region", "group"]
    assert np.allclose(np.diag(matrix.to_numpy()), 1.0)
    assert abs(matrix.loc["joined", "income"]) < 0.1
    assert pair_measure("numeric", "datetime") == PEARSON
    assert pair_measure("boolean", "categorical") == CRAMERS_V
    assert pair_measure("categorical", "numeric") == CORRELATION_RATIO


def test_association_matrix_leaves_absent_columns_empty(mixed_frame: pd.DataFrame) -> None:
    kinds = {"income": "numeric", "group": "categorical"}

    matrix = association_matrix(mixed_frame.drop(columns=["group"]), kinds)

    assert matrix.loc["income", "income"] == 1.0
    assert np.isnan(matrix.loc["group", "income"])


def test_largest_changes_ranks_by_absolute_difference(mixed_frame: pd.DataFrame) -> None:
    kinds = {column: KINDS[column] for column in matrix_columns(KINDS)}
    broken = mixed_frame.copy()
    broken["region"] = np.random.default_rng(0).permutation(broken["region"].to_numpy())
    real = association_matrix(mixed_frame, kinds)
    synthetic = association_matrix(broken, kinds)

    changes = largest_changes(real, synthetic, kinds, real_spearman=spearman_matrix(mixed_frame, kinds), limit=3)

    assert {changes[0].first, changes[0].second} == {"group", "region"}
    assert changes[0].measure == CRAMERS_V
    assert abs(changes[0].difference) >= abs(changes[1].difference) >= abs(changes[2].difference)
    numeric = largest_changes(real, real, kinds, real_spearman=spearman_matrix(mixed_frame, kinds), limit=100)
    income_spend = next(change for change in numeric if {change.first, change.second} == {"income", "spend"})
    assert income_spend.real_spearman == pytest.approx(mixed_frame["income"].corr(mixed_frame["spend"], method="spearman"))


def test_numeric_distribution_shares_sum_to_one(mixed_frame: pd.DataFrame) -> None:
    synthetic = mixed_frame["income"] * 1.1

    distribution = compare_column("income", "numeric", mixed_frame["income"], synthetic)

    assert distribution.chart == "histogram"
    assert len(distribution.bins) == len(distribution.real) + 1
    assert distribution.real.sum() == pytest.approx(1.0)
    assert distribution.synthetic.sum() == pytest.approx(1.0)


def test_integer_distribution_uses_whole_bins() -> None:
    real = pd.Series(np.arange(17, 91).repeat(3))

    distribution = compare_column("age", "numeric", real, real)

    widths = np.diff(distribution.bins)
    assert np.allclose(widths, widths[0])
    assert widths[0] == np.ceil(widths[0])
    assert np.allclose(distribution.real, distribution.real[0])


def test_category_distribution_caps_categories() -> None:
    labels = [f"value-{index:02d}" for index in range(TOP_CATEGORIES + 5)]
    real = pd.Series(labels * 3 + ["value-00"] * 10 + [None] * 4)
    synthetic = pd.Series(["value-00"] * 20 + ["invented"] * 5)

    distribution = compare_column("code", "categorical", real, synthetic)

    assert distribution.bins[0] == "value-00"
    assert distribution.bins[-2:] == [OTHER_LABEL, MISSING_LABEL]
    assert len(distribution.bins) == TOP_CATEGORIES + 2
    assert distribution.real.sum() == pytest.approx(1.0)
    assert distribution.synthetic[distribution.bins.index(OTHER_LABEL)] == pytest.approx(0.2)
    assert distribution.real_missing == pytest.approx(4 / len(real))


def test_datetime_distribution_bins_dates(mixed_frame: pd.DataFrame) -> None:
    synthetic = mixed_frame["joined"].astype(str)

    distribution = compare_column("joined", "datetime", mixed_frame["joined"], synthetic)

    assert distribution.chart == "timeline"
    assert distribution.bins[0] == np.datetime64("2020-01-01")
    assert distribution.real == pytest.approx(distribution.synthetic)


def test_key_distribution_hides_values(mixed_frame: pd.DataFrame) -> None:
    distribution = compare_column("customer_id", "key", mixed_frame["customer_id"], mixed_frame["customer_id"].str.lower())

    assert distribution.chart == "histogram"
    assert distribution.value_label == "length of value (characters)"
    assert "values are hidden" in distribution.note
    assert distribution.real.max() == pytest.approx(1.0)


def test_empty_column_falls_back_to_missing_bar() -> None:
    empty = pd.Series([np.nan] * 5)

    distribution = compare_column("blank", "numeric", empty, empty)

    assert distribution.chart == "bars"
    assert distribution.bins == [MISSING_LABEL]
    assert distribution.real_missing == 1.0


def test_distribution_of_column_missing_from_synthetic(mixed_frame: pd.DataFrame) -> None:
    distribution = compare_column("group", "categorical", mixed_frame["group"], None)

    assert distribution.synthetic is None
    assert distribution.synthetic_missing is None
    assert distribution.real.sum() == pytest.approx(1.0)
