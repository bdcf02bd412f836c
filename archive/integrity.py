"""What a writing command checks before it touches an archive.

- The file is ours: missing, empty, an empty SQLite database, or one whose migrations are
  vnarchive's. Someone else's SQLite file given as `--db` would otherwise get twenty tables
  and WAL mode added to it.
- The archive is whole: SQLite's `PRAGMA quick_check` runs read-only at the start of a
  crawl, an import, an ingest or a re-processing. A damaged archive is refused with its own
  exit code before anything is written, where it used to take a crawl's rows and fail only at
  the end. The check reads every page: for 14 GB (1.47 million articles), 10 s when the
  file is in the page cache, 64 s when it is not. So an archive over WHOLE_CHECK_AT_EVERY_START
  is checked whole once a day (WHOLE_CHECK_INTERVAL): the first writing command of the day
  checks it, and records the pass in `integrity_checks` against the file's device and inode;
  the others check its schema (which SQLite reads only once the file's length matches the
  pages its header counts). A copy, a restored backup or a file put in its place is another
  file (another inode), checked whole; only a file given the very inode number of one
  deleted, whose copy it is, is taken for it (a backup copied back after the archive was
  removed can be), and is then checked whole the next day.
- The archive was not written by a newer vnarchive (archive/schema.py), before the check
  writes its record.
- A run that a crash left `running` (the kernel released its lock, so no run holds it now) is
  marked `killed` by the next run that takes the lock.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from archive.errors import (
    SQLITE_HEADER,
    ArchiveDamaged,
    ArchiveUnusable,
    check_writable,
    damaged,
    is_damage,
)
from archive.lock import is_locked, wait_for_compaction
from archive.page_cache import read_into_page_cache
from archive.query import has_table, open_read_only
from archive.schema import refuse_newer_schema

__all__ = ["ArchiveDamaged", "check_before_writing", "check_ours", "check_whole",
           "mark_stuck_runs", "record_whole_check"]

MIGRATION_SET = "vnarchive"  # archive/schema.py's Migrations("vnarchive")
# Above this size (about 100,000 articles) an archive is checked whole once a day, not at
# every writing command's start: a scheduled crawl starts many times a day.
WHOLE_CHECK_AT_EVERY_START = 1 << 30
WHOLE_CHECK_INTERVAL = timedelta(days=1)


def _missing_or_empty(path: Path) -> bool:
    """Nothing to check: a writing command makes the archive anew."""
    return not path.is_file() or path.stat().st_size == 0


def _connect(path: Path) -> sqlite3.Connection:
    return open_read_only(path)  # escapes a `#`, `?` or `%` in the path


def check_ours(db_path: str) -> None:
    """ArchiveUnusable unless `db_path` is missing, empty or a vnarchive (or empty) SQLite
    database. Cheap: reads the header and the schema."""
    path = Path(db_path)
    if _missing_or_empty(path):
        return
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise ArchiveUnusable(f"{db_path} is not an archive (not an SQLite database)")
    connection = _connect(path)
    try:
        tables = [row[0] for row in connection.execute(
            "select name from sqlite_master where type = 'table' order by name")]
        ours = "_sqlite_migrations" in tables and connection.execute(
            "select 1 from _sqlite_migrations where migration_set = ? limit 1",
            [MIGRATION_SET]).fetchone()
    except sqlite3.DatabaseError as error:
        if is_damage(error):  # an SQLite file, cut short or damaged
            raise damaged(db_path, [str(error)]) from None
        if not is_locked(error):
            raise ArchiveUnusable(f"{db_path} is not an archive ({error})") from None
        tables = None
    finally:
        connection.close()
    if tables is None:  # held alone by another process (waited for with this one closed)
        wait_for_compaction(db_path)
        return check_ours(db_path)
    if tables and not ours:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise ArchiveUnusable(f"{db_path} is not an archive: an SQLite database of something "
                              f"else ({len(tables)} tables: {shown}); vnarchive writes only "
                              "to its own archives")


@dataclass(frozen=True)
class WholeCheck:
    """A passed quick_check of the whole file, as `integrity_checks` records it."""

    device: int
    inode: int
    checked_at: str
    size: int
    seconds: float


def check_whole(db_path: str, every_start_below: int = WHOLE_CHECK_AT_EVERY_START,
                interval: timedelta = WHOLE_CHECK_INTERVAL,
                now: datetime | None = None) -> WholeCheck | None:
    """ArchiveDamaged when SQLite's quick_check finds the file damaged. A file of
    `every_start_below` bytes or more whose whole check passed within `interval` has its
    schema checked instead. Returns the whole check made, if one was."""
    path = Path(db_path)
    if _missing_or_empty(path):
        return None
    stat = path.stat()
    now = now or datetime.now(UTC)
    large = stat.st_size >= every_start_below
    connection = _connect(path)
    made = None
    try:
        if large and _checked_within(connection, stat, now, interval):
            # SQLite compares the file's length with the pages its header counts before it
            # reads a page: a file cut short in place (same inode) is refused here too.
            problems = _quick_check(connection, "quick_check(sqlite_schema)")
        else:
            if large:
                print(f"vnarchive: checking the whole archive ({stat.st_size / 1e9:.1f} GB) "
                      "before writing to it; one this large is checked whole once a day",
                      file=sys.stderr, flush=True)
            started = time.monotonic()
            read_into_page_cache(path)  # read in order first: the check's reads are at random
            problems = _quick_check(connection, "quick_check(3)")
            made = WholeCheck(stat.st_dev, stat.st_ino, now.isoformat(timespec="seconds"),
                              stat.st_size, round(time.monotonic() - started, 3))
    finally:
        connection.close()
    if problems != ["ok"]:
        raise damaged(db_path, problems)
    if made is not None and large:
        print(f"vnarchive: the whole archive checked in {made.seconds:.0f} s; the next writing "
              "commands today check its schema only", file=sys.stderr, flush=True)
    return made


def _quick_check(connection: sqlite3.Connection, pragma: str) -> list[str]:
    try:
        return [" ".join(row[0].replace("*** in database main ***", "").split())
                for row in connection.execute(f"PRAGMA {pragma}")]
    except sqlite3.DatabaseError as error:
        return [str(error)]


def _checked_within(connection: sqlite3.Connection, stat: os.stat_result, now: datetime,
                    interval: timedelta) -> bool:
    """Whether this very file (its device and inode) passed a whole check within `interval`."""
    try:
        if not has_table(connection, "integrity_checks"):
            return False
        row = connection.execute("select checked_at from integrity_checks "
                                 "where device = ? and inode = ?",
                                 [stat.st_dev, stat.st_ino]).fetchone()
        return row is not None and (
            timedelta(0) <= now - datetime.fromisoformat(row[0]) < interval)
    except (sqlite3.DatabaseError, ValueError, TypeError):  # unreadable: checked whole
        return False


def record_whole_check(db_path: str, check: WholeCheck) -> None:
    """The pass recorded, for the next commands of the day. An archive made before the table
    (schema m029) gets it from its migration, and its next start checks it whole again."""
    with closing(sqlite3.connect(db_path, timeout=30)) as connection, connection:
        if has_table(connection, "integrity_checks"):
            connection.execute(
                "insert or replace into integrity_checks (device, inode, checked_at, size, "
                "seconds) values (?, ?, ?, ?, ?)",
                [check.device, check.inode, check.checked_at, check.size, check.seconds])


def check_before_writing(db_path: str) -> None:
    """Everything a writing command checks once, at its start."""
    check_ours(db_path)
    check_writable(db_path)  # before the check's record is written to it
    path = Path(db_path)
    if _missing_or_empty(path):
        return
    with closing(_connect(path)) as connection:
        refuse_newer_schema(Database(connection), db_path)  # before the record is written
    check = check_whole(db_path)
    if check is not None:
        record_whole_check(db_path, check)


def mark_stuck_runs(db_path: str) -> int:
    """Runs still `running` when the caller holds the archive lock were ended by a crash or a
    SIGKILL: mark them `killed`. Returns how many."""
    if not Path(db_path).is_file():
        return 0
    with closing(sqlite3.connect(db_path, timeout=30)) as connection, connection:
        if not has_table(connection, "crawl_runs"):
            return 0
        return connection.execute(
            "update crawl_runs set status = 'killed', finished_at = coalesce(finished_at, "
            "started_at) where status = 'running'").rowcount
