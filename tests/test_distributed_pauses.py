"""Distributed mode when Redis misbehaves without going away: a lost answer, a full Redis,
an evicting one, two workers starting at once (crawler/shared_frontier.py,
crawler/shared_limits.py, archive/ingest.py, archive/redis_patience.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from redis import Redis
from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from scrapy.settings import Settings

from archive import ingest as ingest_module
from archive.ingest import ensure_group
from archive.ingest_claim import CLAIM_KEY
from archive.redis_patience import Patience, patient_params
from archive.redis_policy import check_eviction_policy
from archive.stream import STREAM
from crawler.distributed import REDIS_LOST, RedisArchiveSink, budget_key
from crawler.shared_limits import SharedUrlPatternBudget
from tests.conftest import PROJECT_ROOT, query, run_vnarchive
from tests.test_ingest_messages import send_good_messages
from testweb.processes import free_port
from testweb.server import TestWeb

SITE = "testweb_lynhan"


def worker_crawler(redis_url: str, **settings) -> SimpleNamespace:
    """What the shared-limit middlewares read of a worker's crawler."""
    return SimpleNamespace(
        settings=Settings({"REDIS_URL": redis_url, "REDIS_PARAMS": patient_params(Patience(5)),
                           **settings}),
        spidercls=SimpleNamespace(name=SITE))


@pytest.fixture
def answers_lost_once(monkeypatch):
    """The next answer Redis sends is lost on the way (the connection breaks after Redis ran
    the command): redis-py connects again and sends the command again."""
    read = Connection.read_response
    state = {"lose": False}

    def read_response(self, *args, **kwargs):
        answer = read(self, *args, **kwargs)
        if state["lose"]:
            state["lose"] = False
            raise RedisConnectionError("connection broke before the answer")
        return answer

    monkeypatch.setattr(Connection, "read_response", read_response)
    return state


@pytest.mark.timeout(60)
def test_a_trap_budget_spent_again_after_a_lost_answer_counts_once(redis_url,
                                                                   answers_lost_once):
    """The fleet's budget per URL pattern is an increment in Redis. Before, a retried
    increment whose first answer was lost counted one request twice, and a trap's budget ran
    out early; now each spend is counted once, however often it is sent."""
    budget = SharedUrlPatternBudget(worker_crawler(redis_url))
    pattern = "127.0.0.1/lich?calendardate"
    assert budget.spend(pattern) == 1
    answers_lost_once["lose"] = True
    assert budget.spend(pattern) == 2
    assert not answers_lost_once["lose"]  # an answer was lost, and the spend sent again
    assert budget.spend(pattern) == 3
    assert budget.server.hget(budget_key(SITE), pattern) == b"3"


# A worker's scheduler for the site, with the profile at `base_url`, outside a crawl.
SCHEDULER_OF = """
import dataclasses, json, logging, sys
import scrapy
from scrapy.crawler import Crawler
from crawler import shared_frontier
from scrapy.utils.project import get_project_settings
from scrapy.utils.reactor import install_reactor, is_reactor_installed

@dataclasses.dataclass
class Profile:
    base_url: str

class Stub:
    running = False
    def start(self, *args, **kwargs): pass

shared_frontier.create_looping_call = lambda *args: Stub()  # no engine to wake here

def scheduler_of(base_url, **more):
    class Spider(scrapy.Spider):
        name = "testweb_lynhan"
        profile = Profile(base_url)
    settings = get_project_settings()
    settings.set("VNARCHIVE_REDIS_URL", sys.argv[1])
    settings.update(more)
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"])
    crawler = Crawler(Spider, settings)
    crawler._apply_settings()  # what CrawlerProcess.crawl does first: the add-ons run
    crawler.spider = Spider.from_crawler(crawler)
    return shared_frontier.SharedFrontierScheduler.from_crawler(crawler), crawler.spider

"""

# Two workers of one site, with profiles that differ, open their schedulers; the second opens
# right after the first has started the round (when it says "new round").
TWO_WORKERS_AT_ONCE = SCHEDULER_OF + """
first, first_spider = scheduler_of("http://127.0.0.1:1/")
second, second_spider = scheduler_of("http://127.0.0.1:2/")

class SecondOpensNow(logging.Handler):
    def emit(self, record):
        if "new round" in record.getMessage():
            shared_frontier.logger.removeHandler(self)
            second.open(second_spider)

shared_frontier.logger.setLevel(logging.INFO)
shared_frontier.logger.addHandler(SecondOpensNow())
first.open(first_spider)
print(json.dumps([first.profile_differs, second.profile_differs]))
for scheduler in (first, second):
    scheduler.heartbeat.stop()
"""


@pytest.mark.timeout(120)
def test_of_two_workers_with_different_profiles_starting_at_once_one_leaves(redis_url):
    """The round's profile was set apart from the round's start, and checked with two more
    calls: a worker starting between the two found no fingerprint, set its own, and both
    crawled the site by different rules. Now joining a round and reading its profile is one
    step: the second worker leaves the site to the first."""
    result = subprocess.run([sys.executable, "-c", TWO_WORKERS_AT_ONCE, redis_url],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=100)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, True], result.stderr


