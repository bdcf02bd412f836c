"""Read the archive: arbitrary SQL for users, and the summary of a crawl run."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from archive.errors import ArchiveMissing, ArchiveUnusable, QueryRefused, check_readable

__all__ = ["ArchiveMissing", "connect_read_only", "run_query", "run_summary"]

# Statements that would reach past the archive: another file attached (which could be written)
# or a pragma that changes the connection.
REFUSED_ACTIONS = {sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH}


def connect_read_only(db_path: str) -> sqlite3.Connection:
    """A connection that can only read the archive: opened read-only, `query_only` on, and
    ATTACH refused (an attached file would be writable)."""
    path = check_readable(db_path)
    connection = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    try:
        connection.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        connection.close()
        raise ArchiveUnusable(f"{db_path} is not an archive ({error})") from None
    connection.execute("PRAGMA query_only = 1")
    connection.set_authorizer(_refuse_outside_actions)
    return connection


def _refuse_outside_actions(action: int, *_) -> int:
    return sqlite3.SQLITE_DENY if action in REFUSED_ACTIONS else sqlite3.SQLITE_OK


def run_query(db_path: str, sql: str) -> tuple[list[str], list[tuple]]:
    """Columns and rows of one SQL statement, on a read-only connection."""
    with connect_read_only(db_path) as connection:
        try:
            cursor = connection.execute(sql)
        except sqlite3.DatabaseError as error:
            if _is_refused_write(error):
                raise QueryRefused(
                    "refused: `vnarchive query` only reads the archive; this statement would "
                    f"change it ({error})") from None
            raise
        columns = [description[0] for description in cursor.description or []]
        return columns, cursor.fetchall()


def _is_refused_write(error: sqlite3.DatabaseError) -> bool:
    message = str(error)
    return "readonly database" in message or "not authorized" in message


def run_summary(db_path: str, run_id: int) -> dict:
    """What a crawl run did, and what the archive holds per site afterwards."""
    with connect_read_only(db_path) as connection:
        connection.row_factory = sqlite3.Row
        run = dict(connection.execute("select * from crawl_runs where id = ?", [run_id]).fetchone())
        per_site = connection.execute(
            "select site, count(*) as articles, sum(is_meeting_report) as meeting_reports, "
            "min(published) as earliest, max(published) as latest "
            "from articles group by site order by site"
        ).fetchall()
    started = datetime.fromisoformat(run["started_at"])
    finished = datetime.fromisoformat(run["finished_at"]) if run["finished_at"] else started
    run["duration"] = f"{(finished - started).total_seconds():.0f} s"
    run["sites"] = ", ".join(json.loads(run["sites"] or "[]"))
    columns = ["site", "articles", "meeting_reports", "earliest", "latest"]
    run["per_site"] = (columns, [tuple(row) for row in per_site])
    return run
