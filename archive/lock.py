"""One run at a time per archive: an advisory file lock beside the database.

`vnarchive crawl` (and so every scheduled run) holds it for the whole crawl, so two runs never
write one archive at once; the kernel drops the lock when the process dies, even by SIGKILL,
so a crash never leaves it stuck.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ArchiveBusy(RuntimeError):
    """Another run holds this archive's lock; this one does not start."""


@contextmanager
def archive_lock(db_path: str) -> Iterator[Path]:
    path = Path(db_path).resolve().with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ArchiveBusy(f"{db_path} is being crawled by {holder}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        yield path
    finally:
        handle.close()
