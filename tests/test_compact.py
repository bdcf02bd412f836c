"""`vnarchive compact`: VACUUM in place, the archive's rows unchanged (archive/compact.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections import namedtuple
from contextlib import closing

import pytest

from archive import compact as compacting
from bench.fill_archive import fill
from tests.conftest import PROJECT_ROOT, run_vnarchive
from tests.test_archive import fetch, free_port


def rows_of(path) -> list[tuple]:
    with closing(sqlite3.connect(path)) as connection:  # closed now, not at a collection
        return connection.execute(
            "select rowid, canonical_url, story_id, text from articles order by rowid").fetchall()


@pytest.mark.timeout(300)
def test_compact_keeps_every_row_and_leaves_no_free_page(tmp_path):
    path = str(tmp_path / "a.db")
    fill(path, 120, window=60)
    with sqlite3.connect(path) as connection:  # free pages, as the full-text merges leave
        connection.execute("delete from article_sources")
    before = rows_of(path)
    result = run_vnarchive("compact", "--db", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"compacted {path}: ")
    assert rows_of(path) == before
    with sqlite3.connect(path) as connection:
        assert connection.execute("pragma freelist_count").fetchone()[0] == 0
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
        hits = connection.execute("select count(*) from articles_fts where articles_fts match "
                                  "'facets:đr'").fetchone()[0]
        assert hits == connection.execute(
            "select count(*) from articles where is_meeting_report = 1").fetchone()[0]


# A process that opens the archive and keeps it open, idle, as a Datasette server does.
HOLDING_OPEN = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1])
connection.execute("select count(*) from articles").fetchone()
print("open", flush=True)
time.sleep(120)
"""


