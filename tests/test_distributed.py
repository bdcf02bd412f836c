"""Distributed mode: two workers and one writer on a real redis-server (started here on a free
loopback port; the tests skip, saying why, when it cannot start) archive the local test web
exactly as one machine would, the well-behaved families and the hostile-content site with its
attachments, soft 404s, broken pages and traps alike; they never fetch a URL twice, never hit
one host twice at once, and lose or double nothing when a worker and the writer are killed
mid-run. A worker whose items failed does not say it finished."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.request import request_from_dict

from archive.ingest import ingest, workers_alive
from archive.stream import STREAM, worker_key
from archive.warc import Exchange, read_payload
from archive.writer import warc_folder
from crawler import settings as project_settings
from crawler.distributed import DistributedMode, RedisArchiveSink, connect
from crawler.shared_frontier import POP_INTO_FLIGHT, RETURN_TO_QUEUE, JsonRequests
from crawler.shared_limits import HostLockMiddleware, SharedUrlPatternBudget
from crawler.traps import UrlPatternBudgetMiddleware
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query, run_vnarchive
from tests.test_ingest_messages import send_good_messages
from testweb.hostile_content import HostileContentWeb, profile_toml
from testweb.redis_server import LocalRedis, RedisUnavailable
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(300)

FAMILIES = ["lynhan", "thanhhoa"]
# Everything an article row says about the article (not when or by which run it was stored).
CONTENT_COLUMNS = ("canonical_url", "url", "site", "title", "lead", "text", "author",
                   "published", "published_source", "event_date", "language", "encoding",
                   "photo_credits", "warnings", "is_meeting_report", "confidence", "status",
                   "extractor_version", "classifier_version", "content_hash", "story_id")


def start_worker(redis_url: str, *sites: str, env: dict | None = None) -> subprocess.Popen:
    """`vnarchive crawl SITES --redis URL`, with short timeouts for a test."""
    return subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "crawl", *sites, "--redis", redis_url,
         "--idle-timeout", "2", "--worker-timeout", "3"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def worker(web: TestWeb, redis_url: str, env: dict | None = None) -> subprocess.Popen:
    names = [site.profile_name for site in web.sites.values()]
    return start_worker(redis_url, *names, "--base-urls", json.dumps(web.base_urls()), env=env)


def writer(redis_url: str, db) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "ingest", "--redis", redis_url, "--db", str(db),
         "--idle-timeout", "4", "--batch-size", "5"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(*processes: subprocess.Popen) -> list[str]:
    """Each process's output, once it has ended with exit 0."""
    outputs = []
    for process in processes:
        output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
        assert process.returncode == 0, output[-3000:]
        outputs.append(output)
    return outputs


def wait_for_a_worker(redis_url: str) -> None:
    """Until a worker beats. A writer waits for live workers, but one started before any
    could reach its idle timeout while they are still starting (seconds, on a busy machine)."""
    server, deadline = connect(redis_url), time.monotonic() + COMMAND_TIMEOUT
    while not workers_alive(server):
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.05)


def distributed_crawl(web: TestWeb, redis_url: str, db) -> None:
    """Two workers, then one writer, each left to finish by itself."""
    workers = [worker(web, redis_url), worker(web, redis_url)]
    wait_for_a_worker(redis_url)
    finish(*workers, writer(redis_url, db))


def article_paths(web: TestWeb) -> dict[str, set[str]]:
    return {name: {site.family.article_path(a) for a in site.family.articles}
            for name, site in web.sites.items()}


def rows(db, sql: str) -> set[tuple]:
    return set(query(db, sql))


def clear_counts(web: TestWeb) -> None:
    for site in web.sites.values():
        site.requests.clear()
        site.max_in_flight = 0


