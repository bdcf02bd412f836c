"""The shared frontier of distributed mode (crawler/distributed.py): each site's request queue
and seen-set in Redis, kept by scrapy-redis's scheduler, plus what a fleet of workers that may
die needs. Requests travel as JSON, never pickle; a request a worker popped stays in its
in-flight hash until the engine has finished it, and goes back on the queue when the worker's
heartbeat stops; a round of a site starts with an empty seen-set and trap budget; a worker
stops once the frontier has been idle.

The heartbeat runs on a thread of its own, not on the reactor: a worker's reactor stops for
seconds while the process opens its other sites' crawlers, or on a busy machine, and a
heartbeat that waited for it let the other workers take a live worker for dead and fetch its
requests a second time. A worker that really was taken for dead (the whole process stalled
past the worker timeout) still holds copies of the requests given back:
`InFlightCheckMiddleware` downloads a request only while it is still in its worker's in-flight
hash."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import threading
import time
import uuid

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.request import request_from_dict
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.scheduler import Scheduler

from archive.redis_patience import RedisLost
from archive.stream import worker_key
from crawler.distributed import (
    ROUND_LOST,
    budget_key,
    close_for_lost_redis,
    in_flight_key,
    new_worker_id,
)

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# request.meta: [in-flight hash, field] of the request as this worker popped it.
IN_FLIGHT_META = "_vnarchive_in_flight"


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


# Lua, so that no worker can die between the two halves of a move and lose a request. The
# field is "score:sha1:pop id": the pop id (ARGV[1]) tells this pop from a later pop of the same
# request once it was given back. The pop is noted under its id (KEYS[3], for POP_MEMORY
# seconds), so that the same pop sent again, as redis-py does when the connection broke before
# the answer came, gets the same request: popping a second one left the first in the worker's
# in-flight hash, handed to no one, and the site's frontier never empty while it lived.
POP_MEMORY = 300


def pop_key(site: str, pop_id: str) -> str:
    """Where a pop is noted: outside the in-flight hashes' pattern, which the workers scan."""
    return f"vnarchive:{site}:pop:{pop_id}"

# The reason a worker's spider closes with when its profile of the site is not the round's.
PROFILE_DIFFERS = "profile_differs"
# What may differ between the profiles of two workers of one round: where the file lies, notes.
PROFILE_FIELDS_IGNORED = {"source", "notes", "verified"}


def profile_key(site: str) -> str:
    """The fingerprint of the profile the site's round is crawled with."""
    return f"vnarchive:{site}:profile"


def profile_fingerprint(spider) -> str:
    profile = getattr(spider, "profile", None)
    if profile is None:  # a spider of no profile: nothing to compare
        return ""
    fields = {field.name: getattr(profile, field.name) for field in dataclasses.fields(profile)
              if field.name not in PROFILE_FIELDS_IGNORED}
    text = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(text.encode()).hexdigest()


POP_INTO_FLIGHT = """
local done = redis.call('get', KEYS[3])
if done then
  local data = redis.call('hget', KEYS[2], done)
  if data then return {data, done} end
  return false
end
local popped = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
if #popped == 0 then return false end
redis.call('zremrangebyrank', KEYS[1], 0, 0)
local field = popped[2] .. ':' .. redis.sha1hex(popped[1]) .. ':' .. ARGV[1]
redis.call('hset', KEYS[2], field, popped[1])
redis.call('set', KEYS[3], field, 'EX', ARGV[2])
return {popped[1], field}
"""
RETURN_TO_QUEUE = """
local entries = redis.call('hgetall', KEYS[1])
for i = 1, #entries, 2 do
  redis.call('zadd', KEYS[2], string.match(entries[i], '^([^:]+):'), entries[i + 1])
end
redis.call('del', KEYS[1])
return #entries / 2
"""
# Join the site's round (KEYS[1]), or start a new one when no live worker holds it: a new
# round empties the seen-set and trap budget (KEYS[2], KEYS[3]) and is crawled with this
# worker's profile fingerprint ARGV[3] (KEYS[4]); a round begun before the fingerprint was
# kept takes it too. Returns {1 if a new round, the round's fingerprint}. One script, so
# two workers of different profiles starting at once cannot both see their own fingerprint
# (before, START_ROUND, SET, SETNX and GET were four calls, and between the round's start
# and its SET the other worker set its own).
JOIN_ROUND = """
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('del', KEYS[2], KEYS[3])
  redis.call('set', KEYS[4], ARGV[3])
  return {1, ARGV[3]}
end
local held = redis.call('get', KEYS[4])
if not held then
  redis.call('set', KEYS[4], ARGV[3])
  held = ARGV[3]
end
return {0, held}
"""


