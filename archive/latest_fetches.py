"""Each article's latest fetch among an archive's WARC files, for `vnarchive reprocess`, kept
on disk while the files are read.

Reprocess reads every article response of the WARC files and keeps, for each canonical URL,
the latest (it becomes the article's row) and the earliest time (its `first_seen_at`). Held
in a dict, each fetch cost about 1.7 KB of memory, its response headers most of it: 156 MB
for 100,000 fetches, so gigabytes for an archive of millions. Here each fetch is a row of a
temporary SQLite file under TMPDIR, with the one header a page's processing reads (its
Content-Type, for the declared charset), and SQLite sorts them on disk: the latest of each
URL comes back in the URL's order, as the dict's sorted items did, in flat memory. The WARC
reader's own index of where each payload is (for the revisits) goes to the same file.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path

from archive.disk import StorageFull, full_disk_as
from archive.warc import ReadRecord

BATCH = 10_000  # fetches written at once
COLUMNS = ("url", "fetched_at", "status", "content_type", "site", "kind", "found_via",
           "run_id", "file", "offset", "payload_file", "payload_offset")
# The latest fetch of each URL (a later reading wins a tie, as a dict's update did), with the
# earliest time it was fetched, those since a day (a date's first ten characters) only, in the
# URLs' order: sorted once, into a table read back in its rowids' order.
LATEST = f"""
    create table latest as
    select key, first_seen, {', '.join(COLUMNS)} from (
        select *, min(fetched_at) over (partition by key) as first_seen,
               row_number() over (partition by key order by fetched_at desc, seq desc) as newest
        from fetches)
    where newest = 1 and substr(fetched_at, 1, 10) >= :since
    order by key"""


class NoRoomForFetches(StorageFull):
    """The temporary folder cannot hold the list of the archive's article fetches."""

    def __init__(self, folder: str, why: str):
        super().__init__(f"no room in {folder} for the list of the archive's article fetches "
                         f"({why}): no article was reprocessed; TMPDIR names a folder with "
                         "more room")


class PayloadsOnDisk:
    """Where the first response with each payload digest is (archive/warc.py's PayloadIndex),
    in a table of the fetches' temporary file: the WARC reader's dict of them held about 200
    bytes a response. The latest BATCH wait in memory; a digest met again is looked for on
    disk first, where the older ones are, so the first response stays the one found."""

    def __init__(self, db: sqlite3.Connection,
                 write: Callable[[str, Iterable[tuple]], None]) -> None:
        self._db, self._write = db, write
        self._db.execute("create table payloads (digest text primary key, file text not null, "
                         "offset integer not null) without rowid")
        self._pending: dict[str, tuple[Path, int]] = {}

    def setdefault(self, digest: str | None, place: tuple[Path, int]) -> None:
        self._pending.setdefault(digest or "", place)
        if len(self._pending) >= BATCH:
            self._write("insert or ignore into payloads values (?, ?, ?)",
                        ((digest, str(path), offset)
                         for digest, (path, offset) in self._pending.items()))
            self._pending.clear()

    def get(self, digest: str | None) -> tuple[Path, int] | None:
        row = self._db.execute("select file, offset from payloads where digest = ?",
                               [digest or ""]).fetchone()
        return (Path(row[0]), row[1]) if row else self._pending.get(digest or "")


class LatestFetches:
    """The article fetches read (`add`), then each URL's latest (`settle`, then `latest`), in
    a temporary SQLite file removed at `close`."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="vnarchive-reprocess-")
        self._db = sqlite3.connect(Path(self._folder.name) / "fetches.db",
                                   isolation_level=None)
        # A scratch file: nothing to keep through a crash.
        self._db.execute("pragma journal_mode = off")
        self._db.execute("pragma synchronous = off")
        self._db.execute(f"create table fetches (key text not null, seq integer primary key, "
                         f"{', '.join(COLUMNS)})")
        self._pending: list[tuple] = []
        self.payloads = PayloadsOnDisk(self._db, self._write)

    def __enter__(self) -> LatestFetches:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def add(self, key: str, record: ReadRecord) -> None:
        self._pending.append((key, record.url, record.fetched_at, record.status,
                              record.headers.get("content-type"), record.site, record.kind,
                              record.found_via, record.run_id, record.file, record.offset,
                              record.payload_file, record.payload_offset))
        if len(self._pending) >= BATCH:
            self._flush()

    def settle(self, since: str | None = None) -> int:
        """Each URL's latest fetch chosen (with `since`, only the URLs last fetched on that
        day or after): how many `latest` gives. Every fetch is added before."""
        self._flush()
        with self._room():
            self._db.execute("drop table if exists latest")
            self._db.execute(LATEST, {"since": since or ""})
            return self._db.execute("select count(*) from latest").fetchone()[0]

    def latest(self) -> Iterator[tuple[str, ReadRecord, str]]:
        """(canonical URL, its latest fetch, when it was first fetched), in the URLs' order."""
        for key, first_seen, *values in self._db.execute(
                "select * from latest order by rowid"):
            fields = dict(zip(COLUMNS, values, strict=True))
            content_type = fields.pop("content_type")
            headers = {"content-type": content_type} if content_type is not None else {}
            yield key, ReadRecord(headers=headers, body=b"", **fields), first_seen

    def _flush(self) -> None:
        if self._pending:
            self._write(f"insert into fetches (key, {', '.join(COLUMNS)}) values "
                        f"({', '.join('?' * (len(COLUMNS) + 1))})", self._pending)
            self._pending.clear()

    def _write(self, sql: str, rows: Iterable[tuple]) -> None:
        """A batch of rows in one transaction."""
        with self._room(), self._db:
            self._db.execute("begin")
            self._db.executemany(sql, rows)

    def _room(self) -> AbstractContextManager[None]:
        """SQLite's "database or disk is full" as the error that says where and what to do."""
        return full_disk_as(partial(NoRoomForFetches, self._folder.name))

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()