def test_two_workers_archive_what_one_machine_would_fetching_nothing_twice(redis_url,
                                                                            tmp_path):
    single, shared = tmp_path / "single.db", tmp_path / "shared.db"
    with TestWeb(FAMILIES) as web:
        for site in web.sites.values():
            site.delay = 0.05  # long enough for two workers' requests to overlap if allowed
        result = run_vnarchive("crawl", *[s.profile_name for s in web.sites.values()],
                               "--db", str(single), "--base-urls", json.dumps(web.base_urls()))
        assert result.returncode == 0, result.stderr[-3000:]
        clear_counts(web)
        distributed_crawl(web, redis_url, shared)

        total = sum(len(site.family.articles) for site in web.sites.values())
        assert query(shared, "select count(*), count(distinct canonical_url) from articles")[0] \
            == (total, total)
        for name, site in web.sites.items():
            twice = {path: n for path, n in site.requests.items() if n > 1}
            # robots.txt is read by each worker's robots middleware, outside the frontier.
            assert set(twice) <= {"/robots.txt"} and twice.get("/robots.txt", 2) <= 2, name
            assert article_paths(web)[name] <= set(site.requests), name
            assert site.max_in_flight == 1, f"{name}: two requests at once to one host"

        columns = ", ".join(CONTENT_COLUMNS)
        assert rows(shared, f"select {columns} from articles") == rows(
            single, f"select {columns} from articles")
        for table in ("meeting_reports", "officials", "figures", "article_sources"):
            assert query(shared, f"select count(*) from {table}") == query(
                single, f"select count(*) from {table}"), table
        assert rows(shared, "select * from meeting_reports") == rows(
            single, "select * from meeting_reports")
        fetches = "select site, url, kind, status, error from pages where kind != 'robots'"
        assert rows(shared, fetches) == rows(single, fetches)
        pages, fetch_ids = query(shared, "select count(*), count(distinct fetch_id) from pages")[0]
        assert pages == fetch_ids
        assert rows(shared, "select name, title, kind, owner_locality from sites") == rows(
            single, "select name, title, kind, owner_locality from sites")
        assert query(shared, "select status from crawl_runs") == [("finished",)]
        assert rows(shared, "select site, finish_reason from site_runs") == {
            (site.profile_name, "finished") for site in web.sites.values()}

        # Every article points to its own response in the writer's WARC files.
        for url, file, offset in query(shared, "select url, warc_file, warc_offset from "
                                       "articles"):
            assert file and offset is not None, url
            assert b"<html" in read_payload(warc_folder(str(shared)), file, offset).lower()

        # A second round: listings again, but no article the archive has (the writer
        # published them to the workers' frontier).
        clear_counts(web)
        distributed_crawl(web, redis_url, shared)
        for name, site in web.sites.items():
            assert not set(site.requests) & article_paths(web)[name], name
            assert any("/robots.txt" != path for path in site.requests), name
    assert query(shared, "select count(*) from articles") == [(total,)]


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + COMMAND_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.parametrize("stall", ["reactor", "process"])
def test_a_worker_that_stalls_makes_no_page_fetched_twice(redis_url, tmp_path, stall):
    """A worker stalls on its first request for longer than the worker timeout (3 s) while
    a second one runs: its reactor blocked, as on a busy machine or while the worker opens its
    other sites, or its whole process stopped. A blocked reactor does not make the worker look
    dead; a stopped process does, and then the other worker fetches its requests, never both."""
    server, stall_folder = connect(redis_url), tmp_path / "stall"
    stall_folder.mkdir()
    stalling = {**os.environ, "SCRAPY_SETTINGS_MODULE": "tests.stalling_worker_settings",
                "VNARCHIVE_TEST_STALL_DIR": str(stall_folder)}
    with TestWeb(["lynhan"]) as web:
        site = web.sites["lynhan"]
        stalled = worker(web, redis_url, env=stalling)
        wait_until((stall_folder / "stalled").exists, "the first worker never stalled")
        path = "/" + (stall_folder / "stalled").read_text(encoding="utf-8").split("/", 3)[3]
        before = set(server.scan_iter(match=worker_key("*")))
        other = worker(web, redis_url)
        wait_until(lambda: set(server.scan_iter(match=worker_key("*"))) - before,
                   "the second worker never started")
        if stall == "process":
            stalled.send_signal(signal.SIGSTOP)
            wait_until(lambda: site.requests[path], "the stalled worker's requests were not "
                                                    "given to the other worker")
            stalled.send_signal(signal.SIGCONT)
        else:
            time.sleep(2 * 3)
        (stall_folder / "go").touch()
        stalled_output, other_output = finish(stalled, other)
        twice = {path: n for path, n in site.requests.items() if n > 1}
        assert set(twice) <= {"/robots.txt"}, twice
        assert article_paths(web)["lynhan"] <= set(site.requests)
    if stall == "process":
        assert "back on the queue" in other_output
        assert "given back to the shared frontier" in stalled_output
    else:
        assert "back on the queue" not in other_output, other_output[-3000:]


