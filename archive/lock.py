"""One run at a time per archive: an advisory file lock beside the database.

`vnarchive crawl` (and so every scheduled run) holds it for the whole crawl, so two runs never
write one archive at once; the kernel drops the lock when the process dies, even by SIGKILL,
so a crash never leaves it stuck.

The lock of `NAME.db` is `NAME.db.lock`: a name that adds to the archive's, so it can never be
the archive itself (`x.lock` as an archive locks `x.lock.lock`). A lock file is only ever
written when it is empty or holds what a lock writes ("process PID"): any other file that
happens to have that name is refused, never truncated.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import ArchiveUnusable

LOCK_TEXT = re.compile(r"(process \d+)?\s*")
LOCK_READ_LIMIT = 64  # a lock holds a few bytes: more is someone else's file


class ArchiveBusy(RuntimeError):
    """Another run holds this archive's lock; this one does not start."""


def lock_path(db_path: str) -> Path:
    path = Path(db_path).resolve()
    return path.with_name(path.name + ".lock")


def _open_lock(path: Path) -> int:
    """The lock file, opened without truncating it and without following a symlink."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as error:
        raise ArchiveUnusable(f"cannot use {path} as the archive's lock file ({error.strerror})") \
            from None


def _holder(descriptor: int) -> str:
    os.lseek(descriptor, 0, os.SEEK_SET)
    return os.read(descriptor, LOCK_READ_LIMIT + 1).decode("utf-8", "replace")


# What each command that takes the lock does to the archive (a crawl, by default: `vnarchive
# crawl` and `scrapy crawl`). A compact holding it for minutes was reported as a crawl.
DOING = {"compact": "compacted", "reprocess": "re-processed", "import": "imported into",
         "ingest": "written by an ingest"}


def command_line(pid: str) -> list[str]:
    """The words of process `pid`'s command line, from Linux's /proc; OSError where it cannot
    be read (gone, another user's, no /proc)."""
    words = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
    return [word.decode("utf-8", "replace") for word in words]


def _doing(holder: str) -> str:
    """What the holder ("process PID") is doing, read from its command line."""
    try:
        words = command_line(holder.split()[-1])
    except (OSError, IndexError):
        return "crawled"
    names = [Path(word).name for word in words]
    for place, name in enumerate(names[:-1]):
        if name == "vnarchive" and names[place + 1] in DOING:  # bin/vnarchive or -m vnarchive
            return DOING[names[place + 1]]
    return "crawled"


@contextmanager
def archive_lock(db_path: str) -> Iterator[Path]:
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = _open_lock(path)
    try:
        text = _holder(descriptor)
        if len(text) > LOCK_READ_LIMIT or not LOCK_TEXT.fullmatch(text) \
                or not os.path.isfile(path):
            raise ArchiveUnusable(f"{path} is not a lock file of vnarchive; it is left as it is "
                                  "(move it away to crawl this archive)")
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(descriptor).strip() or "another process"
            raise ArchiveBusy(f"{db_path} is being {_doing(holder)} by {holder}") from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"process {os.getpid()}".encode(), 0)
        yield path
    finally:
        os.close(descriptor)


def is_locked(error: BaseException) -> bool:
    """An SQLite error that says another connection holds the file alone (SQLITE_BUSY)."""
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY


COMPACTION_POLL_SECONDS = 1.0


def wait_for_compaction(db_path: str) -> None:
    """For a reader that met the archive held alone past its busy timeout. A `vnarchive
    compact` alone with the archive holds it from VACUUM's start to its end (minutes for a
    large one, archive/compact.py): said, and waited for, so the caller reads again once it
    returns. Any other holder: ArchiveBusy, naming the run holding the lock if one does."""
    holder = _lock_holder(db_path)
    doing = _doing(holder) if holder else None
    if doing != DOING["compact"]:
        who = f"is being {doing} by {holder}" if holder else "is held by another process"
        raise ArchiveBusy(f"{db_path} {who}, alone meanwhile: try again when it is done")
    print(f"vnarchive: {db_path} is being compacted by {holder}; reading it once that is done "
          "(Ctrl-C stops)", file=sys.stderr, flush=True)
    while _lock_holder(db_path) == holder:
        time.sleep(COMPACTION_POLL_SECONDS)


def _lock_holder(db_path: str) -> str | None:
    """"process PID" of the run holding the archive's lock, None when no run holds it. Reads
    the lock file without making one (a reader may not write beside the archive)."""
    try:
        descriptor = os.open(lock_path(db_path), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None
    except BlockingIOError:
        return _holder(descriptor).strip() or "another process"
    finally:
        os.close(descriptor)  # and with it a shared lock taken
