"""The writer's batches committed on a thread of their own (archive/commit_thread.py): in order,
all of them by the close, and a failure that stops the writing instead of hanging the crawl."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading

import pytest

import archive.writer
from archive.commit_thread import CommitThread
from archive.writer import ArchiveWriter
from crawler.archiving import WRITE_FAILED, ArchiveRun, run_status
from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT, query
from tests.test_writer import article, count, page
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(300)


def test_batches_run_in_order_on_one_thread_and_close_waits_for_them():
    done, threads, release = [], set(), threading.Event()

    def commit(number):
        release.wait(5)  # the caller goes on while the first batch is still being written
        threads.add(threading.current_thread().name)
        done.append(number)

    committer = CommitThread(max_pending=10)
    for number in range(5):
        committer.submit(commit, number)
    assert done == []
    release.set()
    committer.close()
    assert done == [0, 1, 2, 3, 4]
    assert len(threads) == 1 and threading.current_thread().name not in threads


def test_a_failed_batch_is_raised_once_and_no_later_batch_is_written():
    done = []

    def commit(number):
        if number == 1:
            raise sqlite3.OperationalError("database is locked")
        done.append(number)

    committer = CommitThread(max_pending=10)
    for number in range(4):
        committer.submit(commit, number)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        committer.drain()
    committer.close()  # the failure was reported: the close does not raise it again
    assert done == [0]


def test_a_background_writer_has_every_batch_committed_by_its_close(tmp_path):
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=2, site="s", background=True)
    for number in range(7):
        writer.add_page(page(f"http://x/{number}"))
        writer.add_article(article(f"http://x/a{number}", f"text {number}",
                                   "2026-01-01T00:00:00+00:00"))
    writer.close()
    assert count(path, "pages") == 7 and count(path, "articles") == 7
    with sqlite3.connect(path) as connection:
        assert connection.execute("select articles_new from site_runs").fetchone() == (7,)
    assert not any(thread.name.startswith("archive-writer") for thread in threading.enumerate())


def test_reading_the_database_waits_for_the_batches_handed_over(tmp_path):
    writer = ArchiveWriter(str(tmp_path / "a.db"), batch_size=1, site="s", background=True)
    writer.add_page(page("http://x/1", status=404))
    assert writer.db.execute("select count(*) from pages").fetchone()[0] == 1
    writer.close()


def test_a_batch_failing_on_the_thread_stops_the_writer_and_is_reported(tmp_path, monkeypatch):
    path = tmp_path / "a.db"
    reported = []
    writer = ArchiveWriter(str(path), batch_size=1, site="s", background=True,
                           on_write_error=reported.append)
    writer.add_article(article("http://x/a", "first", "2026-01-01T00:00:00+00:00"))
    assert writer.db.execute("select count(*) from articles").fetchone()[0] == 1

    def fail(db, records):
        raise sqlite3.IntegrityError("constraint failed")

    monkeypatch.setattr(archive.writer, "write_articles", fail)
    writer.add_article(article("http://x/b", "second", "2026-01-01T00:00:00+00:00"))
    writer.add_page(page("http://x/1"))  # hands over a batch: the failure is seen here or at close
    writer.close()
    assert len(reported) == 1 and isinstance(reported[0], sqlite3.IntegrityError)
    assert writer.write_error is reported[0]
    writer.add_page(page("http://x/2"))  # nothing more is written
    assert count(path, "articles") == 1
    assert count(path, "pages") == 0  # the batch after the failed one was not written either
    assert not any(thread.name.startswith("archive-writer") for thread in threading.enumerate())


def test_without_a_callback_the_failure_is_raised_to_the_caller(tmp_path, monkeypatch):
    def fail(db, records):
        raise sqlite3.IntegrityError("constraint failed")

    monkeypatch.setattr(archive.writer, "write_articles", fail)
    writer = ArchiveWriter(str(tmp_path / "a.db"), batch_size=1, site="s", background=True)
    writer.add_article(article("http://x/a", "text", "2026-01-01T00:00:00+00:00"))
    with pytest.raises(sqlite3.IntegrityError):
        writer.close()


def test_a_crawl_closed_for_a_failed_batch_ends_as_failed():
    run = ArchiveRun.__new__(ArchiveRun)
    run.started, run.failed, run.close_reason = True, False, WRITE_FAILED
    assert run_status([run]) == "failed"


@pytest.mark.parametrize("thread", ["1", "0"])
def test_a_crawl_whose_batch_fails_ends_failed_and_does_not_hang(tmp_path, thread):
    """On the commit thread, or on the reactor's (the default): a batch that failed on the
    reactor's thread was lost without a word in the run's status, and the crawl went on,
    losing each later batch the same way, and ended `finished` with exit 0."""
    db = tmp_path / "a.db"
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "tests.failing_batch_settings",
           "FAILING_BATCH_THREAD": thread}
    with TestWeb(["lynhan"]) as web:
        result = subprocess.run(
            [sys.executable, "-m", "vnarchive", "crawl", "testweb_lynhan", "--db", str(db),
             "--batch-size", "5", "--base-urls", json.dumps(web.base_urls())],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, env=env)
    assert result.returncode != 0, result.stderr[-3000:]
    assert "the archive refused a batch" in result.stderr
    assert query(db, "select status from crawl_runs") == [("failed",)]
    # As after a full disk, the writer records nothing more once a batch failed: no site row.
    assert query(db, "select count(*) from site_runs") == [(0,)]
    assert 0 < query(db, "select count(*) from articles")[0][0] <= 5  # the first batch only