def test_a_request_given_back_and_popped_again_is_a_new_pop(redis_url):
    """The copy a worker taken for dead still holds is told from the same request popped
    again, even by the same worker: it is no longer in flight."""
    server = connect(redis_url)
    pop, give_back = (server.register_script(POP_INTO_FLIGHT),
                      server.register_script(RETURN_TO_QUEUE))
    server.zadd("queue", {"request": -2})
    first = pop(keys=["queue", "flight", "pop:a"], args=["a", 60])
    assert give_back(keys=["flight", "queue"]) == 1
    again = pop(keys=["queue", "flight", "pop:b"], args=["b", 60])
    assert first[0] == again[0] == b"request" and first[1] != again[1]
    assert not server.hexists("flight", first[1]) and server.hexists("flight", again[1])
    assert give_back(keys=["flight", "queue"]) == 1
    assert server.zrange("queue", 0, -1, withscores=True) == [(b"request", -2.0)]


def test_a_pop_sent_again_gets_the_same_request(redis_url):
    """redis-py sends a command again when the connection broke before its answer came (a
    Redis restart, a blip), though Redis may have run it: a second pop of the same id gets the
    request the first took, and takes no other one from the queue."""
    server = connect(redis_url)
    pop = server.register_script(POP_INTO_FLIGHT)
    server.zadd("queue", {"first": 1, "second": 2})
    keys = ["queue", "flight", "pop:a"]
    taken = pop(keys=keys, args=["a", 60])
    assert pop(keys=keys, args=["a", 60]) == taken and taken[0] == b"first"
    assert server.zrange("queue", 0, -1) == [b"second"] and server.hlen("flight") == 1
    assert 0 < server.ttl("pop:a") <= 60
    server.hdel("flight", taken[1])  # finished and forgotten: a late copy of the pop gets none
    assert pop(keys=keys, args=["a", 60]) is None
    assert pop(keys=["queue", "flight", "pop:b"], args=["b", 60])[0] == b"second"


def archived_count(db) -> int:
    try:
        return query(db, "select count(*) from articles")[0][0] if db.exists() else 0
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def test_a_killed_worker_and_writer_lose_nothing_and_double_nothing(redis_url, tmp_path):
    db = tmp_path / "shared.db"
    with TestWeb(["lynhan"]) as web:
        site = web.sites["lynhan"]
        site.delay = 0.3  # slow enough that the kill lands mid-crawl
        first, second = worker(web, redis_url), worker(web, redis_url)
        wait_for_a_worker(redis_url)
        first_writer = writer(redis_url, db)
        deadline = time.monotonic() + 90
        while archived_count(db) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        for process in (first, first_writer):
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        first.stdout.close()
        first_writer.stdout.close()
        assert 3 <= archived_count(db) < len(site.family.articles)

        finish(worker(web, redis_url), writer(redis_url, db), second)
        total = len(site.family.articles)
        refetched = {path for path, n in site.requests.items() if n > 1} - {"/robots.txt"}
    assert query(db, "select count(*), count(distinct canonical_url) from articles")[0] == (
        total, total)
    reports, distinct_reports = query(
        db, "select count(*), count(distinct canonical_url) from meeting_reports")[0]
    assert reports == distinct_reports > 0
    pages, fetch_ids = query(db, "select count(*), count(distinct fetch_id) from pages")[0]
    assert pages == fetch_ids
    # Only what the killed worker had in flight is fetched again; each of those fetches is
    # its own `pages` row, every other URL has exactly one.
    once = query(db, "select url, count(*) from pages where kind != 'robots' group by url")
    assert all(n == 1 for url, n in once if "/" + url.split("/", 3)[3] not in refetched)
    assert len(refetched) <= 16  # at most CONCURRENT_REQUESTS were in flight
    assert connect(redis_url).xlen(STREAM) == 0


