"""Full-text search of the archive that folds Vietnamese diacritics, with the researcher's
filters (archive/filters.py).

The FTS5 index (schema migration m027) holds each article's title and text folded ("Đảng bộ"
as "dang bo"). The query is folded the same way, so "trien khai nhiem vu quy II", "triển khai
nhiệm vụ quý II" and "hoà"/"hòa" find the same articles. FTS5's own syntax
works on top: "quoted words" are a phrase, OR and NOT combine terms, a trailing * is a prefix,
and -word (or -"a phrase") leaves out the articles holding it.
Results are ranked by bm25, and snippets are cut from the text as written, with the matched
words marked. An empty query lists what the filters keep, newest first.

A query that matches more than RANKED_MATCHES articles (after its filters) ranks only the
RANKED_MATCHES archived last: bm25 costs 2 to 17 microseconds a match, and "hội nghị" matches
nearly every article, so ranking them all took seconds at a million. FTS5 reads a match list
newest rowid first and stops there, so the cost stays flat however large the archive; below
that many matches the ranking is exact.

What stays is bm25's own price: once a query, it counts the articles holding each word by
reading the word's whole match list (about 30 ns an article), 60 to 130 ms of a query of
common words at a million articles, most of a search's time; no query shape avoids it while
the rank is bm25's. FTS5's ORDER BY rank does not stop early either: it ranks every match
(1.4 s for "hội nghị" at a million).
"""

from __future__ import annotations

import json
import re
import sqlite3
from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import date

from archive.facets import (
    MEETING_FLAG,
    NO_ARTICLE,
    ODD_DATE,
    any_of,
    date_tokens,
    rank_sql,
    token,
)
from archive.filters import (
    FILTER_CONDITIONS,
    Filters,
    filter_sql,
    fts_expression,
    period_within,
    place_key,
    query_words,
    register_functions,
)
from archive.query import has_table, reading, table_columns
from pipelines.vietnamese import fold_diacritics

SNIPPET_WORDS = 30
RANKED_MATCHES = 5_000
# The matches, archived last, that Datasette's search box on articles keeps (archive/browse):
# as many as Datasette returns at most (max_returned_rows). Each is read whole to be sorted
# (Datasette selects every column), so 5,000 took 0.2 s of a quiet machine and ran out of
# Datasette's 1 s limit on a busy one.
TABLE_SEARCH_MATCHES = 1_000
MARK_OPEN, MARK_CLOSE = "[", "]"
NON_WORD = re.compile(r"\W")
PHRASE = re.compile(r'"[^"]*"\*?')
# The newest articles in which a query's words are counted to find its rarest (a few ms),
# each count stopped at RARITY_CAP: a word in a fifth of them is common, and which common
# word is paired matters little (counting them to the end was a millisecond or two a search).
RARITY_SAMPLE = 10_000
RARITY_CAP = 2_000


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


def highlight(text: str, query: str, width: int = SNIPPET_WORDS,
              folded_text: str | None = None) -> str:
    """The passage of `text` (as written) with the most query words, those words marked.
    `folded_text` is the stored `text_folded`, when the caller has it."""
    terms = query_words(query)
    words = text.split()
    folded = folded_words(words, folded_text)
    hits = [i for i, word in enumerate(folded) if word in terms]
    if not hits:
        return " ".join(words[:width]) + (" …" if len(words) > width else "")
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
            # A word of letters and digits alone has nothing to strip (\w is those and "_"):
            # most words skip the regular expression (3.4 to 2.1 ms of a search's 20 snippets).
            return [word if word.isalnum() else NON_WORD.sub("", word) for word in candidates]
    folds = {word: fold_diacritics(NON_WORD.sub("", word)) for word in set(words)}
    return [folds[word] for word in words]


def densest_window(hits: list[int], width: int) -> int:
    """The first start of a window of `width` words holding the most hits. A window's count
    only rises where its end reaches a hit, so those starts (and 0) are the only candidates."""
    starts = sorted({0, *(h - width + 1 for h in hits if h - width + 1 > 0)})
    counts = [bisect_left(hits, start + width) - bisect_left(hits, start) for start in starts]
    return starts[counts.index(max(counts))]


