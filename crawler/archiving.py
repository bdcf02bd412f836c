"""A crawler's run in the archive, as a Scrapy extension (the way Scrapy's `corestats` keeps
its stats): one archive sink per crawler, the archive lock, the run's rows and counters, and
how the run ended, all on Scrapy's public signals. So `scrapy crawl NAME`, `vnarchive crawl`,
`schedule` and distributed workers keep the same promises.

- The sink (archive/sink.py) is opened on first use (`writer_for`) and closed when the spider
  closes. In distributed mode (VNARCHIVE_REDIS_URL) it is a sink that sends everything to
  Redis instead.
- The local writer holds the archive lock (archive/lock.py) from its opening to the engine's
  stop, unless the command that started the crawl holds it for all its crawlers (`vnarchive
  crawl` sets VNARCHIVE_LOCK_HELD): a crawler whose archive another run holds fails with
  ArchiveBusy before anything is written.
- A run: `vnarchive crawl` opens one `crawl_runs` row for all its crawlers and passes its id in
  VNARCHIVE_RUN_ID; a bare `scrapy crawl` gets one here, ended with the spider's close reason.
  Each spider's close writes its site's `site_runs` row.
- Counters live in the crawler's stats (`vnarchive/run/...`, errors in `vnarchive/errors/KIND`):
  the progress line, the site's row and the run's summary read the same numbers.
- How a run ended (`run_status`): a spider that started but never closed had the reactor stopped
  under it, which only a second stop signal does; one signal closes every spider with reason
  `shutdown`. No private method of Scrapy is needed to tell them apart.
"""

from __future__ import annotations

from collections import Counter
from contextlib import ExitStack, closing

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from archive.disk import StorageFull
from archive.integrity import check_before_writing, mark_stuck_runs
from archive.lock import archive_lock
from archive.runs import NOT_A_CRAWL, finish_run, item_error_kind, start_run
from archive.schema import open_database
from archive.sink import ArchiveSink
from archive.writer import ArchiveWriter

# The finish reason of a crawl stopped because the archive could not be written.
DISK_FULL = "disk_full"
# The finish reason of a crawl stopped because a batch could not be written (the error logged).
WRITE_FAILED = "archive_write_failed"
RUN_STATS = "vnarchive/run/"
ERROR_STATS = "vnarchive/errors/"

_ATTRIBUTE = "_vnarchive_run"


class _Stat:
    """One counter of a run, kept in the crawler's stats."""

    def __set_name__(self, owner, name: str) -> None:
        self.key = RUN_STATS + name

    def __get__(self, counts, owner=None) -> int:
        return counts.stats.get_value(self.key, 0)

    def __set__(self, counts, value: int) -> None:
        counts.stats.set_value(self.key, value)


class StatsCounts:
    """A run's counts (archive.runs.RunCounts) kept in the crawler's stats, where Scrapy keeps
    its own: counted once, by the archive writer, and read by everything else."""

    pages_fetched = _Stat()
    articles_new = _Stat()
    articles_updated = _Stat()
    meeting_reports = _Stat()
    bytes = _Stat()
    not_modified = _Stat()
    article_pages = _Stat()

    def __init__(self, stats):
        self.stats = stats

    def count_error(self, kind: str) -> None:
        self.stats.inc_value(ERROR_STATS + kind)

    @property
    def errors_by_kind(self) -> Counter:
        return errors_by_kind(self.stats.get_stats())

    @property
    def errors(self) -> int:
        return sum(self.errors_by_kind.values())


def errors_by_kind(stats: dict) -> Counter:
    """A crawl's errors by kind, from its stats."""
    return Counter({key.removeprefix(ERROR_STATS): value for key, value in stats.items()
                    if key.startswith(ERROR_STATS)})


