"""MinHash fingerprints of article texts, to find copies of one story cheaply (archive/stories.py).

Pure functions: the signature is computed in the process pool with the rest of the page's
processing, and stored with the article.
"""

from __future__ import annotations

import hashlib
import zlib

SHINGLE_WORDS = 5
SIGNATURE_SIZE = 32
BAND_ROWS = 2
# Fixed odd multipliers and offsets of the hash family h(x) = (a * x + b) mod 2^61 - 1.
PRIME = (1 << 61) - 1
_SEEDS = [int.from_bytes(hashlib.sha256(f"vnarchive-{i}".encode()).digest()[:16], "big")
          for i in range(SIGNATURE_SIZE)]
HASHES = [((seed >> 64) % PRIME | 1, (seed & (2**64 - 1)) % PRIME) for seed in _SEEDS]


def shingles(folded_text: str) -> set[int]:
    words = folded_text.split()
    return {zlib.crc32(" ".join(words[i:i + SHINGLE_WORDS]).encode())
            for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def signature(folded_text: str) -> list[int]:
    """MinHash of the text's shingles."""
    values = shingles(folded_text)
    return [min((a * value + b) % PRIME for value in values) for a, b in HASHES]


def bands(signature_values: list[int]) -> list[str]:
    return [f"{i}:" + ".".join(str(v) for v in signature_values[i:i + BAND_ROWS])
            for i in range(0, SIGNATURE_SIZE, BAND_ROWS)]


def estimated_similarity(first: list[int], second: list[int]) -> float:
    return sum(a == b for a, b in zip(first, second, strict=True)) / SIGNATURE_SIZE


def encode(signature_values: list[int]) -> str:
    return ",".join(map(str, signature_values))


def decode(text: str | None) -> list[int] | None:
    return [int(value) for value in text.split(",")] if text else None