# A worker's beat: its heartbeat key (KEYS[1], holding its site ARGV[3]) and its site's round
# (KEYS[2], holding this worker ARGV[1]) live ARGV[2] s more; 1 if Redis still knew the worker.
# EXPIRE first: a Redis at its maxmemory refuses SET (a MULTI of them, as the beat was) but not
# EXPIRE, and lets a script that has written write on, so a worker paused at a full Redis still
# beats; before, its key expired and the others took it for dead.
BEAT = """
local known = redis.call('expire', KEYS[1], ARGV[2])
if known == 0 then redis.call('set', KEYS[1], ARGV[3], 'EX', ARGV[2]) end
redis.call('set', KEYS[2], ARGV[1], 'EX', ARGV[2])
return known
"""


class Heartbeat:
    """Calls `beat` every `interval` seconds on a thread of its own, so a worker beats while
    its reactor is busy; `stop` returns once no beat can come any more."""

    def __init__(self, beat, interval: float):
        self.beat = beat
        self.interval = interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name="vnarchive-heartbeat", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.beat()
            except RedisLost:  # the worker is stopping (archive/redis_patience.py)
                return
            except RedisError as error:  # the next beat tries again
                logger.warning("heartbeat not sent: %s", error)

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()


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
        scheduler.profile_differs = False
        scheduler.beaten = scheduler.forgotten_noted = False
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    def open(self, spider) -> None:
        super().open(spider)
        site = spider.name
        self.keys = {"queue": self.queue.key, "seen": self.df.key, "budget": budget_key(site),
                     "flight": in_flight_key(site, self.worker),
                     "round": f"vnarchive:{site}:round", "worker": worker_key(self.worker)}
        self.pop_into_flight = self.server.register_script(POP_INTO_FLIGHT)
        self.beat_script = self.server.register_script(BEAT)
        self.return_to_queue = self.server.register_script(RETURN_TO_QUEUE)
        # No live worker on this site: a new round, which forgets the last round's seen-set
        # (listings are fetched again; archived articles are skipped by the frontier) and
        # its trap budget (crawler.shared_limits).
        fingerprint = profile_fingerprint(spider)
        new_round, held = self.server.register_script(JOIN_ROUND)(
            keys=[self.keys["round"], self.keys["seen"], self.keys["budget"],
                  profile_key(site)],
            args=[self.worker, self.worker_timeout, fingerprint])
        if new_round:
            logger.info("%s: new round of the shared frontier", site)
        self.beat()
        self.give_back_dead_workers_requests()
        self.heartbeat = Heartbeat(self.beat, max(self.worker_timeout / 3, 0.5))
        self.heartbeat.start()
        if held.decode() != fingerprint:
            self.refuse_another_profile(spider)
        # An idle engine looks at its scheduler again only every 5 s; other workers keep
        # adding to the shared queue, so look more often.
        self.poll = create_looping_call(self.wake_engine)
        self.poll.start(POLL_SECONDS, now=False)

    def refuse_another_profile(self, spider) -> None:
        """A worker whose profile of the site is not the round's (another version of its
        file, other --base-urls) leaves the site to the round's workers: before, both crawled
        one queue, each taking and parsing pages by its own rules, without a word."""
        logger.error("%s: this worker's profile of the site differs from the one the round's "
                     "workers crawl with (another version of its profile file, or other "
                     "--base-urls): it leaves the site to them; give every worker the same "
                     "profile", spider.name)
        self.profile_differs = True
        from twisted.internet import reactor

        from crawler.archiving import close_spider  # it opens the sink: not at the top

        reactor.callLater(0, close_spider, self.crawler, PROFILE_DIFFERS)

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
        known = self.beat_script(keys=[self.keys["worker"], self.keys["round"]],
                                 args=[self.worker, self.worker_timeout, self.spider.name])
        if known or not self.beaten or self.forgotten_noted:
            self.beaten = True
            return
        # Its own key gone between two beats. With the round's profile key gone too, Redis
        # lost its data (restarted without saving it, flushed), and with it the queue: the
        # crawl would end short without a word, so the worker does not end 0. That key never
        # expires and only a worker joining the round writes it; the seen-set, looked at
        # before, was written again by the first request any worker queued after the loss,
        # so a busy worker took the loss for a stall. With the key there, only this worker's
        # key expired (it stalled, or Redis was away, past --worker-timeout): its requests in
        # flight went back on the queue for the others, and nothing is lost.
        if self.server.exists(profile_key(self.spider.name)):
            logger.warning("%s: this worker was taken for dead (it stalled, or Redis was away, "
                           "past --worker-timeout): its requests in flight went back on the "
                           "shared queue", self.spider.name)
            return
        self.forgotten_noted = True
        self.crawler.stats.set_value(ROUND_LOST, 1)
        logger.error("%s: Redis no longer knew this worker (restarted without its data, or "
                     "flushed): the round's shared queue may be lost; run the crawl again for "
                     "what it missed", self.spider.name)

    def enqueue_request(self, request) -> bool:
        """scrapy-redis's, without the `spider` argument to the stats that Scrapy deprecates:
        it wrote a ScrapyDeprecationWarning to every worker's stderr. Redis lost (away, or
        full, past its patience): the spider closes as for every other command; before, the
        error went up to Scrapy, which dropped the request and could end `finished`."""
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except RedisError as error:
            close_for_lost_redis(self.crawler, error)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        """The next request of the shared queue, moved into this worker's in-flight hash.
        While Redis is away the call waits (archive/redis_patience.py); once it is lost,
        there is none, and the spider closes."""
        if self.profile_differs:  # closing: the round's workers take the site
            return None
        try:
            self.forget_finished()
            pop_id = uuid.uuid4().hex[:12]
            popped = self.pop_into_flight(
                keys=[self.keys["queue"], self.keys["flight"], pop_key(self.spider.name, pop_id)],
                args=[pop_id, POP_MEMORY])
        except RedisError as error:
            close_for_lost_redis(self.crawler, error)
            return None
        if not popped:
            return None
        data, field = popped
        field = field.decode()
        request = request_from_dict(JsonRequests.loads(data), spider=self.spider)
        request.meta[IN_FLIGHT_META] = [self.keys["flight"], field]
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
        try:
            self.forget_finished()
            growing = self.give_back_dead_workers_requests() or not self.frontier_is_empty()
        except RedisError as error:  # closed for it, with its reason: not "finished"
            close_for_lost_redis(self.crawler, error)
            raise DontCloseSpider from None
        if growing:
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_timeout:
            raise DontCloseSpider

    def close(self, reason) -> None:
        if getattr(self, "heartbeat", None) is not None:
            self.heartbeat.stop()  # before the keys below go: a later beat would set them again
        poll = getattr(self, "poll", None)
        if poll is not None and poll.running:
            poll.stop()
        patience = self.crawler.settings.get("VNARCHIVE_REDIS_PATIENCE")
        if patience is not None and patience.lost:
            # Nothing can be given back or deleted: the other workers give back this one's
            # requests in flight once its heartbeat key expires.
            return
        try:
            self._leave_the_frontier(reason)
        except RedisError as error:
            logger.error("%s: the shared frontier was not left tidy (%s): this worker's "
                         "requests in flight go back once its heartbeat expires",
                         self.spider.name, error)

    def _leave_the_frontier(self, reason) -> None:
        self.forget_finished()
        # Requests this worker took but did not finish (a shutdown) go back for the others.
        self.return_to_queue(keys=[self.keys["flight"], self.keys["queue"]])
        self.server.delete(self.keys["worker"])
        if reason == "finished" and self.frontier_is_empty():
            self.server.delete(self.keys["round"])  # the next worker starts a new round
        super().close(reason)


class InFlightCheckMiddleware:
    """Downloader middleware (after HostLockMiddleware, the last step before the download):
    a request popped from the shared frontier is downloaded only while it is still in this
    worker's in-flight hash. A worker whose process stalled past the worker timeout was taken
    for dead and its requests were given back to the queue, where another worker (or this one,
    as a new pop) takes them: the copy it still holds is dropped, not fetched a second time."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = get_redis_from_settings(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        in_flight = request.meta.get(IN_FLIGHT_META)
        if in_flight is None:  # not from the frontier: robots.txt
            return None
        key, field = in_flight
        try:
            held = self.server.hexists(key, field)
        except RedisError as error:  # lost (archive/redis_patience.py): the spider is closing
            close_for_lost_redis(self.crawler, error)
            raise IgnoreRequest("Redis unreachable") from None
        if held:
            return None
        logger.warning("%s was given back to the shared frontier while this worker looked "
                       "dead: left to the worker that took it", request.url)
        self.crawler.stats.inc_value("vnarchive/given_back_not_fetched")
        raise IgnoreRequest("given back to the shared frontier")
