"""All Scrapy settings of vnarchive, in one place.

Polite by default (robots.txt, one request at a time per host, a delay, AutoThrottle); the
archive path and the test web's addresses come in as settings, never from the environment.
"""

from pathlib import Path

from scrapy.settings import default_settings

from archive.redis_waits import FULL_PATIENCE
from pipelines.guards import MAX_PAGE_BYTES

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
# HTML pages of news sites are well under this; anything bigger is not an article. It bounds
# the download and each layer of decompression (gzip, deflate, brotli, zstd bombs).
DOWNLOAD_MAXSIZE = MAX_PAGE_BYTES
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
# Larger limits go on the request as `download_maxsize` meta: attachments (PDF, DOC; see
# VNARCHIVE_ATTACHMENT_MAXSIZE below) and sitemaps (the protocol allows 50 MB, 50,000 URLs).
VNARCHIVE_SITEMAP_MAXSIZE = 50 * 1024 * 1024
VNARCHIVE_SITEMAP_MAX_URLS = 50_000
VNARCHIVE_SITEMAP_MAX_DEPTH = 4  # robots.txt -> index -> index -> sitemap
# A response cut short (reset, a Content-Length longer than the body, broken chunking) is a
# failed fetch, never a page: a partial body is not stored (Scrapy's default, kept on purpose).
DOWNLOAD_FAIL_ON_DATALOSS = True
REDIRECT_MAX_TIMES = 5  # HTTP redirects and meta refreshes together (crawler.safety)
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
    # Before the offsite filter (50): no request reaches a forbidden address or scheme.
    "crawler.safety.AddressSafetyMiddleware": 45,
    # Scrapy's offsite filter, with a "www." profile's hosts as imports take them.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.safety.SiteOffsiteMiddleware": 49,
    # Close to the engine: sees the final outcome of every request, after retries.
    "crawler.middlewares.FetchRecorderMiddleware": 50,
    "crawler.middlewares.ConditionalRequestMiddleware": 60,
    # Scrapy's own middlewares, each replaced by a subclass in its place (see each module).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.Rfc9309RobotsMiddleware": 100,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.safety.GuardedMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.limits.BoundedCompressionMiddleware": 590,
    # Sees each response once decompressed, before the meta-refresh check reads its text.
    "crawler.charsets.UsableCharsetMiddleware": 585,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.safety.GuardedRedirectMiddleware": 600,
    # After the retry middleware (550) on the way in, so they see each response first.
    "crawler.backoff.CircuitBreakerMiddleware": 560,
    "crawler.backoff.RetryAfterMiddleware": 565,
    # After robots.txt (100): only requests that would go out spend a pattern's budget.
    "crawler.traps.UrlPatternBudgetMiddleware": 120,
    # Sees a redirect before Scrapy's RedirectMiddleware (600) follows it.
    "crawler.notfound.GoneRedirectMiddleware": 650,
    "crawler.moves.MovedArticleMiddleware": 640,
}
# One page linked many ways (session ids, tracking parameters) is fetched once.
REQUEST_FINGERPRINTER_CLASS = "crawler.traps.CanonicalRequestFingerprinter"

SPIDER_MIDDLEWARES = {
    "crawler.sitemaps.SitemapBoundsMiddleware": 800,
}

# Addresses: no site reaches private, link-local or reserved ranges; only a site on loopback
# reaches loopback (crawler.safety). The resolver repeats the check at connection time.
TWISTED_DNS_RESOLVER = "crawler.safety.GuardedResolver"
# Tests only: host name -> address, instead of DNS; 127.0.0.1 here stands for a public server.
VNARCHIVE_TEST_HOSTS = {}
# Retry-After on 429/503: wait up to this long in-run, at most this many times per page
# (crawler.backoff); a longer wait leaves the host for the next run.
VNARCHIVE_RETRY_AFTER_MAX = 600
# robots.txt's Crawl-delay is obeyed up to this many seconds (crawler.robots).
VNARCHIVE_CRAWL_DELAY_MAX = 60
VNARCHIVE_MAX_DEFERRALS = 3
# A host failing this many times in a row is left alone for the cooldown (seconds).
VNARCHIVE_BREAKER_THRESHOLD = 10
VNARCHIVE_BREAKER_COOLDOWN = 300

