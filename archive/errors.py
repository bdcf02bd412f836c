"""Why an archive cannot be used as asked: each error's message names the file and the way out,
and the `vnarchive` command prints it as one line."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

SQLITE_HEADER = b"SQLite format 3\x00"  # the first bytes of every SQLite database file


def is_sqlite(path: Path) -> bool:
    """Whether `path` is a regular file that begins as an SQLite database does (a pipe or a
    folder is not opened)."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


class ArchiveError(Exception):
    """The archive at this path cannot be used as asked."""


class ArchiveMissing(ArchiveError, FileNotFoundError):
    """There is no archive at this path yet: run `vnarchive demo` or `vnarchive crawl` first."""


class ArchiveUnusable(ArchiveError):
    """The path holds something that is not an archive (a directory, another kind of file)."""


class ArchiveTooNew(ArchiveUnusable):
    """A newer vnarchive wrote the archive: its schema has migrations this version lacks, so
    this version could write rows the newer one reads wrongly."""


class ArchiveDamaged(ArchiveError):
    """The archive fails SQLite's integrity check (archive/integrity.py), or SQLite found a
    damaged page while reading it: nothing is written to it."""

    exit_code = 9


def damaged(db_path: str, problems: list[str]) -> ArchiveDamaged:
    """What a damaged archive is told with, and the way out."""
    return ArchiveDamaged(f"the archive {db_path} is damaged ({'; '.join(problems)[:300]}): "
                          f"nothing was written; {way_out_of_damage(db_path)}")


def way_out_of_damage(db_path: str) -> str:
    return f"restore it from a backup, or recover it with `sqlite3 {db_path} .recover`"


def is_damage(error: BaseException) -> bool:
    """An SQLite error that reports a damaged page (SQLITE_CORRUPT)."""
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_CORRUPT


class ArchiveReadOnly(ArchiveError):
    """The archive (or its folder) is read-only, and the command would write to it."""


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why. Here, not in archive/export.py,
    so the command's error handling does not import pyarrow for every command."""


class QueryRefused(ArchiveError):
    """`vnarchive query` was given a statement that would change something."""


def check_readable(db_path: str) -> Path:
    path = Path(db_path)
    if not path.exists():
        raise ArchiveMissing(f"no archive at {db_path}: run `vnarchive demo` or "
                             "`vnarchive crawl SITE` first")
    if path.is_dir():
        raise ArchiveUnusable(f"{db_path} is a directory, not an archive file")
    return path


def check_writable(db_path: str) -> None:
    """Refuse before writing anything. A file without write permission is refused even for
    root (who may write it anyway): someone made it read-only on purpose. SQLite also needs to
    create its -wal and -shm files beside the archive, so the folder must be writable too."""
    path = Path(db_path)
    if path.is_dir():
        raise ArchiveUnusable(f"{db_path} is a directory, not an archive file")
    if path.exists() and (not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
                          or not os.access(path, os.W_OK)):
        raise ArchiveReadOnly(f"the archive {db_path} is read-only: reading commands (query, "
                              "search, export, serve) work on it, writing ones need write access")
    folder = path.resolve().parent
    # The nearest existing folder on the way: a crawl makes what is missing below it, which
    # failed later in a traceback from mkdir when it was a file or read-only.
    existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
    if not existing.is_dir():
        raise ArchiveUnusable(f"cannot make the folder of the archive {db_path}: {existing} "
                              "is a file, not a folder")
    if not os.access(existing, os.W_OK):
        raise ArchiveReadOnly(f"the folder of the archive {db_path} is read-only" if
                              existing == folder else f"cannot make the folder of the "
                              f"archive {db_path}: {existing} is read-only")
