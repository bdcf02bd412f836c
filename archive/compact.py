"""Compact an archive: SQLite's VACUUM, so each table's and index's pages lie together again.

The writer adds each batch's article rows, raw pages, full-text segments and index leaves side
by side, so at a million articles the `articles` table lies in short runs across the file and a
cold Parquet export reads 71% of the file to get it; after VACUUM it reads 37%, and ran 37-60%
faster on a machine with a core to spare (docs/performance-history.md). VACUUM rewrites every
page: it builds a copy in SQLite's temporary directory, then writes each page back into the
archive, so it needs about the archive's size free there and as much again beside the archive
(the rollback journal or the WAL), and is refused without it.

Two ways back, chosen at the start:
- **Nothing else has the archive open:** it is switched to a rollback journal for the VACUUM
  and back to WAL after it. Written through the WAL, every page VACUUM wrote back cost a
  search of the WAL's index, which grows with each page (SQLite's walFindFrame was 75% of the
  CPU): 201-223 s for a 13.4 GB archive out of the page cache, 109-137 s with the journal.
  Under a rollback journal VACUUM takes the file alone from its start: a reader that opens the
  archive meanwhile waits for its end (109 s of a 119 s compaction of 14 GB; vnarchive's
  reading commands say so and wait, archive/lock.py wait_for_compaction, where another
  reader gives up at its busy timeout). A read that began between compact's look and
  VACUUM's start is waited for; held past compact's busy timeout, VACUUM gives up, and it is
  VACUUMed through the WAL once that read is over.
- **A reader has it open** (a Datasette server, a long query): through the WAL as before, and
  the reader goes on reading the archive as it was until it is done.

VACUUM copies each table and index in key order, and the trees filled at random keys lie at
random places in the file, so a cold archive was read one page at a time: the file is read in
order into the page cache first, when it fits in memory (archive/page_cache.py, as the whole
check does): 251-261 s before, 201-223 s with it (through the WAL).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive.errors import ArchiveError
from archive.lock import command_line, is_locked
from archive.page_cache import read_into_page_cache

# Where SQLite puts a VACUUM's temporary copy (os_unix.c, unixTempFileDir), after SQLITE_TMPDIR.
SQLITE_TEMP_FOLDERS = ("/var/tmp", "/usr/tmp", "/tmp", ".")
# How long VACUUM and the checkpoint after it wait for other connections (a crawl's writer
# cannot be one: the caller holds the lock; readers can).
BUSY_TIMEOUT_MS = 30_000


class HeldByReader(ArchiveError):
    """Another process held a read of the archive for longer than compact waits, both when
    VACUUM came to take it alone and when compact turned to the WAL instead; nothing done."""

    exit_code = 3  # as for an archive another run holds: nothing done, try again


class NotEnoughSpace(ArchiveError):
    """Compacting the archive needs about twice its size free on disk; nothing was changed."""


@dataclass
class Compacted:
    bytes_before: int
    bytes_after: int  # the compacted archive's size (pages times page size)
    seconds: float
    # Bytes of compacted pages still in the WAL: a reader held the archive as it was through
    # the checkpoint, so the file shrinks only at a later one, once the reader is gone.
    wal_pending: int = 0


def sqlite_temp_folder() -> Path:
    """The folder SQLite's temporary files go to in this process."""
    for folder in (os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"),
                   *SQLITE_TEMP_FOLDERS):
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return Path(folder)
    return Path(".")


def space_needed(db_path: str) -> dict[Path, int]:
    """Bytes VACUUM needs free in each folder: the archive's size in the temporary folder (its
    copy) and again beside the archive (the WAL it writes every page through)."""
    size = Path(db_path).stat().st_size
    archive_folder, temp_folder = Path(db_path).resolve().parent, sqlite_temp_folder().resolve()
    if os.stat(archive_folder).st_dev == os.stat(temp_folder).st_dev:
        return {archive_folder: 2 * size}
    return {archive_folder: size, temp_folder: size}


def compact(db_path: str, progress: Callable[[int, int, float], None] | None = None,
            every: float = 10.0, notice: Callable[[str], None] | None = None) -> Compacted:
    """VACUUM the archive in place, then empty its WAL; raises NotEnoughSpace first if the disk
    cannot hold what it writes. The caller holds the archive's lock (no writer meanwhile).
    `progress(written, expected, seconds)` is called every `every` seconds meanwhile;
    `notice(text)` is told, before VACUUM, of the processes that keep it from going alone."""
    for folder, needed in space_needed(db_path).items():
        free = shutil.disk_usage(folder).free
        if free < needed:
            raise NotEnoughSpace(
                f"compacting {db_path} needs {needed / 2**30:.1f} GiB free in {folder}, which "
                f"has {free / 2**30:.1f} GiB: nothing was changed (SQLITE_TMPDIR names another "
                "folder for the temporary copy)")
    before, started = Path(db_path).stat().st_size, time.perf_counter()
    read_into_page_cache(db_path)  # VACUUM's reads are at random places (see above)
    # Used by the thread that runs VACUUM, and interrupted from this one.
    connection = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        alone = _rollback_journal_if_alone(connection)
        if not alone and notice is not None:
            _tell_who_reads(db_path, notice)
        try:
            # VACUUM writes the archive three times: its temporary copy, each page's old
            # content to the journal and its new one into the file (or each page through the
            # WAL, then the checkpoint's copy of them into the file).
            busy = _vacuum(connection, progress, 3 * before, every)
        except sqlite3.OperationalError as error:
            if not (alone and is_locked(error)):
                raise
            # A reader that opened the archive after compact looked held a read past the busy
            # timeout when VACUUM came to take the file alone (nothing done): VACUUMed beside
            # it instead, through the WAL, once its read is over.
            alone = _back_to_wal(connection)
            if alone:
                raise HeldByReader(
                    f"{db_path} was read by another process for over {BUSY_TIMEOUT_MS // 1000} "
                    "s while compact waited to take it alone; nothing was changed: try again"
                ) from None
            busy = _vacuum(connection, progress, 3 * before, every)
        finally:
            if alone:
                _back_to_wal(connection)
        # The size from the pages, not the file's: with the checkpoint blocked by a reader,
        # the file still had its old size and the report said nothing had shrunk.
        after = (connection.execute("PRAGMA page_count").fetchone()[0]
                 * connection.execute("PRAGMA page_size").fetchone()[0])
    finally:
        connection.close()
    wal = Path(f"{db_path}-wal")
    pending = wal.stat().st_size if busy and wal.exists() else 0
    return Compacted(before, after, time.perf_counter() - started, pending)


