"""Usability: can a model trained on synthetic rows predict the real holdout?

TSTR (train on synthetic, test on real) is divided by TRTR (train on real
training rows, test on the same holdout). Both use one fixed model, so the
ratio measures the data and not the tuning: scikit-learn's
HistGradientBoostingClassifier or HistGradientBoostingRegressor with
``MODEL_PARAMS``. Classification reports macro F1 and accuracy, regression R².
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, f1_score, r2_score
from threadpoolctl import threadpool_limits

from synth_ops.errors import CandidateError, ConfigError
from synth_ops.scoring.encoding import encode_ordinal

logger = logging.getLogger(__name__)

CLASSIFICATION = "classification"
REGRESSION = "regression"

#: Fixed parameters of the usability model. Early stopping is off because its
#: validation split would make scores depend on the row order.
MODEL_PARAMS = {
    "max_iter": 100,
    "learning_rate": 0.1,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 20,
    "early_stopping": False,
}

#: OpenMP threads of the usability model. On a 2-core machine busy with other
#: processes, a thread per core made the usability and scorecard unit tests
#: run 95 s instead of 11 s. One thread costs at most about 0.1 s more on
#: 26,000 Adult rows.
MODEL_THREADS = 1

#: Maximum number of rows the model trains on, real or synthetic. Larger
#: tables are sampled down to this.
MAX_TRAINING_ROWS = 100_000

_CLASSIFICATION_SDTYPES = {"categorical", "boolean", "ordinal"}
_REGRESSION_SDTYPES = {"numerical"}


def infer_task(column_metadata: Mapping[str, Mapping], target: str) -> str:
    """Return ``"classification"`` or ``"regression"`` from the target column's sdtype.

    A categorical or boolean target is classified, a numerical one regressed,
    even when it has few distinct values. Raises ConfigError for any other
    sdtype (datetime, id, PII), which cannot be a prediction target here.
    """
    sdtype = column_metadata[target].get("sdtype")
    if sdtype in _CLASSIFICATION_SDTYPES:
        return CLASSIFICATION
    if sdtype in _REGRESSION_SDTYPES:
        return REGRESSION
    raise ConfigError(
        f"target column {target!r} has sdtype {sdtype!r}, which cannot be predicted. "
        "Choose a numerical, categorical or boolean column as the target, or none."
    )


def compute_trtr(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    kinds: Mapping[str, str],
    target: str,
    task: str,
    *,
    seed: int,
    datetime_formats: Mapping[str, str | None] | None = None,
) -> tuple[dict | None, str | None]:
    """Train the fixed model on ``train`` and score it on ``holdout``.

    Returns ``(metrics, None)``, or ``(None, reason)`` when the real data cannot
    give a reference score: too few labelled rows, a single training class, or a
    regression holdout whose target does not vary.
    """
    train = train[train[target].notna()]
    holdout = holdout[holdout[target].notna()]
    if len(train) < 2 or len(holdout) < 2:
        return None, (
            f"usability needs at least 2 training and 2 holdout rows with a value in target "
            f"{target!r}, found {len(train)} and {len(holdout)}"
        )
    if task == CLASSIFICATION:
        classes = np.unique(_labels(train[target]))
        if len(classes) < 2:
            return None, (
                f"target {target!r} has the single class {train[target].iloc[0]!r} in the training "
                "rows, and usability needs at least two classes"
            )
    elif np.nanstd(pd.to_numeric(holdout[target], errors="coerce")) == 0:
        return None, f"target {target!r} is constant in the holdout rows, so R² is undefined"
    return _fit_and_score(train, holdout, kinds, target, task, seed, datetime_formats), None


def score_usability(
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    kinds: Mapping[str, str],
    target: str | None,
    baseline: Mapping,
    *,
    seed: int,
    datetime_formats: Mapping[str, str | None] | None = None,
) -> dict:
    """Compute TSTR on ``synthetic`` and divide it by the baseline's TRTR.

    TRTR is read from ``baseline`` (see ``compute_baseline``) and never
    recomputed. A synthetic target with one class is scored with a constant
    predictor of that class, and one with no values at all scores 0, because a
    skip would hide a broken candidate. ``ratio`` is None, with a
    ``skipped_reason``, when there is no target, the baseline skipped usability,
    or TRTR is 0 or below (R² ≤ 0 means the real data itself predicts nothing).
    """
    result = {
        "task": None,
        "metric": None,
        "tstr": None,
        "trtr": None,
        "ratio": None,
        "ratios": None,
        "rows_compared": None,
        "skipped_reason": None,
    }
    if target is None:
        result["skipped_reason"] = "no target column is configured"
        return result
    if baseline.get("target") != target:
        raise ConfigError(
            f"the baseline was computed for target {baseline.get('target')!r}, not {target!r}. "
            "Run the prepare step again with this target."
        )
    if baseline.get("skipped_reason"):
        result["skipped_reason"] = baseline["skipped_reason"]
        return result
    task = baseline.get("task")
    trtr = baseline.get("trtr")
    if task not in (CLASSIFICATION, REGRESSION) or not isinstance(trtr, Mapping):
        raise CandidateError(
            f"the baseline has task {task!r} and trtr {trtr!r}, expected a task and its scores. "
            "Run the prepare step again to rebuild the baseline."
        )

    labelled = synthetic[synthetic[target].notna()]
    holdout = holdout[holdout[target].notna()]
    if labelled.empty:
        logger.warning("synthetic target %s has no values, so usability scores 0", target)
        tstr = {name: 0.0 for name in trtr}
    else:
        tstr = _fit_and_score(labelled, holdout, kinds, target, task, seed, datetime_formats)

    metric = "macro_f1" if task == CLASSIFICATION else "r2"
    ratios = {name: _ratio(tstr[name], trtr.get(name)) for name in tstr}
    result.update(
        task=task,
        metric=metric,
        tstr=tstr,
        trtr=dict(trtr),
        ratio=ratios[metric],
        ratios=ratios,
        rows_compared={"synthetic_training": min(len(labelled), MAX_TRAINING_ROWS), "holdout": len(holdout)},
    )
    if ratios[metric] is None:
        result["skipped_reason"] = (
            f"TRTR {metric} is {trtr.get(metric)!r}, so the ratio is undefined: "
            "the real training rows do not predict the target either"
        )
    return result


def _ratio(tstr: float, trtr: float | None) -> float | None:
    if trtr is None or not trtr > 0:
        return None
    return float(tstr) / float(trtr)


def _fit_and_score(
    fit_frame: pd.DataFrame,
    test_frame: pd.DataFrame,
    kinds: Mapping[str, str],
    target: str,
    task: str,
    seed: int,
    datetime_formats: Mapping[str, str | None] | None,
) -> dict[str, float]:
    if len(fit_frame) > MAX_TRAINING_ROWS:
        fit_frame = fit_frame.sample(n=MAX_TRAINING_ROWS, random_state=seed)
    feature_kinds = {column: kind for column, kind in kinds.items() if column != target}
    (x_fit, x_test), categorical_mask = encode_ordinal([fit_frame, test_frame], feature_kinds, datetime_formats)
    # scikit-learn's binning fails on a feature with no value at all (a
    # candidate that only generated missing values), so such features are left out.
    present = ~np.isnan(np.asarray(x_fit, dtype="float64")).all(axis=0) if len(x_fit) else np.ones(x_fit.shape[1], dtype=bool)
    if not present.all():
        x_fit, x_test, categorical_mask = x_fit[:, present], x_test[:, present], categorical_mask[present]
    categorical = categorical_mask if categorical_mask.any() else None

    if task == CLASSIFICATION:
        y_fit = _labels(fit_frame[target])
        y_test = _labels(test_frame[target])
        classes = np.unique(y_fit)
        if len(classes) == 1 or x_fit.shape[1] == 0:
            # The model cannot fit a single class or zero features, so predict the most frequent class.
            values, counts = np.unique(y_fit, return_counts=True)
            predicted = np.full(len(y_test), values[np.argmax(counts)], dtype=object)
        else:
            model = HistGradientBoostingClassifier(
                **MODEL_PARAMS, categorical_features=categorical, random_state=seed
            )
            with threadpool_limits(limits=MODEL_THREADS, user_api="openmp"):
                predicted = model.fit(x_fit, y_fit).predict(x_test)
        return _classification_scores(y_test, predicted)

    y_fit = pd.to_numeric(fit_frame[target], errors="coerce").to_numpy(dtype="float64")
    y_test = pd.to_numeric(test_frame[target], errors="coerce").to_numpy(dtype="float64")
    keep = np.isfinite(y_fit)
    if not keep.any():
        return {"r2": 0.0}
    if x_fit.shape[1] == 0:
        predicted = np.full(len(y_test), y_fit[keep].mean())
    else:
        model = HistGradientBoostingRegressor(**MODEL_PARAMS, categorical_features=categorical, random_state=seed)
        with threadpool_limits(limits=MODEL_THREADS, user_api="openmp"):
            predicted = model.fit(x_fit[keep], y_fit[keep]).predict(x_test)
    return _regression_scores(y_test, predicted)


def _classification_scores(y_true: np.ndarray, y_predicted: np.ndarray) -> dict[str, float]:
    # Macro F1 averages over the holdout's classes, so a predicted class that
    # never occurs in the holdout lowers recall instead of adding a class.
    labels = np.unique(y_true)
    return {
        "macro_f1": float(f1_score(y_true, y_predicted, labels=labels, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(y_true, y_predicted)),
    }


def _regression_scores(y_true: np.ndarray, y_predicted: np.ndarray) -> dict[str, float]:
    keep = np.isfinite(y_true)
    return {"r2": float(r2_score(y_true[keep], y_predicted[keep]))}


def _labels(series: pd.Series) -> np.ndarray:
    """Return class labels as text, so 1, 1.0 and True name the same class in every frame."""
    if pd.api.types.infer_dtype(series, skipna=False) == "string":
        # Every value is already text, which _label_text would return unchanged.
        return series.to_numpy(dtype=object).copy()
    return np.array([_label_text(value) for value in series.to_numpy(dtype=object)], dtype=object)


def _label_text(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return str(value)
