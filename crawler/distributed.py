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
- A worker stops when its site's frontier (queue and every worker's in-flight requests) has been
  empty for VNARCHIVE_REDIS_IDLE_TIMEOUT seconds: neither too early (another worker may still
  find links) nor never (scrapy-redis's own spiders wait for more URLs forever).
- `HostLockMiddleware` holds a Redis lock per host around each download, and keeps it for the
  site's download delay after the response, so all workers together make one request at a time
  to a host, spaced as one polite crawler would space them.
- `RedisArchiveSink` stands in for the archive writer: fetches, failed-fetch rows, articles and
  site facts go to one Redis stream; nothing is written locally.
- The archive's frontier (which articles are archived already) comes from a Redis hash per site
  that the ingest writer keeps up to date, since workers have no archive.

Keys: `vnarchive:SITE:requests|seen|round|inflight:WORKER`, `vnarchive:worker:WORKER`,
`vnarchive:host:HOST`, `vnarchive:archived:SITE`, and the stream `vnarchive:archive`.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import time
import uuid
from dataclasses import asdict
from urllib.parse import urlsplit

from redis import Redis
from redis.exceptions import LockError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import create_looping_call, sleep
from scrapy.utils.request import request_from_dict
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler

from archive.stream import REPORTED_STATS, STREAM, archived_key
from archive.warc import Exchange, StoredRecord
from archive.writer import ARTICLE_COLUMNS, RunCounts

logger = logging.getLogger(__name__)

QUEUE_KEY = "vnarchive:%(spider)s:requests"
SEEN_KEY = "vnarchive:%(spider)s:seen"
# What `ArchiveWriter.add_article` reads from an article, beyond its columns.
ARTICLE_KEYS = (*ARTICLE_COLUMNS, "html", "meeting", "first_seen_at", "title_folded",
                "text_folded", "story_signature")
LOCK_META = "_vnarchive_host_lock"
POLL_SECONDS = 0.5


def worker_key(worker: str) -> str:
    return f"vnarchive:worker:{worker}"


def in_flight_key(site: str, worker: str) -> str:
    return f"vnarchive:{site}:inflight:{worker}"


def connect(url: str) -> Redis:
    return Redis.from_url(url)


def archived_urls(url: str, site: str) -> dict[str, str]:
    """Canonical URL -> fetched_at of the site's archived articles, as the writer published
    them: the frontier of a worker, which has no archive of its own."""
    return {key.decode(): value.decode()
            for key, value in connect(url).hgetall(archived_key(site)).items()}


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class DistributedMode:
    """Scrapy add-on (in ADDONS): with VNARCHIVE_REDIS_URL set, use the shared frontier, the
    per-host lock and the sink; without it, change nothing."""

    def update_settings(self, settings) -> None:
        url = settings.get("VNARCHIVE_REDIS_URL")
        if not url:
            return
        for name, value in {
            "REDIS_URL": url,
            "SCHEDULER": "crawler.distributed.SharedFrontierScheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            # The seen-set must outlive any one worker: a round ends when the frontier is
            # empty, not when the first worker leaves (see SharedFrontierScheduler).
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_QUEUE_KEY": QUEUE_KEY,
            "SCHEDULER_DUPEFILTER_KEY": SEEN_KEY,
            "VNARCHIVE_WORKER_ID": new_worker_id(),
        }.items():
            settings.set(name, value, "addon")
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", HostLockMiddleware,
                                                950)


# Requests in Redis ------------------------------------------------------------------------
class JsonRequests:
    """scrapy-redis serializer (loads/dumps of a request's dict) writing JSON: bytes become
    {"__bytes__": base64}, dicts with bytes keys (headers) {"__pairs__": [...]}."""

    @staticmethod
    def dumps(request: dict) -> str:
        return json.dumps(_plain(request), sort_keys=True)

    @staticmethod
    def loads(data: bytes | str) -> dict:
        return json.loads(data, object_hook=_restore)


def _plain(value):
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: _plain(item) for key, item in value.items()}
        return {"__pairs__": [[_plain(key), _plain(item)] for key, item in value.items()]}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _restore(value: dict):
    if value.keys() == {"__bytes__"}:
        return base64.b64decode(value["__bytes__"])
    if value.keys() == {"__pairs__"}:
        return {key: item for key, item in value["__pairs__"]}
    return value


