"""Key regeneration: the vectorized keys equal the documented sequence, key by key."""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest

from synth_ops.tables.keys import generate_keys, infer_key_format, key_positions


def expected_keys(key_format: dict, count: int, seed: int, offset: int = 0, total: int | None = None) -> list[str]:
    """Key i is (a * i + b) mod space in the per-position alphabets, with a and b drawn from random.Random(seed)."""
    positions = key_positions(key_format, max(total or 0, offset + count))
    space = math.prod(len(alphabet) for alphabet in positions)
    rng = random.Random(seed)
    multiplier = rng.randrange(1, space) if space > 1 else 1
    while math.gcd(multiplier, space) != 1:
        multiplier = rng.randrange(1, space)
    shift = rng.randrange(space)
    keys = []
    for index in range(offset, offset + count):
        number = (multiplier * index + shift) % space
        characters = []
        for alphabet in reversed(positions):
            number, digit = divmod(number, len(alphabet))
            characters.append(alphabet[digit])
        keys.append("".join(reversed(characters)))
    return keys


def text_format(values: list[str]) -> dict:
    return infer_key_format(pd.Series(values))


TELCO_LIKE = text_format([f"{index:04d}-{''.join(random.Random(index).choices('ABCDEFGHIJKLMNOPQRSTUVWXYZ', k=5))}" for index in range(2000)])
HEX = text_format([f"{index * 7919:08x}" for index in range(500)])
LITERAL = text_format([f"C-{index:04d}" for index in range(80)])
# 20 letters: 26**20 keys, more than int64 holds.
HUGE = text_format(["".join(random.Random(index).choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ", k=20)) for index in range(50)])
ACCENTED = text_format([f"é{index:04d}ü" for index in range(0, 10_000, 7)])
EMOJI = text_format([f"\N{ROCKET}{index:04d}" for index in range(0, 10_000, 7)])


@pytest.mark.parametrize("key_format", [TELCO_LIKE, HEX, LITERAL, HUGE, ACCENTED, EMOJI], ids=["telco", "hex", "literal", "huge", "accented", "emoji"])
@pytest.mark.parametrize("seed", [0, 7, 123456789])
def test_keys_follow_sequence(key_format, seed):
    keys = generate_keys(key_format, 3000, seed=seed)

    assert keys.tolist() == expected_keys(key_format, 3000, seed)
    assert keys.dtype == object
    assert keys.is_unique


def test_chunks_continue_sequence():
    total = 25_000
    chunks = [generate_keys(TELCO_LIKE, size, seed=5, offset=offset, total=total) for offset, size in ((0, 10_000), (10_000, 10_000), (20_000, 5_000))]

    keys = pd.concat(chunks, ignore_index=True)

    assert keys.tolist() == expected_keys(TELCO_LIKE, total, seed=5, total=total)
    assert keys.is_unique


def test_wide_form_when_literal_form_too_small():
    keys = generate_keys(LITERAL, 1000, seed=3, total=1000)

    assert keys.tolist() == expected_keys(LITERAL, 1000, seed=3, total=1000)
    assert keys.str.match(r"^[A-Z]-\d{4}$").all()


def test_nul_alphabet_keeps_trailing_nul():
    key_format = {"type": "text", "positions": ["AB", "\0x"], "wide_positions": ["AB", "\0x"], "width": 2}

    keys = generate_keys(key_format, 4, seed=1)

    assert sorted(keys) == ["A\0", "Ax", "B\0", "Bx"]
    assert keys.tolist() == expected_keys(key_format, 4, seed=1)


def test_integer_keys_numbered_from_one():
    keys = generate_keys({"type": "integer"}, 5, seed=1, offset=10)

    assert keys.tolist() == [11, 12, 13, 14, 15]


def test_empty_request_gives_no_keys():
    assert generate_keys(TELCO_LIKE, 0, seed=1).tolist() == []


def test_too_many_keys_rejected():
    key_format = {"type": "text", "positions": ["AB", "01"], "wide_positions": ["AB", "01"], "width": 2}

    with pytest.raises(ValueError, match="only 4 distinct values"):
        generate_keys(key_format, 5, seed=1)
