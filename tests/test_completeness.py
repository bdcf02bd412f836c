"""Completeness as an invariant: after any sequence of interrupted, killed or failed crawls,
one clean run leaves the site complete, and only then may later runs stop paging early."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, query, run_vnarchive
from testweb.families import FAMILIES, LyNhanPortal
from testweb.generated import generated_articles
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(600)

SEED = 20261203


def crawl_command(web: TestWeb, db: Path, family: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "vnarchive", "crawl", f"testweb_{family}", "--db", str(db),
            "--base-urls", json.dumps(web.base_urls()), *extra]


def start_crawl(web: TestWeb, db: Path, family: str) -> subprocess.Popen:
    """A crawl in its own process group, as a terminal starts it (Ctrl-C reaches the group)."""
    return subprocess.Popen(crawl_command(web, db, family, "--batch-size", "2"),
                            cwd=PROJECT_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def archived_paths(db: Path) -> set[str]:
    if not db.exists():
        return set()
    try:
        return {url.split("/", 3)[3] for (url,) in query(db, "select url from articles")}
    except Exception:  # killed before the tables were made
        return set()


def served_paths(web: TestWeb, family: str) -> set[str]:
    site = web.sites[family].family
    return {site.article_path(article).lstrip("/") for article in site.articles}


def wait_for(db: Path, count: int, process: subprocess.Popen, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and process.poll() is None:
        if len(archived_paths(db)) >= count:
            return
        time.sleep(0.05)


def stop_group(process: subprocess.Popen, signum: int) -> tuple[int, str, float]:
    """Signal the crawl's whole process group; its exit code, stderr and seconds to exit."""
    started = time.monotonic()
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # it had already ended
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr, time.monotonic() - started


def test_interrupted_then_one_clean_run_archives_all_17(tmp_path):
    """The issue's scenario: Ctrl-C during a crawl of the Lý Nhân portal, then reruns."""
    db = tmp_path / "a.db"
    with TestWeb(["lynhan"]) as web:
        site = web.sites["lynhan"]
        site.delay = 0.5  # the stop lands while the listings are still being walked:
        crawl = start_crawl(web, db, "lynhan")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and crawl.poll() is None and not any(
                "PageFirstRow" in path for path in site.requests):
            time.sleep(0.02)  # at the second listing page; the third is not asked for yet
        code, stderr, _ = stop_group(crawl, signal.SIGINT)
        assert code == 4, stderr[-2000:]
        assert "Traceback" not in stderr
        partial = archived_paths(db)
        assert len(partial) < 17
        site.delay = 0.0
        rerun = run_vnarchive(*crawl_command(web, db, "lynhan")[3:])
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert archived_paths(db) == served_paths(web, "lynhan")  # all 17
        # Now the listing is marked walked to the end: the next run pages no further.
        site.requests.clear()
        again = run_vnarchive(*crawl_command(web, db, "lynhan")[3:])
        assert again.returncode == 0, again.stderr[-2000:]
        listing_fetches = [path for path in site.requests if "default.aspx" in path]
        assert listing_fetches == ["/tin-tuc/Pages/default.aspx"]
    assert query(db, "select count(*), count(distinct canonical_url) from articles") == [
        (17, 17)]


def test_random_interrupts_and_kills_then_one_clean_run_complete_the_site(tmp_path):
    """Property: whatever moments a run is stopped at (Ctrl-C to the process group, or
    SIGKILL), one clean run afterwards archives every article of a paginated site of a few
    hundred, and a stopped run exits promptly."""
    rng = random.Random(SEED)
    db = tmp_path / "a.db"
    articles = generated_articles(("lynhan",), 240)  # 40 listing pages of one chain
    with TestWeb(["lynhan"], articles=articles) as web:
        for _ in range(4):
            crawl = start_crawl(web, db, "lynhan")
            time.sleep(rng.uniform(1.0, 6.0))
            signum = rng.choice([signal.SIGINT, signal.SIGINT, signal.SIGKILL])
            code, stderr, seconds = stop_group(crawl, signum)
            assert "Traceback" not in stderr, stderr[-3000:]
            if signum == signal.SIGINT:
                assert code in (0, 4), stderr[-2000:]
                assert seconds < 60, f"an interrupted crawl took {seconds:.0f} s to exit"
        final = run_vnarchive(*crawl_command(web, db, "lynhan")[3:])
        assert final.returncode == 0, final.stderr[-3000:]
        assert archived_paths(db) == served_paths(web, "lynhan")
    rows = query(db, "select count(*), count(distinct canonical_url) from articles")[0]
    assert rows == (240, 240)