@pytest.mark.timeout(300)
def test_compact_beside_a_reader_names_it_before_the_longer_way(tmp_path):
    """Beside a process that has the archive open, compact goes through the WAL, about half
    again as long at a million articles, and said nothing of it: the user who could have
    stopped that Datasette server for the minutes it costs never knew."""
    path = str(tmp_path / "a.db")
    fill(path, 60, window=30)
    alone = run_vnarchive("compact", "--db", path)
    assert alone.returncode == 0 and "has the archive open" not in alone.stderr
    reader = subprocess.Popen([sys.executable, "-c", HOLDING_OPEN, path],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        beside = run_vnarchive("compact", "--db", path)
    finally:
        reader.kill()
        reader.wait()
    assert beside.returncode == 0, beside.stderr
    assert beside.stderr.startswith(f"vnarchive compact: process {reader.pid} (")
    assert ("has the archive open: compacting beside it, through the WAL, takes about half "
            "again as long as alone" in beside.stderr.splitlines()[0])


def test_compact_is_refused_without_twice_the_archives_size_free(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    with sqlite3.connect(path) as connection:
        connection.execute("create table t (x)")
        connection.execute("insert into t values (randomblob(100000))")
    content = path.read_bytes()
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda folder: usage(10**9, 0, len(content)))
    with pytest.raises(compacting.NotEnoughSpace, match="needs"):
        compacting.compact(str(path))
    assert path.read_bytes() == content


@pytest.mark.timeout(300)
def test_compact_reports_progress_while_vacuum_works(tmp_path, monkeypatch):
    """VACUUM says nothing until it is done (minutes at a million articles): a thread reports
    the bytes written so far, of about what the whole compaction writes (three times the
    archive: its temporary copy, the WAL, the checkpoint), and is gone once it is done."""
    # The file's read into the page cache before VACUUM is a `sendfile` into /dev/null, which
    # Linux counts as written (wchar); the progress is counted from after it.
    monkeypatch.setattr(compacting, "read_into_page_cache", lambda path: 0)
    path = str(tmp_path / "a.db")
    # Large enough that VACUUM's temporary copy leaves SQLite's page cache for the disk.
    fill(path, 400, window=200)
    size = os.path.getsize(path)
    reports = []
    written_before = compacting.bytes_written()
    compacting.compact(path, progress=lambda *report: reports.append(report), every=0.001)
    assert reports, "no progress reported"
    expected = reports[0][1]
    # The estimate is what was written, within a tenth: a progress of 20,721 MB "of about
    # 17,757" at a million articles, with twice the archive, told the user nothing.
    assert 0.9 * expected <= compacting.bytes_written() - written_before <= 1.1 * expected
    written = [report[0] for report in reports]
    assert written == sorted(written) and written[-1] > 0
    assert {report[1] for report in reports} == {3 * size}
    assert [report[2] for report in reports] == sorted(report[2] for report in reports)
    assert not any(thread.name == "compact-vacuum" for thread in threading.enumerate())


def journal_modes_of_vacuum(monkeypatch, before_vacuum=lambda: None) -> list[str]:
    """The journal mode of each VACUUM compact runs, as it starts (`before_vacuum` then)."""
    modes = []
    vacuum = compacting._vacuum

    def vacuumed(connection, *args):
        modes.append(connection.execute("pragma journal_mode").fetchone()[0])
        before_vacuum()
        return vacuum(connection, *args)

    monkeypatch.setattr(compacting, "_vacuum", vacuumed)
    return modes


@pytest.mark.timeout(300)
def test_compact_takes_a_rollback_journal_only_when_nothing_else_has_the_archive_open(
        tmp_path, monkeypatch):
    """Written back through the WAL, each page VACUUM wrote searched the WAL's growing index
    (twice the time at a million articles): alone with the archive, compact VACUUMs it with a
    rollback journal; beside a reader, through the WAL, so the reader goes on reading."""
    path = str(tmp_path / "a.db")
    fill(path, 60, window=30)
    modes = journal_modes_of_vacuum(monkeypatch)
    compacting.compact(path)
    reader = sqlite3.connect(path, isolation_level=None)  # open and idle
    try:
        assert reader.execute("select count(*) from articles").fetchone()[0] > 0
        compacting.compact(path)
        assert reader.execute("select count(*) from articles").fetchone()[0] > 0
    finally:
        reader.close()
    assert modes == ["delete", "wal"]
    with sqlite3.connect(path) as connection:
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"


@pytest.mark.timeout(300)
def test_a_reader_meeting_a_compact_that_holds_the_archive_alone_is_told_so(tmp_path):
    """Alone with the archive, compact VACUUMs under a rollback journal, which holds the file
    alone from VACUUM's start to its end (held here as it does); a reading command that starts
    then waits its busy timeout, and said "is not an archive (database is locked)". It now
    names the run holding the archive's lock and exits as a busy archive does."""
    from archive.lock import archive_lock

    path = str(tmp_path / "a.db")
    fill(path, 30, window=30)
    with archive_lock(path), closing(sqlite3.connect(path, isolation_level=None)) as writing:
        assert writing.execute("pragma journal_mode = delete").fetchone()[0] == "delete"
        writing.execute("begin exclusive")
        reader = run_vnarchive("search", "hội nghị", "--db", path)
        writing.execute("rollback")
        writing.execute("pragma journal_mode = wal")
    assert reader.returncode == 3, reader.stderr
    assert f"{path} is being crawled by process {os.getpid()}" in reader.stderr
    assert "try again when it is done" in reader.stderr
    assert "not an archive" not in reader.stderr
    assert run_vnarchive("search", "hội nghị", "--db", path).returncode == 0


def compact_with_a_reader_coming(path, monkeypatch, leaves_before_the_retry: bool) -> list:
    """compact alone with the archive, and a reader that opens it just before VACUUM starts
    and holds one read past the busy timeout: until compact turns back to WAL, or for good.
    The journal modes VACUUM ran in are returned."""
    monkeypatch.setattr(compacting, "BUSY_TIMEOUT_MS", 200)
    readers = []
    back_to_wal = compacting._back_to_wal

    def a_reader_comes():
        if not readers:
            readers.append(sqlite3.connect(path, isolation_level=None))
            readers[0].execute("begin")
            readers[0].execute("select count(*) from articles").fetchone()

    def read_over_first(connection):
        if leaves_before_the_retry:
            readers[0].execute("commit")
        return back_to_wal(connection)

    modes = journal_modes_of_vacuum(monkeypatch, a_reader_comes)
    monkeypatch.setattr(compacting, "_back_to_wal", read_over_first)
    try:
        compacting.compact(path)
    finally:
        for reader in readers:
            reader.close()
    return modes


@pytest.mark.timeout(300)
def test_compact_alone_held_up_by_a_new_reader_vacuums_again_through_the_wal(tmp_path,
                                                                            monkeypatch):
    """Under a rollback journal VACUUM waits for every reader before it takes the file alone;
    a reader that opened meanwhile and held one read past the busy timeout failed the
    compaction ("database is locked"). Once that read is over, it is VACUUMed again through
    the WAL, as when a reader has the archive open at the start."""
    path = str(tmp_path / "a.db")
    fill(path, 60, window=30)
    before = rows_of(path)
    assert compact_with_a_reader_coming(path, monkeypatch, True) == ["delete", "wal"]
    assert rows_of(path) == before
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("pragma freelist_count").fetchone()[0] == 0
        assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"


@pytest.mark.timeout(300)
def test_compact_held_up_by_a_reader_for_good_says_so_and_changes_nothing(tmp_path,
                                                                         monkeypatch):
    path = str(tmp_path / "a.db")
    fill(path, 60, window=30)
    before = rows_of(path)
    with pytest.raises(compacting.HeldByReader,
                       match="was read by another process for over 0 s while compact waited "
                             "to take it alone; nothing was changed: try again"):
        compact_with_a_reader_coming(path, monkeypatch, False)
    assert rows_of(path) == before
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("pragma integrity_check").fetchone()[0] == "ok"


# A stand-in for `vnarchive compact` alone with the archive: its command line names it, and it
# holds the archive's lock and the file alone for a few seconds, as VACUUM does.
COMPACTING = """
import sqlite3, sys, time
from archive.lock import archive_lock
with archive_lock(sys.argv[1]):
    connection = sqlite3.connect(sys.argv[1], isolation_level=None)
    connection.execute("pragma journal_mode = delete")
    connection.execute("begin exclusive")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    connection.execute("rollback")
    connection.execute("pragma journal_mode = wal")
    connection.close()
"""


@pytest.mark.timeout(300)
def test_a_reading_command_waits_for_a_compaction_that_holds_the_archive_alone(tmp_path):
    """A compaction alone with the archive holds it for minutes at a million articles; a
    reading command gave up after its 5 s busy timeout. It now says that it waits, and reads
    once the compaction is over."""
    path = str(tmp_path / "a.db")
    fill(path, 30, window=30)
    compacting_run = subprocess.Popen(
        [sys.executable, "-c", COMPACTING, path, "8", "vnarchive", "compact"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert compacting_run.stdout.readline().strip() == "holding"
        reader = run_vnarchive("search", "hội nghị", "--db", path)
    finally:
        compacting_run.wait(60)
    assert compacting_run.returncode == 0
    assert reader.returncode == 0, reader.stderr
    assert (f"{path} is being compacted by process {compacting_run.pid}; reading it once that "
            "is done") in reader.stderr
    assert "results" in reader.stdout


@pytest.mark.timeout(300)
def test_serve_says_it_waits_for_a_compaction_and_serves_once_it_is_done(tmp_path):
    """`vnarchive serve` started during a compaction alone with the archive sat silent for the
    whole compaction (minutes at a million articles) before it said where it serves."""
    path = str(tmp_path / "a.db")
    fill(path, 30, window=30)
    compacting_run = subprocess.Popen(
        [sys.executable, "-c", COMPACTING, path, "10", "vnarchive", "compact"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    server = None
    try:
        assert compacting_run.stdout.readline().strip() == "holding"
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "vnarchive", "serve", "--port", str(port), "--db", path],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert server.stderr.readline().startswith(
            f"vnarchive: {path} is being compacted by process {compacting_run.pid}; reading "
            "it once that is done")
        assert server.stdout.readline().startswith(f"serving {path} at ")
        assert compacting_run.poll() is not None  # said only once the compaction was over
        status = None
        for _ in range(150):
            try:
                status, _ = fetch(f"http://127.0.0.1:{port}/vnarchive/articles.json")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
    finally:
        compacting_run.wait(60)
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
