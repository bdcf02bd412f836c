"""What workers and the ingest writer of a distributed crawl agree on in Redis: the stream the
workers send to (and what an article message holds), the stream where the writer sets aside
messages it cannot write, the hash of archived URLs the writer publishes for them, the
heartbeat keys that say a worker is alive, and the crawl statistics a worker reports. The store
owns these names, since `vnarchive ingest` (archive/ingest.py) reads them, and the Scrapy side
(crawler/distributed.py) imports them from here."""

from archive.article_rows import ARTICLE_COLUMNS

STREAM = "vnarchive:archive"
# Where `ingest` sets aside, whole and with the reason, a message it cannot write
# (archive/stream_messages.py).
REJECTED_STREAM = "vnarchive:rejected"
# What a worker sends of an article: what `ArchiveWriter.add_article` reads, beyond its columns.
ARTICLE_KEYS = (*ARTICLE_COLUMNS, "html", "meeting", "first_seen_at", "title_folded",
                "text_folded", "story_signature", "moved_from")
# Crawl statistics a worker reports at the end, for the site's `site_runs` row.
REPORTED_STATS = ("vnarchive/listing_pages_parsed", "vnarchive/listing_article_links",
                  "vnarchive/pages_without_text")


def archived_key(site: str) -> str:
    """The hash of a site's archived article URLs (to their fetch times)."""
    return f"vnarchive:archived:{site}"


def worker_key(worker: str) -> str:
    """A worker's heartbeat: it exists while the worker is alive (it expires otherwise)."""
    return f"vnarchive:worker:{worker}"