# Lua, so that no worker can die between the two halves of a move and lose a request.
POP_INTO_FLIGHT = """
local popped = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
if #popped == 0 then return false end
redis.call('zremrangebyrank', KEYS[1], 0, 0)
redis.call('hset', KEYS[2], popped[2] .. ':' .. redis.sha1hex(popped[1]), popped[1])
return {popped[1], popped[2] .. ':' .. redis.sha1hex(popped[1])}
"""
RETURN_TO_QUEUE = """
local entries = redis.call('hgetall', KEYS[1])
for i = 1, #entries, 2 do
  redis.call('zadd', KEYS[2], string.match(entries[i], '^([^:]+):'), entries[i + 1])
end
redis.call('del', KEYS[1])
return #entries / 2
"""
START_ROUND = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('del', KEYS[2])
  return 1
end
return 0
"""
DELETE_IF_EQUAL = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class SharedFrontierScheduler(Scheduler):
    """scrapy-redis's scheduler, plus what a fleet of workers that may die needs: requests in
    flight are kept until finished and given back when their worker dies, a round of a site
    starts with an empty seen-set, and a worker stops once the frontier has been idle."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        settings = crawler.settings
        scheduler.crawler = crawler
        scheduler.serializer = JsonRequests
        scheduler.worker = settings.get("VNARCHIVE_WORKER_ID") or new_worker_id()
        scheduler.idle_timeout = settings.getfloat("VNARCHIVE_REDIS_IDLE_TIMEOUT", 30)
        scheduler.worker_timeout = max(1, settings.getint("VNARCHIVE_REDIS_WORKER_TIMEOUT", 30))
        scheduler.handed_out = {}  # in-flight field -> the request given to the engine
        scheduler.idle_since = None
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider) -> None:
        super().open(spider)
        site = spider.name
        self.keys = {"queue": self.queue.key, "seen": self.df.key,
                     "flight": in_flight_key(site, self.worker),
                     "round": f"vnarchive:{site}:round", "worker": worker_key(self.worker)}
        self.pop_into_flight = self.server.register_script(POP_INTO_FLIGHT)
        self.return_to_queue = self.server.register_script(RETURN_TO_QUEUE)
        # No live worker on this site: a new round, which forgets the last round's seen-set
        # (listings are fetched again; archived articles are skipped by the frontier).
        if self.server.register_script(START_ROUND)(
                keys=[self.keys["round"], self.keys["seen"]],
                args=[self.worker, self.worker_timeout]):
            logger.info("%s: new round of the shared frontier", site)
        self.beat()
        self.give_back_dead_workers_requests()
        self.heartbeat = create_looping_call(self.beat)
        self.heartbeat.start(max(self.worker_timeout / 3, 0.5), now=False)
        # An idle engine looks at its scheduler again only every 5 s; other workers keep
        # adding to the shared queue, so look more often.
        self.poll = create_looping_call(self.wake_engine)
        self.poll.start(POLL_SECONDS, now=False)

    def engine_slot(self):
        """The engine's private slot: what Scrapy's own engine-status report reads. It holds
        the requests in progress and the call that makes the engine ask for the next one;
        Scrapy has no public API for either."""
        return getattr(self.crawler.engine, "_slot", None)

    def wake_engine(self) -> None:
        slot = self.engine_slot()
        if slot is not None:
            slot.nextcall.schedule()

    def beat(self) -> None:
        """Tell the other workers this one is alive (and its site's round still running)."""
        pipe = self.server.pipeline()
        pipe.set(self.keys["worker"], self.spider.name, ex=self.worker_timeout)
        pipe.set(self.keys["round"], self.worker, ex=self.worker_timeout)
        pipe.execute()

    def next_request(self):
        self.forget_finished()
        popped = self.pop_into_flight(keys=[self.keys["queue"], self.keys["flight"]])
        if not popped:
            return None
        data, field = popped
        request = request_from_dict(JsonRequests.loads(data), spider=self.spider)
        self.handed_out[field] = request
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def forget_finished(self) -> None:
        """Drop from the in-flight hash the requests the engine has finished with: the engine
        keeps a request in its slot's `inprogress` until its response, and the items made from
        it, have gone through (there is no signal for that moment)."""
        slot = self.engine_slot()
        in_progress = slot.inprogress if slot is not None else set()
        finished = [field for field, request in self.handed_out.items()
                    if request not in in_progress]
        if finished:
            self.server.hdel(self.keys["flight"], *finished)
            for field in finished:
                del self.handed_out[field]

    def give_back_dead_workers_requests(self) -> int:
        """Put the in-flight requests of workers that stopped beating back on the queue."""
        returned = 0
        pattern = in_flight_key(self.spider.name, "*")
        for key in self.server.scan_iter(match=pattern):
            worker = key.decode().rsplit(":", 1)[1]
            if not self.server.exists(worker_key(worker)):
                count = self.return_to_queue(keys=[key, self.keys["queue"]])
                if count:
                    logger.warning("%s: %d requests of stopped worker %s back on the queue",
                                   self.spider.name, count, worker)
                    returned += count
        return returned

    def frontier_is_empty(self) -> bool:
        """Nothing queued and nothing in flight at any worker (whose work may add more)."""
        if len(self.queue):
            return False
        pattern = in_flight_key(self.spider.name, "*")
        return next(self.server.scan_iter(match=pattern), None) is None

    def spider_idle(self, spider) -> None:
        """Keep the worker open while the frontier may still grow, and for the idle timeout
        after it emptied; the engine asks again every few seconds."""
        self.forget_finished()
        if self.give_back_dead_workers_requests() or not self.frontier_is_empty():
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider

    def close(self, reason) -> None:
        for loop in (getattr(self, "heartbeat", None), getattr(self, "poll", None)):
            if loop is not None and loop.running:
                loop.stop()
        self.forget_finished()
        # Requests this worker took but did not finish (a shutdown) go back for the others.
        self.return_to_queue(keys=[self.keys["flight"], self.keys["queue"]])
        self.server.delete(self.keys["worker"])
        if reason == "finished" and self.frontier_is_empty():
            self.server.delete(self.keys["round"])  # the next worker starts a new round
        super().close(reason)