# Filters an index answers as a set of article rowids (archive/filters.py's conditions, in a
# form the indexes serve), so no article row is read to filter a query's matches. (Taking only
# a site's newest rowids in bounded steps was tried: at 910,000 articles a rare word's search
# then ran two or three times and a site's p95 doubled, so each set is read whole.)
# Both dates are one range of the (published) index: two half-open sets were each about half
# the archive.
# "Up to a day" is below the day followed by "~", which sorts after every character a time
# goes on with: date(:date_to, '+1 day') was NULL for 9999-12-31, and kept nothing.
DATE_RANGE = ("select rowid from articles where published >= :date_from and "
              "published < :date_to || '~'")
ROWID_SETS = {
    "site": "select rowid from articles where site = :site",
    "meeting_only": "select rowid from articles where is_meeting_report = 1",
    "date_from": "select rowid from articles where published >= :date_from",
    "date_to": "select rowid from articles where published < :date_to || '~'",
}
# A place filter compares folded names (`vnarchive_place`, a Python function): called on
# every report it cost more than the search. The column's distinct names are folded once
# and the filter reads the index by the names that fold alike.
PLACE_COLUMNS = {"province": "province", "district": "locality", "commune": "locality",
                 "level": "locality_level"}
PLACE_CONDITIONS = {
    "province": "province in (select value from json_each(:province_names))",
    "district": "locality_level = 'huyện' and locality in "
                "(select value from json_each(:district_names))",
    "commune": "locality_level = 'xã' and locality in "
               "(select value from json_each(:commune_names))",
    "level": "locality_level in (select value from json_each(:level_names))",
}


def active_filters(filters: Filters) -> dict[str, object]:
    parameters = filters.parameters()
    return {name: value for name, value in parameters.items() if value not in (None, "", 0)}


def place_names(connection: sqlite3.Connection, filters: Filters) -> dict[str, list[str]]:
    """For each place filter set, the names stored in its column that fold to the same key
    (`province_names`...: PLACE_CONDITIONS read them as JSON lists)."""
    names = {}
    for name, value in active_filters(filters).items():
        column = PLACE_COLUMNS.get(name)
        if column is None:
            continue
        wanted = place_key(str(value))
        names[f"{name}_names"] = [stored for stored in stored_values(connection, column)
                                  if place_key(stored) == wanted]
    return names


def match_conditions(filters: Filters) -> list[str]:
    """The conditions on `articles_fts.rowid` for the filters that are set. The "+" keeps
    SQLite from handing a set to FTS5 as rowid lookups, one full-text query per rowid."""
    conditions = []
    chosen = active_filters(filters)
    for name in chosen:
        if name == "date_to" and "date_from" in chosen:
            continue
        if name == "date_from" and "date_to" in chosen:
            rowids = DATE_RANGE
        else:
            rowids = ROWID_SETS.get(name) or (
                "select a.rowid from meeting_reports m join articles a using (canonical_url) "
                f"where {PLACE_CONDITIONS.get(name) or FILTER_CONDITIONS[name]}")
        conditions.append(f"+articles_fts.rowid in ({rowids})")
    return conditions


def facet_match(connection: sqlite3.Connection, filters: Filters,
                names: dict[str, list[str]]) -> str | None:
    """The filters as FTS5 conditions on the facet tokens (archive/facets.py), one group
    each, joined by AND; "" when no filter is set; None when a filter keeps nothing (a place
    no report names). A filter that folds or nests is asked as the stored values it keeps."""
    chosen = active_filters(filters)
    groups = []
    for name, value in chosen.items():
        if name in ("date_from", "date_to"):
            continue
        if name == "meeting_only":
            tokens = [f'"{MEETING_FLAG}"']
        elif name == "site":
            tokens = [token("đs", value)]
        elif name == "organ":
            tokens = [token("đo", value)]
        elif name == "period":
            tokens = [token("đq", stored) for stored in stored_values(
                connection, "period_deployed") if period_within(stored, str(value))]
        elif name == "level":
            tokens = [token("đv", stored) for stored in names["level_names"]]
        else:  # a place: its level too for a district or a commune
            kind = "đp" if name == "province" else "đc"
            tokens = [token(kind, stored) for stored in names[f"{name}_names"]]
            if name in ("district", "commune"):
                groups.append(any_of([token("đv", "huyện" if name == "district" else "xã")]))
        if not tokens:
            return None
        groups.append(any_of(tokens))
    if "date_from" in chosen or "date_to" in chosen:
        days = archive_days(connection, chosen)
        if days is None:
            return None
        groups.append(any_of(date_tokens(*days)))
    return " AND ".join(groups)


def stored_values(connection: sqlite3.Connection, column: str) -> list[str]:
    """The distinct values stored in a column of meeting_reports."""
    return [row[0] for row in connection.execute(
        f"select distinct {column} from meeting_reports where {column} is not null")]


