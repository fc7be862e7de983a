"""Regenerate key columns (unique per row) in the format of the source values.

A key is never learned: the format is summarized as the set of characters seen
at each position of the most common value length, and new values are built
from those sets. Real key values are not stored, so a generated value equals a
real one only by chance (for ``1234-ABCDE`` keys one in about 10^11 per real
key). Integer keys are numbered from 1.
"""

from __future__ import annotations

import math
import random
import string
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd


# With fewer values than this, one character shared by all of them may be chance.
_MIN_VALUES_FOR_LITERALS = 10

_INT64_MAX = 2**63 - 1
# Key spaces up to this size are numbered with int64 arithmetic, larger ones with Python ints.
_INT64_SAFE = 2**62
# Blocks shorter than this make int64 arithmetic no faster than Python ints.
_MIN_BLOCK = 4096


def infer_key_format(series: pd.Series) -> dict[str, Any]:
    """Summarize a key column's format without keeping any of its values."""
    present = series.dropna()
    if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_float_dtype(series.dtype):
        return {"type": "integer"}
    texts = present.astype(str)
    if texts.empty:
        return {"type": "text", "positions": [], "width": 0}
    width = Counter(texts.str.len()).most_common(1)[0][0]
    same_width = texts[texts.str.len() == width]
    literal_allowed = len(same_width) >= _MIN_VALUES_FOR_LITERALS
    seen = [set(same_width.str[index]) for index in range(width)]
    return {
        "type": "text",
        "positions": [_alphabet(characters, literal_allowed) for characters in seen],
        # Without literals: used when a sample needs more keys than the literal form allows.
        "wide_positions": [_alphabet(characters, False) for characters in seen],
        "width": int(width),
    }


def _alphabet(seen: set[str], literal_allowed: bool) -> str:
    """Widen the characters seen at one position to their whole character class.

    Widening keeps generated keys from replaying real ones when the table is
    small: a position that held ``5`` and ``7`` takes any digit. Hexadecimal
    positions stay hexadecimal; punctuation is kept as it is. A position with
    one character in every value (the ``C`` of ``C-0001``) stays that literal
    when there are enough values to tell.
    """
    if literal_allowed and len(seen) == 1:
        return next(iter(seen))
    digits = any(char.isdigit() for char in seen)
    upper = {char for char in seen if char.isascii() and char.isupper()}
    lower = {char for char in seen if char.isascii() and char.islower()}
    other = {char for char in seen if not (char.isascii() and char.isalnum())}
    alphabet = set(other)
    if digits:
        alphabet |= set(string.digits)
    if upper:
        alphabet |= set("ABCDEF") if digits and upper <= set("ABCDEF") else set(string.ascii_uppercase)
    if lower:
        alphabet |= set("abcdef") if digits and lower <= set("abcdef") else set(string.ascii_lowercase)
    return "".join(sorted(alphabet))


def _space(positions: list[str]) -> int:
    space = 1
    for characters in positions:
        space *= len(characters)
    return space


def key_positions(key_format: dict[str, Any], total: int) -> list[str]:
    """Return the per-position alphabets to use for a sample of ``total`` keys.

    Raises ``ValueError`` when even the widest form has fewer distinct keys.
    """
    positions = key_format["positions"]
    if _space(positions) >= total:
        return positions
    wide = key_format.get("wide_positions") or positions
    if _space(wide) >= total:
        return wide
    raise ValueError(f"the key format has only {_space(wide)} distinct values, fewer than the {total} rows requested")


def generate_keys(key_format: dict[str, Any], count: int, seed: int, offset: int = 0, total: int | None = None) -> pd.Series:
    """Return keys number ``offset`` to ``offset + count - 1`` of the sequence for ``seed``.

    Key number ``i`` is ``(a * i + b) mod space`` written in the per-position
    alphabets, with ``a`` coprime to ``space``: an affine permutation, so keys
    are unique across every chunk of one sample without remembering them.
    ``total`` is the size of the whole sample; every chunk of one sample must
    pass the same value. Raises ``ValueError`` when the format has fewer
    distinct keys than ``total``.
    """
    if key_format["type"] == "integer":
        return pd.Series(np.arange(offset + 1, offset + count + 1, dtype="int64"))
    positions = key_positions(key_format, max(total or 0, offset + count))
    space = _space(positions)
    rng = random.Random(seed)
    multiplier = rng.randrange(1, space) if space > 1 else 1
    while math.gcd(multiplier, space) != 1:
        multiplier = rng.randrange(1, space)
    shift = rng.randrange(space)
    numbers = _affine_numbers(multiplier, shift, space, offset, count)
    # numpy strings drop trailing NUL characters, so such alphabets are written one key at a time.
    if numbers is None or not positions or any("\0" in characters for characters in positions):
        return pd.Series(_keys_one_by_one(positions, multiplier, shift, space, offset, count), dtype=object)
    return pd.Series(_keys_from_numbers(positions, numbers), dtype=object)


def _affine_numbers(multiplier: int, shift: int, space: int, offset: int, count: int) -> np.ndarray | None:
    """Return ``(multiplier * i + shift) % space`` for ``i`` in ``offset .. offset + count - 1`` as int64.

    Returns None when int64 arithmetic could overflow. Each block of ``step``
    indexes starts from its exact first number, so ``multiplier * j`` stays
    below 2**63 for the ``j < step`` within a block.
    """
    if count == 0:
        return np.empty(0, dtype="int64")
    if space > _INT64_SAFE:
        return None
    step = (_INT64_MAX - space) // multiplier
    if step < min(count, _MIN_BLOCK):
        return None
    step = min(step, count)
    within = np.arange(step, dtype="int64") * (multiplier % space)
    numbers = np.empty(count, dtype="int64")
    for start in range(0, count, step):
        size = min(step, count - start)
        first = (multiplier * (offset + start) + shift) % space
        numbers[start:start + size] = (within[:size] + first) % space
    return numbers


def _keys_from_numbers(positions: list[str], numbers: np.ndarray) -> np.ndarray:
    """Write each number in the mixed radix of ``positions``; return the keys as an object array."""
    width = len(positions)
    code_points = np.empty((len(numbers), width), dtype="<u4")
    remaining = numbers.copy()
    for index in range(width - 1, -1, -1):
        alphabet = positions[index]
        remaining, digits = np.divmod(remaining, len(alphabet))
        code_points[:, index] = np.frombuffer(alphabet.encode("utf-32-le"), dtype="<u4")[digits]
    # A row of UTF-32 code points is one fixed-width numpy string.
    return code_points.view(f"<U{width}").ravel().astype(object)


def _keys_one_by_one(positions: list[str], multiplier: int, shift: int, space: int, offset: int, count: int) -> list[str]:
    radices = [len(characters) for characters in positions]
    values = []
    for index in range(offset, offset + count):
        number = (multiplier * index + shift) % space
        characters = []
        for alphabet, radix in zip(reversed(positions), reversed(radices)):
            number, digit = divmod(number, radix)
            characters.append(alphabet[digit])
        values.append("".join(reversed(characters)))
    return values