def test_the_writer_skips_what_it_committed_before_it_died(redis_url, tmp_path, monkeypatch):
    from archive import ingest as ingest_module

    db = tmp_path / "a.db"
    sink = RedisArchiveSink(connect(redis_url), "testweb_lynhan", "w1")
    sink.record_site({"name": "testweb_lynhan", "title": "Lý Nhân", "kind": "portal"})
    fetched_at = "2025-07-01T01:00:00+00:00"
    url = "http://127.0.0.1:1/tin-tuc/Pages/a.aspx"
    sink.add_fetch(Exchange(url=url, fetched_at=fetched_at, method="GET",
                            request_headers=[("Accept", "text/html")], status=200,
                            reason="OK", response_headers=[("Content-Type", "text/html")],
                            body=b"<html><p>Bai</p></html>", site="testweb_lynhan",
                            kind="article"), latency_ms=5)
    sink.add_page({"site": "testweb_lynhan", "url": url + "?x", "status": None,
                   "fetched_at": fetched_at, "bytes": 0, "error": "TimeoutError: slow",
                   "kind": "article"})
    sink.add_article({"canonical_url": url, "url": url, "site": "testweb_lynhan",
                      "title": "Bài", "text": "Bài viết", "fetched_at": fetched_at,
                      "status": 200, "is_meeting_report": 0, "warc_file": None})
    sink.close({}, "finished")

    def die_before_acknowledging(self, ids):
        raise KeyboardInterrupt  # the writer is stopped after its commit, before its XACK

    monkeypatch.setattr(ingest_module.Ingester, "acknowledge", die_before_acknowledging)
    assert ingest_module.ingest(redis_url, str(db), idle_timeout=0.5).status == "interrupted"
    committed = query(db, "select count(*) from pages"), query(db, "select count(*) from "
                                                                "articles")
    assert committed == ([(2,)], [(1,)])
    monkeypatch.undo()

    again = ingest_module.ingest(redis_url, str(db), idle_timeout=0.5)
    assert again.status == "finished" and again.skipped == 3  # fetch, failed page, article
    assert (query(db, "select count(*) from pages"), query(db, "select count(*) from "
                                                               "articles")) == committed
    assert query(db, "select warc_file is not null from articles") == [(1,)]
    server = connect(redis_url)
    assert server.xlen(STREAM) == 0
    assert server.hgetall("vnarchive:archived:testweb_lynhan") == {
        url.encode(): fetched_at.encode()}


def test_requests_travel_as_json_and_come_back_whole():
    request = Request("http://127.0.0.1:1/a?b=1", method="POST", body=b"\xff\x00x",
                      headers={"If-None-Match": '"abc"'}, priority=3,
                      meta={"found_via": "feed", "warc": ("f.warc.gz", 12)})
    data = JsonRequests.dumps(request.to_dict())
    json.loads(data)  # plain JSON, never pickle
    back = request_from_dict(JsonRequests.loads(data))
    assert (back.url, back.method, back.body, back.priority) == (
        request.url, "POST", b"\xff\x00x", 3)
    assert back.headers.get("If-None-Match") == b'"abc"'
    assert back.meta == {"found_via": "feed", "warc": ["f.warc.gz", 12]}


