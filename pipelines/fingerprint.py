"""MinHash fingerprints of article texts, to find copies of one story cheaply (archive/stories.py).

Pure functions: the signature is computed in the process pool with the rest of the page's
processing, and stored with the article.
"""

from __future__ import annotations

import operator
import zlib

SHINGLE_WORDS = 5
SIGNATURE_SIZE = 32
BAND_ROWS = 2
EMPTY = 0xFFFFFFFF  # a bin no shingle fell into


def shingles(folded_text: str) -> set[int]:
    """CRC32 of each run of five words (of all the words, when there are fewer)."""
    words = folded_text.split()
    if len(words) < SHINGLE_WORDS:
        return {zlib.crc32(" ".join(words).encode())}
    # The runs as zipped tuples (the shifted lists end together at the last run), joined,
    # encoded and hashed by map: the loop runs in C, an eighth less of a real text's signature
    # time than a comprehension over slices, with the same values.
    runs = zip(*(words[start:] for start in range(SHINGLE_WORDS)), strict=False)
    return set(map(zlib.crc32, map(str.encode, map(" ".join, runs))))


def signature(folded_text: str) -> list[int]:
    """One-permutation MinHash: each shingle's hash is mixed once and falls into one of
    SIGNATURE_SIZE bins by its low bits; a bin keeps its smallest value. One pass over the
    shingles instead of one per hash function."""
    bins = [EMPTY] * SIGNATURE_SIZE
    for value in shingles(folded_text):
        mixed = (value * 0x9E3779B1) & 0xFFFFFFFF  # Knuth's multiplicative mixing
        slot, rest = mixed % SIGNATURE_SIZE, mixed // SIGNATURE_SIZE
        if rest < bins[slot]:
            bins[slot] = rest
    return bins


def estimated_similarity(first: list[int], second: list[int]) -> float:
    """Share of bins, filled in either, where both kept the same value."""
    if len(first) != len(second):
        raise ValueError("signatures of different sizes")
    if EMPTY not in first and EMPTY not in second:
        # Every bin filled (any text of 32 shingles or more): the pairs compared in C. The
        # writer compares each new article with every candidate of its story window.
        return sum(map(operator.eq, first, second)) / len(first) if first else 0.0
    filled = [(a, b) for a, b in zip(first, second, strict=True) if a != EMPTY or b != EMPTY]
    return sum(a == b for a, b in filled) / len(filled) if filled else 0.0


def bands(signature_values: list[int]) -> list[str]:
    return [f"{i}:" + ".".join(str(v) for v in signature_values[i:i + BAND_ROWS])
            for i in range(0, SIGNATURE_SIZE, BAND_ROWS)
            if any(v != EMPTY for v in signature_values[i:i + BAND_ROWS])]


def encode(signature_values: list[int]) -> str:
    return ",".join(map(str, signature_values))


def decode(text: str | None) -> list[int] | None:
    return [int(value) for value in text.split(",")] if text else None
