"""Distributed mode: many `vnarchive crawl --redis URL` workers, on any machines, share one
frontier in Redis and send what they fetch to one writer (`vnarchive ingest`, archive/ingest.py).

It is off by default and switched on by one setting, VNARCHIVE_REDIS_URL (the `DistributedMode`
add-on reads it). Then:

- scrapy-redis's scheduler keeps each site's request queue, and its dupefilter the seen-set, in
  Redis, so every worker pops from the same queue and no URL is fetched twice. Requests are
  stored as JSON, not scrapy-redis's default pickle, so whoever can write to Redis cannot make
  a worker run code.
- A request a worker has popped stays in its in-flight hash until the engine has finished it
  (downloaded, parsed, its item through the pipelines). A worker whose heartbeat stops (it was
  killed) has its in-flight requests put back on the queue by the others, so nothing is lost.
  The heartbeat beats from a thread, so a busy reactor does not make a live worker look dead,
  and `InFlightCheckMiddleware` downloads a request only while it is still in its worker's
  in-flight hash, so a worker that was taken for dead never fetches what was given back.
- A worker stops when its site's frontier (queue and every worker's in-flight requests) has been
  empty for VNARCHIVE_REDIS_IDLE_TIMEOUT seconds: neither too early (another worker may still
  find links) nor never (scrapy-redis's own spiders wait for more URLs forever).
- `HostLockMiddleware` holds a Redis lock per host around each download, and keeps it for the
  site's download delay after the response, so all workers together make one request at a time
  to a host, spaced as one polite crawler would space them. The crawler-trap budget of a URL
  pattern is spent by all workers together too (`SharedUrlPatternBudget`), so a fleet fetches
  as much of an endless calendar as one machine would.
- `RedisArchiveSink` stands in for the archive writer: fetches, `pages` rows, articles,
  attachments, soft-404 marks and site facts go to one Redis stream; nothing is written
  locally. A worker has no archive to show a failed item in, so its exit status does: a worker
  whose items failed does not end "finished".
- The archive's frontier (which articles are archived already) comes from a Redis hash per site
  that the ingest writer keeps up to date, since workers have no archive.

The scheduler is in crawler/shared_frontier.py, the fleet-wide limits in
crawler/shared_limits.py. Keys: `vnarchive:SITE:requests|seen|round|budget|inflight:WORKER`,
`vnarchive:worker:WORKER`, `vnarchive:host:HOST`, `vnarchive:archived:SITE`, and the stream
`vnarchive:archive`.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING

from archive.redis_waits import FULL_PATIENCE
from archive.runs import RunCounts
from archive.stream import ARTICLE_KEYS, REPORTED_STATS, STREAM, archived_key
from archive.warc import Exchange, StoredRecord

if TYPE_CHECKING:  # imported when connecting: a crawl without Redis loads this add-on too
    from redis import Redis

logger = logging.getLogger(__name__)

QUEUE_KEY = "vnarchive:%(spider)s:requests"
# The reason a worker's spider closes with once Redis stayed away past its patience
# (archive/redis_patience.py); the run then ends `failed`.
REDIS_LOST = "redis_unreachable"
SEEN_KEY = "vnarchive:%(spider)s:seen"
# The statistic a worker sets when Redis no longer knew it (crawler/shared_frontier.py): its
# round may have lost its queue, and the worker does not end 0 (vnarchive.crawl).
ROUND_LOST = "vnarchive/redis_forgot_worker"


def in_flight_key(site: str, worker: str) -> str:
    return f"vnarchive:{site}:inflight:{worker}"


def budget_key(site: str) -> str:
    """The hash of a site's URL patterns to the requests the fleet spent on them this round."""
    return f"vnarchive:{site}:budget"


def connect(url: str) -> Redis:
    from redis import Redis

    return Redis.from_url(url)


def archived_urls(url: str, site: str) -> dict[str, str]:
    """Canonical URL -> fetched_at of the site's archived articles, as the writer published
    them: the frontier of a worker, which has no archive of its own."""
    return {key.decode(): value.decode()
            for key, value in connect(url).hgetall(archived_key(site)).items()}


