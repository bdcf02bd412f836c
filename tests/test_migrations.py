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