def test_distributed_mode_is_off_unless_a_redis_url_is_set():
    settings = Settings()
    settings.setmodule(project_settings)
    DistributedMode().update_settings(settings)
    assert settings.get("SCHEDULER") == "scrapy.core.scheduler.Scheduler"
    assert HostLockMiddleware not in settings.getdict("DOWNLOADER_MIDDLEWARES")
    budget = settings.getdict("DOWNLOADER_MIDDLEWARES")["crawler.traps.UrlPatternBudgetMiddleware"]
    settings = Settings()
    settings.setmodule(project_settings)
    settings.set("VNARCHIVE_REDIS_URL", "redis://127.0.0.1:1/0")
    DistributedMode().update_settings(settings)
    assert settings.get("SCHEDULER") == "crawler.shared_frontier.SharedFrontierScheduler"
    assert settings.get("DUPEFILTER_CLASS") == "scrapy_redis.dupefilter.RFPDupeFilter"
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares[HostLockMiddleware] == 950
    # The trap budget is the fleet's, in the local one's place.
    assert middlewares[SharedUrlPatternBudget] == budget
    assert UrlPatternBudgetMiddleware not in middlewares
    assert "crawler.traps.UrlPatternBudgetMiddleware" not in middlewares


# The hostile-content site, whose one article with attachments is the test web's only one -------
def test_a_distributed_crawl_of_the_hostile_site_matches_a_local_one(redis_url, tmp_path):
    single, shared = tmp_path / "single.db", tmp_path / "shared.db"
    profile = tmp_path / "testweb_hostile_content.toml"
    with HostileContentWeb() as web:
        profile.write_text(profile_toml(web.site.base_url), encoding="utf-8")
        local = run_vnarchive("crawl", "--profile", str(profile), "--db", str(single))
        assert local.returncode == 0, local.stderr[-3000:]
        outputs = finish(start_worker(redis_url, "--profile", str(profile)),
                         start_worker(redis_url, "--profile", str(profile)))
        assert not [output for output in outputs if "item_error" in output]
        # The writer after the workers: no idle timeout to outlast a slow worker's start.
        assert ingest(redis_url, str(shared), idle_timeout=2).status == "finished"

    # Articles, documents, soft 404s and broken pages, each with its status and reason.
    # robots.txt is each worker's own fetch: one row per worker, the same row.
    pages = "select site, url, kind, status, error from pages where kind != 'listing'"
    assert rows(shared, pages) == rows(single, pages)
    assert {"soft_404", "rejected", "DownloadCancelledError"} <= {
        (error or "").split(":")[0] for *_, error in rows(single, pages)}
    # Which pages of the endless calendar and of `?page=N` fall inside the trap budget depends
    # on the order of fetches (and so which links beyond it are seen and refused); how many
    # are fetched does not: the fleet spends one budget, as one machine does.
    fetched = "select count(*) from pages where kind = 'listing' and status is not null"
    assert query(shared, fetched) == query(single, fetched)
    refused = "select count(*) > 0 from pages where error = 'url_pattern_budget'"
    assert query(shared, refused) == query(single, refused) == [(1,)]
    attachments = ("select canonical_url, url, link_text, type, content_type, size, sha256, "
                   "text, error, fetched_at is not null, warc_file is not null from attachments")
    assert len(rows(single, attachments)) == 7
    assert rows(shared, attachments) == rows(single, attachments)
    articles = f"select {', '.join(CONTENT_COLUMNS)} from articles"
    assert len(rows(single, articles)) > 0
    assert rows(shared, articles) == rows(single, articles)
    runs = "select site, finish_reason, errors, errors_by_kind from site_runs"
    assert [(*row[:3], json.loads(row[3])) for row in query(shared, runs)] == [
        (*row[:3], json.loads(row[3])) for row in query(single, runs)]


def test_a_worker_whose_items_failed_does_not_say_it_finished(redis_url, tmp_path):
    db = tmp_path / "shared.db"
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "tests.failing_items_settings"}
    with TestWeb(["lynhan"]) as web:
        process = worker(web, redis_url, env=env)
        output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
        articles = len(web.sites["lynhan"].family.articles)
    assert process.returncode == 1, output[-3000:]
    assert "Worker failed" in output and "Worker finished" not in output
    # Its summary counts them: site, pages, articles (none stored), errors.
    row = next(line.split() for line in output.splitlines() if line.startswith("testweb_lynhan"))
    assert row[2:] == ["0", str(articles)], output[-3000:]
    # The writer records the site's run as a local crawl would: finished, its errors counted.
    assert ingest(redis_url, str(db), idle_timeout=2).status == "finished"
    reason, errors_by_kind = query(db, "select finish_reason, errors_by_kind from site_runs")[0]
    assert reason == "finished"
    assert json.loads(errors_by_kind) == {"item_error: RuntimeError": articles}
    assert query(db, "select count(*) from articles") == [(0,)]