def _rollback_journal_if_alone(connection: sqlite3.Connection) -> bool:
    """Switch an archive in WAL mode to a rollback journal, which SQLite allows only when no
    other connection has it open (each holds a shared lock on the file while open, idle or
    not): whether it was switched. Asked once, without waiting."""
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        return False  # a file that is not in WAL mode is VACUUMed as it is
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        return connection.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError:  # "database is locked": another connection has it open
        return False
    finally:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _tell_who_reads(db_path: str, notice: Callable[[str], None]) -> None:
    """Name the processes that have the archive open: compacting beside them takes about half
    again as long (201-223 s against 132-137 s for 14 GB), which a user who can stop a
    Datasette server for it would rather know before the minutes start."""
    readers = processes_with_open(db_path)
    if readers:
        notice(f"{', '.join(readers)} {'has' if len(readers) == 1 else 'have'} the archive "
               "open: compacting beside it, through the WAL, takes about half again as long "
               "as alone (close it first to be quicker)")


def processes_with_open(path: str) -> list[str]:
    """"process PID (COMMAND)" of each other process that has `path` open, from Linux's /proc
    (the processes this user may look into; none elsewhere). SQLite says only that the file
    is in use, not by whom."""
    target, found = os.path.realpath(path), []
    with contextlib.suppress(OSError), os.scandir("/proc") as processes:
        for process in processes:
            if not process.name.isdigit() or int(process.name) == os.getpid():
                continue
            if _has_open(process.name, target):
                found.append(f"process {process.name} ({_command_of(process.name)})")
    return found


def _has_open(pid: str, target: str) -> bool:
    with contextlib.suppress(OSError):  # gone, or another user's
        for descriptor in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):  # closed since it was listed
                if os.readlink(f"/proc/{pid}/fd/{descriptor}") == target:
                    return True
    return False


def _command_of(pid: str) -> str:
    with contextlib.suppress(OSError):
        command = " ".join(" ".join(word.split()) for word in command_line(pid))
        return command if len(command) <= 60 else command[:59] + "…"
    return "?"


def _back_to_wal(connection: sqlite3.Connection) -> bool:
    """The archive in WAL mode again; whether it is still in rollback mode. Should a reader
    hold it past the busy timeout, it stays so, which every reader and writer reads as well,
    until the next writing command opens it (archive/schema.py open_archive turns WAL on)."""
    with contextlib.suppress(sqlite3.OperationalError):
        return connection.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal"
    return True


def _vacuum(connection: sqlite3.Connection, progress, expected: int, every: float) -> int:
    """VACUUM, then the checkpoint that empties the WAL (its `busy` flag returned), on a
    thread of their own, while this thread calls `progress` every `every` seconds: the bytes
    this process has written since (the temporary copy, each page through the WAL, then into
    the file: about three times the archive), of `expected`, and the seconds. VACUUM itself
    says nothing until it is done, which is minutes at a million articles.

    This thread also stays free to take a Ctrl-C: Python runs a signal's handler only in the
    main thread, between its own instructions, so a Ctrl-C waited for VACUUM's end and then
    reported an interruption of work already done. Now it interrupts VACUUM (sqlite3's
    interrupt), which rolls back and leaves the archive as it was; once VACUUM has committed,
    it cuts the checkpoint short, and the compacted pages wait in the WAL (returned as busy)."""
    outcome: dict = {}
    done = threading.Event()  # not Thread.join: a join cut by Ctrl-C can return early after

    def work() -> None:
        try:
            connection.execute("VACUUM")
            outcome["vacuumed"] = True
            outcome["busy"] = connection.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except BaseException as error:  # raised again in the caller's thread
            outcome["error"] = error
        finally:
            done.set()

    started, written_before = time.perf_counter(), bytes_written()
    threading.Thread(target=work, name="compact-vacuum", daemon=True).start()
    try:
        while not done.wait(every):
            if progress is not None:
                progress(max(0, bytes_written() - written_before), expected,
                         time.perf_counter() - started)
    except BaseException:
        _interrupt(connection, done)  # the connection is never closed under VACUUM
        if outcome.get("vacuumed"):  # only the checkpoint was cut short: compacted, in the WAL
            return 1
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["busy"]


def _interrupt(connection: sqlite3.Connection, done: threading.Event) -> None:
    """Interrupt what the connection runs and wait until it has stopped, through any further
    Ctrl-C."""
    while True:
        connection.interrupt()
        try:
            done.wait()
            return
        except KeyboardInterrupt:
            continue


def bytes_written() -> int:
    """Bytes this process has written to files so far (Linux's /proc/self/io `wchar`); 0
    where the kernel does not say."""
    try:
        with open("/proc/self/io", "rb") as counters:
            for line in counters:
                if line.startswith(b"wchar:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
