"""Run crawls of several sites in this process, into one archive, as one crawl run.

One Twisted reactor per process: `crawl_sites` starts it once for all the sites of a run (the
`vnarchive` command is a fresh process each time; tests call the command in a subprocess).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

from archive.lock import archive_lock
from archive.schema import open_database
from archive.writer import finish_run, start_run
from crawler.profiles import ProfileError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CrawlResult:
    run_id: int
    status: str


def project_settings():
    """The project's Scrapy settings, wherever the command is run from."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    return get_project_settings()


def crawl_sites(names: list[str], db_path: str, profile_files: list[str] | None = None,
                base_urls: dict[str, str] | None = None, log_level: str = "WARNING",
                refresh: bool = False, backfill: bool = False,
                batch_size: int | None = None) -> CrawlResult:
    """Crawl the named profiles into `db_path`; returns the crawl run's id and status."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    settings = _settings(profile_files, base_urls, log_level, refresh, backfill)
    settings.set("VNARCHIVE_DB", str(db_path))
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
                 worker_timeout: int = 30) -> WorkerResult:
    """Crawl the named profiles as one worker of a distributed crawl (crawler/distributed.py):
    the frontier is shared in Redis and what is fetched goes there for `vnarchive ingest`."""
    settings = _settings(profile_files, base_urls, log_level, refresh, backfill)
    settings.set("VNARCHIVE_REDIS_URL", redis_url)
    settings.set("VNARCHIVE_REDIS_IDLE_TIMEOUT", idle_timeout)
    settings.set("VNARCHIVE_REDIS_WORKER_TIMEOUT", worker_timeout)
    process = _process(settings, names)
    crawlers = [process.create_crawler(name) for name in names]
    for crawler in crawlers:
        process.crawl(crawler)
    process.start()
    reasons = {_finish_reason(crawler) for crawler in crawlers}
    per_site = []
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        errors = sum(value for key, value in stats.items()  # robots.txt refusals are not
                     if key.startswith("downloader/exception_type_count/")
                     and not key.endswith(".IgnoreRequest"))
        per_site.append((crawler.spidercls.name, stats.get("response_received_count", 0),
                         stats.get("item_scraped_count", 0), errors))
    status = ("finished" if reasons == {"finished"}
              else "interrupted" if "shutdown" in reasons else "failed")
    return WorkerResult(status=status, per_site=per_site)


def _settings(profile_files, base_urls, log_level: str, refresh: bool, backfill: bool):
    settings = project_settings()
    settings.set("VNARCHIVE_PROFILE_FILES", list(profile_files or []))
    settings.set("VNARCHIVE_BASE_URLS", dict(base_urls or {}))
    settings.set("LOG_LEVEL", log_level)
    settings.set("VNARCHIVE_REFRESH", refresh)
    settings.set("VNARCHIVE_BACKFILL", backfill)
    return settings


def _process(settings, names: list[str]) -> CrawlerProcess:
    """A crawler process for the named profiles; ProfileError when one is unknown."""
    process = CrawlerProcess(settings)
    known = set(process.spider_loader.list())
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ProfileError(f"no site profile named {', '.join(map(repr, unknown))} "
                           f"(known: {', '.join(sorted(known))})")
    return process


def _run(process, names: list[str], db_path, settings) -> CrawlResult:
    db = open_database(str(db_path))
    run_id = start_run(db, names)
    settings.set("VNARCHIVE_RUN_ID", run_id)
    crawlers = [process.create_crawler(name) for name in names]
    for crawler in crawlers:
        process.crawl(crawler)
    status = "failed"
    try:
        process.start()
        reasons = {_finish_reason(crawler) for crawler in crawlers}
        status = ("finished" if reasons == {"finished"}
                  else "interrupted" if "shutdown" in reasons else "failed")
    finally:
        finish_run(db, run_id, status)
        db.execute("update crawl_runs set sites = ? where id = ?", [json.dumps(names), run_id])
        db.conn.commit()
        db.close()
    return CrawlResult(run_id=run_id, status=status)


def _finish_reason(crawler) -> str | None:
    return crawler.stats.get_value("finish_reason") if crawler.stats else None
