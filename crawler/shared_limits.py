"""Downloader middlewares whose limits hold for the whole fleet of distributed workers
(crawler/distributed.py), kept in Redis: one request at a time per host, spaced by the site's
download delay, and one crawler-trap budget per URL pattern of a site."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from redis.exceptions import LockError, RedisError
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import sleep
from scrapy_redis.connection import get_redis_from_settings

from archive.stream import worker_key
from crawler.distributed import budget_key, close_for_lost_redis, new_worker_id
from crawler.traps import UrlPatternBudgetMiddleware

LOCK_META = "_vnarchive_host_lock"
DELETE_IF_EQUAL = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class HostLockMiddleware:
    """One request at a time per host across all workers: a Redis lock per host (host:port)
    is taken just before the download and, after the response, kept for the site's
    DOWNLOAD_DELAY, so the next request to that host, from any worker, waits that long.
    A lock expires by itself after DOWNLOAD_TIMEOUT plus the delay; the lock of a worker
    whose heartbeat has stopped is broken at once."""

    POLL_SECONDS = 0.05

    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
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
        try:
            while not lock.acquire(blocking=False, token=token):
                self.break_if_holder_died(name)
                await sleep(self.POLL_SECONDS)
        except RedisError as error:  # lost (archive/redis_patience.py): the spider is closing
            close_for_lost_redis(self.crawler, error)
            raise IgnoreRequest("Redis unreachable") from None
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
        except RedisError:
            pass  # lost: the lock expires by itself




# Count one request of pattern ARGV[1] in the budget hash KEYS[1], once per spend id: the
# count is noted under the id (KEYS[2], for SPEND_MEMORY seconds), so the same call sent again
# (redis-py sends it again when the connection broke before the answer came) gets the same
# count instead of spending the budget twice.
SPEND_ONCE = """
local done = redis.call('get', KEYS[2])
if done then return tonumber(done) end
local spent = redis.call('hincrby', KEYS[1], ARGV[1], 1)
redis.call('set', KEYS[2], spent, 'EX', ARGV[2])
return spent
"""
SPEND_MEMORY = 300


def spend_key(site: str, spend_id: str) -> str:
    return f"vnarchive:{site}:spend:{spend_id}"


class SharedUrlPatternBudget(UrlPatternBudgetMiddleware):
    """crawler.traps' budget per URL pattern, spent by every worker of the site's round
    together (a hash in Redis, emptied when a round starts): each worker counting alone would
    let a fleet of N fetch N budgets of an endless calendar."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.server = get_redis_from_settings(crawler.settings)
        self.spend_once = self.server.register_script(SPEND_ONCE)

    def spend(self, pattern: str) -> int:
        site = self.crawler.spidercls.name
        try:
            return self.spend_once(keys=[budget_key(site), spend_key(site, uuid.uuid4().hex)],
                                   args=[pattern, SPEND_MEMORY])
        except RedisError as error:  # lost (archive/redis_patience.py): the spider is closing
            close_for_lost_redis(self.crawler, error)
            raise IgnoreRequest("Redis unreachable") from None
