"""Filters as facet tokens of the full-text index (schema m019, archive/facets.py): a filtered
search gives the hits of filtering every match with the filters' own condition
(archive/filters.py), the tokens follow an article whose fields change, an old archive is
converted, and an interrupted conversion leaves a usable archive."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from archive.filters import Filters, filter_sql, fts_expression, register_functions
from tests.conftest import first_version_killed_while_opening, killed_while_indexing

ROOT = Path(__file__).resolve().parent.parent
FIRST_VERSION = ROOT / "tests" / "fixtures" / "archive-v1.db"
CAP = 12  # RANKED_MATCHES in these tests, so that filters decide which matches are ranked


def _rows(db: Path, sql: str, parameters=()) -> list[tuple]:
    connection = sqlite3.connect(db)
    register_functions(connection)
    try:
        return connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()


def _brute_force(db: Path, words: str, filters: Filters) -> tuple[list[str], int]:
    """Every match, filtered by the filters' SQL condition row by row; the CAP archived last
    ranked by plain bm25 (ties by rowid): the best 20, and how many matched."""
    match = fts_expression(words)
    kept = [row[0] for row in _rows(
        db, "select a.rowid from articles_fts f join articles a on a.rowid = f.rowid left join "
            "meeting_reports m on m.canonical_url = a.canonical_url where articles_fts match "
            f":match and {filter_sql()} order by f.rowid desc",
        {**filters.parameters(), "match": match})]
    ranked = _rows(db, "select a.canonical_url from articles_fts f join articles a on "
                       "a.rowid = f.rowid where articles_fts match ? and f.rowid in (select "
                       "value from json_each(?)) order by bm25(articles_fts), f.rowid limit 20",
                   [match, json.dumps(kept[:CAP])])
    return [row[0] for row in ranked], len(kept)


def _search(db: Path, words: str, filters: Filters) -> tuple[list[str], bool]:
    import archive.search

    hits, capped = archive.search.search_ranked(str(db), words, filters)
    return [hit.canonical_url for hit in hits], capped


def _common(db: Path, column: str, where: str = "") -> str:
    """The value of a meeting report column most reports share."""
    return _rows(db, f"select {column} from meeting_reports m join articles a using "
                     f"(canonical_url) where {column} is not null {where} group by 1 "
                     "order by count(*) desc limit 1")[0][0]


def _every_filter(db: Path) -> list[Filters]:
    from pipelines.vietnamese import fold_diacritics

    site = _common(db, "a.site")
    province = _common(db, "m.province")
    district = _common(db, "m.locality", "and m.locality_level = 'huyện'")
    period = _common(db, "m.period_deployed")
    return [
        Filters(site=site), Filters(meeting_only=True),
        Filters(province=fold_diacritics(province).lower()),  # folded, as a user types it
        Filters(province="Atlantis"),  # no report names it: nothing
        Filters(district=district), Filters(commune=district),  # a district is no commune
        Filters(level="huyen"), Filters(organ=_common(db, "m.organ")),
        Filters(period=period[:4]),  # a year holds its quarters and months
        Filters(date_from="2018-03-17", date_to="2021-11-04"),  # cuts through months
        Filters(date_from="2019-02"), Filters(date_to="2017-06-15"),
        Filters(date_from="2016", date_to="2016"),
        Filters(site=site, date_from="2016", date_to="2023-05-20"),
        Filters(meeting_only=True, province=province, period=period[:4]),
    ]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("words", ["hội nghị", "hoi nghi", "thu ngân sách nhà nước",
                                   '"nhiem vu" OR "kinh te"'])
def test_each_filter_keeps_what_its_condition_keeps(filled, monkeypatch, words):
    import archive.search

    monkeypatch.setattr(archive.search, "RANKED_MATCHES", CAP)
    for filters in _every_filter(filled):
        expected, matched = _brute_force(filled, words, filters)
        hits, capped = _search(filled, words, filters)
        assert hits == expected, filters
        assert capped == (matched > CAP), filters


def test_the_filters_are_asked_as_facet_tokens(filled, monkeypatch):
    """In a converted archive no filter is a rowid set: FTS5 intersects the tokens."""
    import archive.search

    asked = []
    monkeypatch.setattr(archive.search, "ranked_sql", lambda columns, conditions, rank, *_:
                        asked.append(conditions) or "select 1 where 0")
    for filters in _every_filter(filled):
        archive.search.search_ranked(str(filled), "hội nghị", filters)
    assert asked and all(conditions == [] for conditions in asked)


def test_stored_facets_are_those_of_the_rows_and_the_index_is_whole(filled):
    from archive.facets import facets_sql

    differ = _rows(filled, "select count(*) from articles a join article_facets f on "
                            f"f.article = a.rowid where f.facets is not {facets_sql('a')}")
    counts = _rows(filled, "select (select count(*) from articles), "
                            "(select count(*) from article_facets)")
    assert differ == [(0,)] and counts[0][0] == counts[0][1] > 0
    _rows(filled, "insert into articles_fts (articles_fts) values ('integrity-check')")


def _report(url: str, site: str, published: str, province: str | None) -> dict:
    article = {"canonical_url": url, "url": url, "site": site, "title": "Hội nghị tổng kết",
               "text": "Hội nghị Ban Chấp hành Đảng bộ huyện tổng kết nhiệm vụ quý II.",
               "published": published, "fetched_at": published, "language": "vi",
               "is_meeting_report": int(province is not None)}
    if province is not None:
        article["meeting"] = {"kind": "quarterly", "organ": "party_committee",
                              "province": province, "locality": "Ba Bể",
                              "locality_level": "huyện", "period_deployed": "2024-Q3"}
    return article


def test_an_article_whose_fields_change_moves_between_facets(tmp_path):
    """Written again with another site, day and report fields (as `reprocess` does), then no
    longer a report, then deleted: each filter finds it exactly where its fields now say."""
    from archive.writer import ArchiveWriter

    db = tmp_path / "moves.db"
    url = "https://a.example.vn/hoi-nghi"

    def write(site: str, published: str, province: str | None) -> None:
        writer = ArchiveWriter(str(db), record_run=False)
        writer.add_article(_report(url, site, published, province))
        writer.close()

    def found(**filters) -> bool:
        return url in _search(db, "hoi nghi", Filters(**filters))[0]

    write("a_paper", "2024-06-30T08:00:00+07:00", "Bắc Kạn")
    assert found(site="a_paper") and found(province="Bac Kan") and found(meeting_only=True)
    assert found(date_from="2024-06-30", date_to="2024-06-30") and found(district="Ba Be")
    write("b_portal", "2024-07-01T08:00:00+07:00", "Thanh Hóa")
    assert not found(site="a_paper") and found(site="b_portal")
    assert not found(province="Bắc Kạn") and found(province="Thanh Hoa")
    assert not found(date_to="2024-06-30") and found(date_from="2024-07-01", period="2024")
    write("b_portal", "2024-07-01T08:00:00+07:00", None)
    assert not found(meeting_only=True) and not found(province="Thanh Hoa")
    assert found(site="b_portal") and found()
    _rows(db, "insert into articles_fts (articles_fts) values ('integrity-check')")
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("delete from articles")
    connection.close()
    assert not found() and _rows(db, "select count(*) from article_facets") == [(0,)]
    _rows(db, "insert into articles_fts (articles_fts) values ('integrity-check')")


def test_a_report_changed_in_sql_moves_its_article(filled, tmp_path):
    """The triggers follow a report's fields however they change, not only the writer's."""
    db = tmp_path / "sql.db"
    shutil.copy(filled, db)
    url, province = _rows(db, "select canonical_url, province from meeting_reports "
                              "where province is not null limit 1")[0]
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("update meeting_reports set province = 'Atlantis' "
                           "where canonical_url = ?", [url])
    connection.close()
    assert url in _search(db, "", Filters(province="Atlantis"))[0]  # the condition's own path
    assert url in _search(db, "hội nghị", Filters(province="atlantis"))[0]
    assert url not in _search(db, "hội nghị", Filters(province=province))[0]
    _rows(db, "insert into articles_fts (articles_fts) values ('integrity-check')")


def test_an_old_archive_is_converted(tmp_path):
    from archive.schema import open_database

    path = tmp_path / "old.db"
    shutil.copy(FIRST_VERSION, path)
    open_database(str(path)).close()
    site, day = _rows(path, "select site, substr(published, 1, 10) from articles "
                            "where published is not null limit 1")[0]
    assert _rows(path, "select count(*) from article_facets") == \
        _rows(path, "select count(*) from articles")
    words = _rows(path, "select title from articles where site = ? and published like ?",
                  [site, f"{day}%"])[0][0]
    filters = Filters(site=site, date_from=day, date_to=day)
    hits = _search(path, words, filters)[0]
    assert hits and hits == _brute_force(path, words, filters)[0][:len(hits)]


INTERRUPTED_REBUILD = killed_while_indexing("m019_search_facets")


@pytest.mark.timeout(120)
def test_an_interrupted_conversion_leaves_a_usable_archive(tmp_path):
    """The conversion is one transaction: killed while it rebuilds the index, the archive is
    as it was (searched as before it), and the next open converts it."""
    from archive.schema import open_database

    path = first_version_killed_while_opening(tmp_path, INTERRUPTED_REBUILD)
    applied = {row[0] for row in _rows(path, "select name from _sqlite_migrations")}
    assert "m018_site_counts" in applied and "m019_search_facets" not in applied
    assert _rows(path, "select count(*) from sqlite_master where name = 'article_facets'") \
        == [(0,)]
    site = _rows(path, "select site from articles limit 1")[0][0]
    before = _search(path, "huyện", Filters(site=site))[0]  # without facets: rowid sets
    assert before
    open_database(str(path)).close()
    assert _rows(path, "select count(*) from article_facets")[0][0] > 0
    assert _search(path, "huyện", Filters(site=site))[0] == before


@pytest.mark.timeout(300)
def test_reading_every_match_oldest_first_keeps_the_hits_and_ranks(filled, monkeypatch):
    """Filters that keep at most RANKED_MATCHES articles have every match ranked, read
    oldest first (archive/search.py `keeps_few`): the same hits, in the same order, with the
    same bm25 ranks to the last bit, as reading them newest first."""
    import archive.search

    def hits(words: str, filters: Filters) -> list[tuple[str, float | None]]:
        return [(hit.canonical_url, hit.rank)
                for hit in archive.search.search_ranked(str(filled), words, filters)[0]]

    every = _every_filter(filled)
    compared = 0
    for words in ("hội nghị", "thu ngân sách nhà nước", "ba be*"):
        oldest_first = [hits(words, filters) for filters in every]
        with monkeypatch.context() as patched:
            patched.setattr(archive.search, "keeps_few", lambda *_: False)
            newest_first = [hits(words, filters) for filters in every]
        assert oldest_first == newest_first
        compared += sum(map(len, oldest_first))
    assert compared
    with sqlite3.connect(f"file:{filled}?mode=ro", uri=True) as connection:
        from archive.search import facet_match, keeps_few, place_names

        kept = facet_match(connection, every[0], place_names(connection, every[0]))
        assert keeps_few(connection, kept)  # 400 articles: the plan above was taken
