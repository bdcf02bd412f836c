"""Scheduled, incremental crawls: re-crawls fetch only what is new, a killed crawl resumes
without fetching archived pages again, and `vnarchive status` notices a broken site."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query, run_vnarchive
from testweb.content import Article
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(300)



def crawl(web: TestWeb, db, *names: str, extra: tuple = ()) -> subprocess.CompletedProcess:
    result = run_vnarchive("crawl", *[f"testweb_{n}" for n in names], "--db", str(db),
                           "--base-urls", json.dumps(web.base_urls()), *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def new_article(family: str, number: int, newest) -> Article:
    return Article(
        id=f"{family}/{number}-new", family=family, number=number,
        title=f"Huyện ủy Nga Sơn triển khai nhiệm vụ quý III/2025 (bài {number})",
        published=newest + timedelta(days=number - 900), category="chinh-tri",
        body=("Ngày 3/7, Huyện ủy Nga Sơn tổ chức Hội nghị đánh giá kết quả thực hiện nhiệm vụ "
              f"quý II và triển khai nhiệm vụ quý III/2025; đây là bài số {number} của phần thử "
              "nghiệm thu thập tăng dần, với đủ nội dung để được lưu như một bài viết thực sự "
              "trong kho lưu trữ.",),
    )


def article_paths(site) -> set[str]:
    return {site.family.article_path(article) for article in site.family.articles}


def clear(web: TestWeb) -> None:
    for site in web.sites.values():
        site.requests.clear()
        site.not_modified.clear()


def test_recrawl_fetches_only_what_is_new(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["thanhhoa", "langson"]) as web:
        crawl(web, db, "thanhhoa", "langson")
        clear(web)
        crawl(web, db, "thanhhoa", "langson")  # nothing new
        for name, site in web.sites.items():
            assert not set(site.requests) & article_paths(site), name
            conditional = {p for p in site.requests if p != "/robots.txt"}
            assert conditional and set(site.not_modified) - {"/robots.txt"} == conditional, name
        unchanged_run = query(db, "select sum(listing_pages_parsed), sum(articles_new) "
                              "from site_runs where run_id = 2")
        assert unchanged_run == [(0, 0)]  # every listing answered 304 and was not parsed

        newest = web.sites["thanhhoa"].family.articles[0].published
        added = {"thanhhoa": [new_article("thanhhoa", 901, newest),
                              new_article("thanhhoa", 902, newest)],
                 "langson": [new_article("langson", 903, newest)]}
        for family, articles in added.items():
            web.add_articles(family, articles)
        clear(web)
        crawl(web, db, "thanhhoa", "langson")
        for name, site in web.sites.items():
            fetched = set(site.requests) & article_paths(site)
            assert fetched == {site.family.article_path(a) for a in added[name]}, name
            assert all(count == 1 for path, count in site.requests.items()
                       if path != "/robots.txt"), name  # robots.txt: robots and sitemaps
    rows = query(db, "select count(*), count(distinct canonical_url) from articles")[0]
    assert rows == (15 + 15 + 3, 15 + 15 + 3)
    assert query(db, "select sum(articles_new) from site_runs where run_id = 3") == [(3,)]


def archived_count(db) -> int:
    """Articles committed so far; 0 while the crawl is still creating the archive."""
    try:
        return query(db, "select count(*) from articles")[0][0] if db.exists() else 0
    except sqlite3.OperationalError:  # the file exists, its tables not yet
        return 0


def test_a_killed_crawl_resumes_without_fetching_archived_pages(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["lynhan"]) as web:
        site = web.sites["lynhan"]
        site.delay = 0.5  # slow enough that the kill lands mid-crawl, even on a busy machine
        first = subprocess.Popen(
            [sys.executable, "-m", "vnarchive", "crawl", "testweb_lynhan", "--db", str(db),
             "--batch-size", "2", "--base-urls", json.dumps(web.base_urls())],
            cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if archived_count(db) >= 4:
                break
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        archived = {row[0] for row in query(db, "select url from articles")}
        assert 4 <= len(archived) < len(site.family.articles)
        site.delay = 0.0
        site.requests.clear()
        crawl(web, db, "lynhan")
        refetched = [url for url in archived if site.requests.get(url.split(":", 2)[2][5:])]
        assert refetched == []
    rows = query(db, "select count(*), count(distinct canonical_url) from articles")[0]
    assert rows == (len(site.family.articles), len(site.family.articles))
    assert query(db, "select count(*) from site_runs") == [(1,)]  # the killed run left none


def test_status_flags_the_site_whose_layout_changed(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["thanhhoa", "lynhan"]) as web:
        web.sites["lynhan"].family.broken_listings = True
        crawled = run_vnarchive("crawl", "testweb_thanhhoa", "testweb_lynhan", "--db", str(db),
                                "--base-urls", json.dumps(web.base_urls()))
    # The crawl itself says so: a non-zero exit and one line naming the site and the reason.
    assert crawled.returncode == 7, crawled.stderr[-2000:]
    reasons = [line for line in crawled.stderr.splitlines() if "no article link" in line]
    assert len(reasons) == 1 and "testweb_lynhan" in reasons[0]
    assert "testweb_thanhhoa" not in crawled.stderr
    result = run_vnarchive("status", "--db", str(db))
    assert result.returncode == 1
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[2:]}
    assert "UNHEALTHY" in lines["testweb_lynhan"] and "no article link" in lines["testweb_lynhan"]
    assert lines["testweb_thanhhoa"].rstrip().endswith("ok")
    assert "testweb_lynhan" in result.stderr and "testweb_thanhhoa" not in result.stderr


def test_schedule_runs_without_overlap(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["lynhan"]) as web:
        scheduled = subprocess.run(
            [sys.executable, "-m", "vnarchive", "schedule", "testweb_lynhan", "--every", "1s",
             "--max-runs", "2", "--db", str(db), "--base-urls", json.dumps(web.base_urls())],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr
    runs = query(db, "select started_at, finished_at, status from crawl_runs order by id")
    assert len(runs) == 2 and all(status == "finished" for _, _, status in runs)
    assert runs[1][0] >= runs[0][1]  # the second started after the first finished


def test_a_crawl_never_starts_beside_another_on_one_archive(tmp_path):
    from archive.lock import archive_lock

    db = tmp_path / "a.db"
    with TestWeb(["lynhan"]) as web, archive_lock(str(db)):
        result = run_vnarchive("crawl", "testweb_lynhan", "--db", str(db), "--base-urls",
                               json.dumps(web.base_urls()))
    assert result.returncode == 3 and "not starting" in result.stderr


def test_schedule_stops_cleanly_on_sigterm(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["lynhan"]) as web:
        web.sites["lynhan"].delay = 0.5
        schedule = subprocess.Popen(
            [sys.executable, "-m", "vnarchive", "schedule", "testweb_lynhan", "--every", "6h",
             "--db", str(db), "--base-urls", json.dumps(web.base_urls())],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(web.sites["lynhan"].requests.values()) < 4:
            time.sleep(0.1)  # the crawl is under way
        schedule.send_signal(signal.SIGTERM)
        output, _ = schedule.communicate(timeout=120)
    # Its own exit status says how it stopped: during a crawl, which was interrupted (4).
    assert schedule.returncode == 4, output
    assert "stopped during run 1" in output and "Traceback" not in output
    assert query(db, "select status from crawl_runs") == [("interrupted",)]
