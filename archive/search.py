"""Full-text search of the archive that folds Vietnamese diacritics.

The FTS5 index (schema migration m004) holds each article's title and text as written and
folded ("Đảng bộ" as "dang bo"). The query is folded the same way, so "trien khai nhiem vu quy
II", "triển khai nhiệm vụ quý II" and "hoà"/"hòa" find the same articles; results are ranked by
bm25, and snippets are cut from the text as written, with the matched words marked.
"""

from __future__ import annotations

import re
import sqlite3
from bisect import bisect_left
from dataclasses import dataclass

from archive.query import connect_read_only
from pipelines.vietnamese import fold_diacritics

SNIPPET_WORDS = 30
MARK_OPEN, MARK_CLOSE = "[", "]"
NON_WORD = re.compile(r"\W")


@dataclass
class Hit:
    canonical_url: str
    site: str
    title: str
    published: str | None
    is_meeting_report: bool
    province: str | None
    rank: float
    snippet: str


def fts_query(query: str) -> str:
    """Each folded word as a quoted FTS5 term (so no word is read as an operator)."""
    words = re.findall(r"\w+", fold_diacritics(query))
    return " ".join(f'"{word}"' for word in words)


def highlight(text: str, query: str, width: int = SNIPPET_WORDS,
              folded_text: str | None = None) -> str:
    """The passage of `text` (as written) with the most query words, those words marked.
    `folded_text` is the stored `text_folded`, when the caller has it."""
    terms = set(re.findall(r"\w+", fold_diacritics(query)))
    words = text.split()
    folded = folded_words(words, folded_text)
    hits = [i for i, word in enumerate(folded) if word in terms]
    if not hits:
        return " ".join(words[:width])
    start = densest_window(hits, width)
    passage = [f"{MARK_OPEN}{w}{MARK_CLOSE}" if folded[i] in terms else w
               for i, w in enumerate(words[start:start + width], start=start)]
    return ("… " if start else "") + " ".join(passage) + (" …" if start + width < len(words)
                                                          else "")


def folded_words(words: list[str], folded_text: str | None) -> list[str]:
    """Each word without diacritics and punctuation. The stored folded text has the same
    words in the same order, so it is split, not folded again (folding word by word was most
    of a search's time); each distinct word is folded once when it is not at hand."""
    if folded_text is not None:
        candidates = folded_text.split()
        if len(candidates) == len(words):
            return [NON_WORD.sub("", word) for word in candidates]
    folds = {word: fold_diacritics(NON_WORD.sub("", word)) for word in set(words)}
    return [folds[word] for word in words]


def densest_window(hits: list[int], width: int) -> int:
    """The first start of a window of `width` words holding the most hits. A window's count
    only rises where its end reaches a hit, so those starts (and 0) are the only candidates."""
    starts = sorted({0, *(h - width + 1 for h in hits if h - width + 1 > 0)})
    counts = [bisect_left(hits, start + width) - bisect_left(hits, start) for start in starts]
    return starts[counts.index(max(counts))]


def search(db_path: str, query: str, site: str | None = None, province: str | None = None,
           date_from: str | None = None, date_to: str | None = None,
           meeting_only: bool = False, limit: int = 20) -> list[Hit]:
    match = fts_query(query)
    if not match:
        return []
    # Each filter is the set of rowids an index gives (site, publication day, meeting reports,
    # a province's reports), so no article row is read to filter the matches. The "+" keeps
    # SQLite from handing the set to FTS5 as rowid lookups, one full-text query per rowid.
    conditions, parameters = ["articles_fts match ?"], [match]
    for rowids, value in (
            ("select rowid from articles where site = ?", site),
            ("select a.rowid from meeting_reports m join articles a using (canonical_url) "
             "where m.province = ?", province),
            ("select rowid from articles where published >= ?", date_from),
            ("select rowid from articles where published < date(?, '+1 day')", date_to)):
        if value:
            conditions.append(f"+articles_fts.rowid in ({rowids})")
            parameters.append(value)
    if meeting_only:
        conditions.append("+articles_fts.rowid in "
                          "(select rowid from articles where is_meeting_report = 1)")
    # The best `limit` matches are ranked first; only those few rows are then read whole
    # (their texts give the snippets). Reading every match's row before sorting cost seconds
    # for common words in a large archive.
    sql = (
        "select a.canonical_url, a.site, a.title, a.published, a.is_meeting_report, a.text, "
        "a.text_folded, m.province, ranked.rank from ("
        "  select articles_fts.rowid as id, bm25(articles_fts) as rank from articles_fts "
        f"  where {' and '.join(conditions)} order by rank limit ?"
        ") ranked join articles a on a.rowid = ranked.id "
        "left join meeting_reports m on m.canonical_url = a.canonical_url order by ranked.rank"
    )
    with connect_read_only(db_path) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(sql, [*parameters, limit]).fetchall()
    return [Hit(row["canonical_url"], row["site"], row["title"], row["published"],
                bool(row["is_meeting_report"]), row["province"], row["rank"],
                highlight(row["text"] or "", query, folded_text=row["text_folded"]))
            for row in rows]
