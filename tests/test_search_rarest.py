"""A filtered search pairs the filters' tokens with the query's rarest word
(archive/search.py `paired_with_rarest`): the expression finds the same articles as the
query AND the filters, each with the same bm25 rank to the last bit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.filters import Filters, fts_expression
from archive.query import connect_read_only
from archive.search import facet_match, paired_with_rarest, place_names
from bench.fill_archive import fill

# Weights of the folded title, the folded text and the facets (schema m027).
RANKED = ("select rowid, bm25(articles_fts, 1.0, 1.0, 0.0) from articles_fts "
          "where articles_fts match ? order by rowid")


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("rarest") / "rarest.db"
    fill(str(db), 300, batch_size=100, window=100)
    return db


def _most_common(connection: sqlite3.Connection, column: str) -> str:
    return connection.execute(f"select {column} from meeting_reports m join articles a using "
                              f"(canonical_url) where {column} is not null group by 1 "
                              "order by count(*) desc limit 1").fetchone()[0]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("words", ["thu ngân sách nhà nước", "hội nghị tổng kết", "ba be*",
                                   '"nhiem vu" kinh te'])
def test_the_pairing_keeps_every_match_and_its_rank(filled, words):
    with connect_read_only(str(filled)) as connection:
        site, province = _most_common(connection, "a.site"), _most_common(connection,
                                                                          "m.province")
        every = [Filters(site=site), Filters(meeting_only=True), Filters(province=province),
                 Filters(date_from="2017-03-05", date_to="2021-10-20"),
                 Filters(meeting_only=True, province=province, date_from="2018")]
        match = fts_expression(words)
        found = 0
        for filters in every:
            kept = facet_match(connection, filters, place_names(connection, filters))
            paired = paired_with_rarest(connection, match, kept)
            assert "NOT" in paired, filters  # the words were paired, not left as they came
            expected = connection.execute(RANKED, [f"({match}) AND {kept}"]).fetchall()
            assert connection.execute(RANKED, [paired]).fetchall() == expected, filters
            found += len(expected)
        assert found  # the filters kept some matches to compare


def test_a_query_with_operators_or_one_word_is_left_as_written(filled):
    with connect_read_only(str(filled)) as connection:
        kept = facet_match(connection, Filters(meeting_only=True), {})
        for words in ('"nhiem vu" OR "kinh te"', "hội NOT nghị", "huyện"):
            match = fts_expression(words)
            assert paired_with_rarest(connection, match, kept) == f"({match}) AND {kept}"
