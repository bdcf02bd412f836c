"""The writer's WAL checkpoints run on a thread of their own (archive/checkpoints.py)."""

from __future__ import annotations

import sqlite3
import time

from archive import checkpoints
from archive.checkpoints import BACKSTOP_PAGES
from archive.writer import ArchiveWriter


def article(number: int) -> dict:
    url = f"https://bao.example.vn/a-{number}.html"
    return {"canonical_url": url, "url": url, "site": "s", "title": f"Bài {number}",
            "text": f"Huyện ủy tổ chức hội nghị số {number}.", "status": 200,
            "fetched_at": "2026-01-01T00:00:00+00:00", "html": "<html></html>",
            "encoding": "utf-8", "is_meeting_report": 0}


def test_a_committed_batch_reaches_the_database_file_without_the_writers_checkpoint(
        tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "ROWS_PER_CHECKPOINT", 5)
    path = str(tmp_path / "a.db")
    writer = ArchiveWriter(path, batch_size=5, record_run=False)
    assert writer.db.execute("pragma wal_autocheckpoint").fetchone()[0] == BACKSTOP_PAGES
    for number in range(5):
        writer.add_article(article(number))  # the fifth commits the batch
    deadline = time.monotonic() + 10
    while writer._checkpoints.done == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    # The database file alone (the WAL ignored) holds the batch: the thread copied it back.
    file_alone = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    assert file_alone.execute("select count(*) from articles").fetchone()[0] == 5
    file_alone.close()
    writer.close()
    assert not writer._checkpoints._thread.is_alive()  # its own: other tests leave theirs
    with sqlite3.connect(path) as connection:
        assert connection.execute("select count(*) from articles").fetchone()[0] == 5


def test_batches_smaller_than_the_checkpoint_share_one(tmp_path, monkeypatch):
    """A crawl's batches of 50 rows are checkpointed together, every ROWS_PER_CHECKPOINT rows,
    not one by one."""
    monkeypatch.setattr(checkpoints, "ROWS_PER_CHECKPOINT", 10)
    writer = ArchiveWriter(str(tmp_path / "a.db"), batch_size=4, record_run=False)
    for number in range(8):
        writer.add_article(article(number))  # two batches of 4: 8 rows, under 10
    time.sleep(0.2)
    assert writer._checkpoints.done == 0
    for number in range(8, 12):
        writer.add_article(article(number))  # the third batch passes 10 rows
    deadline = time.monotonic() + 10
    while writer._checkpoints.done == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer._checkpoints.done == 1
    writer.close()
