"""Running vnarchive unattended, at its edges: a disk that fills as a crawl writes its last
batch, a `scrapy crawl` given someone else's database, and what `status` and the run rows say
after runs that never closed."""

from __future__ import annotations

import _thread
import contextlib
import json
import os
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from archive import compact as compacting
from archive.lock import lock_path
from archive.runs import finish_run, start_run
from archive.schema import open_database
from bench.fill_archive import fill
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query, run_vnarchive
from testweb.families import FAMILIES, LyNhanPortal
from testweb.generated import generated_articles
from testweb.server import TestWeb
from vnarchive.crawl import queue_folder

pytestmark = pytest.mark.timeout(300)

SITE = "lynhan"


@pytest.fixture(scope="module")
def web():
    with TestWeb([SITE]) as served:
        yield served


def vnarchive_crawl(web: TestWeb, db: Path, *extra: str, **options):
    return subprocess.run(
        [sys.executable, "-m", "vnarchive", "crawl", f"testweb_{SITE}", "--db", str(db),
         "--base-urls", json.dumps(web.base_urls()), *extra],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, **options)


def limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_disk_that_fills_on_the_last_batch_ends_the_crawl_as_disk_full(web, tmp_path):
    """With a batch larger than the crawl, every row is written when the spider closes; a
    limit on the files' size makes that write fail as on a full disk. The run
    was reported `finished` with exit 0 while nothing of it was stored."""
    db = tmp_path / "archive.db"
    open_database(str(db)).close()
    # No file may pass 300 KB: the WARC file (70 KB) and the run's first commits fit, the last
    # batch's WAL frames (every row of the site: 300-460 KB, measured) do not. The limit was
    # the empty archive's size and 20 KB, and the frames fit in it once the full-text index
    # held each word once (schema m027) and the archive kept no decoded copy of a page its
    # WARC files hold.
    crawl = vnarchive_crawl(web, db, "--batch-size", "100000",
                            preexec_fn=limit_file_size(300_000))
    assert crawl.returncode == 6, crawl.stdout + crawl.stderr[-2000:]
    assert "disk full" in crawl.stderr.strip().splitlines()[-1]
    assert "Traceback" not in crawl.stderr
    assert query(db, "select status from crawl_runs") == [("disk_full",)]
    assert query(db, "pragma integrity_check") == [("ok",)]
    # Once there is room, the same command stores the whole site.
    rerun = vnarchive_crawl(web, db)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert query(db, "select count(*) from articles") == [(len(web.sites[SITE].family.articles),)]


