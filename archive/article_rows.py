"""An article as the archive stores it: its `articles` row, its decoded page when no WARC
record holds the page (`article_sources`) and, for a meeting report, its fields
(`meeting_reports`, `officials`, `figures`), written together for a batch of articles."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from archive.schema import search_columns
from archive.stories import assign_stories

ARTICLE_COLUMNS = (
    "canonical_url", "url", "site", "title", "lead", "text", "author", "published",
    "published_source", "event_date", "language", "encoding", "photo_credits", "warnings",
    "is_meeting_report", "confidence", "found_via", "status", "fetched_at", "run_id",
    "extractor_version", "classifier_version", "warc_file", "warc_offset",
)
VERSION_COLUMNS = ("canonical_url", "fetched_at", "title", "lead", "text", "author", "published",
                   "content_hash", "extractor_version", "warc_file", "warc_offset")
MEETING_COLUMNS = (
    "kind", "organ", "organ_name", "locality", "locality_level", "province", "province_2025",
    "meeting_date", "period_reviewed", "period_deployed",
)
JSON_COLUMNS = ("photo_credits", "warnings")
# Articles a statement writes at most (see _write_article_rows): their texts are held in memory
# as one JSON text (1,000 raised the writer's peak RSS by 30 MB; 250 keep it where it was), and
# each statement is one segment of the full-text index.
ROWS_A_STATEMENT = 250


@dataclass
class ArticleRecord:
    """One article's rows: `row` holds only `articles` columns; the decoded page and the
    meeting fields go to their own tables."""

    row: dict
    html: str | None
    meeting: dict | None
    moved_from: tuple[str, ...] = ()  # keys it was permanently redirected from (crawler.moves)

    @property
    def key(self) -> str:
        return self.row["canonical_url"]


@dataclass
class WrittenArticles:
    new: int = 0
    updated: int = 0
    meeting_reports: int = 0


def content_hash(title: str | None, text: str | None) -> str:
    return hashlib.sha1(f"{title or ''}\n{text or ''}".encode()).hexdigest()


def article_record(article: dict, run_id: int | None) -> ArticleRecord:
    """The record of a processed article (the fields pipelines.process derives, with `html`
    and `meeting`); `run_id` None keeps the article's own."""
    row = {column: article.get(column) for column in ARTICLE_COLUMNS}
    for column in JSON_COLUMNS:
        if row[column] is not None:
            row[column] = json.dumps(row[column], ensure_ascii=False)
    if run_id is not None:
        row["run_id"] = run_id
    row["first_seen_at"] = article.get("first_seen_at") or row["fetched_at"]
    row["content_hash"] = content_hash(row["title"], row["text"])
    if article.get("text_folded") is None:  # not computed by pipelines.process
        row.update(search_columns(row["title"], row["text"]))
    else:
        row["title_folded"] = article["title_folded"]
        row["text_folded"] = article["text_folded"]
    row["story_signature"] = article.get("story_signature")
    return ArticleRecord(row=row, html=article.get("html"), meeting=article.get("meeting"),
                         moved_from=tuple(article.get("moved_from") or ()))


def insert_rows(db, table: str, rows: list[dict], upsert: str | None = None) -> None:
    """Insert a batch of rows with one prepared statement (`upsert`: the key whose rows
    already stored are updated instead). sqlite-utils' `insert_all`
    rebuilds its statement per chunk and converts every value in Python: a third of a batch's
    write time at a million articles (bench/bench_scale.py). Values must be SQLite's own types
    (JSON columns are already text, see `article_record`)."""
    if not rows:
        return
    columns = list(dict.fromkeys(column for row in rows for column in row))
    names = ", ".join(f'"{column}"' for column in columns)
    conflict = "" if upsert is None else (
        f" on conflict ({upsert}) do update set " + ", ".join(
            f'"{column}" = excluded."{column}"' for column in columns if column != upsert))
    db.conn.executemany(f'insert into "{table}" ({names}) values '
                        f'({", ".join("?" for _ in columns)}){conflict}',
                        [tuple(map(row.get, columns)) for row in rows])


def kept_page(record: ArticleRecord) -> str | None:
    """The decoded page `article_sources` keeps: only that of an article whose response no
    WARC record holds (one written through the Python API alone). A WARC record keeps the
    page's bytes, gzipped, and `vnarchive page` decodes them again as the extraction did
    (archive/stored_pages.py); a second, decoded copy was most of a crawled archive (62.6 of
    90.0 MB for the bench's 1,000 pages; real pages average 81 KB), and writing it cost a
    crawl 2% of its CPU."""
    return record.html if record.row.get("warc_file") is None else None


def _write_kept_pages(db, latest: dict[str, ArticleRecord], existing: dict) -> None:
    """Keep the decoded pages `kept_page` keeps, and drop the one an earlier fetch left for an
    article now in a WARC record. An article without a kept page has no row at all: the row's
    other columns (the encoding, the fetch time) are the article's own, and each row is an
    entry at a random place of one more B-tree keyed by the URL, for every batch to write."""
    pages = {key: kept_page(record) for key, record in latest.items()}
    db.conn.executemany(
        "insert into article_sources (canonical_url, html, encoding, fetched_at) "
        "values (?, ?, ?, ?) on conflict (canonical_url) do update set html = excluded.html, "
        "encoding = excluded.encoding, fetched_at = excluded.fetched_at",
        [(key, html, latest[key].row["encoding"], latest[key].row["fetched_at"])
         for key, html in pages.items() if html is not None])
    stored = [key for key in existing if pages[key] is None]
    if stored:
        db.execute("delete from article_sources where canonical_url in "
                   "(select value from json_each(?))", [json.dumps(stored)])