def close_for_lost_redis(crawler, error: Exception) -> None:
    """Close the crawler's spider as REDIS_LOST, saying once why (its components each meet
    the lost Redis: the first one to call this closes it)."""
    if getattr(crawler, "_vnarchive_redis_lost", False):
        return
    crawler._vnarchive_redis_lost = True
    logger.error("%s: Redis cannot serve this worker (%s): it stops; what it fetched and could "
                 "not send is fetched again, since its requests in flight go back on the queue "
                 "once its heartbeat expires", crawler.spidercls.name, error)
    crawler.stats.set_value("vnarchive/redis_lost", 1)
    from crawler.archiving import close_spider  # it opens this module's sink: not at the top

    close_spider(crawler, REDIS_LOST)


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class DistributedMode:
    """Scrapy add-on (in ADDONS): with VNARCHIVE_REDIS_URL set, use the shared frontier, the
    per-host lock and the sink; without it, change nothing."""

    def update_settings(self, settings) -> None:
        url = settings.get("VNARCHIVE_REDIS_URL")
        if not url:
            return
        from archive.redis_patience import Patience, patient_params

        patience = Patience(settings.getfloat("VNARCHIVE_REDIS_WORKER_TIMEOUT", 30),
                            settings.getfloat("VNARCHIVE_REDIS_FULL_TIMEOUT", FULL_PATIENCE))
        for name, value in {
            "REDIS_URL": url,
            # Every Redis client of the worker waits out a Redis gone away, for as long as
            # the others would wait before taking this worker for dead, and a full one for
            # its full timeout.
            "REDIS_PARAMS": patient_params(patience),
            "VNARCHIVE_REDIS_PATIENCE": patience,
            "SCHEDULER": "crawler.shared_frontier.SharedFrontierScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            # The seen-set must outlive any one worker: a round ends when the frontier is
            # empty, not when the first worker leaves (see SharedFrontierScheduler).
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_QUEUE_KEY": QUEUE_KEY,
            "SCHEDULER_DUPEFILTER_KEY": SEEN_KEY,
            "VNARCHIVE_WORKER_ID": new_worker_id(),
        }.items():
            settings.set(name, value, "addon")
        # Imported here: those modules import this one's key names.
        from crawler.shared_frontier import InFlightCheckMiddleware
        from crawler.shared_limits import HostLockMiddleware, SharedUrlPatternBudget
        from crawler.traps import UrlPatternBudgetMiddleware

        settings.replace_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", UrlPatternBudgetMiddleware, SharedUrlPatternBudget)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", HostLockMiddleware,
                                                950)
        # The last step before the download, once the host lock is held.
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES",
                                                InFlightCheckMiddleware, 960)


# What a worker has instead of an archive -----------------------------------------------------
class RedisArchiveSink:
    """The archive sink protocol (archive/sink.py), sending everything to the Redis stream that
    `vnarchive ingest` writes into the archive. The WARC pointers are only known there:
    articles and attachments go with none, and ingest fills them in."""

    run_id = None  # the ingest writer's run

    def __init__(self, server: Redis, site: str, worker: str, crawler=None):
        self.server = server
        self.site = site
        self.worker = worker
        self.crawler = crawler
        self.counts = RunCounts()  # item errors, counted by crawler.archiving
        self.unsent = 0  # messages lost with Redis (archive/redis_patience.py)

    @classmethod
    def from_crawler(cls, crawler):
        from scrapy_redis.connection import get_redis_from_settings

        settings = crawler.settings  # its REDIS_PARAMS: the worker's patience with Redis
        return cls(get_redis_from_settings(settings), crawler.spidercls.name,
                   settings.get("VNARCHIVE_WORKER_ID") or new_worker_id(), crawler)

    def send(self, kind: str, data: dict, body: bytes = b"") -> None:
        """Add one message to the stream. Redis gone for good (its patience ran out): the
        message is counted, not raised in the signal handler or pipeline that sent it, and
        the spider closes."""
        from redis.exceptions import RedisError

        try:
            self.server.xadd(STREAM, {"kind": kind, "worker": self.worker,
                                      "data": json.dumps(data, ensure_ascii=False),
                                      "body": body})
        except RedisError as error:
            self.unsent += 1
            if self.crawler is None:
                raise
            close_for_lost_redis(self.crawler, error)

    def add_fetch(self, exchange: Exchange, latency_ms: int | None = None) -> StoredRecord:
        fields = asdict(exchange)
        body = fields.pop("body")
        self.send("fetch", {"fetch_id": uuid.uuid4().hex, "exchange": fields,
                            "latency_ms": latency_ms}, body)
        return StoredRecord(file=None, offset=None, length=0, digest="", record_type="")

    def add_page(self, page: dict) -> None:
        self.send("page", {"fetch_id": uuid.uuid4().hex, "page": page})

    def add_article(self, article: dict) -> None:
        self.send("article", {key: article.get(key) for key in ARTICLE_KEYS})

    def add_attachment(self, attachment: dict) -> None:
        self.send("attachment", {**attachment, "site": self.site})

    def mark_pages(self, urls: list[str], error: str) -> None:
        self.send("mark", {"site": self.site, "urls": list(urls), "error": error})

    def record_site(self, site: dict) -> None:
        self.send("site", site)

    def close(self, stats: dict | None = None, reason: str = "finished") -> None:
        stats = stats or {}
        if reason == REDIS_LOST:
            logger.error("%s: %d messages (fetches, pages, articles) could not be sent to "
                         "Redis", self.site, self.unsent)
            return
        self.send("closed", {
            "site": self.site, "reason": reason,
            "stats": {name: stats.get(name, 0) for name in REPORTED_STATS},
            "errors_by_kind": dict(self.counts.errors_by_kind),
        })

    def item_errors(self) -> int:
        return sum(count for kind, count in self.counts.errors_by_kind.items()
                   if kind.startswith("item_error"))
