"""Give each running crawler one archive writer, shared by its fetch recorder and its store
pipeline, opened on first use and closed when the spider closes. In distributed mode
(VNARCHIVE_REDIS_URL) the "writer" is a sink that sends everything to Redis instead.

The writer holds the archive lock (archive/lock.py) from its opening to its closing, unless
the command that started the crawl holds it for all its crawlers (`vnarchive crawl` sets
VNARCHIVE_LOCK_HELD). So any way of starting Scrapy (`scrapy crawl` included) keeps the
promise of one run at a time per archive: a crawler whose archive another run holds fails
with ArchiveBusy before anything is written.
"""

from contextlib import ExitStack

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from archive.lock import archive_lock
from archive.sink import ArchiveSink
from archive.writer import ArchiveWriter, StorageFull

# The finish reason of a crawl stopped because the archive could not be written.
DISK_FULL = "disk_full"

_ATTRIBUTE = "_vnarchive_writer"


def writer_for(crawler) -> ArchiveSink:
    """The crawler's one archive sink (archive/sink.py), created on first use."""
    writer = getattr(crawler, _ATTRIBUTE, None)
    if writer is None:
        settings = crawler.settings
        run_id = settings.get("VNARCHIVE_RUN_ID")
        if settings.get("VNARCHIVE_REDIS_URL"):
            from crawler.distributed import RedisArchiveSink

            writer = RedisArchiveSink.from_crawler(crawler)
        else:
            held = ExitStack()
            if not settings.getbool("VNARCHIVE_LOCK_HELD"):
                held.enter_context(archive_lock(settings.get("VNARCHIVE_DB")))  # or ArchiveBusy
            crawler.signals.connect(held.close, signal=signals.engine_stopped, weak=False)
            writer = ArchiveWriter(
                db_path=settings.get("VNARCHIVE_DB"),
                batch_size=settings.getint("VNARCHIVE_BATCH_SIZE", 50),
                run_id=int(run_id) if run_id else None,
                site=crawler.spidercls.name,
                on_storage_full=lambda error: _close_for_full_disk(crawler, error),
            )
        setattr(crawler, _ATTRIBUTE, writer)

        def close(spider, reason):
            writer.close(stats=crawler.stats.get_stats(), reason=reason)

        def item_failed(item, response, spider, failure):
            # A page fetched but not archived because our own code failed is an error too.
            writer.counts.errors += 1
            writer.counts.errors_by_kind[f"item_error: {failure.type.__name__}"] += 1

        crawler.signals.connect(close, signal=signals.spider_closed, weak=False)
        crawler.signals.connect(item_failed, signal=signals.item_error, weak=False)
    return writer


def _close_for_full_disk(crawler, error: StorageFull) -> None:
    """Stop fetching what could not be stored; the run ends as failed with this reason."""
    if crawler.engine is not None and crawler.engine.spider is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason=DISK_FULL))
