"""The archive lock as a Scrapy extension, so `scrapy crawl` keeps the promise `vnarchive crawl`
makes: one run at a time per archive.

`vnarchive crawl` takes the lock (archive/lock.py) before its crawlers start and says so in the
VNARCHIVE_LOCK_HELD setting; any other way of starting a crawler (`scrapy crawl`, a script
using CrawlerProcess) takes it here, when the crawler is built, and keeps it until the engine
stops. A distributed worker writes no archive and needs none. When another run holds the lock,
the crawler is not built: ArchiveBusy names the holder, and nothing is fetched or written.
"""

from __future__ import annotations

from contextlib import ExitStack

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive.lock import archive_lock


class ArchiveLock:
    def __init__(self, db_path: str):
        self._held = ExitStack()
        self._held.enter_context(archive_lock(db_path))  # ArchiveBusy: the crawler fails

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if settings.getbool("VNARCHIVE_LOCK_HELD") or settings.get("VNARCHIVE_REDIS_URL"):
            raise NotConfigured  # held by the command, or not needed (no message: no warning)
        extension = cls(settings.get("VNARCHIVE_DB"))
        crawler.signals.connect(extension.release, signal=signals.engine_stopped)
        return extension

    def release(self) -> None:
        self._held.close()
