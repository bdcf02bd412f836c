"""Crashes and the archive: a crawl killed at random moments and restarted loses nothing and
doubles nothing; SIGTERM stops gracefully once and at once twice; a full disk stops the crawl
with the archive intact."""

from __future__ import annotations

import json
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.warc import payload_digest, read_payload, read_records
from archive.writer import warc_folder
from tests.conftest import PROJECT_ROOT, query, run_vnarchive
from testweb.generated import generated_articles, served_paragraph
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(400)

FAMILY = "thanhhoa"
# With its 72 listing pages, the home page, the feed and robots.txt: a site of 500 pages.
ARTICLES = 425
KILLS = 10
SEED = 20261126


def crawl_command(web: TestWeb, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "vnarchive", "crawl", f"testweb_{FAMILY}", "--db", str(db),
            "--batch-size", "10", "--base-urls", json.dumps(web.base_urls()), *extra]


def start_crawl(web: TestWeb, db: Path, **options) -> subprocess.Popen:
    return subprocess.Popen(crawl_command(web, db), cwd=PROJECT_ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **options)


def stored_rows(db: Path) -> dict[str, tuple]:
    """Each archived article's stored fields, by URL."""
    if not db.exists():
        return {}
    try:
        rows = query(db, "select url, title, text, published, fetched_at, content_hash, "
                         "run_id, is_meeting_report from articles")
    except sqlite3.OperationalError:  # killed before the archive's creation committed
        return {}
    return {row[0]: row for row in rows}


def check_archive_intact(db: Path, kept: dict[str, tuple], served: dict[str, str]) -> None:
    """Integrity, no duplicate, rows from before unchanged, texts as served, WARC readable."""
    if not db.exists():
        return
    assert query(db, "pragma integrity_check") == [("ok",)]
    try:
        counts = query(db, "select count(*), count(distinct url), count(distinct canonical_url) "
                           "from articles")[0]
    except sqlite3.OperationalError:
        return  # killed while the archive was being created: nothing was committed yet
    assert counts[0] == counts[1] == counts[2], counts
    rows = stored_rows(db)
    for url, row in kept.items():
        assert rows[url] == row, f"{url} changed after a kill"
    for url, row in rows.items():
        paragraph = served[urlsplit(url).path]
        assert paragraph in unicodedata.normalize("NFC", row[2]), url
    for file, offset, digest in query(db, "select warc_file, warc_offset, payload_digest "
                                          "from pages where warc_type = 'response'"):
        assert payload_digest(read_payload(warc_folder(str(db)), file, offset)) == digest


def test_ten_random_kills_lose_nothing_and_double_nothing(tmp_path):
    db = tmp_path / "archive.db"
    rng = random.Random(SEED)
    articles = generated_articles((FAMILY,), ARTICLES)
    with TestWeb([FAMILY], articles=articles) as web:
        family = web.sites[FAMILY].family
        served = {family.article_path(a): served_paragraph(FAMILY, a.number - 100000)
                  for a in articles}
        kept: dict[str, tuple] = {}
        killed_mid_crawl = 0
        for _ in range(KILLS):
            crawl = start_crawl(web, db)
            time.sleep(rng.uniform(0.3, 6.0))
            killed_mid_crawl += crawl.poll() is None
            crawl.kill()
            crawl.communicate(timeout=30)
            check_archive_intact(db, kept, served)
            kept = stored_rows(db)
        final = subprocess.run(crawl_command(web, db), cwd=PROJECT_ROOT, capture_output=True,
                               text=True, timeout=300)
        assert final.returncode == 0, final.stderr[-3000:]
        check_archive_intact(db, kept, served)
    assert killed_mid_crawl >= KILLS // 2  # the kills landed while crawls ran
    assert {urlsplit(url).path for url in stored_rows(db)} == set(served)
    # The WARC files read through from first to last, torn records of the kills included.
    responses = sum(1 for record in read_records(warc_folder(str(db)), with_bodies=False)
                    if record.kind == "article")
    assert responses >= len(served)


def wait_for_articles(db: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if len(stored_rows(db)) >= count:
            return
        time.sleep(0.1)
    ended = "" if process.poll() is None else (
        f"; it ended with exit {process.returncode}: {process.communicate()[1][-2000:]}")
    raise AssertionError(f"the crawl did not archive {count} articles in time{ended}")


def slow_web(articles: int, delay: float) -> TestWeb:
    web = TestWeb([FAMILY], articles=generated_articles((FAMILY,), articles)).start()
    web.sites[FAMILY].delay = delay
    return web


def test_one_sigterm_finishes_in_flight_pages_and_saves_the_run(tmp_path):
    db = tmp_path / "archive.db"
    with slow_web(60, delay=0.3) as web:
        crawl = start_crawl(web, db)
        wait_for_articles(db, 3, crawl)
        crawl.send_signal(signal.SIGTERM)
        _, stderr = crawl.communicate(timeout=120)
        assert crawl.returncode == 4, stderr[-2000:]
        assert "interrupted" in stderr and "run the same command again" in stderr
        assert query(db, "select status from crawl_runs") == [("interrupted",)]
        assert query(db, "select finish_reason from site_runs") == [("shutdown",)]
        assert query(db, "pragma integrity_check") == [("ok",)]
        # Every article page fetched before the stop was archived: none is left half done.
        fetched = {row[0] for row in query(db, "select url from pages where kind = 'article' "
                                               "and status = 200")}
        assert fetched and fetched == set(stored_rows(db))
        # The next run completes the site, though its first listing pages hold nothing new.
        web.sites[FAMILY].delay = 0.0
        rerun = run_vnarchive(*crawl_command(web, db)[3:])
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        family = web.sites[FAMILY].family
        served = {family.article_path(article) for article in family.articles}
    assert {urlsplit(url).path for url in stored_rows(db)} == served


def test_a_second_sigterm_stops_at_once(tmp_path):
    db = tmp_path / "archive.db"
    with slow_web(60, delay=0.3) as web:
        crawl = start_crawl(web, db)
        wait_for_articles(db, 1, crawl)
        # From now on the pages in flight take long, so only a forced stop ends the crawl fast
        # (slow from the start, the first article came after half a minute).
        web.sites[FAMILY].delay = 2.0
        time.sleep(1.0)  # the pages asked for before are answered by now
        crawl.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        crawl.send_signal(signal.SIGTERM)
        _, stderr = crawl.communicate(timeout=120)
    assert crawl.returncode == 5, stderr[-2000:]
    assert "stopped at once" in stderr
    assert query(db, "pragma integrity_check") == [("ok",)]
    assert query(db, "select status from crawl_runs") == [("killed",)]


def limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_stops_the_crawl_cleanly_and_a_rerun_completes_it(tmp_path):
    """No file may grow past 400 KB (RLIMIT_FSIZE): writes fail as on a full disk."""
    db = tmp_path / "archive.db"
    articles = generated_articles((FAMILY,), 120)
    with TestWeb([FAMILY], articles=articles) as web:
        full = subprocess.run(crawl_command(web, db), cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=300, preexec_fn=limit_file_size(400_000))
        assert full.returncode == 6, full.stderr[-2000:]
        message = full.stderr.strip().splitlines()[-1]
        assert "disk full" in message and "Traceback" not in full.stderr
        assert query(db, "pragma integrity_check") == [("ok",)]
        before = stored_rows(db)
        assert len(before) < len(articles)
        rerun = run_vnarchive(*crawl_command(web, db)[3:])
        assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = stored_rows(db)
    assert len(after) == len(articles)
    assert all(after[url] == row for url, row in before.items())
