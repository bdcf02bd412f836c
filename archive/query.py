"""Read the archive: arbitrary SQL for users, and the summary of a crawl run.

A user's query streams its rows (memory stays flat however many there are) under a time limit
and an optional row limit, and stops within a second of Ctrl-C: SQLite calls a progress handler
every few thousand steps, which ends the statement once the deadline passed or SIGINT came (a
plain KeyboardInterrupt would wait until SQLite returned, which may be never).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from archive.errors import (
    ArchiveError,
    ArchiveMissing,
    ArchiveUnusable,
    QueryRefused,
    check_readable,
)
from archive.lock import is_locked, wait_for_compaction

__all__ = ["ArchiveMissing", "connect_read_only", "has_table", "is_blank", "open_read_only",
           "read_only_uri", "reading", "run_query", "run_summary", "stream_query"]

DEFAULT_TIMEOUT = 30.0
PROGRESS_STEPS = 20_000  # SQLite virtual-machine steps between checks: well under a millisecond
EXIT_TIMEOUT, EXIT_INTERRUPTED = 8, 4
FETCH_ROWS = 500
# A row the reader took longer than this to take (a pager, `| less`, waiting for its user)
# is time of the reader, not of the query: the deadline moves by it. Rows printed as they
# come take microseconds, and count. Before, paging through a result for 30 s ended it.
READER_WAIT = 0.05

# Statements that would reach past the archive: another file attached (which could be written)
# or a pragma that changes the connection.
REFUSED_ACTIONS = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}


# SQLite's white space. Python's str.strip also takes NEL, U+2028 and the information
# separators, which SQLite reads as a token (and names in its syntax error).
SQL_SPACE = " \t\n\r\f"


def is_blank(sql: str) -> bool:
    """Whether an SQL text holds nothing but SQLite's white space."""
    return not sql.strip(SQL_SPACE)


def read_only_uri(db_path: str | Path) -> str:
    """The SQLite URI that opens the file read-only. Built as `f"file:{path}?mode=ro"`, a
    path holding `#`, `?` or `%` was cut or misread: for `/x#1/a.db`, SQLite opened, and
    created, an empty `/x` for writing. `as_uri()` escapes them."""
    return Path(db_path).resolve().as_uri() + "?mode=ro"


def open_read_only(db_path: str | Path) -> sqlite3.Connection:
    """A plain read-only connection to the file (no checks: connect_read_only's are for a
    user's SQL)."""
    return sqlite3.connect(read_only_uri(db_path), uri=True)


def connect_read_only(db_path: str) -> sqlite3.Connection:
    """A connection that can only read the archive: opened read-only, `query_only` on, and
    ATTACH refused (an attached file would be writable)."""
    path = check_readable(db_path)
    connection = open_read_only(path)
    try:
        connection.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        connection.close()
        if not is_locked(error):
            raise ArchiveUnusable(f"{db_path} is not an archive ({error})") from None
        wait_for_compaction(db_path)
        return connect_read_only(db_path)
    connection.execute("PRAGMA query_only = 1")
    connection.set_authorizer(_refuse_outside_actions)
    return connection


@contextmanager
def reading(db_path: str, connection: sqlite3.Connection | None = None
            ) -> Iterator[sqlite3.Connection]:
    """The caller's connection (a command that reads the archive several times opens it once),
    or one of `connect_read_only`, closed when the block ends."""
    if connection is not None:
        yield connection
        return
    opened = connect_read_only(db_path)
    try:
        yield opened
    finally:
        opened.close()


def has_table(connection: sqlite3.Connection, name: str) -> bool:
    """Whether the archive has this table (one an older version of it lacks)."""
    return connection.execute("select 1 from sqlite_master where type = 'table' and name = ?",
                              [name]).fetchone() is not None


def table_columns(connection: sqlite3.Connection, table: str) -> list[str]:
    """The columns of a table (a virtual one too), in their order."""
    return [row[1] for row in connection.execute(f'pragma table_info("{table}")')]


def _refuse_outside_actions(action: int, *_) -> int:
    return sqlite3.SQLITE_DENY if action in REFUSED_ACTIONS else sqlite3.SQLITE_OK