def archive_days(connection: sqlite3.Connection, chosen: dict[str, object]
                 ) -> tuple[date, date] | None:
    """The first and last day a date filter keeps, an open end closed at the archive's
    earliest or latest day; None when it keeps none."""
    # Two subqueries: SQLite reads a min() or a max() alone from the index's ends, but a
    # query asking both scans the whole index (100 ms and more at a million articles).
    earliest, latest = connection.execute(
        "select substr((select min(published) from articles), 1, 10), "
        "substr((select max(published) from articles), 1, 10)").fetchone()
    if earliest is None:
        return None
    first = max(date.fromisoformat(str(chosen.get("date_from") or earliest)),
                date.fromisoformat(earliest))
    last = min(date.fromisoformat(str(chosen.get("date_to") or latest)),
               date.fromisoformat(latest))
    return (first, last) if first <= last else None


def has_odd_dates(connection: sqlite3.Connection) -> bool:
    """Whether an article's `published` does not start with a valid day: then the date
    filters compare the texts, as their condition does, rather than ask the day tokens."""
    return connection.execute("select 1 from articles_fts where articles_fts match ? limit 1",
                              [any_of([f'"{ODD_DATE}"'])]).fetchone() is not None


def ranked_sql(columns: str, conditions: list[str], rank: str,
               every_match: bool = False) -> str:
    """The best `limit` of the last RANKED_MATCHES matches are ranked first; only those few
    rows are then read whole (their texts give the snippets). Reading every match's row
    before sorting cost seconds for common words in a large archive. One match past the cap
    is read (not ranked) to tell the user the ranking was capped. With `every_match` (the
    filters keep no more than RANKED_MATCHES articles, so every match is ranked) the matches
    are read oldest first: the same rows and ranks, and FTS5 steps its lists forward for less
    than backward (it decodes each page whole to walk it backward): a fifth less stepping."""
    order = "asc" if every_match else "desc"
    return (
        f"with candidates as materialized (select articles_fts.rowid as id, {rank} as rank "
        "from articles_fts where "
        f"{' and '.join(['articles_fts match :match', *conditions])} "
        f"order by articles_fts.rowid {order} limit :candidates + 1), "
        "kept as (select id, rank from candidates order by id desc limit :candidates) "
        f"select {columns}, ranked.rank, (select count(*) from candidates) as matched "
        "from (select id, rank from kept order by rank, id limit :limit) ranked "
        "join articles a on a.rowid = ranked.id "
        "left join meeting_reports m on m.canonical_url = a.canonical_url "
        "order by ranked.rank, ranked.id")


@dataclass
class FilteredMatch:
    """How a query and its filters are asked: the FTS5 query (None when a filter keeps no
    article), the conditions on its rowids, the rank, and whether every match is ranked
    (the filters keep at most RANKED_MATCHES articles)."""

    match: str | None
    conditions: list[str]
    rank: str
    every_match: bool = False


def filtered_match(connection: sqlite3.Connection, match: str, filters: Filters,
                   names: dict[str, list[str]]) -> FilteredMatch:
    """The filters as facet tokens in the query when the archive has them (schema m019; the
    date filters as rowids when some `published` is not a day), else as rowid sets (an
    archive no writer upgraded yet)."""
    if not has_table(connection, "article_facets"):
        return FilteredMatch(match, match_conditions(filters), "bm25(articles_fts)")
    rank = rank_sql(table_columns(connection, "articles_fts"))
    odd_dates = has_odd_dates(connection)
    kept = facet_match(connection, replace(filters, date_from=None, date_to=None)
                       if odd_dates else filters, names)
    if kept is None:
        return FilteredMatch(None, [], rank)
    dates = Filters(date_from=filters.date_from, date_to=filters.date_to)
    if not kept:
        return FilteredMatch(match, match_conditions(dates) if odd_dates else [], rank)
    return FilteredMatch(paired_with_rarest(connection, match, kept),
                         match_conditions(dates) if odd_dates else [], rank,
                         keeps_few(connection, kept))


def keeps_few(connection: sqlite3.Connection, kept: str) -> bool:
    """Whether the filters' tokens keep at most RANKED_MATCHES articles (read up to one
    more): then so do the query's matches, and every one of them is ranked."""
    return connection.execute(
        "select count(*) from (select 1 from articles_fts where articles_fts match ? "
        "limit ?)", [kept, RANKED_MATCHES + 1]).fetchone()[0] <= RANKED_MATCHES