def scrapy_crawl(web: TestWeb, db: Path, *extra: str) -> subprocess.CompletedProcess:
    """`scrapy crawl testweb_lynhan` from the project root, as a Scrapy user types it."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", f"testweb_{SITE}", "-s", f"VNARCHIVE_DB={db}",
         "-s", f"VNARCHIVE_BASE_URLS={json.dumps(web.base_urls())}", "-L", "WARNING", *extra],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)


def assert_no_mark_and_the_next_run_takes_every_article(web: TestWeb, db: Path, family,
                                                        wanted=frozenset()) -> None:
    """The run left the listings unmarked, so the next crawl walks them all and archives
    every article of the family (the `wanted` paths among them)."""
    assert query(db, "select count(*) from listing_walks") == [(0,)]
    rerun = vnarchive_crawl(web, db)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    archived = {url.split("/", 3)[3] for (url,) in query(db, "select url from articles")}
    assert {path.lstrip("/") for path in wanted} <= archived
    assert len(archived) == len(family.articles)


def test_scrapy_crawl_leaves_someone_elses_database_alone(web, tmp_path):
    """`vnarchive crawl` refuses it; `scrapy crawl` added twenty tables and WAL mode to it."""
    db = tmp_path / "people.db"
    with sqlite3.connect(db) as connection:
        connection.execute("create table people (name text)")
        connection.execute("insert into people values ('Nguyễn Văn A')")
    result = scrapy_crawl(web, db)
    assert result.returncode != 0
    assert "is not an archive" in result.stderr
    assert query(db, "select name from sqlite_master") == [("people",)]
    assert query(db, "pragma journal_mode") == [("delete",)]


def children_of(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listed:
        return [int(child) for child in listed.read().split()]


def test_schedule_once_says_a_crawl_killed_by_a_signal_and_exits_as_a_shell_would(web,
                                                                               tmp_path):
    """The kernel's OOM killer ends a scheduled crawl with SIGKILL: the log said "exit code -9
    (unexpected)" and the schedule exited 247 (Python's exit status of -9)."""
    db = tmp_path / "archive.db"
    site = web.sites[SITE]
    site.requests.clear()
    site.delay = 0.5
    try:
        schedule = subprocess.Popen(
            [sys.executable, "-m", "vnarchive", "schedule", "--once", f"testweb_{SITE}",
             "--db", str(db), "--base-urls", json.dumps(web.base_urls())],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(site.requests.values()) < 3:
            time.sleep(0.1)
        (crawl,) = children_of(schedule.pid)
        os.kill(crawl, signal.SIGKILL)
        output, _ = schedule.communicate(timeout=60)
    finally:
        site.delay = 0.0
    assert schedule.returncode == 128 + signal.SIGKILL, output
    assert "exit code 137 (killed by SIGKILL)" in output


@pytest.mark.parametrize("command", [["crawl", "testweb_lynhan"],
                                     ["schedule", "--every", "1h", "testweb_lynhan"],
                                     ["import", "WARC"]])
def test_an_archive_folder_that_cannot_be_made_is_one_line(tmp_path, command):
    """`--db` below a plain file: crawl and import ended in mkdir's traceback (exit 1),
    schedule in "unable to open database file"."""
    (tmp_path / "WARC").write_bytes(b"")
    blocking = tmp_path / "notes.txt"
    blocking.write_text("a file where the archive's folder would be\n")
    result = subprocess.run(
        [sys.executable, "-m", "vnarchive", *[str(tmp_path / "WARC") if arg == "WARC" else arg
                                              for arg in command],
         "--db", str(blocking / "archives" / "a.db")],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith(
        f"{blocking} is a file, not a folder")
    assert blocking.read_text() == "a file where the archive's folder would be\n"


def test_status_flags_a_site_whose_every_run_was_killed(tmp_path):
    """A site whose crawls were all killed (the OOM killer, a second stop signal) has crawl
    runs but no `site_runs` row: `status` said "no crawl ... has been recorded yet", exit 2
    (bad input), where a monitor wants "unhealthy", exit 1."""
    db = tmp_path / "archive.db"
    archive = open_database(str(db))
    for status in ("killed", "running"):
        finish_run(archive, start_run(archive, ["testweb_lynhan"]), status)
    archive.close()
    result = run_vnarchive("status", "--format", "json", "--db", str(db))
    assert result.returncode == 1, result.stderr
    (site,) = json.loads(result.stdout)["sites"]
    assert site["site"] == "testweb_lynhan" and not site["healthy"]
    assert site["problems"] == ["never succeeded: 2 runs started, none ended with the site "
                                "closed (killed, stopped before it opened, or still running)"]


def test_two_archives_in_one_folder_never_share_a_queue(tmp_path):
    """Each run empties its queue folder at its start: shared by `a.db` and `a.sqlite` (two
    archives, two locks, so two crawls at once), a crawl of one lost the other's pending
    requests and that crawl still ended `finished`."""
    archives = [tmp_path / "a.db", tmp_path / "a.sqlite", tmp_path / "a"]
    folders = {queue_folder(path) for path in archives}
    assert len(folders) == len(archives)
    assert all(folder.parent == tmp_path for folder in folders)
    assert not {lock_path(str(path)) for path in archives} & folders


class FlakyPortal(LyNhanPortal):
    """The Lý Nhân portal with some pages answering 503 while `failing` holds them (or
    every page, robots.txt included, while it holds "*")."""

    failing: set[str] = set()

    def route(self, path: str, base_url: str):
        if path in self.failing or "*" in self.failing:
            return 503, "text/html; charset=utf-8", "<h1>Service Unavailable</h1>"
        return super().route(path, base_url)


@contextlib.contextmanager
def flaky_portal():
    """The Lý Nhân portal of 40 articles served by FlakyPortal: the web, its family and the
    paths of its three oldest articles."""
    web = TestWeb([SITE], articles=generated_articles((SITE,), 40))
    web.family_classes = {**FAMILIES, SITE: FlakyPortal}
    with web:
        family = web.sites[SITE].family
        yield web, family, {family.article_path(article) for article in family.articles[-3:]}


@contextlib.contextmanager
def failing(paths: set[str]):
    """FlakyPortal answers 503 for these paths meanwhile."""
    FlakyPortal.failing = paths
    try:
        yield
    finally:
        FlakyPortal.failing = set()



def test_a_job_resumed_from_jobdir_leaves_no_walked_to_the_end_mark(tmp_path):
    """A Scrapy job kept in JOBDIR is split over runs, and a run sees nothing of what the
    earlier ones lost (a failed fetch, the requests in flight when one was killed). The
    second run of a job whose first had failed fetches marked the listing walked to the end,
    and every later crawl stopped paging before the articles that had failed: lost for good."""
    db, jobdir = tmp_path / "a.db", tmp_path / "job"
    with flaky_portal() as (web, family, oldest):
        with failing(oldest):
            for _ in range(2):
                job = scrapy_crawl(web, db, "-s", f"JOBDIR={jobdir}")
                assert job.returncode == 0, job.stderr[-2000:]
        assert_no_mark_and_the_next_run_takes_every_article(web, db, family, oldest)


@pytest.mark.timeout(300)
def test_compact_beside_a_long_reader_reports_the_compacted_size(tmp_path, monkeypatch):
    """A reader holding the archive as it was blocks the checkpoint after VACUUM until its
    timeout: the report then gave the file's old size as the size after, and said nothing of
    the compacted pages waiting in the WAL."""
    path = str(tmp_path / "a.db")
    fill(path, 120, window=60)
    with sqlite3.connect(path) as connection:  # free pages for VACUUM to drop
        connection.execute("delete from article_sources")
    before = os.path.getsize(path)
    monkeypatch.setattr(compacting, "BUSY_TIMEOUT_MS", 200)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("begin")
    reader.execute("select count(*) from articles").fetchone()  # a snapshot, held
    try:
        result = compacting.compact(path)
    finally:
        reader.close()
    assert result.bytes_before == before
    assert result.bytes_after < before
    assert result.wal_pending > 0
    with sqlite3.connect(path) as connection:  # the reader gone, the next checkpoint
        assert connection.execute("pragma wal_checkpoint(truncate)").fetchone()[0] == 0
    assert os.path.getsize(path) == result.bytes_after


def test_a_scrapy_crawl_stopped_twice_records_a_killed_run(web, tmp_path):
    """The second SIGTERM stops the reactor under the spider, which never closes: the run of
    a bare `scrapy crawl` stayed `running` until another run took the archive."""
    db = tmp_path / "archive.db"
    site = web.sites[SITE]
    site.delay = 2.0
    try:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", f"testweb_{SITE}", "-s",
             f"VNARCHIVE_DB={db}", "-s", f"VNARCHIVE_BASE_URLS={json.dumps(web.base_urls())}",
             "-s", "VNARCHIVE_BATCH_SIZE=2"],
            cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and crawl.poll() is None and not (
                db.exists() and query(db, "select count(*) from sqlite_master "
                                          "where name = 'pages'") == [(1,)]
                and query(db, "select count(*) from pages")[0][0]):
            time.sleep(0.1)
        # From here every request outlasts the graceful stop: the first SIGTERM is sent once
        # one such request is in flight, so the stop still waits for it when the second
        # comes, however slow the machine (with the 2 s of every earlier request, a busy
        # machine at times let the graceful stop end first, and the run was interrupted).
        started = sum(site.requests.values())
        site.delay = 60.0
        while time.monotonic() < deadline and crawl.poll() is None and sum(
                site.requests.values()) == started:
            time.sleep(0.02)
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(crawl.stderr), daemon=True)
        reader.start()
        crawl.send_signal(signal.SIGTERM)
        # The second once Scrapy has taken the first, while the spider waits for the pages in
        # flight: a fixed pause was at times longer than the whole graceful stop.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any("shutting down gracefully" in line
                                                      for line in list(lines)):
            time.sleep(0.02)
        crawl.send_signal(signal.SIGTERM)
        crawl.wait(timeout=120)
        reader.join(timeout=30)
        stderr = "".join(lines)
    finally:
        site.delay = 0.0
    assert query(db, "select status from crawl_runs") == [("killed",)], stderr[-3000:]
    assert query(db, "pragma integrity_check") == [("ok",)]