def test_a_site_taken_from_a_web_archive_is_refused_as_a_worker():
    # hanam_lynhan has `wayback = true`: its captures are checked against the archive itself,
    # which a worker does not have. Refused before anything starts, Redis never reached.
    result = run_vnarchive("crawl", "hanam_lynhan", "--redis", "redis://127.0.0.1:1/0")
    assert result.returncode == 2, result.stderr[-3000:]
    assert result.stderr.strip().splitlines() == [
        "vnarchive crawl: error: hanam_lynhan is taken from a web archive, on one machine: "
        "crawl it without --redis"]


@pytest.fixture
def restartable_redis():
    """A private redis-server the test can restart or stop (the test skips without one)."""
    try:
        with LocalRedis() as server:
            yield server
    except RedisUnavailable as reason:
        pytest.skip(f"no Redis for this test: {reason}")


def requests_made(web: TestWeb) -> int:
    return sum(site.requests.total() for site in web.sites.values())


def test_a_worker_waits_out_a_redis_restart_and_loses_nothing(restartable_redis, tmp_path):
    """Redis restarted under a worker (down two seconds, its data saved): the worker's Redis
    commands wait for it (archive/redis_patience.py) and the crawl goes on where it paused.
    Before, the scheduler raised from the engine's loop twice a second, for ever."""
    db = tmp_path / "a.db"
    with TestWeb(["lynhan"]) as web:
        for site in web.sites.values():
            site.delay = 0.1  # a crawl of a few seconds, to restart Redis in the middle of
        process = worker(web, restartable_redis.url)
        wait_until(lambda: requests_made(web) >= 5, "the worker's first pages")
        restartable_redis.restart(down_seconds=2)
        [output] = finish(process)
        finish(writer(restartable_redis.url, db))
        expected = article_paths(web)["lynhan"]
        fetched_twice = [path for site in web.sites.values()
                         for path, count in site.requests.items() if count > 1]
    assert "Redis unreachable for" in output and "Traceback" not in output, output[-3000:]
    archived = {urlsplit(url).path for (url,) in query(db, "select url from articles")}
    assert archived == expected and len(expected) > 5
    assert fetched_twice == []


def test_a_worker_whose_redis_is_gone_stops_as_failed(restartable_redis):
    """Redis gone for longer than the worker timeout (3 s here): the worker stops, says why in
    one line, and ends failed; its requests in flight go back to the queue for the others."""
    with TestWeb(["lynhan"]) as web:
        for site in web.sites.values():
            site.delay = 0.2
        process = worker(web, restartable_redis.url)
        wait_until(lambda: requests_made(web) >= 3, "the worker's first pages")
        restartable_redis.stop()
        output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
    assert process.returncode == 1, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert "Redis cannot serve this worker (Redis unreachable for 3 s): it stops" in output, \
        output[-3000:]
    assert "Worker failed" in output


def test_ingest_waits_out_a_redis_restart(restartable_redis, tmp_path):
    """The writer too: its commands wait for a restarted Redis (up to a minute), then it goes
    on draining; before, its first command after the restart raised and it stopped."""
    url, db = restartable_redis.url, tmp_path / "a.db"
    send_good_messages(url, 2)
    process = subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "ingest", "--redis", url, "--db", str(db),
         "--idle-timeout", "10"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_until(lambda: connect(url).xlen(STREAM) == 0, "the first messages ingested")
    restartable_redis.restart(down_seconds=2)
    send_good_messages(url, 5)  # two of them again, three new
    [output] = finish(process)
    assert "Traceback" not in output, output[-3000:]
    assert query(db, "select count(*) from articles") == [(5,)]