def paired_with_rarest(connection: sqlite3.Connection, match: str, kept: str) -> str:
    """The query's words AND the filters' tokens, the tokens paired with the rarest word in
    a node of their own. FTS5 merges nested ANDs into one node, which steps each word's list
    to the next article all the lists share: with a filter keeping one article in twenty,
    the lists of common words were read entry by entry across the archive (finding "triển
    khai nhiệm vụ quý II" on one site: 70 ms at a million articles; paired, 38). Paired,
    the rare word and the filter leap to the articles both hold, and the common words' lists
    skip whole pages to them. `X NOT` a token no article has keeps the pair one node. The
    rank is the same to the last bit: bm25 adds the words' scores in the order they are
    written, and a facet token adds exactly zero (its column weighs nothing)."""
    words = PHRASE.findall(match)
    if len(words) < 2 or " ".join(words) != match:  # OR, NOT: kept as written
        return f"({match}) AND {kept}"
    newest = connection.execute("select coalesce(max(rowid), 0) from articles").fetchone()[0]
    counts = [connection.execute("select count(*) from (select 1 from articles_fts where "
                                 "articles_fts match ? and rowid > ? limit ?)",
                                 [word, newest - RARITY_SAMPLE, RARITY_CAP]).fetchone()[0]
              for word in words]
    rarest = counts.index(min(counts))
    nothing = any_of([f'"{NO_ARTICLE}"'])
    words[rarest] = f"(({words[rarest]} AND {kept}) NOT {nothing})"
    return " AND ".join(words)


def search(db_path: str, query: str, filters: Filters | None = None,
           limit: int = 20) -> list[Hit]:
    return search_ranked(db_path, query, filters, limit)[0]


def search_ranked(db_path: str, query: str, filters: Filters | None = None,
                  limit: int = 20) -> tuple[list[Hit], bool]:
    """The hits, and whether more than RANKED_MATCHES articles matched (so only the ones
    archived last were ranked: the user may narrow the search with filters)."""
    hits, matched = search_counted(db_path, query, filters, limit)
    return hits, matched is not None and matched > RANKED_MATCHES


def search_counted(db_path: str, query: str, filters: Filters | None = None,
                   limit: int = 20, connection: sqlite3.Connection | None = None
                   ) -> tuple[list[Hit], int | None]:
    """The hits, and how many articles matched, counted up to RANKED_MATCHES + 1 (None for
    an empty query, which lists what the filters keep and counts nothing). `connection`: the
    caller's read-only one to the archive (`vnarchive search` reads it before), else one is
    opened."""
    filters = filters or Filters()
    match = fts_expression(query)
    if query.strip() and not match:
        return [], 0  # only punctuation: nothing to look for
    columns = ("a.canonical_url, a.site, a.title, a.published, a.is_meeting_report, a.text, "
               "a.text_folded, m.province, m.locality, m.locality_level, m.organ, "
               "m.period_deployed")
    if not match:  # the filters' own condition, newest first
        sql = (f"select * from (select {columns}, null as rank, 0 as matched from articles a "
               "left join meeting_reports m on m.canonical_url = a.canonical_url) "
               f"where {filter_sql()} order by published desc limit :limit")
    with reading(db_path, connection) as connection:
        register_functions(connection)
        names = place_names(connection, filters)
        parameters = {**filters.parameters(), "match": match, "limit": limit,
                      "candidates": RANKED_MATCHES,
                      **{name: json.dumps(stored) for name, stored in names.items()}}
        if match:
            asked = filtered_match(connection, match, filters, names)
            if asked.match is None:
                return [], 0  # a filter keeps no article
            parameters["match"] = asked.match
            sql = ranked_sql(columns, asked.conditions, asked.rank, asked.every_match)
        cursor = connection.cursor()
        cursor.row_factory = sqlite3.Row  # on this cursor only: a caller's connection is kept
        try:
            rows = cursor.execute(sql, parameters).fetchall()
        except sqlite3.OperationalError as error:
            if "fts5" in str(error):
                raise sqlite3.OperationalError(f"cannot read the query {query!r} ({error})") \
                    from None
            raise
    matched = (rows[0]["matched"] if rows else 0) if match else None
    return [Hit(row["canonical_url"], row["site"], row["title"], row["published"],
                bool(row["is_meeting_report"]), row["province"], row["locality"], row["organ"],
                row["period_deployed"], row["rank"],
                highlight(row["text"] or "", query, folded_text=row["text_folded"]))
            for row in rows], matched
