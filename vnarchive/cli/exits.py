"""How a `vnarchive` command ends: its exit code, and one line on standard error naming what
stopped it (the table is in vnarchive/cli/__init__.py and the README)."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys

from archive.disk import StorageFull
from archive.errors import (
    ArchiveDamaged,
    ArchiveError,
    ExportError,
    is_damage,
    way_out_of_damage,
)
from archive.lock import ArchiveBusy
from crawler.profiles import ProfileError
from vnarchive.cli.options import CommandError

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_BUSY = 1, 2, 3
EXIT_INTERRUPTED, EXIT_KILLED, EXIT_DISK_FULL = 4, 5, 6
EXIT_NO_ARTICLE_LINKS = 7  # finished, but a site's listing pages gave no article link
EXIT_UNREACHABLE = 10  # finished, but a site answered no request at all
EXIT_ROUND_LOST = 11  # a distributed worker whose round Redis forgot: run the crawl again
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe
# How a run that stopped stopped, one line per command (the exit codes are every command's):
# a crawl, a worker of a distributed crawl, its writer.
CRAWL_STOPS = {
    "interrupted": "interrupted: the pages in flight were archived; run the same command "
                   "again to go on",
    "killed": "stopped at once (second stop signal): pages in flight were dropped, the archive "
              "is intact; run the same command again to go on",
}
WORKER_STOPS = {
    "interrupted": "interrupted: what it had not finished went back on the shared queue, for "
                   "the other workers or the next run",
    "killed": "stopped at once (second stop signal): its requests in flight go back on the "
              "shared queue once its heartbeat expires (--worker-timeout)",
    "round_lost": "Redis forgot this worker's round while it crawled (restarted without its "
                  "data, or flushed): what the round had queued may be lost; run the same "
                  "crawl again",
}
INGEST_STOPS = {"interrupted": "interrupted: every batch it took was written; what is left "
                               "waits in Redis for the next `vnarchive ingest`"}
# A run's status to its exit code; a status not here ends EXIT_FAILED.
RUN_EXIT_CODES = {"finished": 0, "interrupted": EXIT_INTERRUPTED, "killed": EXIT_KILLED,
                  "round_lost": EXIT_ROUND_LOST}
# What a command may raise for `exit_code_of` to turn into its exit code and one line.
ENDINGS = (KeyboardInterrupt, BrokenPipeError, ArchiveBusy, StorageFull, CommandError,
           ProfileError, ArchiveError, ExportError, sqlite3.Error)


def run_exit_code(command: str, status: str, stops: dict[str, str]) -> int:
    """The exit code of `vnarchive COMMAND` whose run ended with `status`; a stopped one says
    how it stopped, in its line of `stops` (CRAWL_STOPS, WORKER_STOPS, INGEST_STOPS)."""
    if status in stops:
        print(f"vnarchive {command}: {stops[status]}", file=sys.stderr)
    return RUN_EXIT_CODES.get(status, EXIT_FAILED)


def single_line(text: str) -> str:
    """The text on one line: every break Python splits lines at (a newline, and also the
    NEL, form feed or line separator an SQL error may quote from its input) becomes a space."""
    return " ".join(text.splitlines())


def exit_code_of(command: str, error: BaseException) -> int:
    """The exit code of `vnarchive COMMAND` stopped by `error` (one of ENDINGS), its line
    printed."""
    said = single_line(str(error))
    if isinstance(error, BrokenPipeError):
        return stdout_closed()
    if isinstance(error, KeyboardInterrupt):
        print(f"vnarchive {command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(error, ArchiveBusy):
        print(f"vnarchive {command}: {said}; not starting", file=sys.stderr)
        return EXIT_BUSY
    if isinstance(error, StorageFull):
        print(f"vnarchive {command}: {said}", file=sys.stderr)
        return EXIT_DISK_FULL
    if is_damage(error):  # met by a read before any check, or by a reading command
        error = ArchiveDamaged(f"the archive is damaged ({said}): {way_out_of_damage('FILE')}")
        said = str(error)
    print(f"vnarchive {command}: error: {said}", file=sys.stderr)
    return getattr(error, "exit_code", EXIT_BAD_INPUT)  # 9 for a damaged archive, 4 and 8 for query


def take_over_stop_signals(command: str | None) -> None:
    """A crawl notes stop signals until Scrapy takes them (vnarchive.interrupts); every other
    command gets Python's KeyboardInterrupt back (after the quiet one of loading)."""
    if command in ("crawl", "demo"):
        from vnarchive.interrupts import noted_stops

        noted_stops.install()
    else:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def stdout_closed() -> int:
    """The reader of our output went away (`vnarchive status | head`): stop quietly, as a
    process killed by SIGPIPE would (exit 141), with stdout sent nowhere so that the flush at
    exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE
