"""Read-ahead for a Parquet export of a whole table whose pages are not in memory.

An archive of a million articles is about 15 GB, and an export of its articles reads 6 GB of
them in rowid order. SQLite asks for one page at a time and waits for each, so the kernel's
readahead is the only I/O in flight: 200 MB/s on a disk that gives 950 MB/s to one large
sequential read (bench/bench_export.py --cold; docs/performance-history.md). SQLite has no
prefetch of its own, so here a few threads with connections of their own scan the rowid
ranges just ahead of the export (the value of the row's last column, which walks its whole
overflow chain), each range once: their reads are in flight together while the export
converts and compresses the rows already read, and the export then finds its pages cached.

They stay at most AHEAD_ROWS ahead of the export, so the pages they bring in are not pushed
out before the export reads them on a machine with less memory than the archive, and a
thread whose ranges come back without a read from the disk (the archive is already cached)
stops: scanning cached pages only costs CPU. Runs in the export's child process, with the
driver's copy of SQLite (archive/arrow_rows.py says why no other copy may open the file
there).
"""

from __future__ import annotations

import os
import threading
from contextlib import closing
from pathlib import Path

from archive.query import read_only_uri

DEFAULT_THREADS = 6  # as fast as ten on this project's machine (docs/performance-history.md)
CHUNK_ROWS = 5_000  # a range holds about this many rows (wider where rowids are sparse)
AHEAD_ROWS = 40_000
CACHED_CHUNKS_BEFORE_STOPPING = 3


def threads_setting() -> int:
    """VNARCHIVE_READ_AHEAD_THREADS (0 turns read-ahead off; bench/bench_export.py measures
    both ways), else DEFAULT_THREADS; a value that is no number is the default."""
    try:
        return max(0, int(os.environ.get("VNARCHIVE_READ_AHEAD_THREADS", DEFAULT_THREADS)))
    except ValueError:
        return DEFAULT_THREADS


class ReadAhead:
    """Scans `table`'s rowid ranges ahead of a reader that reports its rows with `passed`."""

    def __init__(self, db_path: str, table: str, last_column: str, threads: int | None = None):
        self.uri = read_only_uri(db_path)
        self.table, self.column = table, last_column
        self.thread_count = threads_setting() if threads is None else threads
        self.low = self.high = 0
        self.rows = 0
        self.width = CHUNK_ROWS
        self.next_chunk = 0
        self.reader_rows = 0
        self.stopped = False
        self.scanned: list[int] = []  # the first rowid of each range scanned
        self.condition = threading.Condition()
        self.threads: list[threading.Thread] = []

    def start(self) -> ReadAhead:
        """Starts the threads; with none when turned off, or when the table cannot be
        measured (the export then reads as it would without read-ahead)."""
        import adbc_driver_sqlite.dbapi as adbc

        if self.thread_count < 1:
            return self
        try:
            with closing(adbc.connect(self.uri)) as connection, \
                    closing(connection.cursor()) as cursor:
                cursor.execute(f'select min(rowid), max(rowid), count(*) from "{self.table}"')
                low, high, rows = cursor.fetchone()
        except (adbc.Error, OSError):
            return self
        if not rows:
            return self
        self.low, self.high, self.rows = low, high, rows
        # Rowids left sparse by deletions, or chosen by hand, widen the ranges.
        self.width = max(CHUNK_ROWS, -(-(high - low + 1) * CHUNK_ROWS // rows))
        self.threads = [threading.Thread(target=self._scan, daemon=True, name=f"read-ahead-{n}")
                        for n in range(self.thread_count)]
        for thread in self.threads:
            thread.start()
        return self

    def passed(self, rows: int) -> None:
        """The export has read this many rows."""
        with self.condition:
            self.reader_rows = rows
            self.condition.notify_all()

    def close(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify_all()
        for thread in self.threads:
            thread.join()

    def _rank(self, rowid: int) -> float:
        """Where a rowid falls among the table's rows, as if rowids were spread evenly."""
        return (rowid - self.low) / max(1, self.high - self.low + 1) * self.rows

    def _claim(self) -> int | None:
        """The first rowid of the next range to scan, once the export is near enough."""
        with self.condition:
            first = self.low + self.next_chunk * self.width
            if first > self.high:
                return None
            self.next_chunk += 1
            while not self.stopped and self._rank(first) > self.reader_rows + AHEAD_ROWS:
                self.condition.wait(0.5)
            return None if self.stopped else first

    def _scan(self) -> None:
        try:
            self._scan_ranges()
        except Exception:  # noqa: BLE001 (an aid only: the export reads every row itself)
            return

    def _scan_ranges(self) -> None:
        import adbc_driver_sqlite.dbapi as adbc

        cached_in_a_row = 0
        with closing(adbc.connect(self.uri)) as connection, closing(connection.cursor()) as cursor:
            while cached_in_a_row < CACHED_CHUNKS_BEFORE_STOPPING:
                first = self._claim()
                if first is None:
                    return
                before = _bytes_read_by_this_thread()
                cursor.execute(f'select sum(length("{self.column}")) from "{self.table}" '
                               f"where rowid >= {first} and rowid < {first + self.width}")
                cursor.fetchall()
                with self.condition:
                    self.scanned.append(first)
                after = _bytes_read_by_this_thread()
                cached = before is not None and after == before
                cached_in_a_row = cached_in_a_row + 1 if cached else 0


def _bytes_read_by_this_thread() -> int | None:
    """Bytes this thread has had read from storage (Linux's per-thread I/O count), or None
    where the count cannot be read: then the thread never concludes the file is cached."""
    try:
        text = Path("/proc/thread-self/io").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("read_bytes:"):
            return int(line.split()[1])
    return None
