"""Run crawls of several sites in this process, into one archive, as one crawl run.

One Twisted reactor per process: `crawl_sites` starts it once for all the sites of a run (the
`vnarchive` command is a fresh process each time; tests call the command in a subprocess).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from archive.disk import StorageFull, is_storage_failure
from archive.errors import check_writable
from archive.integrity import check_before_writing, mark_stuck_runs
from archive.lock import archive_lock
from archive.redis_waits import FULL_PATIENCE
from archive.runs import finish_run, start_run
from archive.schema import open_database
from crawler.archiving import DISK_FULL, crawl_failed, run_of, run_status
from crawler.distributed import ROUND_LOST, connect
from crawler.profiles import ProfileError, refuse_unclear, unreadable_profiles
from pipelines.pool import start_worker_server, stop_worker_server, stop_workers, workers_setting
from vnarchive.interrupts import noted_stops

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrawlResult:
    run_id: int
    status: str  # finished, failed, interrupted (one stop signal), killed (two)


def run_until_stopped(process: CrawlerProcess) -> int:
    """Run the crawl, with the stop signals that came before Scrapy could take them (while
    loading) raised again once the reactor runs, where Scrapy's own handlers take them, and
    those after it ended only noted: no moment of a Ctrl-C gives a traceback. A run stopped
    before it began fetches nothing: returns how many stops came before (0 when it ran).
    Extraction workers still there when the reactor has stopped (after a second stop signal)
    are ended at once, not left to finish the pages queued for them."""
    if noted_stops.count:
        return noted_stops.count
    from twisted.internet import reactor

    reactor.callWhenRunning(reactor.callLater, 0, _replay_noted_stops)
    try:
        process.start()
    finally:
        noted_stops.install()
        stop_workers()
    return 0


def _replay_noted_stops() -> None:
    """After the startup triggers, where Scrapy installed its signal handlers: the first stop
    is graceful, a second forces the end (Scrapy's two stages)."""
    for signum in noted_stops.signals[:2]:
        signal.raise_signal(signum)


def project_settings():
    """The project's Scrapy settings, wherever the command is run from."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    return get_project_settings()


def crawl_sites(names: list[str], db_path: str, profile_files: list[str] | None = None,
                base_urls: dict[str, str] | None = None, log_level: str = "WARNING",
                refresh: bool = False, backfill: bool = False,
                batch_size: int | None = None,
                extra_settings: dict | None = None) -> CrawlResult:
    """Crawl the named profiles into `db_path`; returns the crawl run's id and status.
    `extra_settings` (Scrapy settings) choose a web archive as the source, for example."""
    check_writable(str(db_path))  # one line for a read-only archive or folder, not a traceback
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    settings = _settings(profile_files, base_urls, log_level, refresh, backfill)
    settings.setdict(extra_settings or {}, priority="cmdline")
    if workers_setting(settings) > 0:
        start_worker_server()  # it imports the workers' modules while the crawl starts
    else:  # extraction inline: no workers to fork (the command may have started the server)
        stop_worker_server()
    settings.set("VNARCHIVE_DB", str(db_path))
    settings.set("VNARCHIVE_LOCK_HELD", True)  # taken below, for all the run's crawlers
    if batch_size:
        settings.set("VNARCHIVE_BATCH_SIZE", batch_size)
    process = _process(settings, names)
    with archive_lock(str(db_path)):
        return _run(process, names, db_path, settings)


@dataclass
class WorkerResult:
    status: str
    per_site: list[tuple[str, int, int, int]]  # site, pages, articles sent, errors


def crawl_worker(names: list[str], redis_url: str, profile_files: list[str] | None = None,
                 base_urls: dict[str, str] | None = None, log_level: str = "WARNING",
                 refresh: bool = False, backfill: bool = False, idle_timeout: float = 30,
                 worker_timeout: int = 30, full_timeout: float = FULL_PATIENCE) -> WorkerResult:
    """Crawl the named profiles as one worker of a distributed crawl (crawler/distributed.py):
    the frontier is shared in Redis and what is fetched goes there for `vnarchive ingest`.
    A Redis that cannot be reached raises redis' ConnectionError before any crawl starts
    (inside the crawl, every spider failed to open, each with its own traceback)."""
    settings = _settings(profile_files, base_urls, log_level, refresh, backfill)
    settings.set("VNARCHIVE_REDIS_URL", redis_url)
    settings.set("VNARCHIVE_REDIS_IDLE_TIMEOUT", idle_timeout)
    settings.set("VNARCHIVE_REDIS_WORKER_TIMEOUT", worker_timeout)
    settings.set("VNARCHIVE_REDIS_FULL_TIMEOUT", full_timeout)
    process = _process(settings, names)
    crawlers = [process.create_crawler(name) for name in names]  # a bad profile is refused
    # Here, not at the top: the redis client cost every crawl 0.06 s of start-up.
    from archive.redis_policy import check_eviction_policy

    connect(redis_url).ping()
    check_eviction_policy(connect(redis_url))  # one that evicts would drop the round's work
    for crawler in crawlers:
        process.crawl(crawler).addErrback(crawl_failed, crawler)
    stopped_before = run_until_stopped(process)
    per_site, failed_items = [], 0
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        item_errors = _item_errors(crawler)
        failed_items += item_errors
        errors = sum(value for key, value in stats.items()  # robots.txt refusals are not
                     if key.startswith("downloader/exception_type_count/")
                     and not key.endswith(".IgnoreRequest")) + item_errors
        per_site.append((crawler.spidercls.name, stats.get("response_received_count", 0),
                         stats.get("item_scraped_count", 0), errors))
    status = _status(crawlers, stopped_before)
    if status == "finished" and failed_items:
        status = "failed"  # what failed in our own code never reached Redis: not "finished"
    if status == "finished" and any(crawler.stats and crawler.stats.get_value(ROUND_LOST)
                                    for crawler in crawlers):
        status = "round_lost"  # ended as asked, but the round it crawled may be cut short
    return WorkerResult(status=status, per_site=per_site)


def _item_errors(crawler) -> int:
    """Items of a worker's crawl that failed in a pipeline (counted by crawler.archiving)."""
    sink = run_of(crawler).sink
    return sink.item_errors() if sink is not None else 0


def _settings(profile_files, base_urls, log_level: str, refresh: bool, backfill: bool):
    settings = project_settings()
    settings.set("VNARCHIVE_PROFILE_FILES", list(profile_files or []))
    settings.set("VNARCHIVE_BASE_URLS", dict(base_urls or {}))
    settings.set("LOG_LEVEL", log_level)
    settings.set("VNARCHIVE_REFRESH", refresh)
    settings.set("VNARCHIVE_BACKFILL", backfill)
    return settings


def _process(settings, names: list[str]) -> CrawlerProcess:
    """A crawler process for the named profiles; ProfileError when one is unknown. A profile
    file that cannot be read is named in a warning, and stops only a crawl that names it."""
    process = CrawlerProcess(settings)
    known = set(process.spider_loader.list())
    broken = getattr(process.spider_loader, "broken", [])
    refuse_unclear(names, broken)  # two files claim it: crawling either would be a guess
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ProfileError(f"no site profile named {', '.join(map(repr, unknown))} "
                           f"(known: {', '.join(sorted(known))}){unreadable_profiles(broken)}")
    for problem in broken:
        print(f"vnarchive: warning: {problem.problem} (that profile's site is left out)",
              file=sys.stderr)
    return process


def _run(process, names: list[str], db_path, settings) -> CrawlResult:
    check_before_writing(str(db_path))  # ours and whole, before the first write
    try:
        db = open_database(str(db_path))
        mark_stuck_runs(str(db_path))
        run_id = start_run(db, names)
    except Exception as error:
        if is_storage_failure(error):  # full before the crawl even started
            raise StorageFull(f"disk full: cannot write the archive {db_path} ({error}); "
                              "free space and run the same command again") from None
        raise
    settings.set("VNARCHIVE_RUN_ID", run_id)
    queues = queue_folder(db_path)
    shutil.rmtree(queues, ignore_errors=True)  # a killed run's: the archive is the frontier
    crawlers = [process.create_crawler(name) for name in names]
    for crawler in crawlers:
        crawler.settings.set("JOBDIR", str(queues / crawler.spidercls.name), priority="cmdline")
        process.crawl(crawler).addErrback(crawl_failed, crawler)
    status = "failed"
    try:
        status = _status(crawlers, run_until_stopped(process))
    finally:
        _record_end(db, run_id, names, status)
        shutil.rmtree(queues, ignore_errors=True)
    if status == DISK_FULL:
        raise StorageFull(f"disk full: the archive {db_path} could not be written; the crawl "
                          "stopped with every committed batch intact. Free space and run the "
                          "same command again to go on")
    return CrawlResult(run_id=run_id, status=status)


def queue_folder(db_path) -> Path:
    """Where a run keeps its pending requests (`NAME.db-queues/` beside `NAME.db`): Scrapy's
    disk queues, so a sitemap of 20,000 articles waits on disk, not in memory, and the crawl's
    memory stays flat as it grows. Only the queue is used from JOBDIR: a run starts with it
    empty and removes it at the end, since resuming is the archive's job (it is exact even
    after SIGKILL, where JOBDIR's state is not). Named after the archive's whole file name, as
    its lock is: `a.db` and `a.sqlite` in one folder are two archives, crawled at once, and a
    run of one emptied the other's queue from under it (its requests lost, its run finished)."""
    path = Path(db_path).resolve()
    return path.with_name(f"{path.name}-queues")


def _status(crawlers, stopped_before: int) -> str:
    """The run's status: from its crawlers' ends (crawler.archiving.run_status), or from the
    stop signals that came before it began."""
    if stopped_before:
        return "killed" if stopped_before > 1 else "interrupted"
    return run_status([run_of(crawler) for crawler in crawlers])


def _record_end(db, run_id: int, names: list[str], status: str) -> None:
    """Close the run's row; on a full disk that may fail too, and the run stays `running`."""
    try:
        finish_run(db, run_id, status)
        db.execute("update crawl_runs set sites = ? where id = ?", [json.dumps(names), run_id])
        db.conn.commit()
    except Exception as error:
        if not is_storage_failure(error):
            raise
    finally:
        db.close()