class ArchiveRun:
    """The extension (EXTENSIONS in crawler/settings.py): one per crawler."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.sink: ArchiveSink | None = None
        self.owned_run: int | None = None  # the crawl_runs row this crawler opened
        self.started = False  # the engine started before any stop was asked for
        self.close_reason: str | None = None  # the spider closed, for this reason
        self.failed = False  # the crawl raised before its spider could close
        connect = crawler.signals.connect
        connect(self.engine_started, signal=signals.engine_started)
        connect(self.spider_closed, signal=signals.spider_closed)
        connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler) -> ArchiveRun:
        return run_of(crawler)

    def engine_started(self) -> None:
        # A stop asked for while the spider was opening has already set `crawling` off: the
        # engine starts only to be stopped with the reactor, having fetched nothing.
        self.started = self.crawler.crawling

    def open_sink(self) -> ArchiveSink:
        settings = self.crawler.settings
        if settings.get("VNARCHIVE_REDIS_URL"):
            from crawler.distributed import RedisArchiveSink

            return RedisArchiveSink.from_crawler(self.crawler)
        database = settings.get("VNARCHIVE_DB")
        held = ExitStack()
        if not settings.getbool("VNARCHIVE_LOCK_HELD"):
            held.enter_context(archive_lock(database))  # or ArchiveBusy
        self.crawler.signals.connect(held.close, signal=signals.engine_stopped, weak=False)
        run_id = settings.get("VNARCHIVE_RUN_ID")
        if not run_id:
            run_id = self.owned_run = self.open_run(database)
        return ArchiveWriter(
            db_path=database, batch_size=settings.getint("VNARCHIVE_BATCH_SIZE", 50),
            run_id=int(run_id), site=self.crawler.spidercls.name,
            counts=StatsCounts(self.crawler.stats),
            on_storage_full=lambda error: _close_for_full_disk(self.crawler, error),
            # Off by default: batches commit on the reactor's thread. On a thread of their own
            # (archive/commit_thread.py, as reprocess does) the crawl gained no speed on two
            # cores, and one Ctrl-C under load sometimes ended the run as killed
            # (test_completeness' random stops: 1 in 3 runs with it, 0 in 5 without).
            background=settings.getbool("VNARCHIVE_COMMIT_THREAD"),
            on_write_error=lambda error: close_spider(self.crawler, WRITE_FAILED),
        )

    def open_run(self, database: str) -> int:
        """A `crawl_runs` row for this crawler alone (a bare `scrapy crawl`). It holds the
        lock, so a run still marked running was ended by a crash: marked killed first. The
        archive is checked first, as `vnarchive crawl` checks it: someone else's SQLite file
        or a damaged archive is refused before anything is written to it."""
        check_before_writing(database)
        mark_stuck_runs(database)
        with closing(open_database(database)) as db:
            run_id = start_run(db, [self.crawler.spidercls.name])
        from twisted.internet import reactor

        # A second stop signal stops the reactor under the spider, which never closes: the
        # run is ended here, as `vnarchive crawl` ends its own, not left `running`.
        reactor.addSystemEventTrigger("before", "shutdown", self.end_unclosed_run, database)
        return run_id

    def end_unclosed_run(self, database: str) -> None:
        if self.owned_run is None or self.close_reason is not None:
            return  # closed, and ended in spider_closed
        with closing(open_database(database)) as db:
            finish_run(db, self.owned_run, run_status([self]))

    def spider_closed(self, spider, reason: str) -> None:
        if reason == "finished" and getattr(spider, "start_sent", True) is False:
            reason = NOT_A_CRAWL  # crawler/spiders/profile_spider.py sets `start_sent`
        self.close_reason = reason
        if self.sink is None:
            return
        self.sink.close(stats=self.crawler.stats.get_stats(), reason=reason)
        # The last batch is written in the close, after the spider's reason was given: a full
        # disk or a failed write there ends the run as it would have mid-crawl, not "finished".
        if getattr(self.sink, "storage_error", None) is not None:
            self.close_reason = DISK_FULL
        elif getattr(self.sink, "write_error", None) is not None and reason == "finished":
            self.close_reason = WRITE_FAILED
        if self.owned_run is not None and getattr(self.sink, "storage_error", None) is None:
            with closing(open_database(self.crawler.settings.get("VNARCHIVE_DB"))) as db:
                finish_run(db, self.owned_run, run_status([self]))

    def item_error(self, item, response, spider, failure) -> None:
        # A page fetched but not archived because our own code failed is an error too.
        writer_for(self.crawler).counts.count_error(item_error_kind(failure.type.__name__))


def run_of(crawler) -> ArchiveRun:
    """The crawler's one ArchiveRun: the extension, or made on first use where a crawler was
    built without it."""
    run = getattr(crawler, _ATTRIBUTE, None)
    if run is None:
        run = ArchiveRun(crawler)
        setattr(crawler, _ATTRIBUTE, run)
    return run


def writer_for(crawler) -> ArchiveSink:
    """The crawler's one archive sink (archive/sink.py), opened on first use."""
    run = run_of(crawler)
    if run.sink is None:
        run.sink = run.open_sink()
    return run.sink


def crawl_failed(failure, crawler):
    """Errback of a crawl (`CrawlerProcess.crawl`): note that it raised, pass the failure on."""
    run_of(crawler).failed = True
    return failure


def run_status(runs: list[ArchiveRun]) -> str:
    """How a run of these crawlers ended: finished, failed, disk_full, interrupted (one stop
    signal: every spider closed with reason `shutdown`, or was stopped while it opened), killed
    (a second one: the reactor was stopped under a spider that had started and never closed)."""
    reasons = {run.close_reason for run in runs}
    if DISK_FULL in reasons:
        return DISK_FULL
    unclosed = [run for run in runs if run.close_reason is None]
    if any(run.started for run in unclosed):
        return "killed"
    if any(run.failed for run in runs):
        return "failed"
    if "shutdown" in reasons or unclosed:
        return "interrupted"
    if reasons == {NOT_A_CRAWL}:
        return NOT_A_CRAWL
    return "finished" if reasons == {"finished"} else "failed"


def _close_for_full_disk(crawler, error: StorageFull) -> None:
    """Stop fetching what could not be stored; the run ends as failed with this reason."""
    close_spider(crawler, DISK_FULL)


def close_spider(crawler, reason: str) -> None:
    """Close the crawler's spider with `reason` (any but "finished" ends its run as failed)."""
    if crawler.engine is not None and crawler.engine.spider is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
