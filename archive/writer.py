"""Write a crawl into the archive in batches, each batch one transaction.

A crash loses at most the batch in flight and never leaves half a row: rows are buffered and
written together inside `db.atomic()`. One writer serves one crawler (its fetch recorder and its
store pipeline) and is closed when the spider closes; `vnarchive reprocess` uses one too. Each
fetch's raw exchange goes to the WARC store first, and its `pages` row points to it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from archive.attachments import write_attachments
from archive.schema import open_database, search_columns
from archive.stories import assign_stories
from archive.warc import Exchange, StoredRecord, WarcStore, warc_date

logger = logging.getLogger(__name__)

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
# SQLite's primary result codes for "the disk is full" and "a write failed" (a file-size limit
# or a vanished disk surfaces as the second).
SQLITE_FULL, SQLITE_IOERR = 13, 10
FULL_DISK_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


class StorageFull(OSError):
    """The archive cannot be written any more: the disk (or a size limit) is full."""


def is_storage_failure(error: BaseException) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in (SQLITE_FULL, SQLITE_IOERR)
    return isinstance(error, OSError) and error.errno in FULL_DISK_ERRNOS


# `pages.error` values that record a request deliberately not sent, not a failure.
NOT_FAILURES = ("robots_disallowed", "url_pattern_budget")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunCounts:
    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    meeting_reports: int = 0
    errors: int = 0
    bytes: int = 0
    not_modified: int = 0
    article_pages: int = 0
    errors_by_kind: Counter = field(default_factory=Counter)


@dataclass
class ArchiveWriter:
    db_path: str
    batch_size: int = 50
    run_id: int | None = None
    site: str = ""
    warc_dir: str | None = None  # default: NAME-warc/ beside NAME.db
    record_run: bool = True  # False when re-processing: no crawl happens
    counts: RunCounts = field(default_factory=RunCounts)
    # Called once when the disk fills (a crawl closes its spider); without it, the writer raises.
    on_storage_full: Callable[[StorageFull], None] | None = None
    storage_error: StorageFull | None = None
    _pages: list[dict] = field(default_factory=list)
    _articles: list[dict] = field(default_factory=list)
    _attachments: list[dict] = field(default_factory=list)
    _owns_run: bool = False
    _warc: WarcStore | None = None

    def __post_init__(self) -> None:
        self.started_at = utc_now()
        self.db = open_database(self.db_path)
        if self.record_run and self.run_id is None:
            self.run_id = start_run(self.db, [self.site] if self.site else [])
            self._owns_run = True

    @property
    def warc(self) -> WarcStore:
        if self._warc is None:
            directory = Path(self.warc_dir) if self.warc_dir else warc_folder(self.db_path)
            self._warc = WarcStore(directory, f"vnarchive-{self.site or 'crawl'}",
                                   find_original=self._find_original)
        return self._warc

    def _find_original(self, digest: str) -> tuple[str, str] | None:
        row = next(self.db.query("select url, fetched_at from pages where payload_digest = ? "
                                 "and warc_type = 'response' limit 1", [digest]), None)
        return (row["url"], warc_date(row["fetched_at"])) if row else None

    # A full disk ---------------------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn a full disk into one clean stop: the failed batch is rolled back (SQLite) or
        left as a torn last record that no row points to (WARC), nothing more is written, and
        the archive stays as it was after its last committed batch."""
        try:
            yield
        except Exception as error:
            if not is_storage_failure(error):
                raise
            self._storage_failed(error)

    def _storage_failed(self, error: BaseException) -> None:
        self._pages, self._articles, self._attachments = [], [], []
        if self.storage_error is not None:
            return
        self.storage_error = StorageFull(
            f"disk full: cannot write the archive {self.db_path} ({error}); it is intact up to "
            "its last committed batch")
        logger.error("%s", self.storage_error)
        if self.on_storage_full is None:
            raise self.storage_error from error
        self.on_storage_full(self.storage_error)

    def add_fetch(self, exchange: Exchange, latency_ms: int | None = None,
                  fetch_id: str | None = None) -> StoredRecord | None:
        """Store one HTTP exchange in the WARC files and record it as a `pages` row
        (`fetch_id`: the id a distributed worker gave the fetch, see archive/ingest.py); None
        once the disk is full."""
        if self.storage_error is not None:
            return None
        stored = None
        with self._writing():
            stored = self.warc.write(exchange)
        if stored is None:
            return None
        headers = {k.lower(): v for k, v in exchange.response_headers}
        self.add_page({
            "site": exchange.site, "url": exchange.url, "status": exchange.status,
            "fetched_at": exchange.fetched_at, "bytes": len(exchange.body),
            "content_type": headers.get("content-type"), "latency_ms": latency_ms,
            "error": None, "kind": exchange.kind, "warc_file": stored.file,
            "warc_offset": stored.offset, "warc_length": stored.length,
            "payload_digest": stored.digest, "warc_type": stored.record_type,
            "etag": headers.get("etag"), "last_modified": headers.get("last-modified"),
            "fetch_id": fetch_id,
        })
        self.counts.bytes += len(exchange.body)
        self.counts.not_modified += exchange.status == 304
        self.counts.article_pages += exchange.kind == "article" and exchange.status == 200
        return stored

    def record_site(self, site: dict) -> None:
        """Keep a profile's facts (its `site_row`) beside its articles."""
        if self.storage_error is not None:
            return
        with self._writing():
            record_site(self.db, site)

    # Buffering --------------------------------------------------------------------------
    def add_page(self, page: dict) -> None:
        if self.storage_error is not None:
            return
        self._pages.append({**page, "run_id": self.run_id})
        self.counts.pages_fetched += 1
        failed = page.get("error") not in (None, *NOT_FAILURES)
        if failed or ((page.get("status") or 0) >= 400 and not _robots_missing(page)):
            self.counts.errors += 1
            kind = page["error"].split(":")[0] if failed else f"http_{page['status']}"
            self.counts.errors_by_kind[kind] += 1
        self._flush_if_full()

    def add_article(self, article: dict) -> None:
        if self.storage_error is not None:
            return
        row = {column: article.get(column) for column in ARTICLE_COLUMNS}
        for column in JSON_COLUMNS:
            if row[column] is not None:
                row[column] = json.dumps(row[column], ensure_ascii=False)
        if self.record_run:
            row["run_id"] = self.run_id
        row["html"] = article.get("html")
        row["meeting"] = article.get("meeting")
        row["first_seen_at"] = article.get("first_seen_at") or row["fetched_at"]
        row["content_hash"] = content_hash(row["title"], row["text"])
        if article.get("text_folded") is None:  # not computed by pipelines.process
            row.update(search_columns(row["title"], row["text"]))
        else:
            row["title_folded"] = article["title_folded"]
            row["text_folded"] = article["text_folded"]
        row["story_signature"] = article.get("story_signature")
        self._articles.append(row)
        self._flush_if_full()

    def add_attachment(self, attachment: dict) -> None:
        """A document an article links (archive/attachments.py)."""
        if self.storage_error is not None:
            return
        self._attachments.append({**attachment, "run_id": self.run_id})
        self._flush_if_full()

    def mark_pages(self, urls: list[str], error: str) -> None:
        """Record on this run's `pages` rows of `urls` (still buffered or already written)
        why a fetch that succeeded gave no article: a soft 404, a broken document. Counted
        once, as an error of its kind."""
        if self.storage_error is not None:
            return
        urls = list(dict.fromkeys(urls))
        for page in self._pages:
            if page["url"] in urls and page.get("error") is None and page["kind"] == "article":
                page["error"] = error
        with self._writing(), self.db.atomic():
            self.db.execute("update pages set error = ? where run_id is ? and error is null "
                            "and kind = 'article' and url in (select value from json_each(?))",
                            [error, self.run_id, json.dumps(urls)])
        self.counts.errors += 1
        self.counts.errors_by_kind[error.split(":")[0]] += 1

    def _flush_if_full(self) -> None:
        if len(self._pages) + len(self._articles) + len(self._attachments) >= self.batch_size:
            self.flush()

    # Writing ----------------------------------------------------------------------------
    def flush(self) -> None:
        if not self._pages and not self._articles and not self._attachments:
            return
        pages, articles, attachments = self._pages, self._articles, self._attachments
        self._pages, self._articles, self._attachments = [], [], []
        with self._writing(), self.db.atomic():
            if pages:
                self.db["pages"].insert_all(pages)
            if articles:
                self._write_articles(articles)
            if attachments:
                write_attachments(self.db, attachments)

    def _write_articles(self, rows: list[dict]) -> None:
        # The last fetch of a URL within one batch wins.
        latest = {row["canonical_url"]: row for row in rows}
        existing = {
            found["canonical_url"]: found
            for found in self.db.query(
                f"select {', '.join(VERSION_COLUMNS)}, story_signature, story_id from articles "
                "where canonical_url in (select value from json_each(?))",
                [json.dumps(list(latest))],
            )
        }
        new, updated, versions, sources, meetings = [], [], [], [], {}
        unmoved: set[str] = set()  # updated rows whose story cannot have changed
        for key, row in latest.items():
            sources.append({"canonical_url": key, "html": row.pop("html"),
                            "encoding": row["encoding"], "fetched_at": row["fetched_at"]})
            meetings[key] = (row.pop("meeting"), row)
            if key in existing:
                row.pop("first_seen_at")  # an update keeps the first sighting
                updated.append(row)
                old = existing[key]
                # Not columns of article_versions, which `old` may become.
                signature, story_id = old.pop("story_signature"), old.pop("story_id")
                if story_id is not None and _same_story_keys(signature, old, row):
                    unmoved.add(key)
                if old["content_hash"] and old["content_hash"] != row["content_hash"]:
                    versions.append({**old, "replaced_at": row["fetched_at"]})
            else:
                new.append(row)
            if row.get("is_meeting_report"):
                self.counts.meeting_reports += 1
        if versions:  # the text changed at the same URL: keep what it said before
            self.db["article_versions"].insert_all(versions)
        if new:
            self.db["articles"].insert_all(new)
        if updated:
            self.db["articles"].upsert_all(updated, pk="canonical_url")
        self.db["article_sources"].upsert_all(sources, pk="canonical_url")
        self._write_meetings(meetings)
        assign_stories(self.db, [key for key in latest if key not in unmoved])
        self.counts.articles_new += len(new)
        self.counts.articles_updated += len(updated)

    def _write_meetings(self, meetings: dict[str, tuple[dict | None, dict]]) -> None:
        """A meeting report's fields, officials and figures replace what an earlier crawl
        stored for the same article; an article no longer classified as one loses them."""
        keys = json.dumps(list(meetings))
        for table in ("officials", "figures", "meeting_reports"):
            self.db.execute(f"delete from {table} where canonical_url in "
                            "(select value from json_each(?))", [keys])
        reports, officials, figures = [], [], []
        for key, (meeting, row) in meetings.items():
            if not meeting:
                continue
            reports.append({"canonical_url": key, "confidence": row.get("confidence"),
                            "classifier_version": row.get("classifier_version"),
                            **{column: meeting.get(column) for column in MEETING_COLUMNS}})
            officials += [{"canonical_url": key, "name": person["name"],
                           "title": person["title"]} for person in meeting.get("officials", [])]
            figures += [{"canonical_url": key, "text": figure["text"], "value": figure["value"],
                         "total": figure.get("total"), "unit": figure["unit"],
                         "label": figure["label"]} for figure in meeting.get("figures", [])]
        if reports:
            self.db["meeting_reports"].insert_all(reports)
        if officials:
            self.db["officials"].insert_all(officials)
        if figures:
            self.db["figures"].insert_all(figures)

    def close(self, stats: dict | None = None, reason: str = "finished") -> None:
        """Flush what is left and add this writer's counts to its run, and its site's row."""
        self.flush()
        if self._warc is not None:
            with self._writing():
                self._warc.close()
        if not self.record_run or self.storage_error is not None:
            self.db.close()
            return
        stats = stats or {}
        finished_at = utc_now()
        with self.db.atomic():
            self.db["site_runs"].insert({
                "run_id": self.run_id, "site": self.site, "started_at": self.started_at,
                "finished_at": finished_at, "finish_reason": reason,
                "pages": self.counts.pages_fetched, "bytes": self.counts.bytes,
                "not_modified": self.counts.not_modified,
                "article_pages": self.counts.article_pages,
                "listing_pages_parsed": stats.get("vnarchive/listing_pages_parsed", 0),
                "listing_article_links": stats.get("vnarchive/listing_article_links", 0),
                "articles_new": self.counts.articles_new,
                "articles_updated": self.counts.articles_updated,
                "meeting_reports": self.counts.meeting_reports,
                "pages_without_text": stats.get("vnarchive/pages_without_text", 0),
                "errors": self.counts.errors,
                "errors_by_kind": json.dumps(dict(self.counts.errors_by_kind)),
                "duration_seconds": (datetime.fromisoformat(finished_at)
                                     - datetime.fromisoformat(self.started_at)).total_seconds(),
            })
            self.db.execute(
                "update crawl_runs set pages_fetched = pages_fetched + ?, "
                "articles_new = articles_new + ?, articles_updated = articles_updated + ?, "
                "meeting_reports = meeting_reports + ?, errors = errors + ? where id = ?",
                [self.counts.pages_fetched, self.counts.articles_new,
                 self.counts.articles_updated, self.counts.meeting_reports, self.counts.errors,
                 self.run_id],
            )
        if self._owns_run:
            finish_run(self.db, self.run_id, "finished" if reason == "finished" else reason)
        self.db.close()


