"""Write a crawl into the archive in batches, each batch one transaction.

A crash loses at most the batch in flight and never leaves half a row: rows are buffered and
written together inside `db.atomic()`. One writer serves one crawler (its fetch recorder and its
store pipeline) and is closed when the spider closes; `vnarchive reprocess` uses one too. Each
fetch's raw exchange goes to the WARC store first, and its `pages` row points to it.

With `background`, the batches are committed on a thread of their own (archive/commit_thread.py)
while the caller goes on; anything else that touches the database (`db`, `mark_pages`,
`record_site`, `close`) first waits for the batches handed over. A batch that fails there is
reported to `on_write_error` (a crawl closes its spider) and nothing more is written.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from archive.article_keys import follow_moves
from archive.article_rows import (
    ArticleRecord,
    article_record,
    insert_rows,
    write_articles,
)
from archive.attachments import write_attachments
from archive.band_filter import forget
from archive.checkpoints import BACKSTOP_PAGES, Checkpointer
from archive.commit_thread import CommitThread
from archive.disk import StorageFull, is_storage_failure
from archive.runs import (
    RunCounts,
    error_kind,
    finish_run,
    page_error,
    record_site,
    record_site_run,
    start_run,
    utc_now,
)
from archive.schema import open_database
from archive.warc import Exchange, StoredRecord, WarcStore, warc_date
from archive.warc_folders import claim, warc_folder

logger = logging.getLogger(__name__)


@dataclass
class ArchiveWriter:
    db_path: str
    batch_size: int = 50
    run_id: int | None = None
    site: str = ""
    warc_dir: str | None = None  # default: the archive's own (archive.warc_folders)
    record_run: bool = True  # False when re-processing: no crawl happens
    # What the writer counts; a crawl passes counts kept in its stats (crawler.archiving).
    counts: RunCounts = field(default_factory=RunCounts)
    # Called once when the disk fills (a crawl closes its spider); without it, the writer raises.
    on_storage_full: Callable[[StorageFull], None] | None = None
    storage_error: StorageFull | None = None
    background: bool = False  # commit batches on a thread of their own (a crawl does)
    # Called once when a batch fails for another reason; without it, the writer raises.
    on_write_error: Callable[[BaseException], None] | None = None
    write_error: BaseException | None = None
    _pages: list[dict] = field(default_factory=list)
    _articles: list[ArticleRecord] = field(default_factory=list)
    _attachments: list[dict] = field(default_factory=list)
    _owns_run: bool = False
    _warc: WarcStore | None = None
    _committer: CommitThread | None = None
    _reader: sqlite3.Connection | None = None
    _checkpoints: Checkpointer | None = None

    def __post_init__(self) -> None:
        self.started_at = utc_now()
        # The commit thread and the caller's take turns on the connection, never at once.
        self._db = open_database(self.db_path, check_same_thread=not self.background)
        # The WAL is copied back into the database on a thread of its own, not in the
        # commits (archive/checkpoints.py); the writer's own checkpoint is only a backstop.
        self._db.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
        self._checkpoints = Checkpointer(self.db_path)
        if self.background:
            self._committer = CommitThread()
        if self.record_run and self.run_id is None:
            self.run_id = start_run(self._db, [self.site] if self.site else [])
            self._owns_run = True

    @property
    def db(self):
        """The archive's connection, once the batches handed over are committed."""
        self._wait_for_batches()
        return self._db

    @property
    def stopped(self) -> bool:
        """Nothing more is written: the disk is full, or a batch failed."""
        return self.storage_error is not None or self.write_error is not None

    @property
    def warc(self) -> WarcStore:
        if self._warc is None:
            directory = Path(self.warc_dir) if self.warc_dir else warc_folder(self.db_path)
            self._warc = WarcStore(directory, f"vnarchive-{self.site or 'crawl'}",
                                   find_original=self._find_original)
            if not self.warc_dir:  # marked as this archive's, so no other takes it for its own
                claim(self.db_path, directory)
        return self._warc

    def _find_original(self, digest: str) -> tuple[str, str] | None:
        """The first stored copy of a payload, from the committed `pages` rows (a payload
        this writer stored is known to its WarcStore): read through a connection of the
        caller's own, so a fetch never waits for the batches being committed."""
        if self._committer is None:
            connection = self._db.conn
        else:
            if self._reader is None:
                self._reader = sqlite3.connect(self.db_path)
            connection = self._reader
        row = connection.execute("select url, fetched_at from pages where payload_digest = ? "
                                 "and warc_type = 'response' limit 1", [digest]).fetchone()
        return (row[0], warc_date(row[1])) if row else None

    # A full disk ---------------------------------------------------------------------------
    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn a full disk into one clean stop: the failed batch is rolled back (SQLite) or
        left as a torn last record that no row points to (WARC), nothing more is written, and
        the archive stays as it was after its last committed batch."""
        try:
            yield
        except Exception as error:
            if is_storage_failure(error):
                self._storage_failed(error)
            elif self._committer is not None or self.on_write_error is not None:
                # A crawl's batch, on its commit thread or on the reactor's: raised on the
                # reactor's, Scrapy logged it in the signal handler that wrote it and went on,
                # so each failed batch was lost without a word in the run's status.
                self._write_failed(error)
            else:
                raise

    def _storage_failed(self, error: BaseException) -> None:
        self._pages, self._articles, self._attachments = [], [], []
        if self.stopped:
            return
        self.storage_error = StorageFull(
            f"disk full: cannot write the archive {self.db_path} ({error}); it is intact up to "
            "its last committed batch")
        logger.error("%s", self.storage_error)
        if self.on_storage_full is None:
            raise self.storage_error from error
        self.on_storage_full(self.storage_error)

    def _write_failed(self, error: BaseException) -> None:
        """A batch failed (not for a full disk): rolled back, and nothing more is written."""
        self._pages, self._articles, self._attachments = [], [], []
        if self.write_error is not None:
            return
        self.write_error = error
        logger.error("cannot write the archive %s: %s: %s; it is intact up to its last "
                     "committed batch", self.db_path, type(error).__name__, error,
                     exc_info=error)
        if self.on_write_error is None:
            raise error
        self.on_write_error(error)

    def _wait_for_batches(self) -> None:
        if self._committer is not None:
            with self._writing():
                self._committer.drain()

    def add_fetch(self, exchange: Exchange, latency_ms: int | None = None,
                  fetch_id: str | None = None) -> StoredRecord | None:
        """Store one HTTP exchange in the WARC files and record it as a `pages` row
        (`fetch_id`: the id a distributed worker gave the fetch, see archive/ingest.py); None
        once the disk is full."""
        if self.stopped:
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
        if self.stopped:
            return
        with self._writing():
            record_site(self.db, site)

    # Buffering --------------------------------------------------------------------------
    def add_page(self, page: dict) -> None:
        if self.stopped:
            return
        self._pages.append({**page, "run_id": self.run_id})
        self.counts.pages_fetched += 1
        kind = page_error(page)
        if kind is not None:
            self.counts.count_error(kind)
        self._flush_if_full()

    def add_article(self, article: dict) -> None:
        if self.stopped:
            return
        self._articles.append(article_record(article,
                                             self.run_id if self.record_run else None))
        self._flush_if_full()

    def add_attachment(self, attachment: dict) -> None:
        """A document an article links (archive/attachments.py)."""
        if self.stopped:
            return
        self._attachments.append({**attachment, "run_id": self.run_id})
        self._flush_if_full()

    def mark_pages(self, urls: list[str], error: str, fetched_at: str | None = None) -> None:
        """Record on this run's `pages` rows of `urls` (still buffered or already written)
        why a fetch that succeeded gave no article: a soft 404, a broken document. Counted
        once, as an error of its kind. `fetched_at` names the one fetch when a run holds
        several of a URL (an import of its captures over the years)."""
        if self.stopped:
            return
        urls = list(dict.fromkeys(urls))
        for page in self._pages:
            if (page["url"] in urls and page.get("error") is None and page["kind"] == "article"
                    and fetched_at in (None, page["fetched_at"])):
                page["error"] = error
        db = self.db  # once the batches handed over are committed
        if self.stopped:
            return
        with self._writing(), db.atomic():
            db.execute("update pages set error = ? where run_id is ? and error is null "
                       "and kind = 'article' and url in (select value from json_each(?)) "
                       "and (? is null or fetched_at = ?)",
                       [error, self.run_id, json.dumps(urls), fetched_at, fetched_at])
        self.counts.count_error(error_kind(error))

    def _flush_if_full(self) -> None:
        if len(self._pages) + len(self._articles) + len(self._attachments) >= self.batch_size:
            self.flush()

    # Writing ----------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the buffered rows as one batch (handed to the commit thread if there is one)."""
        if not self._pages and not self._articles and not self._attachments:
            return
        batch = self._pages, self._articles, self._attachments
        self._pages, self._articles, self._attachments = [], [], []
        with self._writing():
            if self._committer is None:
                self._commit(*batch)
            else:
                self._committer.submit(self._commit, *batch)

    def _commit(self, pages: list[dict], articles: list[ArticleRecord],
                attachments: list[dict]) -> None:
        with self._db.atomic():
            if pages:
                insert_rows(self._db, "pages", pages)  # one prepared statement, not sqlite-utils'
            if articles:
                # A moved article's row first takes its new key.
                articles = follow_moves(self._db, articles)
                written = write_articles(self._db, articles)
                self.counts.articles_new += written.new
                self.counts.articles_updated += written.updated
                self.counts.meeting_reports += written.meeting_reports
            if attachments:
                write_attachments(self._db, attachments)
        self._checkpoints.request(len(pages) + len(articles) + len(attachments))

    @property
    def checkpoint_cpu_seconds(self) -> float:
        """CPU time the checkpoint thread has spent so far (benches count it as the writer's)."""
        return self._checkpoints.cpu_seconds

    def close(self, stats: dict | None = None, reason: str = "finished") -> None:
        """Flush what is left and add this writer's counts to its run, and its site's row."""
        try:
            self.flush()
        finally:
            if self._committer is not None:  # even after a failure: no thread is left behind
                with self._writing():
                    self._committer.close()
            if self._reader is not None:
                self._reader.close()
            self._checkpoints.close()  # before the writer's own close, which ends the WAL
        if self._warc is not None:
            with self._writing():
                self._warc.close()
        forget(self._db)  # its archive's band bitset, kept while a writer is open
        if not self.record_run or self.stopped:
            self._db.close()
            return
        with self._writing():  # the disk may fill on the site's row too: a clean stop
            record_site_run(self._db, self.run_id, self.site, self.started_at, self.counts,
                            stats or {}, reason)
            if self._owns_run:
                finish_run(self._db, self.run_id, "finished" if reason == "finished" else reason)
        self._db.close()

