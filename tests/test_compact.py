"""`vnarchive compact`: VACUUM in place, the archive's rows unchanged (archive/compact.py)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from collections import namedtuple

import pytest

from archive import compact as compacting
from bench.fill_archive import fill
from tests.conftest import run_vnarchive


def rows_of(path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
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