def write_articles(db, records: list[ArticleRecord]) -> WrittenArticles:
    """Insert or update a batch of articles, keeping a changed text's earlier version."""
    latest = {record.key: record for record in records}  # the last fetch of a URL wins
    existing = {
        found["canonical_url"]: found
        for found in db.query(
            f"select {', '.join(VERSION_COLUMNS)}, story_signature, story_id, rowid as id "
            "from articles "
            "where canonical_url in (select value from json_each(?))",
            [json.dumps(list(latest))],
        )
    }
    written = WrittenArticles()
    new, updated, versions = [], [], []
    unmoved: set[str] = set()  # updated rows whose story cannot have changed
    for key, record in latest.items():
        row = dict(record.row)
        if key in existing:
            row.pop("first_seen_at")  # an update keeps the first sighting
            old = existing[key]
            updated.append((old.pop("id"), row))
            # Not columns of article_versions, which `old` may become.
            signature, story_id = old.pop("story_signature"), old.pop("story_id")
            if story_id is not None and _same_story_keys(signature, old, row):
                unmoved.add(key)
            if old["content_hash"] and old["content_hash"] != row["content_hash"]:
                versions.append({**old, "replaced_at": row["fetched_at"]})
        else:
            # Its own story until assign_stories finds a copy: set now, not by an update
            # that would rewrite the whole new row (texts included) a second time.
            new.append({**row, "story_id": key})
        written.meeting_reports += bool(row.get("is_meeting_report"))
    # A new report's fields before its article (its foreign key checked at the commit): the
    # article's insert then indexes its facets once (schema m019), not a second time after.
    db.execute("pragma defer_foreign_keys = on")
    _write_meetings(db, list(latest.values()))
    if versions:  # the text changed at the same URL: keep what it said before
        insert_rows(db, "article_versions", versions)
    _write_article_rows(db, [row for _, row in sorted(updated, key=lambda u: u[0])], new)
    _write_kept_pages(db, latest, existing)
    assign_stories(db, [key for key in latest if key not in unmoved])
    written.new, written.updated = len(new), len(updated)
    return written


def _write_article_rows(db, updated: list[dict], new: list[dict]) -> None:
    """Update and insert a batch's articles in one statement, the updated rows first in rowid
    order. Each statement run inside a transaction opens a savepoint, and FTS5 writes its
    pending terms as a new segment of the index at every savepoint and whenever a rowid goes
    back: a statement per row (executemany) made a segment per article, which FTS5 then
    merged level after level (a third of a batch's CPU time at a million articles, twice its
    10,000 cost; bench/bench_scale.py). A statement is one segment of ROWS_A_STATEMENT
    articles. The rows travel as one JSON array: Python's sqlite3 binds no table of rows."""
    rows = [*updated, *new]
    if not rows:
        return
    columns = list(dict.fromkeys(column for row in rows for column in row))
    kept = {"canonical_url", "first_seen_at", "story_id"}  # an update keeps these
    values = ", ".join(f"json_extract(value, '$[{index}]')" for index in range(len(columns)))
    statement = (
        f"insert into articles ({', '.join(f'[{column}]' for column in columns)}) select "
        f"{values} from json_each(?) where true on conflict (canonical_url) do update set "
        + ", ".join(f"[{column}] = excluded.[{column}]" for column in columns
                    if column not in kept))
    for first in range(0, len(rows), ROWS_A_STATEMENT):
        db.execute(statement, [json.dumps([[row.get(column) for column in columns]
                                           for row in rows[first:first + ROWS_A_STATEMENT]],
                                          ensure_ascii=False)])


def _write_meetings(db, records: list[ArticleRecord]) -> None:
    """A meeting report's fields, officials and figures replace what an earlier crawl stored
    for the same article; an article no longer classified as one loses them."""
    keys = json.dumps([record.key for record in records])
    for table in ("officials", "figures"):
        db.execute(f"delete from {table} where canonical_url in "
                   "(select value from json_each(?))", [keys])
    # Reports are replaced in place, not deleted and inserted: a report's row that comes back
    # with the same place and period leaves its article's facets, and the index, untouched.
    db.execute("delete from meeting_reports where canonical_url in (select value from "
               "json_each(?))", [json.dumps([record.key for record in records
                                             if not record.meeting])])
    reports, officials, figures = [], [], []
    for record in records:
        meeting, key = record.meeting, record.key
        if not meeting:
            continue
        reports.append({"canonical_url": key, "confidence": record.row.get("confidence"),
                        "classifier_version": record.row.get("classifier_version"),
                        **{column: meeting.get(column) for column in MEETING_COLUMNS}})
        officials += [{"canonical_url": key, "name": person["name"],
                       "title": person["title"]} for person in meeting.get("officials", [])]
        figures += [{"canonical_url": key, "text": figure["text"], "value": figure["value"],
                     "total": figure.get("total"), "unit": figure["unit"],
                     "label": figure["label"]} for figure in meeting.get("figures", [])]
    insert_rows(db, "meeting_reports", reports, upsert="canonical_url")
    insert_rows(db, "officials", officials)
    insert_rows(db, "figures", figures)


def _same_story_keys(signature: str | None, old: dict, row: dict) -> bool:
    """Whether an updated row keeps what its story was decided on: the same fingerprint and
    the same day. Then its story stands, and re-processing an archive whose texts did not
    change costs no story search."""
    return (signature is not None and signature == row.get("story_signature")
            and (old["published"] or old["fetched_at"])
            == (row.get("published") or row.get("fetched_at")))