def test_a_run_that_found_the_host_unreachable_leaves_no_walked_to_the_end_mark(tmp_path):
    """A host whose robots.txt cannot be fetched is disallowed for the run (RFC 9309), and a
    robots.txt refusal settled each listing: the run "walked" every listing without fetching
    one and marked them walked to the end. Articles an earlier run had failed on, deep in the
    listing, were then behind the mark, and no later crawl fetched them."""
    db = tmp_path / "a.db"
    with flaky_portal() as (web, family, oldest):
        for paths in (oldest, {"*"}):  # the oldest articles fail, then the whole host
            with failing(paths):
                assert vnarchive_crawl(web, db).returncode == 0
        assert_no_mark_and_the_next_run_takes_every_article(web, db, family, oldest)


DEAD_PORTAL = """
name = "dead_portal"
title = "A portal whose host is down"
kind = "portal"
base_url = "http://127.0.0.1:{port}/"
start_urls = [{listings}]
allowed_domains = ["127.0.0.1"]
article_pattern = '/tin/\\\\d+\\\\.html$'
download_delay = 0
"""


def test_a_site_whose_host_is_down_is_unhealthy_however_many_listings_it_has(tmp_path):
    """Its robots.txt fails (two errors: the fetch, and the sitemap look-up), and each listing
    is a robots.txt refusal, a `pages` row that is no fetch and no error. With a dozen
    listings the errors were 2 of 14 "pages": under the 25% limit, so a run that fetched
    nothing counted as a success and `status` called the dead site healthy. And the crawl's
    log held two tracebacks of the refused connection."""
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    profile = tmp_path / "dead_portal.toml"
    profile.write_text(DEAD_PORTAL.format(
        port=port, listings=", ".join(f'"/muc-{number}/"' for number in range(12))))
    db = tmp_path / "archive.db"
    crawl = run_vnarchive("crawl", "--profile", str(profile), "--db", str(db))
    assert query(db, "select count(*) from articles") == [(0,)], crawl.stderr[-2000:]
    # Its log says so in lines, not in tracebacks of a refused connection (sixty lines).
    assert "robots.txt of 127.0.0.1" in crawl.stderr and "unreachable" in crawl.stderr
    assert "Traceback" not in crawl.stderr, crawl.stderr
    status = run_vnarchive("status", "--format", "json", "--db", str(db))
    assert status.returncode == 1, status.stdout
    (site,) = json.loads(status.stdout)["sites"]
    assert site["last_success"] is None and site["error_rate"] == 1.0