# Politeness across workers -------------------------------------------------------------------
class HostLockMiddleware:
    """One request at a time per host across all workers: a Redis lock per host (host:port)
    is taken just before the download and, after the response, kept for the site's
    DOWNLOAD_DELAY, so the next request to that host, from any worker, waits that long.
    A lock expires by itself after DOWNLOAD_TIMEOUT plus the delay; the lock of a worker
    whose heartbeat has stopped is broken at once."""

    POLL_SECONDS = 0.05

    def __init__(self, crawler):
        settings = crawler.settings
        self.server = get_redis_from_settings(settings)
        self.worker = settings.get("VNARCHIVE_WORKER_ID") or new_worker_id()
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.lock_seconds = settings.getfloat("DOWNLOAD_TIMEOUT") + self.delay + 5
        self.delete_if_equal = self.server.register_script(DELETE_IF_EQUAL)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        name = f"vnarchive:host:{urlsplit(request.url).netloc}"
        lock = self.server.lock(name, timeout=self.lock_seconds, thread_local=False)
        token = f"{self.worker}|{uuid.uuid4().hex}"
        while not lock.acquire(blocking=False, token=token):
            self.break_if_holder_died(name)
            await sleep(self.POLL_SECONDS)
        request.meta[LOCK_META] = lock
        return None

    def break_if_holder_died(self, name: str) -> None:
        holder = self.server.get(name)
        if holder and not self.server.exists(worker_key(holder.decode().split("|")[0])):
            self.delete_if_equal(keys=[name], args=[holder])

    def process_response(self, request, response):
        self.release(request)
        return response

    def process_exception(self, request, exception):
        self.release(request)
        return None

    def release(self, request) -> None:
        lock = request.meta.pop(LOCK_META, None)
        if lock is None:
            return
        try:
            if self.delay > 0:
                lock.extend(self.delay, replace_ttl=True)
            else:
                lock.release()
        except LockError:
            pass  # it expired meanwhile: nothing left to release


# What a worker has instead of an archive -----------------------------------------------------
class RedisArchiveSink:
    """The archive sink protocol (archive/sink.py), sending everything to the Redis stream that
    `vnarchive ingest` writes into the archive. The WARC pointers are only known there:
    articles and attachments go with none, and ingest fills them in."""

    run_id = None  # the ingest writer's run

    def __init__(self, server: Redis, site: str, worker: str):
        self.server = server
        self.site = site
        self.worker = worker
        self.counts = RunCounts()  # item errors, counted by crawler.archiving

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(connect(settings.get("VNARCHIVE_REDIS_URL")), crawler.spidercls.name,
                   settings.get("VNARCHIVE_WORKER_ID") or new_worker_id())

    def send(self, kind: str, data: dict, body: bytes = b"") -> None:
        self.server.xadd(STREAM, {"kind": kind, "worker": self.worker,
                                  "data": json.dumps(data, ensure_ascii=False), "body": body})

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
        self.send("closed", {
            "site": self.site, "reason": reason,
            "stats": {name: stats.get(name, 0) for name in REPORTED_STATS},
            "errors_by_kind": dict(self.counts.errors_by_kind),
        })
