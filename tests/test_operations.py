"""Operations: the scheduler's log and exit status, `schedule --once`, and clean edges (a
Ctrl-C at any moment, a closed pipe) with no traceback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from archive.schema import open_database
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query
from tests.waiting import wait_until_reading_stdin
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(300)

TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")


def schedule_command(web: TestWeb, db, *extra: str) -> list[str]:
    return [sys.executable, "-m", "vnarchive", "schedule", "testweb_lynhan", "testweb_thanhhoa",
            "--db", str(db), "--base-urls", json.dumps(web.base_urls()), *extra]


def test_schedule_log_is_timestamped_compact_and_says_the_next_run(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["lynhan", "thanhhoa"]) as web:
        result = subprocess.run(schedule_command(web, db, "--every", "1h", "--max-runs", "1"),
                                cwd=PROJECT_ROOT, capture_output=True, text=True,
                                timeout=COMMAND_TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines and all(TIMESTAMPED.match(line) for line in lines), result.stdout
    site_lines = [line for line in lines if "testweb_" in line and "new," in line]
    assert len(site_lines) == 2  # one compact line per site, not the crawl's whole table
    assert "Archive now holds" not in result.stdout
    assert "run 1: exit code 0 (finished)" in result.stdout
    assert "1 run done: stopping" in result.stdout
    # The schedule is recorded for `status` (twice its interval is the allowed age).
    assert query(db, "select site, schedule, interval_seconds from schedules order by site") == [
        ("testweb_lynhan", "every 1h", 3600.0), ("testweb_thanhhoa", "every 1h", 3600.0)]


def test_schedule_says_when_the_next_run_is_and_verbose_shows_the_table(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["lynhan", "thanhhoa"]) as web:
        result = subprocess.run(
            schedule_command(web, db, "--every", "2s", "--max-runs", "2", "--verbose"),
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(re.findall(r"next run at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", result.stdout)) == 1
    assert result.stdout.count("Archive now holds") == 2
    assert all(TIMESTAMPED.match(line) for line in result.stdout.splitlines())


def test_schedule_lines_said_by_two_threads_at_once_stay_whole():
    """The crawl's standard output and error are relayed by a thread each; lines said at
    once came out run together ("...Z line 25...Z line 2") or as empty lines, and the verbose
    schedule's log failed its own promise of a timestamp on every line."""
    code = ("import threading\n"
            "from vnarchive.schedule import say\n"
            "def burst():\n"
            "    for number in range(2000):\n"
            "        say(f'line {number}')\n"
            "threads = [threading.Thread(target=burst) for _ in range(4)]\n"
            "[thread.start() for thread in threads]\n"
            "[thread.join() for thread in threads]\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 8000
    assert [line for line in lines if not re.match(TIMESTAMPED.pattern + r"line \d+$", line)] \
        == []


def test_schedule_once_exits_with_the_crawls_code(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["lynhan", "thanhhoa"]) as web:
        web.sites["lynhan"].family.broken_listings = True
        result = subprocess.run(schedule_command(web, db, "--once", "--every", "6h"),
                                cwd=PROJECT_ROOT, capture_output=True, text=True,
                                timeout=COMMAND_TIMEOUT)
    assert result.returncode == 7, result.stdout + result.stderr
    assert "NO ARTICLE LINK" in result.stdout and "no article link" in result.stdout
    assert query(db, "select count(*) from crawl_runs") == [(1,)]


def test_sigint_to_the_scheduler_during_a_crawl_exits_with_the_crawls_code(tmp_path):
    db = tmp_path / "a.db"
    with TestWeb(["lynhan", "thanhhoa"]) as web:
        web.sites["lynhan"].delay = 0.5
        schedule = subprocess.Popen(schedule_command(web, db, "--every", "6h"),
                                    cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(web.sites["lynhan"].requests.values()) < 4:
            time.sleep(0.1)
        # A terminal's Ctrl-C reaches the scheduler's whole process group.
        os.killpg(schedule.pid, signal.SIGINT)
        output, _ = schedule.communicate(timeout=120)
    assert schedule.returncode == 4, output
    assert "stopped during run 1" in output and "exit code 4 (interrupted)" in output
    assert "Traceback" not in output
    assert query(db, "select status from crawl_runs") == [("interrupted",)]


@pytest.mark.parametrize("after", [0.3, 0.8, 1.5, 2.5, 4.0])
def test_ctrl_c_at_any_moment_of_a_crawl_gives_no_traceback(tmp_path, after):
    db = tmp_path / "a.db"
    with TestWeb(["lynhan"]) as web:
        web.sites["lynhan"].delay = 0.2
        crawl = subprocess.Popen(
            [sys.executable, "-m", "vnarchive", "crawl", "testweb_lynhan", "--db", str(db),
             "--base-urls", json.dumps(web.base_urls())],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        time.sleep(after)
        os.killpg(crawl.pid, signal.SIGINT)
        _, stderr = crawl.communicate(timeout=120)
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert crawl.returncode in (0, 4), stderr  # 0 only if it had already finished
    if crawl.returncode == 4:
        assert "interrupted" in stderr
    if db.exists():
        statuses = query(db, "select status from crawl_runs")
        assert all(status in ("interrupted", "finished") for (status,) in statuses)


def many_sites_archive(path) -> None:
    """An archive whose `status` prints far more than a pipe holds (64 KiB)."""
    db = open_database(str(path))
    rows = [{"run_id": 1, "site": f"site_{number:05d}", "started_at": "2026-01-01T00:00:00+00:00",
             "finished_at": "2026-01-01T00:10:00+00:00", "finish_reason": "finished",
             "pages": 10, "errors": 0, "articles_new": 1, "listing_pages_parsed": 1,
             "listing_article_links": 5, "article_pages": 5, "pages_without_text": 0}
            for number in range(3000)]
    db["crawl_runs"].insert({"id": 1, "started_at": "2026-01-01T00:00:00+00:00",
                             "status": "finished"})
    db["site_runs"].insert_all(rows)
    db.close()


def test_a_closed_pipe_ends_status_quietly(tmp_path):
    db = tmp_path / "a.db"
    many_sites_archive(db)
    status = subprocess.Popen([sys.executable, "-m", "vnarchive", "status", "--db", str(db)],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    status.stdout.readline()  # what `| head -1` reads before it exits
    status.stdout.close()
    stderr = status.stderr.read().decode()
    status.wait(timeout=60)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert status.returncode == 141


def test_ctrl_c_of_another_command_gives_one_line():
    classify = subprocess.Popen([sys.executable, "-m", "vnarchive", "classify", "-"],
                                cwd=PROJECT_ROOT, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until_reading_stdin(classify)  # loaded, and waiting for its text on stdin
    classify.send_signal(signal.SIGINT)
    _, stderr = classify.communicate(timeout=60)
    assert classify.returncode == 4
    assert stderr.strip().splitlines() == ["vnarchive classify: interrupted"]


def test_a_runs_summary_counts_the_archive_for_its_own_sites(tmp_path):
    """After a crawl of one site, the summary read every article of every site (at 1.47
    million articles, 5.5 s in the page cache, 55 s out of it): it gives the run's sites
    alone, each counted in full."""
    from archive.query import run_summary
    from archive.runs import finish_run, start_run

    db = open_database(str(tmp_path / "a.db"))
    for site, count in (("crawled", 3), ("other", 5)):
        db["articles"].insert_all({
            "canonical_url": f"http://127.0.0.1/{site}/{n}", "url": f"http://127.0.0.1/{site}/{n}",
            "site": site, "title": f"Bài {n}", "text": "Nội dung.",
            "published": f"2024-01-0{n + 1}", "fetched_at": "2024-02-01T00:00:00+00:00",
            "is_meeting_report": n % 2}
            for n in range(count))
    run_id = start_run(db, ["crawled", "never_archived"])
    finish_run(db, run_id, "finished")
    db.close()
    columns, rows = run_summary(str(tmp_path / "a.db"), run_id)["per_site"]
    assert columns == ["site", "articles", "meeting_reports", "earliest", "latest"]
    assert rows == [("crawled", 3, 1, "2024-01-01", "2024-01-03")]


def test_a_runs_end_reads_its_own_site_runs_not_every_runs(tmp_path):
    """The checks at a crawl's end read `site_runs` by its run, not every run's rows."""
    from archive.health import sites_never_reached, sites_without_article_links
    from tests.conftest import bytes_read_by_this_process

    db = open_database(str(tmp_path / "a.db"))
    db["crawl_runs"].insert_all({"id": run, "started_at": "2025-01-01T00:00:00+00:00",
                                 "status": "finished", "sites": "[]"} for run in range(1, 2001))
    db["site_runs"].insert_all({"run_id": run, "site": f"site_{n}", "pages": 5,
                                "listing_pages_parsed": 3, "listing_article_links": n % 2,
                                "errors_by_kind": "{}" * 20}
                               for run in range(1, 2001) for n in range(20))
    db.close()
    size = (tmp_path / "a.db").stat().st_size
    before = bytes_read_by_this_process()
    lines = sites_without_article_links(str(tmp_path / "a.db"), 2000)
    assert sites_never_reached(str(tmp_path / "a.db"), 2000) == []
    read = bytes_read_by_this_process() - before
    assert len(lines) == 10 and lines[0].startswith("site_0: 3 listing pages parsed")
    assert read < size / 10, (read, size)
