"""The bitset of the bands `story_bands` holds (archive/band_filter.py): a story lookup seeks
the large table only for bands it may hold, and never misses a copy because of it: after a
move, after the bitset is made again for a larger table, and when another writer moved bands
after this one read the bitset."""

from __future__ import annotations

import gc
import random
import sqlite3

from archive import band_filter
from archive.schema import open_database
from archive.stories import band_key
from archive.writer import ArchiveWriter
from pipelines.fingerprint import bands, signature
from tests.test_writer import OTHER, REPORT, story_ids
from tests.test_writer import article as dated_article


def rows(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def news(number: int) -> dict:
    """An article no other one copies: sentences of its own, published in July 2025."""
    words = random.Random(number).sample(OTHER.split(), 40)
    return dated_article(f"http://news/{number}", f"Tin {number}: " + " ".join(words),
                         f"2025-07-{number % 28 + 1:02}T08:00:00+00:00")


def stored_bands(path) -> list[int]:
    return [band for (band,) in rows(path, "select band from story_bands")]


def test_every_band_of_the_large_table_passes_the_filter_after_moves_and_growth(
        tmp_path, monkeypatch):
    monkeypatch.setattr("archive.stories.RECENT_BANDS", 40)  # a move every few articles
    monkeypatch.setattr(band_filter, "SMALLEST_BITS", 64)  # made again as the table grows
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=1, site="s")
    sizes = set()
    for number in range(30):
        writer.add_article(news(number))
        sizes.add(rows(path, "select length(bits) from story_band_filter")[0][0])
    writer.close()
    moved = stored_bands(path)
    assert len(moved) > 300 and len(sizes) >= 3  # moved many times, resized twice at least
    connection = open_database(str(path))
    held = band_filter.band_filter(connection)
    assert held.held(moved) == moved
    # And the bitset is no table of ones: most bands of a text never written are not in it.
    unseen = [band_key(band) for band in bands(signature("một văn bản khác hẳn " * 30))]
    assert len(held.held(unseen)) < len(unseen)
    connection.close()


def test_an_archive_made_before_the_filter_gets_one_from_its_bands(tmp_path):
    """m026 makes the bitset from the bands already in `story_bands`."""
    path = tmp_path / "a.db"
    open_database(str(path)).close()
    with sqlite3.connect(path) as connection:
        connection.executemany("insert into story_bands (band, day, article) values (?, ?, ?)",
                               [(random.Random(n).getrandbits(63), "2024-01-01", n)
                                for n in range(2000)])
        connection.execute("drop table story_band_filter")
        connection.execute("delete from _sqlite_migrations where name = "
                           "'m026_story_band_filter'")
    connection = open_database(str(path))
    held = band_filter.band_filter(connection)
    assert held.held(stored_bands(path)) == stored_bands(path)
    connection.close()


def test_no_seek_in_the_large_table_for_bands_it_cannot_hold(tmp_path):
    """With every band still in the small table, a story lookup reads only that one."""
    path = tmp_path / "a.db"
    writer = ArchiveWriter(str(path), batch_size=100, site="s")
    statements: list[str] = []
    writer.db.conn.set_trace_callback(statements.append)
    writer.add_article(dated_article("http://paper/a", REPORT, "2025-07-03T02:00:00+00:00"))
    writer.add_article(dated_article("http://portal/b", "Ảnh: Minh họa\n" + REPORT,
                                     "2025-07-03T09:00:00+00:00"))
    writer.close()
    lookups = [sql for sql in statements if "from story_bands_recent where band" in sql]
    assert lookups and not any("from story_bands where band" in sql for sql in statements)
    assert story_ids(path)["http://portal/b"] == "http://paper/a"


