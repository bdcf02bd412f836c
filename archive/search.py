"""Full-text search of the archive that folds Vietnamese diacritics, with the researcher's
filters (archive/filters.py).

The FTS5 index (schema migration m004) holds each article's title and text as written and
folded ("Đảng bộ" as "dang bo"). The query is folded the same way, so "trien khai nhiem vu quy
II", "triển khai nhiệm vụ quý II" and "hoà"/"hòa" find the same articles. FTS5's own syntax
works on top: "quoted words" are a phrase, OR and NOT combine terms, a trailing * is a prefix.
Results are ranked by bm25, and snippets are cut from the text as written, with the matched
words marked. An empty query lists what the filters keep, newest first.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from archive.filters import Filters, filter_sql, fts_expression, query_words, register_functions
from archive.query import connect_read_only
from pipelines.vietnamese import fold_diacritics

SNIPPET_WORDS = 30
MARK_OPEN, MARK_CLOSE = "[", "]"


@dataclass
class Hit:
    canonical_url: str
    site: str
    title: str
    published: str | None
    is_meeting_report: bool
    province: str | None
    locality: str | None
    organ: str | None
    period_deployed: str | None
    rank: float | None
    snippet: str


def highlight(text: str, query: str, width: int = SNIPPET_WORDS) -> str:
    """The passage of `text` (as written) with the most query words, those words marked."""
    terms = query_words(query)
    words = text.split()
    folded = [fold_diacritics(re.sub(r"\W", "", word)) for word in words]
    hits = [i for i, word in enumerate(folded) if word in terms]
    if not hits:
        return " ".join(words[:width]) + (" …" if len(words) > width else "")
    start = max(range(len(words)), key=lambda i: sum(i <= h < i + width for h in hits))
    passage = [f"{MARK_OPEN}{w}{MARK_CLOSE}" if folded[i] in terms else w
               for i, w in enumerate(words[start:start + width], start=start)]
    return ("… " if start else "") + " ".join(passage) + (" …" if start + width < len(words)
                                                          else "")


def search(db_path: str, query: str, filters: Filters | None = None,
           limit: int = 20) -> list[Hit]:
    filters = filters or Filters()
    match = fts_expression(query)
    if query.strip() and not match:
        return []  # only punctuation: nothing to look for
    source = ("articles_fts join articles a on a.rowid = articles_fts.rowid" if match
              else "articles a")
    sql = (
        "select * from (select a.canonical_url, a.site, a.title, a.published, "
        "a.is_meeting_report, a.text, m.province, m.locality, m.locality_level, m.organ, "
        f"m.period_deployed, {'bm25(articles_fts)' if match else 'null'} as rank from {source} "
        "left join meeting_reports m on m.canonical_url = a.canonical_url"
        f"{' where articles_fts match :match' if match else ''}) "
        f"where {filter_sql()} order by {'rank' if match else 'published desc'} limit :limit"
    )
    with connect_read_only(db_path) as connection:
        register_functions(connection)
        connection.row_factory = sqlite3.Row
        try:
            rows = connection.execute(sql, {**filters.parameters(), "match": match,
                                            "limit": limit}).fetchall()
        except sqlite3.OperationalError as error:
            if "fts5" in str(error):
                raise sqlite3.OperationalError(f"cannot read the query {query!r} ({error})") \
                    from None
            raise
    return [Hit(row["canonical_url"], row["site"], row["title"], row["published"],
                bool(row["is_meeting_report"]), row["province"], row["locality"], row["organ"],
                row["period_deployed"], row["rank"], highlight(row["text"] or "", query))
            for row in rows]
