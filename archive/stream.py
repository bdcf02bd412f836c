"""What workers and the ingest writer of a distributed crawl agree on in Redis: the stream the
workers send to, the hash of archived URLs the writer publishes for them, the heartbeat keys
that say a worker is alive, and the crawl statistics a worker reports. The store owns these
names, since `vnarchive ingest` (archive/ingest.py) reads them, and the Scrapy side
(crawler/distributed.py) imports them from here."""

STREAM = "vnarchive:archive"
# Crawl statistics a worker reports at the end, for the site's `site_runs` row.
REPORTED_STATS = ("vnarchive/listing_pages_parsed", "vnarchive/listing_article_links",
                  "vnarchive/pages_without_text")


def archived_key(site: str) -> str:
    """The hash of a site's archived article URLs (to their fetch times)."""
    return f"vnarchive:archived:{site}"


def worker_key(worker: str) -> str:
    """A worker's heartbeat: it exists while the worker is alive (it expires otherwise)."""
    return f"vnarchive:worker:{worker}"