def test_a_writer_sees_bands_another_writer_moved_after_it_read_the_filter(
        tmp_path, monkeypatch):
    """Writer A reads the bitset; writer B then moves the original's bands into the large
    table; A's copy of that original must still find it there."""
    monkeypatch.setattr("archive.stories.RECENT_BANDS", 40)
    path = tmp_path / "a.db"
    first = ArchiveWriter(str(path), batch_size=1, site="a")
    first.add_article(news(100))  # reads the bitset, before any move
    archive_file = band_filter._file_of(first.db)
    read = band_filter._loaded[archive_file]
    # What a writer in another process holds: the bitset as it was read (this process's
    # writers share one, which a move updates in place).
    stale = band_filter.BandFilter(read.token, read.bands, bytearray(read.bits))
    second = ArchiveWriter(str(path), batch_size=1, site="b")
    second.add_article(dated_article("http://paper/a", REPORT, "2025-07-03T02:00:00+00:00"))
    for number in range(4):  # until the bands are moved
        second.add_article(news(number))
    second.close()
    assert rows(path, "select count(*) from story_bands where article = "
                      "(select rowid from articles where canonical_url = 'http://paper/a')"
                ) != [(0,)]
    band_filter._loaded[archive_file] = stale
    first.add_article(dated_article("http://district/d", REPORT + " (Theo Báo Thanh Hóa)",
                                    "2025-07-05T02:00:00+00:00"))
    first.close()
    assert story_ids(path)["http://district/d"] == "http://paper/a"


def test_the_writers_of_one_archive_in_a_process_share_one_bitset(tmp_path):
    """A crawl of several sites has a writer each: one bitset each would be 16 MB apiece at
    a million articles."""
    path = tmp_path / "a.db"
    writers = [ArchiveWriter(str(path), batch_size=1, site=site) for site in ("a", "b", "c")]
    for number, writer in enumerate(writers):
        writer.add_article(news(number))
    held = {id(band_filter.band_filter(writer.db)) for writer in writers}
    archive_file = band_filter._file_of(writers[0].db)
    for writer in writers:
        writer.close()
    assert len(held) == 1
    gc.collect()  # and let go once the writers are closed
    assert archive_file not in band_filter._loaded


def test_the_filter_changes_no_story(tmp_path, monkeypatch):
    """The same articles, with and without the bitset (every band looked up), end in the same
    stories: copies, near copies and unrelated texts over several moves."""
    monkeypatch.setattr("archive.stories.RECENT_BANDS", 60)
    texts = [REPORT, OTHER, "Ảnh: Minh họa\n" + REPORT, OTHER + " Theo Báo Nghệ An.",
             REPORT.replace("Nga Sơn", "Hà Trung")]
    articles = [dated_article(f"http://site{n % 3}/{n}", texts[n % len(texts)] + f" Tin {n}.",
                              f"2025-07-{n % 20 + 1:02}T08:00:00+00:00") for n in range(25)]

    def stories(path, everything: bool) -> dict[str, str]:
        if everything:
            monkeypatch.setattr(band_filter.BandFilter, "held", lambda self, bands: list(bands))
        writer = ArchiveWriter(str(path), batch_size=3, site="s")
        for row in articles:
            writer.add_article(row)
        writer.close()
        monkeypatch.undo()
        monkeypatch.setattr("archive.stories.RECENT_BANDS", 60)
        return story_ids(path)

    filtered = stories(tmp_path / "filtered.db", everything=False)
    assert filtered == stories(tmp_path / "every.db", everything=True)
    assert len(set(filtered.values())) < len(filtered)  # copies were found


def test_moved_bands_are_taken_as_they_are_read(tmp_path):
    """The move hands the bitset its bands as one pass over the small table, not a list: a
    list of 640,000 bands was 26 MB of the writer's peak at a million articles."""
    connection = open_database(str(tmp_path / "a.db"))
    draw = random.Random(7)
    moved = [draw.getrandbits(64) - 2**63 for _ in range(500)]
    with connection.atomic():
        band_filter.record_moved(connection, len(moved), iter(moved))  # read once
    held = band_filter.band_filter(connection)
    assert held.held(moved) == moved and held.bands == len(moved)
    connection.close()