EXTENSIONS = {
    # The run in the archive: the sink, the lock, the run's rows and counters (crawler.archiving).
    "crawler.archiving.ArchiveRun": 400,
    "crawler.progress.CrawlProgress": 500,
    # The garbage collector set for a long run (crawler.garbage says what it saves).
    "crawler.garbage.SteadyGarbageCollection": 600,
}
# New container objects between two collections of the youngest generation (Python's: 700); 0
# leaves the collector as Python sets it.
VNARCHIVE_GC_THRESHOLD = 10_000
# The two servers switched off below are left out of Scrapy's own extensions too: Scrapy
# imports every listed extension's module, even one set to None, and the remote control's
# imports aiohttp (0.15 s of CPU a crawl).
EXTENSIONS_BASE = {path: order for path, order in default_settings.EXTENSIONS_BASE.items()
                   if path not in ("scrapy.extensions.remote_control.RemoteControl",
                                   "scrapy.extensions.telnet.TelnetConsole")}
# Scrapy 2.19's remote control is, like the Telnet console, a local HTTP server that runs the
# code sent to it: not started.
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {
    "pipelines.attachments.AttachmentPipeline": 200,
    "pipelines.clean.CleanPipeline": 300,
    "pipelines.store.StorePipeline": 900,
}

# The archive: the SQLite file every pipeline writes to (`--db` overrides it).
VNARCHIVE_DB = str(PROJECT_ROOT / "archive" / "vnarchive.db")
# Rows are written in transactions of this many (a crash loses at most the batch in flight).
VNARCHIVE_BATCH_SIZE = 50
# Commit a crawl's batches on a thread of their own (crawler/archiving.py says why it is off).
VNARCHIVE_COMMIT_THREAD = False
# The crawl_runs row a run belongs to; `vnarchive crawl` sets it, a bare `scrapy crawl` gets one
# (crawler.archiving).
VNARCHIVE_RUN_ID = None
# Set by `vnarchive crawl`, which holds the archive lock itself; otherwise each crawler's
# archive writer takes it (crawler/archiving.py), `scrapy crawl` included.
VNARCHIVE_LOCK_HELD = False
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

# Items processed in parallel per response. An article page yields one item, so Scrapy's
# default of 100 only costs: it starts that many asyncio tasks for every response parsed.
CONCURRENT_ITEMS = 8
# Requests per URL pattern in one crawl (crawler/traps.py): enough for 500 pages of one
# listing, few enough that an endless calendar stops; a profile's `url_pattern_budget` wins.
VNARCHIVE_URL_PATTERN_BUDGET = 500
# Attachments (PDF, DOC, DOCX) linked from articles: their own size limit (reports run larger
# than pages), and the time and memory the subprocess extracting their text may use.
VNARCHIVE_ATTACHMENT_MAXSIZE = 16 * 1024 * 1024
VNARCHIVE_ATTACHMENT_TIMEOUT = 30
VNARCHIVE_ATTACHMENT_MEMORY_MB = 512
# Distributed mode (crawler/distributed.py), off unless a Redis URL is given (`--redis URL`):
# the add-on then puts the frontier in Redis and sends fetches and articles to `vnarchive ingest`.
ADDONS = {"crawler.distributed.DistributedMode": 0}
VNARCHIVE_REDIS_URL = None
# A worker stops once its sites' shared frontier has been empty this many seconds.
VNARCHIVE_REDIS_IDLE_TIMEOUT = 30
# A worker silent this long is taken for dead: its requests go back on the queue.
VNARCHIVE_REDIS_WORKER_TIMEOUT = 30
# A worker waits this long for room in a Redis at its maxmemory, then stops.
VNARCHIVE_REDIS_FULL_TIMEOUT = FULL_PATIENCE

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl SITE -o items.jsonl` (or .json, .csv, .xml): one clean record per article.
FEED_EXPORTERS = {
    "jsonlines": "crawler.feeds.ArticleJsonLinesExporter",
    "jsonl": "crawler.feeds.ArticleJsonLinesExporter",
    "jl": "crawler.feeds.ArticleJsonLinesExporter",
    "json": "crawler.feeds.ArticleJsonExporter",
    "csv": "crawler.feeds.ArticleCsvExporter",
    "xml": "crawler.feeds.ArticleXmlExporter",
}
