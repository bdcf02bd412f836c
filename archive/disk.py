"""A full disk, told apart from other write failures: the archive stops cleanly on it."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# SQLite's primary result codes for "the disk is full" and "a write failed" (a file-size limit
# or a vanished disk surfaces as the second).
SQLITE_FULL, SQLITE_IOERR = 13, 10
FULL_DISK_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


class StorageFull(OSError):
    """The archive cannot be written any more: the disk (or a size limit) is full."""


def is_storage_failure(error: BaseException) -> bool:
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in (SQLITE_FULL, SQLITE_IOERR)
    return isinstance(error, OSError) and error.errno in FULL_DISK_ERRNOS


@contextmanager
def full_disk_as(error_for: Callable[[str], StorageFull]) -> Iterator[None]:
    """SQLite's "database or disk is full" (or a failed write) raised as `error_for(why)`, an
    error that says where and what to do; any other failure as it is."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if not is_storage_failure(error):
            raise
        raise error_for(str(error)) from None
