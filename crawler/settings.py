"""All Scrapy settings of vnarchive, in one place.

Polite by default (robots.txt, one request at a time per host, a delay, AutoThrottle); the
archive path and the test web's addresses come in as settings, never from the environment.
"""

from pathlib import Path

BOT_NAME = "vnarchive"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

SPIDER_LOADER_CLASS = "crawler.spiderloader.ProfileSpiderLoader"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "vnarchive/0.1 (archive of Vietnamese local news for research; polite crawler)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0  # a profile may lower it (the local test web uses 0)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
# HTML pages of news sites are well under this; anything bigger is not an article.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Only HTTP(S): a profile or a redirect must never make the crawler read local files, data:
# URLs, FTP or S3.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
# A crawl that grows past this is stopped (Scrapy's memusage extension) rather than the machine.
MEMUSAGE_LIMIT_MB = 4096
LOG_LEVEL = "INFO"

DOWNLOADER_MIDDLEWARES = {
    # Close to the engine: sees the final outcome of every request, after retries.
    "crawler.middlewares.FetchRecorderMiddleware": 50,
    "crawler.middlewares.ConditionalRequestMiddleware": 60,
}

EXTENSIONS = {
    "crawler.progress.CrawlProgress": 500,
}

ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 300,
    "pipelines.label.LabelPipeline": 500,
    "pipelines.store.StorePipeline": 900,
}

# The archive: the SQLite file every pipeline writes to (`--db` overrides it).
VNARCHIVE_DB = str(PROJECT_ROOT / "archive" / "vnarchive.db")
# Rows are written in transactions of this many (a crash loses at most the batch in flight).
VNARCHIVE_BATCH_SIZE = 50
# The crawl_runs row a run belongs to; `vnarchive crawl` sets it, a bare `scrapy crawl` gets one.
VNARCHIVE_RUN_ID = None
# Profile name -> base URL, for profiles served somewhere else than their default
# (the demo serves the local test web on free ports).
VNARCHIVE_BASE_URLS = {}
# Extra profile files loaded by path (`vnarchive crawl --profile FILE`).
VNARCHIVE_PROFILE_FILES = []
# Worker processes for extraction and classification (None: one per core; 0: inline).
VNARCHIVE_WORKERS = None
# Re-fetch articles already archived (`--refresh`); walk every listing page (`--backfill`).
VNARCHIVE_REFRESH = False
VNARCHIVE_BACKFILL = False

# Distributed mode (crawler/distributed.py), off unless a Redis URL is given (`--redis URL`):
# the add-on then puts the frontier in Redis and sends fetches and articles to `vnarchive ingest`.
ADDONS = {"crawler.distributed.DistributedMode": 0}
VNARCHIVE_REDIS_URL = None
# A worker stops once its sites' shared frontier has been empty this many seconds.
VNARCHIVE_REDIS_IDLE_TIMEOUT = 30
# A worker silent this long is taken for dead: its requests go back on the queue.
VNARCHIVE_REDIS_WORKER_TIMEOUT = 30

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