@pytest.mark.timeout(120)
def test_an_ingest_batch_is_bounded_in_bytes_as_well_as_in_messages(redis_url, tmp_path,
                                                                     monkeypatch):
    """--batch-size counts messages: 200 pages of a few MB each made a batch of a gigabyte in
    the writer's memory. Now a batch also stops at about BATCH_BYTES (passed by at most one
    read of messages bigger than any before), and every page is still written once."""
    megabyte = 2**20
    monkeypatch.setattr(ingest_module, "BATCH_BYTES", 3 * megabyte, raising=False)
    sink = RedisArchiveSink(Redis.from_url(redis_url), SITE, "w1")
    for number in range(12):  # pages of 1 MB each
        sink.add_page({"site": SITE, "url": f"http://127.0.0.1:1/big/{number}", "status": 500,
                       "error": "x" * megabyte})
    batches: list[int] = []
    write_batch = ingest_module.Ingester.write_batch

    def noted(self, messages):
        batches.append(sum(len(value) for _, fields in messages for value in fields.values()))
        return write_batch(self, messages)

    monkeypatch.setattr(ingest_module.Ingester, "write_batch", noted)
    result = ingest_module.ingest(redis_url, str(tmp_path / "a.db"), idle_timeout=0.2,
                                  batch_size=200)
    assert result.status == "finished" and result.messages == 12
    assert query(tmp_path / "a.db", "select count(*) from pages") == [(12,)]
    assert max(batches) <= 4 * megabyte, batches


@pytest.mark.timeout(180)
@pytest.mark.parametrize("command", [["ingest", "--idle-timeout", "0"],
                                     ["crawl", SITE, "--idle-timeout", "1",
                                      "--worker-timeout", "2"]])
def test_a_redis_that_evicts_any_key_is_refused_in_one_line(redis_url, tmp_path, command):
    """At its maxmemory, a Redis with an allkeys-* policy deletes keys of its choosing: the
    stream of fetched pages, a site's queue. Before, workers and writer ran on it, and work
    could vanish without a word; now they refuse it before anything starts (exit 2)."""
    server = Redis.from_url(redis_url)
    server.config_set("maxmemory-policy", "allkeys-lru")
    nowhere = json.dumps({SITE: f"http://127.0.0.1:{free_port()}/"})  # nothing is fetched
    extra = ["--base-urls", nowhere] if command[0] == "crawl" else []
    result = run_vnarchive(*command, *extra, "--redis", redis_url,
                           "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2, result.stdout + result.stderr[-3000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "maxmemory-policy is allkeys-lru" in lines[0], result.stderr
    assert not server.exists(STREAM)  # the writer made no group; no worker sent anything


@pytest.mark.timeout(60)
def test_a_redis_that_evicts_expiring_keys_is_warned_about(redis_url, caplog):
    server = Redis.from_url(redis_url)
    server.config_set("maxmemory-policy", "volatile-lru")
    check_eviction_policy(server)
    assert "maxmemory-policy is volatile-lru" in caplog.text
    server.config_set("maxmemory-policy", "noeviction")
    caplog.clear()
    check_eviction_policy(server)
    assert not caplog.text


def _start_worker(redis_url: str, web: TestWeb, *options: str) -> subprocess.Popen:
    """A worker of the Lý Nhân portal answering after 0.3 s a page: still at work seconds
    after it began sending."""
    for site in web.sites.values():
        site.delay = 0.3
    return subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "crawl", SITE, "--redis", redis_url,
         "--base-urls", json.dumps(web.base_urls()), "--idle-timeout", "2",
         "--worker-timeout", "3", *options], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def _fill_redis_once_sending(server: Redis, worker: subprocess.Popen) -> None:
    """Once the worker has sent a few messages, Redis is at its maxmemory: every write that
    needs memory is refused with OOM."""
    deadline = time.monotonic() + 90
    while server.xlen(STREAM) < 3:
        assert worker.poll() is None, worker.communicate()
        assert time.monotonic() < deadline, "the worker sent nothing"
        time.sleep(0.05)
    server.config_set("maxmemory", "1")


@pytest.mark.timeout(240)
def test_a_worker_at_a_full_redis_pauses_until_there_is_room(redis_url, tmp_path):
    """Before, the first message a full Redis refused stopped the worker (exit 1) with what it
    had not sent lost to this round. Now it waits, says so, and goes on once there is room:
    it ends 0, still known to Redis (its heartbeat went on), and every page it fetched reaches
    the archive once."""
    server = Redis.from_url(redis_url)
    with TestWeb(families=["lynhan"]) as web:
        worker = _start_worker(redis_url, web)
        try:
            _fill_redis_once_sending(server, worker)
            time.sleep(5)  # past --worker-timeout: the worker would be taken for dead
            assert worker.poll() is None, worker.communicate()
            server.config_set("maxmemory", "0")
            _, err = worker.communicate(timeout=150)
        finally:
            if worker.poll() is None:
                worker.kill()
        served = Counter({path: count for site in web.sites.values()
                          for path, count in site.requests.items() if path != "/robots.txt"})
    assert worker.returncode == 0, err[-3000:]
    assert "Redis is full (at its maxmemory)" in err, err[-3000:]
    assert "Redis no longer knew this worker" not in err, err[-3000:]
    result = ingest_module.ingest(redis_url, str(tmp_path / "a.db"), idle_timeout=0.2)
    assert result.status == "finished"
    archived = {url for (url,) in query(tmp_path / "a.db", "select url from pages")}
    assert {urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
            for url in archived} >= set(served), (served, archived)
    assert set(served.values()) == {1}, served


