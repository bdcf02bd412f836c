"""How often an article's story bands recur in other articles: real news beside the fill's.

    python bench/band_recurrence.py [--texts 7000] [--fill-seed 7]

A story lookup (archive/stories.py) seeks each of an article's sixteen bands; the band filter
(archive/band_filter.py) skips those no stored article has. What a lookup costs at a million
articles therefore depends on how often bands recur, so the articles `bench/fill_archive.py`
makes must recur as real news does. For the same number of texts, of the real ones
(../shared/real-texts, bench/real_texts.py; left out without them) and of the fill's
first ones, this prints: the share of bands that another text of the set also has, and the
pairs of texts that share two bands or more (story candidates) per thousand texts, with how
many of them are copies (estimated similarity 0.5 or more).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.stories import MINIMUM_SHARED_BANDS, SAME_STORY  # noqa: E402
from bench import fill_archive  # noqa: E402
from bench.real_texts import load_texts, shared_folder  # noqa: E402
from pipelines.fingerprint import bands, estimated_similarity, signature  # noqa: E402
from pipelines.vietnamese import fold_diacritics  # noqa: E402

# Texts shorter than this are headlines with a lead (one of the real corpora), not articles.
SHORTEST_TEXT = 1500


def real_news(limit: int) -> list[str] | None:
    shared = shared_folder()
    if shared is None:
        return None
    texts = [real.text for real in load_texts(shared).values() if len(real.text) >= SHORTEST_TEXT]
    return texts[:limit]


def fill_texts(limit: int, seed: int) -> list[str]:
    return [fill_archive.row_of(number, seed)["text"] for number in range(limit)]


def recurrence(texts: list[str]) -> dict[str, float]:
    signatures = [signature(fold_diacritics(text)) for text in texts]
    by_band: dict[str, list[int]] = defaultdict(list)  # band -> the texts that have it
    for index, values in enumerate(signatures):
        for band in set(bands(values)):
            by_band[band].append(index)
    total = sum(map(len, by_band.values()))
    recurring = sum(len(members) for members in by_band.values() if len(members) > 1)
    shared: Counter = Counter()
    for members in by_band.values():
        if len(members) > 1:
            shared.update(combinations(members, 2))
    candidates = [pair for pair, count in shared.items() if count >= MINIMUM_SHARED_BANDS]
    copies = sum(estimated_similarity(signatures[a], signatures[b]) >= SAME_STORY
                 for a, b in candidates)
    per_thousand = 1000 / len(texts)
    return {"texts": len(texts), "recurring_band_share": recurring / total if total else 0.0,
            "candidate_pairs_per_1000": len(candidates) * per_thousand,
            "copy_pairs_per_1000": copies * per_thousand}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=7000)
    parser.add_argument("--fill-seed", type=int, default=7)
    args = parser.parse_args()
    real = real_news(args.texts)
    count = len(real) if real else args.texts
    rows = [("fill", recurrence(fill_texts(count, args.fill_seed)))]
    if real:
        rows.insert(0, ("real news", recurrence(real)))
    else:
        print("no ../shared/real-texts: the fill's figures alone", file=sys.stderr)
    print(f"{'texts':<10} {'count':>6} {'bands recurring':>16} {'candidate pairs':>16} "
          f"{'copy pairs':>11}   (pairs per 1,000 texts)")
    for name, figures in rows:
        print(f"{name:<10} {figures['texts']:>6,} {figures['recurring_band_share']:>16.1%} "
              f"{figures['candidate_pairs_per_1000']:>16.1f} "
              f"{figures['copy_pairs_per_1000']:>11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
