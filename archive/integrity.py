"""What a writing command checks before it touches an archive.

- The file is ours: missing, empty, an empty SQLite database, or one whose migrations are
  vnarchive's. Someone else's SQLite file given as `--db` would otherwise get twenty tables
  and WAL mode added to it.
- The archive is whole: SQLite's `PRAGMA quick_check` (minutes on a very large file, a
  second on ours) runs read-only at the start of a crawl, an ingest or a re-processing. A
  damaged archive is refused with its own exit code before anything is written, where it used
  to take a crawl's rows and fail only at the end.
- A run that a crash left `running` (the kernel released its lock, so no run holds it now) is
  marked `killed` by the next run that takes the lock.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from archive.errors import SQLITE_HEADER, ArchiveError, ArchiveUnusable
from archive.query import has_table, open_read_only

MIGRATION_SET = "vnarchive"  # archive/schema.py's Migrations("vnarchive")


class ArchiveDamaged(ArchiveError):
    """The archive fails SQLite's integrity check: nothing is written to it."""

    exit_code = 9


def _connect(path: Path) -> sqlite3.Connection:
    return open_read_only(path)  # escapes a `#`, `?` or `%` in the path


def check_ours(db_path: str) -> None:
    """ArchiveUnusable unless `db_path` is missing, empty or a vnarchive (or empty) SQLite
    database. Cheap: reads the header and the schema."""
    path = Path(db_path)
    if not path.is_file() or path.stat().st_size == 0:
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
        raise ArchiveUnusable(f"{db_path} is not an archive ({error})") from None
    finally:
        connection.close()
    if tables and not ours:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise ArchiveUnusable(f"{db_path} is not an archive: an SQLite database of something "
                              f"else ({len(tables)} tables: {shown}); vnarchive writes only "
                              "to its own archives")


def check_whole(db_path: str) -> None:
    """ArchiveDamaged when SQLite's quick_check finds the file damaged."""
    path = Path(db_path)
    if not path.is_file() or path.stat().st_size == 0:
        return
    connection = _connect(path)
    try:
        problems = [" ".join(row[0].replace("*** in database main ***", "").split())
                    for row in connection.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as error:
        problems = [str(error)]
    finally:
        connection.close()
    if problems != ["ok"]:
        raise ArchiveDamaged(
            f"the archive {db_path} is damaged ({'; '.join(problems)[:300]}): nothing was "
            "written; restore it from a backup, or recover it with `sqlite3 "
            f"{db_path} .recover`")


def check_before_writing(db_path: str) -> None:
    """Everything a writing command checks once, at its start."""
    check_ours(db_path)
    check_whole(db_path)


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
