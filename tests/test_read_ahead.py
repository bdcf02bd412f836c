"""archive/read_ahead.py: the ranges ahead of a whole-table export are each scanned once, never
further ahead of the export than allowed, and a thread that finds them cached stops."""

import sqlite3
import time

import pytest

pytest.importorskip("adbc_driver_sqlite")

import archive.read_ahead as read_ahead  # noqa: E402
from archive.read_ahead import ReadAhead  # noqa: E402

ROWS = 200


@pytest.fixture
def table_of_rows(tmp_path, monkeypatch):
    path = tmp_path / "rows.db"
    connection = sqlite3.connect(path)
    connection.execute("create table items (name text, body text, last text)")
    connection.executemany("insert into items values (?, ?, ?)",
                           [(f"n{i}", "x" * 5000, f"l{i}") for i in range(ROWS)])
    connection.commit()
    connection.close()
    monkeypatch.setattr(read_ahead, "CHUNK_ROWS", 10)
    monkeypatch.setattr(read_ahead, "AHEAD_ROWS", 30)
    return path


def wait_for(condition, seconds=20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.mark.timeout(60)
def test_each_range_once_and_never_too_far_ahead(table_of_rows, monkeypatch):
    monkeypatch.setattr(read_ahead, "_bytes_read_by_this_thread", lambda: None)  # never cached
    ahead = ReadAhead(str(table_of_rows), "items", "last", threads=3).start()
    try:
        assert wait_for(lambda: len(ahead.scanned) >= 4)
        time.sleep(0.3)  # room to run further, were it allowed
        assert max(ahead.scanned) <= 1 + 30  # rowid 31 is the 31st row: the export read none
        ahead.passed(100)
        assert wait_for(lambda: len(ahead.scanned) >= 13)
        time.sleep(0.3)
        assert max(ahead.scanned) <= 1 + 130
        ahead.passed(ROWS)
        assert wait_for(lambda: len(ahead.scanned) == ROWS // 10)
    finally:
        ahead.close()
    assert sorted(ahead.scanned) == list(range(1, ROWS + 1, 10))  # each range once


@pytest.mark.timeout(60)
def test_sparse_rowids_make_wider_ranges_not_more_of_them(tmp_path, monkeypatch):
    """Rowids a million apart: about as many ranges as for dense ones, each scanned once."""
    monkeypatch.setattr(read_ahead, "CHUNK_ROWS", 10)
    monkeypatch.setattr(read_ahead, "_bytes_read_by_this_thread", lambda: None)
    path = tmp_path / "sparse.db"
    connection = sqlite3.connect(path)
    connection.execute("create table items (body text)")
    connection.executemany("insert into items (rowid, body) values (?, ?)",
                           [(1 + i * 1_000_000, "x") for i in range(ROWS)])
    connection.commit()
    connection.close()
    ahead = ReadAhead(str(path), "items", "body", threads=2).start()
    ahead.passed(ROWS)
    assert wait_for(lambda: not any(thread.is_alive() for thread in ahead.threads))
    ahead.close()
    assert len(ahead.scanned) == len(set(ahead.scanned)) <= ROWS // 10 + 1


@pytest.mark.timeout(60)
def test_a_thread_that_finds_its_ranges_cached_stops(table_of_rows, monkeypatch):
    monkeypatch.setattr(read_ahead, "_bytes_read_by_this_thread", lambda: 0)  # always cached
    ahead = ReadAhead(str(table_of_rows), "items", "last", threads=2).start()
    ahead.passed(ROWS)
    assert wait_for(lambda: not any(thread.is_alive() for thread in ahead.threads))
    ahead.close()
    assert len(ahead.scanned) == 2 * read_ahead.CACHED_CHUNKS_BEFORE_STOPPING < ROWS // 10


@pytest.mark.timeout(60)
def test_turned_off_an_empty_table_or_a_missing_one_start_no_thread(table_of_rows, tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("VNARCHIVE_READ_AHEAD_THREADS", "0")
    off = ReadAhead(str(table_of_rows), "items", "last").start()
    connection = sqlite3.connect(tmp_path / "empty.db")
    connection.execute("create table items (name text)")
    connection.close()
    monkeypatch.setenv("VNARCHIVE_READ_AHEAD_THREADS", "many")  # no number: the default
    empty = ReadAhead(str(tmp_path / "empty.db"), "items", "name").start()
    missing = ReadAhead(str(tmp_path / "empty.db"), "no_such_table", "name").start()
    assert empty.thread_count == read_ahead.DEFAULT_THREADS
    assert off.threads == [] and empty.threads == [] and missing.threads == []
    for ahead in (off, empty, missing):
        ahead.close()


@pytest.mark.timeout(120)
def test_an_export_read_ahead_writes_the_same_file(tmp_path, monkeypatch):
    """A whole table's Parquet export, read ahead and not: the same rows, read by the driver."""
    import pyarrow.parquet as pq

    import archive.export_parquet
    from archive.export import export

    path = tmp_path / "big.db"
    connection = sqlite3.connect(path)
    connection.execute("create table items (name text, body text, last text)")
    connection.executemany("insert into items values (?, ?, ?)",
                           [(f"n{i}", f"body {i} " * 300, f"l{i}") for i in range(12_000)])
    connection.commit()
    connection.close()
    asked = []
    child = archive.export_parquet.write_in_child

    def recorded(*args):
        asked.append(args[-1])
        return child(*args)

    monkeypatch.setattr(archive.export_parquet, "write_in_child", recorded)
    export(str(path), str(tmp_path / "ahead.parquet"), table="items")
    monkeypatch.setenv("VNARCHIVE_READ_AHEAD_THREADS", "0")
    export(str(path), str(tmp_path / "plain.parquet"), table="items")
    export(str(path), str(tmp_path / "where.parquet"), table="items", where="rowid > 10")
    assert asked == [("items", "last"), ("items", "last"), None]
    ahead, plain = (pq.read_table(tmp_path / name) for name in ("ahead.parquet", "plain.parquet"))
    assert ahead.num_rows == 12_000 and ahead.equals(plain)
