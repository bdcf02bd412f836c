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
# Items are logged by their URL, not with their raw bytes.
LOG_FORMATTER = "crawler.logformatter.ArchiveLogFormatter"

DOWNLOADER_MIDDLEWARES = {
    # Close to the engine: sees the final outcome of every request, after retries.
    "crawler.middlewares.FetchRecorderMiddleware": 50,
    "crawler.middlewares.ConditionalRequestMiddleware": 60,
    # After robots.txt (100): only requests that would go out spend a pattern's budget.
    "crawler.traps.UrlPatternBudgetMiddleware": 120,
    # Sees a redirect before Scrapy's RedirectMiddleware (600) follows it.
    "crawler.notfound.GoneRedirectMiddleware": 650,
}
# One page linked many ways (session ids, tracking parameters) is fetched once.
REQUEST_FINGERPRINTER_CLASS = "crawler.traps.CanonicalRequestFingerprinter"

EXTENSIONS = {
    "crawler.progress.CrawlProgress": 500,
}

ITEM_PIPELINES = {
    "pipelines.attachments.AttachmentPipeline": 200,
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

# Requests per URL pattern in one crawl (crawler/traps.py): enough for 500 pages of one
# listing, few enough that an endless calendar stops; a profile's `url_pattern_budget` wins.
VNARCHIVE_URL_PATTERN_BUDGET = 500
# Attachments (PDF, DOC, DOCX) linked from articles: their own size limit (reports run larger
# than pages), and the time and memory the subprocess extracting their text may use.
VNARCHIVE_ATTACHMENT_MAXSIZE = 16 * 1024 * 1024
VNARCHIVE_ATTACHMENT_TIMEOUT = 30
VNARCHIVE_ATTACHMENT_MEMORY_MB = 512

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