def _same_story_keys(signature: str | None, old: dict, row: dict) -> bool:
    """Whether an updated row keeps what its story was decided on: the same fingerprint and
    the same day. Then its story stands, and re-processing an archive whose texts did not
    change costs no story search."""
    return (signature is not None and signature == row.get("story_signature")
            and (old["published"] or old["fetched_at"])
            == (row.get("published") or row.get("fetched_at")))


def _robots_missing(page: dict) -> bool:
    """A robots.txt answered 4xx (but 429) is "no rules" (RFC 9309 2.3.1.3): the site has
    none, which is no error (crawler/robots.py)."""
    return page.get("kind") == "robots" and 400 <= page["status"] < 500 and page["status"] != 429


def content_hash(title: str | None, text: str | None) -> str:
    return hashlib.sha1(f"{title or ''}\n{text or ''}".encode()).hexdigest()


def warc_folder(db_path: str) -> Path:
    """Where an archive keeps its WARC files: `NAME-warc/` beside `NAME.db`."""
    path = Path(db_path).resolve()
    return path.with_name(f"{path.stem}-warc")


def start_run(db, sites: list[str]) -> int:
    """A new crawl_runs row; returns its id."""
    with db.atomic():
        table = db["crawl_runs"].insert(
            {"started_at": utc_now(), "status": "running", "sites": json.dumps(sites)}
        )
    return table.last_pk


def finish_run(db, run_id: int, status: str) -> None:
    with db.atomic():
        db["crawl_runs"].update(run_id, {"finished_at": utc_now(), "status": status})


def site_row(profile) -> dict:
    """The `sites` row of a profile."""
    owner = profile.owner
    return {
        "name": profile.name,
        "title": profile.title,
        "kind": profile.kind,
        "base_url": profile.base_url or None,
        "verified": int(profile.verified),
        "owner_organ": owner.organ if owner else None,
        "owner_locality": owner.locality if owner else None,
        "owner_province": owner.province if owner else None,
        "profile_file": str(profile.source),
    }


def record_site(db, site: dict) -> None:
    """Keep the profile's facts beside its articles, so SQL can join on the owner."""
    with db.atomic():
        db["sites"].upsert(site, pk="name")
