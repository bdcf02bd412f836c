"""A story lookup's cost with the band filter (archive/band_filter.py) and without it, side by side.

    python bench/band_lookups.py ARCHIVE [--articles 5000] [--rounds 3]

Looks up, in one read transaction, the candidates of made-up articles two ways, alternated:
with the archive's bitset, and with every band looked up in `story_bands` (as before the
filter). Two kinds of article: one whose sixteen bands no stored article has (real news: of
7,134 texts of ../shared/real-texts, 3.7% of the bands were in another text too), and one whose
bands are drawn from the bands the archive holds (the worst case: bench/fill_archive.py's
articles when their sentences were drawn whole from written ones, two thirds of a new
article's bands in the table already at a million). Nothing is written.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.band_filter import BandFilter, band_filter  # noqa: E402
from archive.query import open_read_only  # noqa: E402
from archive.stories import _candidates  # noqa: E402

BANDS_AN_ARTICLE = 16


def made_up(rng: random.Random, count: int, stored: list[int] | None) -> list[tuple]:
    """Articles as (bands, day): bands at random, or drawn from `stored`."""
    def band() -> int:
        return rng.choice(stored) if stored else rng.getrandbits(64) - 2**63
    return [([band() for _ in range(BANDS_AN_ARTICLE)],
             f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}")
            for _ in range(count)]


def timed(db, articles: list[tuple], held: BandFilter) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for bands, day in articles:
        _candidates(db, 0, day, bands, held)
    return ((time.process_time() - cpu) / len(articles) * 1000,
            (time.perf_counter() - wall) / len(articles) * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="an archive (schema m026 or later); only read")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from sqlite_utils import Database

    db = Database(open_read_only(args.db))
    rng = random.Random(7)
    with db.conn:
        held = band_filter(db)
        every_band = BandFilter(0, 0, bytearray(b"\xff"))  # every bit set
        stored = [row[0] for row in (db.execute(  # stored bands, spread over the key range
            "select band from story_bands where band >= ? limit 1",
            [rng.getrandbits(64) - 2**63]).fetchone() for _ in range(5000)) if row]
        if not stored:
            print(f"{args.db}: story_bands is empty (every band is still in the small table, "
                  "below about 40,000 articles): nothing to compare", file=sys.stderr)
            return 2
        print(f"{args.db}: bitset of {len(held.bits) * 8:,} bits for {held.bands:,} bands")
        for kind, source in (("bands no article has", None), ("bands the archive holds", stored)):
            for round_ in range(1, args.rounds + 1):
                articles = made_up(rng, args.articles, source)
                for name, chosen in (("filter", held), ("every band", every_band)):
                    cpu, wall = timed(db, articles, chosen)
                    print(f"{kind}, round {round_}, {name:>10}: {cpu:.3f} ms of CPU and "
                          f"{wall:.3f} ms of wall an article")
    return 0


if __name__ == "__main__":
    sys.exit(main())
