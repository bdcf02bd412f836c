"""What the writer costs the full-text index: a batch's rows are indexed in one statement and
in ascending rowid order (archive/article_rows.py), so FTS5 writes one segment a batch; the
index's settings (schema m021) reach every archive, old ones included, its contents unchanged."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from archive.schema import FTS_SETTINGS, open_database
from archive.writer import ArchiveWriter
from tests.conftest import first_version_killed_while_opening

FIRST_VERSION = Path(__file__).parent / "fixtures" / "archive-v1.db"


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """An SQLite varint (what FTS5's structure record is made of) and where the next starts."""
    value = 0
    for position in range(at, at + 9):
        byte = data[position]
        if position == at + 8:
            return (value << 8) | byte, position + 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, position + 1
    raise ValueError("not a varint")


def segments(path) -> int:
    """How many segments the full-text index has: its structure record (id 10) holds a
    4-byte cookie, the number of levels, then the number of segments."""
    with sqlite3.connect(path) as connection:
        record = connection.execute("select block from articles_fts_data where id = 10"
                                    ).fetchone()[0]
    levels, at = _varint(record, 4)
    return _varint(record, at)[0]


def article(number: int, text: str) -> dict:
    url = f"https://s.example.vn/{number}"
    return {"canonical_url": url, "url": url, "site": "s", "title": f"Tin số {number}",
            "text": text, "published": f"2024-03-{number + 1:02}T08:00",
            "fetched_at": "2026-01-01T00:00:00+00:00", "status": 200, "html": "<html></html>",
            "encoding": "utf-8", "is_meeting_report": 0}


def rows(path, sql: str, parameters=()) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql, parameters).fetchall()


def test_a_batch_of_updates_and_new_articles_is_one_segment_of_the_index(tmp_path):
    """Updated rows come in any order, between new ones; FTS5 flushes its pending terms each
    time a rowid goes back, so only an ascending order keeps the batch one segment."""
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=100, site="s")
    for number in range(6):
        writer.add_article(article(number, f"Hội nghị lần {number} bàn về nông thôn mới."))
    writer.flush()
    before = segments(path)
    for number in (6, 4, 7, 1, 8, 3):  # new, updated, new, updated, ...
        writer.add_article(article(number, f"Bản sửa {number}: giải ngân vốn đầu tư công."))
    writer.flush()
    writer.close()
    assert segments(path) == before + 1
    assert rows(path, "insert into articles_fts (articles_fts) values ('integrity-check')") \
        == []
    matched = rows(path, "select rowid from articles_fts where articles_fts match 'giải ngân' "
                         "order by rowid")
    assert [row[0] for row in matched] == [2, 4, 5, 7, 8, 9]  # rows 1, 3, 4 updated; 6-8 new
    assert rows(path, "select count(*) from articles_fts where articles_fts match "
                      "'\"lần 4\"'") == [(0,)]


def test_a_large_batch_is_written_a_bounded_number_of_rows_a_statement(tmp_path, monkeypatch):
    monkeypatch.setattr("archive.article_rows.ROWS_A_STATEMENT", 2)
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=100, site="s")
    for number in range(5):
        writer.add_article(article(number, f"Hội nghị lần {number} bàn về nông thôn mới."))
    writer.close()
    assert segments(path) == 3
    assert rows(path, "select rowid, canonical_url from articles order by rowid") == \
        [(number + 1, f"https://s.example.vn/{number}") for number in range(5)]
    assert rows(path, "insert into articles_fts (articles_fts) values ('integrity-check')") \
        == []


def test_an_archive_gets_the_index_settings(tmp_path):
    path = tmp_path / "old.db"
    shutil.copy(FIRST_VERSION, path)
    open_database(str(path)).close()
    settings = dict(rows(path, "select k, v from articles_fts_config"))
    assert {name: settings.get(name) for name in FTS_SETTINGS} == FTS_SETTINGS


INTERRUPTED = """
import os, sys
import archive.schema
from archive.schema import migrations, open_database
every = migrations._migrations
# the version before: the migrations before m021
migrations._migrations = every[:[m.name for m in every].index("m021_search_index_and_band_batches")]
open_database(sys.argv[1]).close()  # the archive as the version before made it
migrations._migrations = every
class DyingSettings(dict):
    def items(self):
        yield next(iter(super().items()))
        os._exit(9)  # as a SIGKILL would, with one setting written
archive.schema.FTS_SETTINGS = DyingSettings(archive.schema.FTS_SETTINGS)
open_database(sys.argv[1])
"""


@pytest.mark.timeout(120)
def test_an_interrupted_migration_leaves_the_archive_as_it_was(tmp_path):
    path = first_version_killed_while_opening(tmp_path, INTERRUPTED)
    applied = {row[0] for row in rows(path, "select name from _sqlite_migrations")}
    assert "m019_search_facets" in applied and "m021_search_index_and_band_batches" not in applied
    assert not set(FTS_SETTINGS) & {k for k, in rows(path, "select k from articles_fts_config")}
    found = rows(path, "select rowid from articles_fts where articles_fts match 'huyện'")
    assert found
    open_database(str(path)).close()
    settings = dict(rows(path, "select k, v from articles_fts_config"))
    assert {name: settings.get(name) for name in FTS_SETTINGS} == FTS_SETTINGS
    assert rows(path, "select rowid from articles_fts where articles_fts match 'huyện'") \
        == found


def test_copies_are_found_in_both_band_tables_and_across_a_move(tmp_path, monkeypatch):
    """New bands wait in story_bands_recent and are moved to story_bands in bulk: a copy is
    found whichever table its original's bands are in, and the move loses none."""
    from tests.test_writer import REPORT, story_ids
    from tests.test_writer import article as report_article

    monkeypatch.setattr("archive.stories.RECENT_BANDS", 40)  # moved after a few articles
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=1, site="s")
    writer.add_article(report_article("http://paper/a", REPORT, "2025-07-03T02:00:00+00:00"))
    assert rows(path, "select count(*) from story_bands") == [(0,)]
    writer.add_article(report_article("http://portal/b", "Ảnh: Minh họa\n" + REPORT,
                                      "2025-07-03T09:00:00+00:00"))
    for number in range(3):  # others, until the bands are moved
        writer.add_article(article(number, f"Tin {number}: giải ngân vốn đầu tư công."))
    moved = rows(path, "select count(*) from story_bands")[0][0]
    assert moved >= 40 and rows(path, "select count(*) from story_bands_recent")[0][0] < 40
    writer.add_article(report_article("http://district/d", REPORT + " (Theo Báo Thanh Hóa)",
                                      "2025-07-06T02:00:00+00:00"))
    writer.close()
    stories = story_ids(path)
    assert stories["http://portal/b"] == stories["http://district/d"] == "http://paper/a"
    assert rows(path, "select count(*) from (select band, day, article from story_bands "
                      "intersect select band, day, article from story_bands_recent)") == [(0,)]
