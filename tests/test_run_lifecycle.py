"""The run lives in Scrapy (crawler/archiving.py): how a run ended is told from public signals
only, a bare `scrapy crawl` records its run like `vnarchive crawl`, and a run's errors are
counted once, so the progress line, the summary and `site_runs` agree."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler.archiving import DISK_FULL, run_status
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query
from testweb.generated import generated_articles
from testweb.hostile_content import PROFILE_NAME, HostileContentWeb, profile_toml
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(300)

PROGRESS = re.compile(r"(\S+): (\d+) pages \([\d.]+/s\), (\d+) articles, (\d+) errors")


def ended(started: bool, reason: str | None, failed: bool = False) -> SimpleNamespace:
    return SimpleNamespace(started=started, close_reason=reason, failed=failed)


@pytest.mark.parametrize("runs, status", [
    ([ended(True, "finished"), ended(True, "finished")], "finished"),
    ([ended(True, "shutdown"), ended(True, "shutdown")], "interrupted"),
    # The reactor stopped under a spider still closing: only a second stop signal does that.
    ([ended(True, "shutdown"), ended(True, None)], "killed"),
    ([ended(True, None)], "killed"),
    ([ended(True, "finished"), ended(True, DISK_FULL)], DISK_FULL),
    ([ended(False, None, failed=True)], "failed"),  # it raised (its archive was busy, say)
    ([ended(True, "finished"), ended(True, "finished", failed=True)], "failed"),
    # Stopped while its spider opened: the engine never ran before the stop.
    ([ended(False, None), ended(False, None)], "interrupted"),
    ([ended(True, "closespider_timeout")], "failed"),
])
def test_how_a_run_ended_comes_from_its_spiders_ends(runs, status):
    assert run_status(runs) == status


def test_a_scrapy_crawl_stopped_once_records_an_interrupted_run(tmp_path):
    db = tmp_path / "archive.db"
    family = "thanhhoa"
    with TestWeb([family], articles=generated_articles((family,), 60)) as web:
        web.sites[family].delay = 0.3
        crawl = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", f"testweb_{family}",
             "-s", f"VNARCHIVE_DB={db}", "-s", f"VNARCHIVE_BASE_URLS={json.dumps(web.base_urls())}",
             "-s", "VNARCHIVE_BATCH_SIZE=5"],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and crawl.poll() is None and not _articles(db):
            time.sleep(0.1)
        crawl.send_signal(signal.SIGTERM)
        _, stderr = crawl.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr[-3000:]
    assert query(db, "select status from crawl_runs") == [("interrupted",)]
    assert query(db, "select site, finish_reason from site_runs") == [
        (f"testweb_{family}", "shutdown")]


def _articles(db: Path) -> int:
    try:
        return query(db, "select count(*) from articles")[0][0]
    except Exception:  # not created yet
        return 0


def crawl_on_a_terminal(command: list[str]) -> tuple[int, str, str]:
    """Run `command` with its stderr on a pseudo-terminal, where the progress line prints its
    last state as the spider closes; exit code, stdout, terminal output."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                               stderr=terminal, text=True)
    os.close(terminal)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's last writer closed it
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stdout, _ = process.communicate(timeout=COMMAND_TIMEOUT)
    reader.join(timeout=10)
    os.close(controller)
    return process.returncode, stdout, b"".join(chunks).decode("utf-8", "replace")


def test_progress_summary_and_site_runs_count_the_same_errors(tmp_path):
    """The hostile-content site fails in many ways: broken pages, soft 404s, traps."""
    db = tmp_path / "archive.db"
    with HostileContentWeb() as web:
        profile = tmp_path / f"{PROFILE_NAME}.toml"
        profile.write_text(profile_toml(web.site.base_url), encoding="utf-8")
        code, stdout, terminal = crawl_on_a_terminal(
            [sys.executable, "-m", "vnarchive", "crawl", "--profile", str(profile),
             "--db", str(db)])
    assert code == 0, terminal[-3000:]
    lines = [PROGRESS.search(part) for part in re.split(r"[\r\n]", terminal)]
    progress = [match for match in lines if match and match[1] == PROFILE_NAME]
    assert progress, terminal[-3000:]
    progress_errors = int(progress[-1][4])
    summary_errors = int(re.search(r"errors:\s+(\d+)", stdout)[1])
    (site_errors, by_kind), = query(db, "select errors, errors_by_kind from site_runs")
    assert progress_errors == summary_errors == site_errors > 0
    assert sum(json.loads(by_kind).values()) == site_errors
    # Every page's kind was set by the spider (or is Scrapy's robots.txt), none guessed.
    kinds = {kind for (kind,) in query(db, "select distinct kind from pages")}
    assert {"article", "listing", "attachment", "robots"} <= kinds <= {
        "article", "listing", "attachment", "robots", "sitemap", "feed"}


def test_the_spider_marks_sitemap_requests_and_what_they_find(tmp_path):
    """SitemapSpider gives no public hook for the requests it makes from a sitemap, so the
    spider overrides its `_parse_sitemap` to mark them (crawler/spiders/profile_spider.py):
    this test fails when a Scrapy release changes that method. The Lạng Sơn paper with its
    listings taken away: every article comes from the sitemap robots.txt names."""
    db = tmp_path / "archive.db"
    profile_text = (PROJECT_ROOT / "crawler/sites/testweb_langson.toml").read_text("utf-8")
    with TestWeb(["langson"]) as web:
        profile = tmp_path / "sitemap_only.toml"
        profile.write_text(re.sub(
            r"(?m)^(name|base_url|start_urls) = .*$",
            lambda line: {"name": 'name = "sitemap_only"',
                          "base_url": f'base_url = "{web.sites["langson"].base_url}"',
                          "start_urls": 'start_urls = ["/khong-co-trang-nay"]'}[line[1]],
            profile_text), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "vnarchive", "crawl", "--profile", str(profile),
             "--db", str(db)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        served = len(web.sites["langson"].family.articles)
    # 7: finished, but the (missing) listing gave no article link.
    assert done.returncode in (0, 7), done.stderr[-3000:]
    kinds = dict(query(db, "select url, kind from pages where url like '%/sitemap.xml'"))
    assert set(kinds.values()) == {"sitemap"}
    found = query(db, "select a.found_via, p.kind, count(*) from articles a join pages p "
                      "on p.url = a.url group by a.found_via, p.kind")
    assert found == [("sitemap", "article", served)]
