"""Distributed mode: two workers and one writer on a real redis-server (started here on a free
loopback port; the tests skip, saying why, when it cannot start) archive the local test web
exactly as one machine would, never fetch a URL twice, never hit one host twice at once, and
lose or double nothing when a worker and the writer are killed mid-run."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from scrapy import Request
from scrapy.settings import Settings
from scrapy.utils.request import request_from_dict

from archive.stream import STREAM
from archive.warc import Exchange, read_payload
from archive.writer import warc_folder
from crawler import settings as project_settings
from crawler.distributed import (
    DistributedMode,
    HostLockMiddleware,
    JsonRequests,
    RedisArchiveSink,
    connect,
)
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query, run_vnarchive
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(300)

FAMILIES = ["lynhan", "thanhhoa"]
# Everything an article row says about the article (not when or by which run it was stored).
CONTENT_COLUMNS = ("canonical_url", "url", "site", "title", "lead", "text", "author",
                   "published", "published_source", "event_date", "language", "encoding",
                   "photo_credits", "warnings", "is_meeting_report", "confidence", "status",
                   "extractor_version", "classifier_version", "content_hash", "story_id")


def worker(web: TestWeb, redis_url: str, *extra: str) -> subprocess.Popen:
    names = [site.profile_name for site in web.sites.values()]
    return subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "crawl", *names, "--redis", redis_url,
         "--base-urls", json.dumps(web.base_urls()), "--idle-timeout", "2",
         "--worker-timeout", "3", *extra],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def writer(redis_url: str, db) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "ingest", "--redis", redis_url, "--db", str(db),
         "--idle-timeout", "4", "--batch-size", "5"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(*processes: subprocess.Popen) -> None:
    for process in processes:
        output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
        assert process.returncode == 0, output[-3000:]


def distributed_crawl(web: TestWeb, redis_url: str, db) -> None:
    """Two workers and one writer, started together, each left to finish by itself."""
    processes = [worker(web, redis_url), worker(web, redis_url), writer(redis_url, db)]
    finish(*processes)


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
        first, second, ingest = worker(web, redis_url), worker(web, redis_url), writer(
            redis_url, db)
        deadline = time.monotonic() + 90
        while archived_count(db) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        for process in (first, ingest):
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        first.stdout.close()
        ingest.stdout.close()
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
    settings = Settings()
    settings.setmodule(project_settings)
    settings.set("VNARCHIVE_REDIS_URL", "redis://127.0.0.1:1/0")
    DistributedMode().update_settings(settings)
    assert settings.get("SCHEDULER") == "crawler.distributed.SharedFrontierScheduler"
    assert settings.get("DUPEFILTER_CLASS") == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")[HostLockMiddleware] == 950
