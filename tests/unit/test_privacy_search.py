"""The nearest-neighbour search of the privacy score against a brute-force float64 search."""

from __future__ import annotations

import numpy as np
import pytest

from synth_ops.scoring import privacy
from synth_ops.scoring.privacy import DISTANCE_TOLERANCE, _nearest_distances


def brute_force(reference: np.ndarray, queries: np.ndarray) -> np.ndarray:
    squared = ((queries[:, None, :] - reference[None, :, :]) ** 2).sum(axis=2)
    return np.sqrt(squared.min(axis=1))


def encoded_rows(rows: int, seed: int) -> np.ndarray:
    """Rows shaped like DistanceEncoder output: scaled numbers with missing flags, then one-hot blocks."""
    rng = np.random.default_rng(seed)
    numbers = rng.normal(size=(rows, 3))
    numbers[:, 2] *= 40  # a column with a few very large scaled values
    flags = (rng.random((rows, 3)) < 0.05).astype(float)
    blocks = []
    for categories in (2, 7, 30):
        block = np.zeros((rows, categories))
        block[np.arange(rows), rng.integers(0, categories, rows)] = 1 / np.sqrt(2)
        blocks.append(block)
    return np.hstack([numbers, flags, *blocks])


def test_distances_match_brute_force():
    reference = encoded_rows(700, seed=1)
    queries = encoded_rows(500, seed=2)

    actual = _nearest_distances(reference, queries)

    np.testing.assert_allclose(actual, brute_force(reference, queries), rtol=1e-12, atol=1e-12)


def test_ties_and_near_ties_keep_nearest():
    reference = encoded_rows(300, seed=3)
    # Each query sits between two reference rows, a hair nearer the second.
    first, second = reference[:150], reference[150:]
    queries = (first + second) / 2 + (second - first) * 1e-7

    actual = _nearest_distances(reference, queries)

    np.testing.assert_allclose(actual, brute_force(reference, queries), rtol=1e-12, atol=1e-12)


def test_copies_are_at_zero():
    reference = encoded_rows(400, seed=4)
    queries = np.vstack([reference[::3], encoded_rows(50, seed=5)])

    actual = _nearest_distances(reference, queries)

    assert (actual[: len(reference[::3])] == 0.0).all()
    assert (actual[len(reference[::3]):] > DISTANCE_TOLERANCE).all()


def test_small_blocks_match_brute_force(monkeypatch):
    monkeypatch.setattr(privacy, "_CHUNK_ELEMENTS", 1000)
    reference = encoded_rows(200, seed=6)
    queries = encoded_rows(333, seed=7)

    actual = _nearest_distances(reference, queries)

    np.testing.assert_allclose(actual, brute_force(reference, queries), rtol=1e-12, atol=1e-12)


def test_infinite_values_rejected():
    reference = encoded_rows(20, seed=8)
    queries = encoded_rows(5, seed=9)
    queries[0, 0] = np.inf

    with pytest.raises(ValueError, match="infinity"):
        _nearest_distances(reference, queries)


def test_empty_reference_rejected():
    with pytest.raises(ValueError):
        _nearest_distances(np.empty((0, 4)), np.ones((3, 4)))