class FlakyPortal(LyNhanPortal):
    """The Lý Nhân portal with some article pages answering 503 while `failing` holds them."""

    failing: set[str] = set()

    def route(self, path: str, base_url: str):
        if path in self.failing:
            return 503, "text/html; charset=utf-8", "<h1>Service Unavailable</h1>"
        return super().route(path, base_url)


def test_a_run_with_failed_fetches_leaves_no_mark_and_the_next_run_completes(tmp_path):
    db = tmp_path / "a.db"
    articles = generated_articles(("lynhan",), 60)
    web = TestWeb(["lynhan"], articles=articles)
    web.family_classes = {**FAMILIES, "lynhan": FlakyPortal}
    with web:
        family = web.sites["lynhan"].family
        # The oldest articles, deep in the listing, fail on the first run.
        FlakyPortal.failing = {family.article_path(a) for a in family.articles[-4:]}
        try:
            first = run_vnarchive(*crawl_command(web, db, "lynhan")[3:])
        finally:
            FlakyPortal.failing = set()
        assert len(archived_paths(db)) == 56, first.stderr[-2000:]
        assert query(db, "select count(*) from listing_walks") == [(0,)]
        rerun = run_vnarchive(*crawl_command(web, db, "lynhan")[3:])
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert archived_paths(db) == served_paths(web, "lynhan")
    assert query(db, "select count(*) from listing_walks") == [(1,)]


SITEMAP_ONLY = """
name = "testweb_nghean_sitemap"
title = "Báo Nghệ An, by its sitemap only"
kind = "newspaper"
base_url = "http://127.0.0.1:8707/"
start_urls = ["/khong-ton-tai/"]  # answers 404: only the sitemap finds articles
sitemaps = ["/robots.txt"]
allowed_domains = ["127.0.0.1"]
article_pattern = '-post\\d+\\.html$'
download_delay = 0
"""


def test_a_site_crawled_by_its_sitemap_is_complete_after_an_interrupt(tmp_path):
    """The same invariant for sitemaps: a sitemap is answered 304 only to a run that fetched
    everything it listed, so the run after an interrupted one reads it again."""
    db = tmp_path / "a.db"
    profile = tmp_path / "sitemap_only.toml"
    profile.write_text(SITEMAP_ONLY, encoding="utf-8")
    with TestWeb(["nghean"], articles=generated_articles(("nghean",), 90)) as web:
        base_urls = json.dumps({"testweb_nghean_sitemap": web.sites["nghean"].base_url})
        command = [sys.executable, "-m", "vnarchive", "crawl", "--profile", str(profile),
                   "--db", str(db), "--base-urls", base_urls]
        web.sites["nghean"].delay = 0.2
        crawl = subprocess.Popen([*command, "--batch-size", "2"], cwd=PROJECT_ROOT, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)
        wait_for(db, 6, crawl)
        code, stderr, _ = stop_group(crawl, signal.SIGINT)
        assert code == 4, stderr[-2000:]
        assert len(archived_paths(db)) < 90
        web.sites["nghean"].delay = 0.0
        rerun = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                               timeout=300)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert archived_paths(db) == served_paths(web, "nghean")
        # Once complete, the sitemap is answered 304 and nothing is fetched again.
        web.sites["nghean"].requests.clear()
        again = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                               timeout=300)
        assert again.returncode == 0, again.stderr[-2000:]
        fetched = set(web.sites["nghean"].requests)
        assert not fetched & {"/" + path for path in served_paths(web, "nghean")}
