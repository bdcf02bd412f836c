"""Where an import's scan found each response's payload, by digest, kept on disk.

A revisit record names its payload by digest alone, and that payload may be any response of
the files, under another address too: a page no profile claims can be the original of one
that is claimed. So every response the scan indexed must stay findable until the revisits
are matched. Kept in memory as index entries, they were most of an import's memory, and it
grew with the files: a Common Crawl file holds tens of thousands of other sites' HTML pages,
and a backfill is hundreds of files. Here each is one row of a temporary SQLite file (SQLite
rather than a dict: the rows wait on disk, in a few megabytes of page cache, however many the
files hold), read back once for the digests the revisits name.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from archive.disk import StorageFull, full_disk_as


@dataclass(frozen=True, slots=True)
class PayloadPlace:
    """What a revisit takes from the response its digest names."""

    status: int
    content_type: str
    path: str
    member: str
    offset: int


# A response's payload digest, HTTP status, Content-Type, file, WACZ member ("" for none) and
# offset, as archive.archive_files.payload_row makes it.
PayloadRow = tuple[str, int, str, str, str, int]


class NoRoomForPayloadPlaces(StorageFull):
    """The temporary folder cannot hold the places of the files' payloads."""

    def __init__(self, folder: str, why: str):
        super().__init__(f"no room in {folder} for the places of the files' payloads ({why}): "
                         "nothing was imported; TMPDIR names a folder with more room")


class PayloadPlaces:
    """The responses of an import's files in the order the scan read them, so that of two
    responses with one digest the later is found, as an index held in memory found it."""

    def __init__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="vnarchive-payloads-")
        # Nothing to recover after a crash: no journal, no sync.
        self._db = sqlite3.connect(Path(self._folder.name) / "places.db")
        self._db.execute("pragma journal_mode = off")
        self._db.execute("pragma synchronous = off")
        self._db.execute("create table places (digest text, status integer, content_type text, "
                         "location integer, offset integer)")
        # The few files and WACZ members, each a number in the rows.
        self._locations: dict[tuple[str, str], int] = {}
        self.count = 0

    def __enter__(self) -> PayloadPlaces:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()

    def add(self, responses: Iterable[PayloadRow]) -> None:
        """Responses' rows, in the order the scan read them."""
        rows = [(digest, status, content_type, self._location_number(path, member), offset)
                for digest, status, content_type, path, member, offset in responses]
        with self._room(), self._db:
            self._db.executemany("insert into places values (?, ?, ?, ?, ?)", rows)
        self.count += len(rows)

    def latest(self, digests: Iterable[str]) -> dict[str, PayloadPlace]:
        """For each digest found, the place of the last response read with it: one pass over
        the rows, in the order they were read, however many digests are asked."""
        wanted = set(digests)
        if not wanted:  # no revisit: the rows are not read at all
            return {}
        numbered = {number: location for location, number in self._locations.items()}
        found: dict[str, PayloadPlace] = {}
        try:
            with self._room(), self._db:
                self._db.execute("create temp table wanted (digest text primary key) "
                                 "without rowid")
                self._db.executemany("insert into wanted values (?)",
                                     ((digest,) for digest in wanted))
            rows = self._db.execute(
                "select digest, status, content_type, location, offset from places "
                "where digest in (select digest from wanted) order by rowid")
            for digest, status, content_type, location, offset in rows:
                found[digest] = PayloadPlace(status, content_type, *numbered[location], offset)
        finally:
            self._db.execute("drop table if exists temp.wanted")
        return found

    def _room(self) -> AbstractContextManager[None]:
        """SQLite's "database or disk is full" as the error that says where and what to do."""
        return full_disk_as(partial(NoRoomForPayloadPlaces, self._folder.name))

    def _location_number(self, path: str, member: str) -> int:
        return self._locations.setdefault((path, member), len(self._locations))
