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
    positions = [_alphabet(set(same_width.str[index])) for index in range(width)]
    return {"type": "text", "positions": positions, "width": int(width)}


def _alphabet(seen: set[str]) -> str:
    """Widen the characters seen at one position to their whole character class.

    Widening keeps generated keys from replaying real ones when the table is
    small: a position that held ``5`` and ``7`` takes any digit. Hexadecimal
    positions stay hexadecimal; punctuation is kept as it is.
    """
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


def key_space(key_format: dict[str, Any]) -> int:
    """Return how many distinct keys ``key_format`` can produce (0 for integers: unbounded)."""
    if key_format["type"] == "integer":
        return 0
    space = 1
    for characters in key_format["positions"]:
        space *= len(characters)
    return space


def generate_keys(key_format: dict[str, Any], count: int, seed: int, offset: int = 0) -> pd.Series:
    """Return keys number ``offset`` to ``offset + count - 1`` of the sequence for ``seed``.

    Key number ``i`` is ``(a * i + b) mod space`` written in the per-position
    alphabets, with ``a`` coprime to ``space``: an affine permutation, so keys
    are unique across every chunk of one sample without remembering them.
    Raises ``ValueError`` when the format has fewer distinct keys than rows.
    """
    if key_format["type"] == "integer":
        return pd.Series(np.arange(offset + 1, offset + count + 1, dtype="int64"))
    positions: list[str] = key_format["positions"]
    space = key_space(key_format)
    if offset + count > space:
        raise ValueError(
            f"the key format has only {space} distinct values, fewer than the {offset + count} rows requested"
        )
    rng = random.Random(seed)
    multiplier = rng.randrange(1, space) if space > 1 else 1
    while math.gcd(multiplier, space) != 1:
        multiplier = rng.randrange(1, space)
    shift = rng.randrange(space)
    radices = [len(characters) for characters in positions]
    values = []
    for index in range(offset, offset + count):
        number = (multiplier * index + shift) % space
        characters = []
        for alphabet, radix in zip(reversed(positions), reversed(radices)):
            number, digit = divmod(number, radix)
            characters.append(alphabet[digit])
        values.append("".join(reversed(characters)))
    return pd.Series(values, dtype=object)
