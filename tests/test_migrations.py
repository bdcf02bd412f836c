"""An archive made by the first version (tests/fixtures/archive-v1.db: the Lý Nhân test site
crawled by commit a25e71d, with only the first migration) is upgraded in place."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from archive.schema import migrations, open_database

FIRST_VERSION = Path(__file__).parent / "fixtures" / "archive-v1.db"


@pytest.fixture
def upgraded(tmp_path) -> Path:
    path = tmp_path / "old.db"
    shutil.copy(FIRST_VERSION, path)
    open_database(str(path)).close()
    return path


def test_first_version_has_only_the_first_migration():
    with sqlite3.connect(FIRST_VERSION) as connection:
        names = [row[0] for row in connection.execute("select name from _sqlite_migrations")]
    assert names == ["m001_create_core_tables"]


def test_upgrade_applies_every_migration_and_keeps_the_rows(upgraded):
    with sqlite3.connect(upgraded) as connection:
        applied = [row[0] for row in connection.execute(
            "select name from _sqlite_migrations order by rowid")]
        articles = connection.execute("select count(*), count(text) from articles").fetchone()
        columns = {row[1] for row in connection.execute("pragma table_info(articles)")}
        tables = {row[0] for row in connection.execute(
            "select name from sqlite_master where type = 'table'")}
    assert applied == [migration.name for migration in migrations._migrations]  # noqa: SLF001
    assert articles == (17, 17)
    assert {"published_source", "encoding", "event_date", "confidence"} <= columns
    assert {"meeting_reports", "officials", "figures"} <= tables
    open_database(str(upgraded)).close()  # a second open changes nothing


def test_figures_past_the_cap_that_an_older_version_stored_are_dropped(tmp_path):
    """Before the cap, '100.000.000.000.000.000.000 tỷ đồng' was stored as a figure (or
    infinity, for 400 digits); the migration leaves the archive as re-processing would."""
    path = str(tmp_path / "a.db")
    db = open_database(path)
    db["articles"].insert({"canonical_url": "http://127.0.0.1/a/1", "url": "http://127.0.0.1/a/1",
                           "site": "s1", "fetched_at": "2024-01-01T00:00:00+00:00"})
    db["figures"].insert_all([
        {"canonical_url": "http://127.0.0.1/a/1", "text": text, "value": value, "unit": unit}
        for text, value, unit in [("431.417.950 triệu đồng", 431_417_950, "triệu đồng"),
                                  ("1.000.000.000.000.000 tấn", 10**15, "tấn"),
                                  ("100.000.000.000.000.000.000 tỷ đồng", 1e20, "tỷ đồng"),
                                  ("9" * 400 + " tấn", float("inf"), "tấn")]])
    db.execute("delete from _sqlite_migrations where name = 'm022_figures_within_the_cap'")
    db.conn.commit()
    db.close()
    open_database(path).close()
    with sqlite3.connect(path) as connection:
        kept = [row[0] for row in connection.execute("select text from figures order by id")]
    assert kept == ["431.417.950 triệu đồng", "1.000.000.000.000.000 tấn"]
