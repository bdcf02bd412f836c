"""The full-text index of folded words (schema m027): an archive converted to it finds what it
found, holds each word once, keeps being written right, ranks with its own columns, and an
interrupted conversion leaves the archive as it was."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from archive.filters import Filters, fts_expression
from tests.conftest import first_version_killed_while_opening, killed_while_indexing, query

FOLDED = "m027_search_index_of_folded_words"
# Searches as a user types them: words with "đ" as written and as folded, a phrase, OR, NOT,
# a prefix.
QUERIES = ["Đảng bộ", "dang bo", "đại hội", "hội nghị", '"nhiệm vụ"', "kinh tế OR ngân sách",
           "huyện -xã", "triển*"]


def _before_folding():
    """The migrations of the version before m027."""
    from archive.schema import migrations

    every = migrations._migrations
    return every[:[migration.name for migration in every].index(FOLDED)]


@pytest.fixture(scope="module")
def unconverted(tmp_path_factory) -> Path:
    """An archive of 300 articles written by the version before m027."""
    from archive.schema import migrations
    from bench.fill_archive import fill

    db = tmp_path_factory.mktemp("unfolded") / "archive.db"
    every = migrations._migrations
    migrations._migrations = _before_folding()
    try:
        fill(str(db), 300, batch_size=100, window=100)
    finally:
        migrations._migrations = every
    return db


def _columns(db: Path) -> list[str]:
    return [row[1] for row in query(db, "pragma table_info(articles_fts)")]


def _found(db: Path, words: str, filters: Filters | None = None) -> tuple[set[str], int | None]:
    """Every article a search finds (the archive is smaller than the ranked cap), and the
    count it gives."""
    from archive.search import search_counted

    hits, matched = search_counted(str(db), words, filters, limit=1000)
    return {hit.canonical_url for hit in hits}, matched


def _index_bytes(db: Path) -> int:
    return query(db, "select sum(length(block)) from articles_fts_data")[0][0]


def _converted(unconverted: Path, folder: Path) -> Path:
    from archive.schema import open_database

    path = folder / "converted.db"
    shutil.copy(unconverted, path)
    open_database(str(path)).close()
    return path


def test_a_converted_archive_finds_what_it_found_with_each_word_held_once(unconverted,
                                                                          tmp_path):
    assert _columns(unconverted) == ["title", "text", "title_folded", "text_folded", "facets"]
    site = query(unconverted, "select site from articles group by 1 order by count(*) desc")[0][0]
    asked = [(words, filters) for words in QUERIES
             for filters in (None, Filters(site=site), Filters(meeting_only=True))]
    before = {(words, str(filters)): _found(unconverted, words, filters)
              for words, filters in asked}
    assert all(found for found, _ in before.values())
    converted = _converted(unconverted, tmp_path)
    assert _columns(converted) == ["title_folded", "text_folded", "facets"]
    for words, filters in asked:
        assert _found(converted, words, filters) == before[(words, str(filters))], words
    # Each folded word once: the unfolded columns held the same words again.
    assert _index_bytes(converted) < 0.65 * _index_bytes(unconverted)
    query(converted, "insert into articles_fts (articles_fts) values ('integrity-check')")


def test_the_converted_index_keeps_its_settings_and_is_written_by_every_change(unconverted,
                                                                             tmp_path):
    from archive.schema import FTS_SETTINGS

    converted = _converted(unconverted, tmp_path)
    settings = dict(query(converted, "select k, v from articles_fts_config"))
    assert {name: settings.get(name) for name in FTS_SETTINGS} == FTS_SETTINGS
    rowid, old_words = query(converted, "select rowid, text_folded from articles "
                                        "where is_meeting_report = 1 limit 1")[0]
    with sqlite3.connect(converted) as connection:
        connection.execute("update articles set title_folded = 'dieu chinh quy hoach "
                           "xyzzyđ', text_folded = 'plugh' where rowid = ?", [rowid])
        connection.execute("update meeting_reports set organ = 'Một cơ quan khác' where "
                           "canonical_url = (select canonical_url from articles where rowid "
                           "= ?)", [rowid])
        connection.execute("delete from articles where rowid = (select max(rowid) from "
                           "articles)")
    found = query(converted, "select rowid from articles_fts where articles_fts match ?",
                  ['"xyzzyđ" AND "plugh"'])
    assert found == [(rowid,)]
    gone = fts_expression(" ".join(old_words.split()[:3]))
    assert rowid not in {row[0] for row in query(
        converted, "select rowid from articles_fts where articles_fts match ?", [gone])}
    query(converted, "insert into articles_fts (articles_fts) values ('integrity-check')")


@pytest.mark.parametrize("folded", [False, True], ids=["unconverted", "converted"])
def test_a_filtered_search_ranks_as_the_plain_one_with_either_index(unconverted, tmp_path,
                                                                    folded):
    """The facet tokens a filter adds weigh nothing in bm25, whichever columns the index of
    the archive read has: a reading command does not convert it. A match's rank is the one
    its words alone give."""
    from archive.search import search_counted

    db = _converted(unconverted, tmp_path) if folded else unconverted
    site = query(db, "select site from articles group by 1 order by count(*) desc")[0][0]
    for words in ("hội nghị", "thu ngân sách nhà nước", "Đảng bộ"):
        hits, _ = search_counted(str(db), words, Filters(site=site), limit=1000)
        assert hits
        plain = dict(query(db, "select a.canonical_url, bm25(articles_fts) from articles_fts "
                               "f join articles a on a.rowid = f.rowid where articles_fts "
                               "match ?", [fts_expression(words)]))
        assert [hit.rank for hit in hits] == [plain[hit.canonical_url] for hit in hits], words


def test_the_conversion_prints_its_progress(unconverted, tmp_path, monkeypatch, capsys):
    import archive.schema

    monkeypatch.setattr(archive.schema, "SEARCH_INDEX_STEP", 100)
    _converted(unconverted, tmp_path)
    printed = capsys.readouterr().err.splitlines()
    last, total = query(unconverted, "select max(rowid), count(*) from articles")[0]
    assert printed[-1] == (f"vnarchive: search index of folded words (schema m027): article "
                           f"rowids to {last:,} of {last:,} ({total:,} articles)")
    assert len(printed) == -(-last // 100)


INTERRUPTED = killed_while_indexing(FOLDED)


@pytest.mark.timeout(120)
def test_an_interrupted_conversion_leaves_the_archive_as_it_was(tmp_path):
    from archive.schema import open_database

    path = first_version_killed_while_opening(tmp_path, INTERRUPTED)
    applied = {row[0] for row in query(path, "select name from _sqlite_migrations")}
    assert FOLDED not in applied and "m026_story_band_filter" in applied
    assert _columns(path) == ["title", "text", "title_folded", "text_folded", "facets"]
    before = _found(path, "huyện")
    assert before[0]
    open_database(str(path)).close()
    assert _columns(path) == ["title_folded", "text_folded", "facets"]
    assert _found(path, "huyện") == before


def test_the_real_text_comparison_runs_on_a_few_texts():
    """bench/folded_index_real.py on texts written here: every query finds the same texts
    through both layouts, and the folded one is the smaller."""
    from bench.folded_index_real import build, compare, queries_from, report

    texts = [("Đảng bộ huyện Lý Nhân triển khai nhiệm vụ quý II",
              "Ban Thường vụ Huyện ủy họp đánh giá kết quả quý I và đề ra nhiệm vụ quý II."),
             ("UBND tỉnh Đồng Nai điều chỉnh quy hoạch đường ven sông",
              "Dự án đường ven sông Đồng Nai được điều chỉnh quy hoạch, vốn đầu tư tăng."),
             ("Hội nghị sơ kết 6 tháng đầu năm của Đảng ủy xã",
              "Đảng ủy xã tổ chức hội nghị sơ kết công tác 6 tháng, đường giao thông nông thôn.")]
    result = compare(build(texts), queries_from(texts, 3))
    assert result["different"] == [] and result["same"] > len(texts) * 3
    assert result["sizes"]["folded"] < result["sizes"]["before"]
    assert report(len(texts), result).startswith("3 texts")
