"""The full-text index of folded words (schema m027) on real news: does a search find the same
texts as through the index before it, which held the texts as written beside the folded ones,
and how far do bm25's ten best move?

    python bench/folded_index_real.py [--queries 300]

The 11,246 texts of ../shared/real-texts (bench/real_texts.py) go into two FTS5 tables in
memory with the archive's tokenizer: the columns before m027 (title, text, title_folded,
text_folded, facets) and since (title_folded, text_folded, facets), the facets empty. The
queries are fixed words of the field (with "đ", phrases, OR, NOT, a prefix) and word pairs
drawn from real titles (seeded), each as written, as a phrase and folded, all asked as
`vnarchive search` asks them (archive/filters.py `fts_expression`).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.facets import rank_sql  # noqa: E402
from archive.filters import fts_expression  # noqa: E402
from bench.real_texts import load_texts, shared_folder  # noqa: E402
from pipelines.vietnamese import fold_diacritics  # noqa: E402

TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'"
BEFORE = ("title", "text", "title_folded", "text_folded", "facets")
FOLDED = ("title_folded", "text_folded", "facets")
FIXED_QUERIES = ["Đảng bộ", "đại hội", "Đồng Nai", "huyện ủy", "quý II", "triển khai nhiệm vụ",
                 "ngân sách OR đầu tư", "Hà Nội -bóng", "kinh*", '"Ban Thường vụ"', "đường",
                 "Đà Nẵng", "sơ kết 6 tháng", "UBND tỉnh", "điều chỉnh quy hoạch"]
TOP = 10


def build(texts: list[tuple[str, str]]) -> sqlite3.Connection:
    """Both indexes of `texts` (title, text pairs), as tables `before` and `folded`."""
    db = sqlite3.connect(":memory:")
    db.execute(f"create table texts ({', '.join(BEFORE)})")
    db.executemany("insert into texts values (?, ?, ?, ?, '')",
                   [(title, text, fold_diacritics(title), fold_diacritics(text))
                    for title, text in texts])
    for name, columns in (("before", BEFORE), ("folded", FOLDED)):
        listed = ", ".join(columns)
        db.execute(f"create virtual table {name} using fts5 ({listed}, {TOKENIZER})")
        db.execute(f"insert into {name} (rowid, {listed}) select rowid, {listed} from texts")
    return db


def queries_from(texts: list[tuple[str, str]], count: int, seed: int = 23) -> list[str]:
    """The fixed queries, then a word pair of each of `count` titles drawn: as written, as a
    phrase and folded."""
    drawn = random.Random(seed).sample(texts, min(count, len(texts)))
    queries = list(FIXED_QUERIES)
    for title, _ in drawn:
        words = title.split()
        if len(words) >= 3:
            start = random.Random(title).randrange(len(words) - 1)
            pair = " ".join(words[start:start + 2])
            queries += [pair, f'"{pair}"', fold_diacritics(pair)]
    return queries


def matches(db: sqlite3.Connection, table: str, expression: str) -> set[int]:
    return {row[0] for row in db.execute(f"select rowid from {table} where {table} match ?",
                                         [expression])}


def best(db: sqlite3.Connection, table: str, columns: tuple[str, ...],
         expression: str) -> list[int]:
    """The TOP best by bm25 as `vnarchive search` weighs it (the facets weigh nothing)."""
    return [row[0] for row in db.execute(
        f"select rowid from {table} where {table} match ? order by "
        f"{rank_sql(list(columns), table)}, rowid limit {TOP}", [expression])]


def compare(db: sqlite3.Connection, queries: list[str]) -> dict[str, object]:
    """How many queries find the same texts through both indexes (the others named), and how
    many of the TOP best both share, for the queries with at least TOP matches."""
    same, different, shared = 0, [], []
    for query in queries:
        expression = fts_expression(query)
        if not expression:
            continue
        found = matches(db, "before", expression)
        if found == matches(db, "folded", expression):
            same += 1
        else:
            different.append(query)
        if len(found) >= TOP:
            shared.append(len(set(best(db, "before", BEFORE, expression))
                              & set(best(db, "folded", FOLDED, expression))))
    sizes = {name: db.execute(f"select sum(length(block)) from {name}_data").fetchone()[0]
             for name in ("before", "folded")}
    return {"same": same, "different": different, "shared": shared, "sizes": sizes}


def report(texts: int, result: dict[str, object]) -> str:
    shared = result["shared"]
    lines = [f"{texts:,} texts, {result['same'] + len(result['different']):,} queries: "
             f"the same texts found for {result['same']:,}, different for "
             f"{len(result['different'])}" + "".join(f"\n  different: {query}"
                                                     for query in result["different"])]
    if shared:
        lines.append(f"the {TOP} best, over {len(shared):,} queries with {TOP} or more matches: "
                     f"{sum(shared) / len(shared):.2f} shared on average, all {TOP} for "
                     f"{sum(n == TOP for n in shared):,}, {TOP - 2} or more for "
                     f"{sum(n >= TOP - 2 for n in shared):,}, fewest {min(shared)}")
    sizes = result["sizes"]
    lines.append(f"index bytes: before m027 {sizes['before']:,}, folded {sizes['folded']:,} "
                 f"({sizes['folded'] / sizes['before']:.2f})")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300,
                        help="titles to draw word pairs from (three queries each)")
    args = parser.parse_args()
    shared = shared_folder()
    if shared is None:
        print("no ../shared/real-texts (set VNARCHIVE_SHARED)", file=sys.stderr)
        return 2
    texts = [(real.title, real.text) for real in load_texts(shared).values()]
    print(report(len(texts), compare(build(texts), queries_from(texts, args.queries))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
