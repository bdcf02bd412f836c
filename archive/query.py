"""Read the archive: arbitrary SQL for users, and the summary of a crawl run."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path


class ArchiveMissing(FileNotFoundError):
    """There is no archive at this path yet: run `vnarchive demo` or `vnarchive crawl` first."""


def connect_read_only(db_path: str) -> sqlite3.Connection:
    if not Path(db_path).exists():
        raise ArchiveMissing(f"no archive at {db_path}: run `vnarchive demo` or "
                             "`vnarchive crawl SITE` first")
    return sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)


def run_query(db_path: str, sql: str) -> tuple[list[str], list[tuple]]:
    """Columns and rows of one SQL statement, on a read-only connection."""
    with connect_read_only(db_path) as connection:
        cursor = connection.execute(sql)
        columns = [description[0] for description in cursor.description or []]
        return columns, cursor.fetchall()


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