def scrapy_parse_listing(web, db) -> subprocess.CompletedProcess:
    """`scrapy parse` of the portal's news listing into `db`, as an operator looking into a
    broken site runs it."""
    listing = web.sites[SITE].base_url + "/tin-tuc/Pages/default.aspx"
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "parse", "--spider", f"testweb_{SITE}", "-c",
         "parse_listing", listing, "-s", f"VNARCHIVE_DB={db}",
         "-s", f"VNARCHIVE_BASE_URLS={json.dumps(web.base_urls())}"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)


def test_scrapy_parse_of_a_listing_leaves_no_walked_to_the_end_mark(tmp_path):
    """`scrapy parse --spider SITE URL` (a Scrapy user's way to look at one page) replaces
    the spider's start requests with its one URL and closes it `finished`: the spider marked
    every listing walked to the end, and the next crawl stopped paging before the articles an
    earlier run had failed on."""
    db = tmp_path / "a.db"
    with flaky_portal() as (web, family, oldest):
        with failing(oldest):
            assert vnarchive_crawl(web, db).returncode == 0
        parse = scrapy_parse_listing(web, db)
        assert "Requests" in parse.stdout, parse.stderr[-2000:]
        assert_no_mark_and_the_next_run_takes_every_article(web, db, family)


@pytest.mark.timeout(300)
def test_ctrl_c_during_compact_stops_it_and_leaves_the_archive_as_it_was(tmp_path,
                                                                          monkeypatch):
    """Python runs a signal's handler in the main thread between its own instructions, so a
    Ctrl-C waited for VACUUM's end (about 5 minutes at a million articles) and then said
    "interrupted" of an archive that had been compacted."""
    path = tmp_path / "a.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("pragma journal_mode = wal")
        connection.execute("create table t (number integer, label text)")
        connection.execute("with recursive n(i) as (select 1 union all select i + 1 from n "
                           "where i < 200000) insert into t select i, hex(randomblob(8)) "
                           "from n")
        connection.execute("create index t_label on t (label)")
        connection.execute("delete from t where number % 2 = 0")  # free pages to drop
        connection.commit()
        connection.execute("pragma wal_checkpoint(truncate)")
    content = path.read_bytes()
    # VACUUM slowed to minutes, as at a million articles, by a pause every 1,000 steps of
    # compact's own connection: on a loaded machine a VACUUM of a second could end before the
    # Ctrl-C came, and the test then saw a finished compaction (CI at 0de6f41).
    opened = []

    def slow_connect(*args, **kwargs):
        connection = sqlite3.connect(*args, **kwargs)
        connection.set_progress_handler(lambda: time.sleep(0.001), 1000)
        opened.append(connection)
        return connection

    monkeypatch.setattr(compacting, "sqlite3", type("Slowed", (), {
        "connect": slow_connect, "OperationalError": sqlite3.OperationalError}))
    asked = []

    def ctrl_c_while_vacuum_works(*_report) -> None:
        if not asked:
            asked.append(True)
            _thread.interrupt_main()  # what a Ctrl-C does

    # Python's own Ctrl-C handler, as a command has it: a test run earlier in the same pytest
    # worker may have left SIGINT ignored, and then `interrupt_main` does nothing (CI at
    # 2b99bb2, never alone).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            compacting.compact(str(path), progress=ctrl_c_while_vacuum_works, every=0.05)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert asked and opened
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("pragma freelist_count").fetchone()[0] > 0
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
        connection.execute("pragma wal_checkpoint(truncate)")
    assert without_change_counters(path.read_bytes()) == without_change_counters(content)
    assert not any(thread.name == "compact-vacuum" for thread in threading.enumerate())