class QueryStopped(ArchiveError):
    """A query was stopped before its end: by its time limit or by Ctrl-C."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class QueryStream:
    columns: list[str]
    rows: Iterator[tuple]
    max_rows: int | None = None
    truncated: bool = False  # more rows than max_rows: the rest was not read


def run_query(db_path: str, sql: str) -> tuple[list[str], list[tuple]]:
    """Columns and rows of one SQL statement, on a read-only connection."""
    with stream_query(db_path, sql) as stream:
        return stream.columns, list(stream.rows)


@contextmanager
def stream_query(db_path: str, sql: str, timeout: float | None = DEFAULT_TIMEOUT,
                 max_rows: int | None = None) -> Iterator[QueryStream]:
    """One SQL statement's columns and rows, read as they are consumed. QueryStopped when the
    statement runs past `timeout` seconds (None or 0: no limit) or Ctrl-C comes."""
    stop: dict = {}
    clock = {"deadline": time.monotonic() + timeout if timeout else None}
    with connect_read_only(db_path) as connection, _interruptible(stop):
        def check() -> int:
            if clock["deadline"] is not None and time.monotonic() > clock["deadline"]:
                stop.setdefault("reason", "timeout")
            return 1 if stop else 0

        connection.set_progress_handler(check, PROGRESS_STEPS)
        try:
            cursor = _execute(connection, sql)
        except sqlite3.OperationalError as error:
            raise _stopped(stop, timeout) if stop else error from None
        stream = QueryStream([d[0] for d in cursor.description or []], iter(()), max_rows)
        stream.rows = _rows(cursor, stream, stop, timeout, check, clock)
        yield stream


def _execute(connection: sqlite3.Connection, sql: str) -> sqlite3.Cursor:
    try:
        return connection.execute(sql)
    except sqlite3.DatabaseError as error:
        if _is_refused_write(error):
            raise QueryRefused(
                "refused: `vnarchive query` only reads the archive; this statement would "
                f"change it ({error})") from None
        raise


def _rows(cursor, stream: QueryStream, stop: dict, timeout, check,
          clock: dict) -> Iterator[tuple]:
    count = 0
    while True:
        try:
            batch = cursor.fetchmany(FETCH_ROWS)
        except sqlite3.OperationalError as error:
            raise _stopped(stop, timeout) if stop else error from None
        for row in batch:
            if stream.max_rows is not None and count >= stream.max_rows:
                stream.truncated = True
                return
            if check():  # the time limit and Ctrl-C hold while the rows are printed too
                raise _stopped(stop, timeout)
            count += 1
            handed = time.monotonic()
            yield row
            waited = time.monotonic() - handed
            if waited > READER_WAIT and clock["deadline"] is not None:
                clock["deadline"] += waited
        if not batch:
            return


def _stopped(stop: dict, timeout) -> QueryStopped:
    if stop.get("reason") == "timeout":
        return QueryStopped(f"stopped after {timeout:g} s (--timeout): narrow the query, or "
                            "give a longer --timeout", EXIT_TIMEOUT)
    return QueryStopped("stopped by Ctrl-C", EXIT_INTERRUPTED)


@contextmanager
def _interruptible(stop: dict) -> Iterator[None]:
    """Ctrl-C sets `stop` instead of raising, so the progress handler ends the statement."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda *_: stop.setdefault("reason", "interrupt"))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _is_refused_write(error: sqlite3.DatabaseError) -> bool:
    message = str(error)
    return "readonly database" in message or "not authorized" in message


def run_summary(db_path: str, run_id: int) -> dict:
    """What a crawl run did, and what the archive holds afterwards for the run's sites: their
    counts kept by triggers (schema m033) and their first and last days, two seeks each in
    the index by day. Counting the rows read every article up to its flag, which lies after
    the text (at 1.47 million articles: every site's, 5.5 s in the page cache and 55 s out
    of it; a crawl of every site's, by the index, 11 s and 362 s)."""
    with connect_read_only(db_path) as connection:
        connection.row_factory = sqlite3.Row
        run = dict(connection.execute("select * from crawl_runs where id = ?", [run_id]).fetchone())
        per_site = connection.execute(
            "select c.site, c.articles, c.meeting_reports, (select min(published) from "
            "articles where site = c.site) as earliest, (select max(published) from articles "
            "where site = c.site) as latest from site_counts c where c.articles > 0 and "
            "c.site in (select value from json_each(?)) order by c.site",
            [run["sites"] or "[]"]).fetchall()
    started = datetime.fromisoformat(run["started_at"])
    finished = datetime.fromisoformat(run["finished_at"]) if run["finished_at"] else started
    run["duration"] = f"{(finished - started).total_seconds():.0f} s"
    run["sites"] = ", ".join(json.loads(run["sites"] or "[]"))
    columns = ["site", "articles", "meeting_reports", "earliest", "latest"]
    run["per_site"] = (columns, [tuple(row) for row in per_site])
    return run