@pytest.mark.timeout(240)
def test_a_worker_at_a_redis_full_past_its_full_timeout_stops_in_one_line(redis_url):
    server = Redis.from_url(redis_url)
    with TestWeb(families=["lynhan"]) as web:
        worker = _start_worker(redis_url, web, "--full-timeout", "2")
        try:
            _fill_redis_once_sending(server, worker)
            _, err = worker.communicate(timeout=150)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert worker.returncode == 1, err[-3000:]
    assert "Redis stayed full (at its maxmemory) for 2 s" in err, err[-3000:]
    assert "it stops" in err, err[-3000:]


@pytest.mark.timeout(120)
def test_a_writer_started_at_a_full_redis_claims_its_stream_once_there_is_room(redis_url,
                                                                                tmp_path):
    """A full Redis refuses the writer's claim, and only the writer frees it: it must start.
    Before, it then drained the whole stream unclaimed, and a second `ingest` was not refused
    meanwhile; now it claims the stream as soon as its first batch has freed room."""
    server = Redis.from_url(redis_url)
    ensure_group(server)
    send_good_messages(redis_url, 30)
    sink = RedisArchiveSink(server, SITE, "w2")
    for number in range(10):  # pages of 100 KB: the backlog that filled it
        sink.add_page({"site": SITE, "url": f"http://127.0.0.1:1/big/{number}", "status": 500,
                       "error": "x" * 100_000})
    server.config_set("maxmemory", str(server.info("memory")["used_memory"] + 1000))
    claims: list[bytes] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            claims.append(server.get(CLAIM_KEY))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = ingest_module.ingest(redis_url, str(tmp_path / "a.db"), idle_timeout=1,
                                      batch_size=10)
    finally:
        done.set()
        watcher.join()
    assert result.status == "finished" and result.messages == 71
    held = {json.loads(claim)["pid"] for claim in claims if claim}
    assert held == {os.getpid()}, claims[-5:]
    assert server.get(CLAIM_KEY) is None  # given up at the end


# A request found once Redis has been full past the worker's full timeout.
ENQUEUE_AT_A_FULL_REDIS = SCHEDULER_OF + """
from crawler import archiving
closed = []
archiving.close_spider = lambda crawler, reason: closed.append(reason)  # no engine here
scheduler, spider = scheduler_of("http://127.0.0.1:1/", VNARCHIVE_REDIS_FULL_TIMEOUT=1)
scheduler.open(spider)
scheduler.server.config_set("maxmemory", "1")
queued = scheduler.enqueue_request(scrapy.Request("http://127.0.0.1:1/tin-tuc/2"))
print(json.dumps([queued, closed]))
scheduler.heartbeat.stop()
"""


@pytest.mark.timeout(120)
def test_a_request_redis_cannot_take_closes_the_worker_as_for_any_command(redis_url):
    """The other commands of a worker that Redis cannot serve past its patience close its
    spider (`redis_unreachable`, exit 1). Before, the scheduler's own push raised into Scrapy,
    which dropped the request, and a worker whose other commands still went through (a pop
    works at a full Redis) could end `finished` without it."""
    result = subprocess.run([sys.executable, "-c", ENQUEUE_AT_A_FULL_REDIS, redis_url],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=100)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [False, [REDIS_LOST]], (
        result.stderr)
    assert "Redis stayed full (at its maxmemory) for 1 s" in result.stderr, result.stderr


def test_a_wait_at_a_full_redis_does_not_count_against_the_unreachable_limit(monkeypatch):
    """A command that waited minutes for room in a full Redis, then met one connection error,
    raised "unreachable for 60 s" at once: the minutes were counted against the shorter limit.
    Each kind of wait now has its own clock."""
    from types import SimpleNamespace

    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import OutOfMemoryError

    from archive import redis_patience
    from archive.redis_patience import Patience

    now = [1000.0]
    monkeypatch.setattr(redis_patience, "time", SimpleNamespace(monotonic=lambda: now[0]))
    patience = Patience(60, full_seconds=600)
    patience.reset()
    patience.note(OutOfMemoryError("OOM"))
    now[0] += 300  # five minutes at a full Redis
    assert patience.compute(1) == redis_patience.STEP_SECONDS
    patience.note(RedisConnectionError("connection reset"))
    assert patience.compute(2) == redis_patience.STEP_SECONDS  # the unreachable clock starts
    now[0] += 61
    with pytest.raises(redis_patience.RedisLost, match="unreachable for 60 s"):
        patience.compute(3)