def without_change_counters(database: bytes) -> bytes:
    """An SQLite file less its header's change counter and the version it is valid for
    (bytes 24-27 and 92-95), which compact's switch to a rollback journal and back advances
    with nothing else changed."""
    return database[:24] + database[28:92] + database[96:]


HOLD_THE_LOCK = """
import sys
from archive.lock import archive_lock
with archive_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.mark.parametrize(("command", "doing"), [("compact", "compacted"),
                                                ("import", "imported into")])
def test_a_crawl_refused_by_a_busy_archive_says_what_holds_it(tmp_path, command, doing):
    """A crawl refused while `vnarchive compact` (minutes on a large archive) held the lock
    said the archive "is being crawled"."""
    db = tmp_path / "a.db"
    open_database(str(db)).close()
    # A process whose command line reads like `vnarchive COMMAND`, holding the lock.
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(db), "vnarchive",
                               command], cwd=PROJECT_ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        result = run_vnarchive("crawl", "testweb_lynhan", "--db", str(db))
    finally:
        holder.communicate(timeout=30)
    assert result.returncode == 3, result.stderr
    assert f"is being {doing} by process {holder.pid}; not starting" in result.stderr


TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ")


def test_a_schedule_into_a_new_folder_whose_crawl_outlasts_its_interval(web, tmp_path):
    """`schedule --every` records the schedule before the first crawl: into a folder not made
    yet, SQLite said "unable to open database file" (exit 2), where `crawl` makes the folder.
    And a crawl longer than the interval made APScheduler print a bare line on stderr at each
    run time skipped, in a log whose every line starts with a timestamp."""
    db = tmp_path / "new" / "folder" / "a.db"
    site = web.sites[SITE]
    site.delay = 0.2
    try:
        result = subprocess.run(
            [sys.executable, "-m", "vnarchive", "schedule", f"testweb_{SITE}", "--every", "1s",
             "--max-runs", "1", "--db", str(db), "--base-urls", json.dumps(web.base_urls())],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    finally:
        site.delay = 0.0
    assert result.returncode == 0, result.stdout + result.stderr
    lines = (result.stdout + result.stderr).splitlines()
    assert all(TIMESTAMPED.match(line) for line in lines), lines
    assert any("skipped" in line for line in lines)
    assert query(db, "select site, schedule from schedules") == [(f"testweb_{SITE}", "every 1s")]


def test_a_depth_limited_scrapy_crawl_leaves_no_walked_to_the_end_mark(tmp_path):
    """`scrapy crawl SITE -s DEPTH_LIMIT=1`, a Scrapy user's quick look, drops the requests
    deeper than the limit without a word and ends `finished`: the listings were marked walked
    to the end, and every later crawl stopped at the first listing page, whose articles were
    archived, and never fetched those of the pages behind it."""
    db = tmp_path / "a.db"
    with TestWeb([SITE], articles=generated_articles((SITE,), 40)) as web:
        quick = scrapy_crawl(web, db, "-s", "DEPTH_LIMIT=1")
        assert quick.returncode == 0, quick.stderr[-2000:]
        assert 0 < query(db, "select count(*) from articles")[0][0] < 40
        assert query(db, "select count(*) from listing_walks") == [(0,)]
        rerun = vnarchive_crawl(web, db)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert query(db, "select count(*) from articles") == [(40,)]


def test_reprocess_of_a_site_the_archive_does_not_hold_is_refused(web, tmp_path):
    """A typo in `reprocess --site` re-processed nothing and said only "re-processed 0
    articles", exit 0."""
    db = tmp_path / "archive.db"
    assert vnarchive_crawl(web, db).returncode == 0
    typo = run_vnarchive("reprocess", "--site", "testweb_lynhna", "--db", str(db))
    assert typo.returncode == 2, typo.stdout + typo.stderr
    assert typo.stderr.strip().splitlines()[-1].endswith(
        "--site testweb_lynhna: the archive holds no page of that site (its sites: "
        "testweb_lynhan)")
    right = run_vnarchive("reprocess", "--site", "testweb_lynhan", "--db", str(db))
    assert right.returncode == 0, right.stderr
    assert f"re-processed {len(web.sites[SITE].family.articles)} articles" in right.stdout


def test_scrapy_parse_is_no_successful_run_for_status(web, tmp_path):
    """`scrapy parse` of one page (an operator looking into a broken site) closed `finished`
    with a site row like a crawl's: `status` then counted it as the site's success, and a
    site no crawl had ever archived was healthy."""
    db = tmp_path / "archive.db"
    parse = scrapy_parse_listing(web, db)
    assert "Requests" in parse.stdout, parse.stderr[-2000:]
    assert query(db, "select status from crawl_runs") == [("not_a_crawl",)]
    status = run_vnarchive("status", "--format", "json", "--db", str(db))
    assert status.returncode == 1, status.stdout
    (site,) = json.loads(status.stdout)["sites"]
    assert site["last_success"] is None and not site["healthy"]
