"""Story bands in runs (archive/stories.py, schema m028): each move of the recent bands is
appended to `story_bands` as a run of its own, with a bitset of its own; a lookup seeks a band
only in the runs whose bitset may hold it, and finds a copy in any run, old archives' bands
(run 0) included."""

from __future__ import annotations

import sqlite3

from archive import band_filter
from archive.schema import open_database
from archive.writer import ArchiveWriter
from tests.test_band_filter import news, rows
from tests.test_writer import REPORT, story_ids
from tests.test_writer import article as dated_article

ORIGINAL = "http://paper/a"
COPY = "http://district/d"


def original() -> dict:
    return dated_article(ORIGINAL, REPORT, "2025-07-03T02:00:00+00:00")


def copy() -> dict:
    return dated_article(COPY, REPORT + " (Theo Báo Thanh Hóa)", "2025-07-05T02:00:00+00:00")


def write(path, articles: list[dict], statements: list[str] | None = None) -> None:
    writer = ArchiveWriter(str(path), batch_size=1, site="s")
    if statements is not None:
        writer.db.conn.set_trace_callback(statements.append)
    for row in articles:
        writer.add_article(row)
    writer.close()


def bands_by_run(path) -> dict[int, list[tuple]]:
    runs: dict[int, list[tuple]] = {}
    for run, band, day, article in rows(path, "select run, band, day, article from "
                                              "story_bands order by run, band, day, article"):
        runs.setdefault(run, []).append((band, day, article))
    return runs


def test_each_move_appends_a_run_with_a_bitset_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr("archive.stories.RECENT_BANDS", 40)  # a move every few articles
    path = tmp_path / "a.db"
    write(path, [news(number) for number in range(20)])
    runs = bands_by_run(path)
    assert sorted(runs) == list(range(1, len(runs) + 1)) and len(runs) >= 5
    assert all(len(moved) >= 40 for moved in runs.values())  # each a whole move
    stored = [row for moved in runs.values() for row in moved]
    assert len(set(stored)) == len(stored)  # no band in two runs
    counts = dict(rows(path, "select run, bands from story_band_runs"))
    assert counts == {run: len(moved) for run, moved in runs.items()}
    connection = open_database(str(path))
    filters = band_filter.run_filters(connection)
    for run, moved in runs.items():
        bands = [band for band, _, _ in moved]
        assert filters[run].held(bands) == bands
    connection.close()


def test_a_copy_is_found_in_the_run_that_holds_its_original_and_sought_there_only(
        tmp_path, monkeypatch):
    monkeypatch.setattr("archive.stories.RECENT_BANDS", 40)
    path = tmp_path / "a.db"
    write(path, [original(), *(news(number) for number in range(12))])
    first_run = rows(path, "select distinct run from story_bands where article = (select "
                           f"rowid from articles where canonical_url = '{ORIGINAL}')")
    assert first_run == [(1,)] and len(bands_by_run(path)) >= 3
    statements: list[str] = []
    write(path, [copy()], statements)
    assert story_ids(path)[COPY] == ORIGINAL
    sought = {sql.split("story_bands where run = ")[1].split()[0]
              for sql in statements if "story_bands where run = " in sql}
    assert sought == {"1"}


def test_a_rewritten_article_leaves_its_run(tmp_path, monkeypatch):
    """Fetched again with another text (or reprocessed), an article's bands are taken out of
    the run that held them: held once, elsewhere, and its copies still find it."""
    monkeypatch.setattr("archive.stories.RECENT_BANDS", 40)
    path = tmp_path / "a.db"
    write(path, [original(), *(news(number) for number in range(4))])
    key = f"(select rowid from articles where canonical_url = '{ORIGINAL}')"
    assert rows(path, f"select distinct run from story_bands where article = {key}") == [(1,)]
    again = dated_article(ORIGINAL, REPORT + " Cập nhật.", "2025-07-04T02:00:00+00:00")
    write(path, [again])
    held = rows(path, f"select run from story_bands where article = {key}")
    waiting = rows(path, f"select count(*) from story_bands_recent where article = {key}")[0][0]
    assert len(held) + waiting == 16 and (1,) not in held
    write(path, [copy()])
    assert story_ids(path)[COPY] == ORIGINAL


def test_an_archive_made_before_runs_keeps_its_bands_as_run_zero(tmp_path, monkeypatch):
    """m028: the bands an archive's large table held become run 0, with no bitset of its own
    (the archive's holds them), and a copy of an article there is still found."""
    monkeypatch.setattr("archive.stories.RECENT_BANDS", 40)
    path = tmp_path / "a.db"
    write(path, [original(), *(news(number) for number in range(6))])
    before = [row for moved in bands_by_run(path).values() for row in moved]
    with sqlite3.connect(path) as connection:  # the table as it was before m028
        connection.execute("create table old_bands (band integer not null, day text not null, "
                           "article integer not null, primary key (band, day, article)) "
                           "without rowid")
        connection.execute("insert into old_bands select band, day, article from story_bands")
        connection.execute("drop table story_bands")
        connection.execute("drop table story_band_runs")
        connection.execute("alter table old_bands rename to story_bands")
        connection.execute("create index story_bands_article on story_bands (article)")
        connection.execute("delete from _sqlite_migrations where name = "
                           "'m028_story_band_runs'")
    open_database(str(path)).close()
    assert bands_by_run(path) == {0: sorted(before)}
    assert rows(path, "select run, bands, bits from story_band_runs") == [(0, len(before),
                                                                          None)]
    write(path, [copy()])
    assert story_ids(path)[COPY] == ORIGINAL
