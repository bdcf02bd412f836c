"""Shapes real Vietnamese portals give their sitemaps, feeds, listings and URLs, and what a
crawl then a second crawl leave in the archive."""

from __future__ import annotations

import pytest

from crawler.frontier import Frontier

ARTICLE = "https://portal.example.vn/tin-tuc/bai-1.html"


@pytest.mark.parametrize("lastmod", [
    "12/05/2024 14:30",           # day first, as the CMS prints dates on its pages
    "14:30 12/05/2024",
    "12/05/2024",
    "2024-05-12 14:30:00 +07:00",  # a space before the offset
    "Sun, 12 May 2024 07:30:00 GMT",  # RFC 822, as in RSS
])
def test_a_lastmod_in_a_local_format_after_our_copy_fetches_it_again(lastmod):
    frontier = Frontier(archived={
        "https://portal.example.vn/tin-tuc/bai-1.html": "2024-05-11T00:00:00+00:00"})
    assert frontier.wants_article(ARTICLE, lastmod)


@pytest.mark.parametrize("lastmod", ["09/05/2024 14:30", "2024-05-09", "garbage"])
def test_a_lastmod_before_our_copy_or_unreadable_does_not(lastmod):
    frontier = Frontier(archived={
        "https://portal.example.vn/tin-tuc/bai-1.html": "2024-05-11T00:00:00+00:00"})
    assert not frontier.wants_article(ARTICLE, lastmod)


def test_a_lastmod_without_an_offset_is_vietnam_time():
    # Fetched at 05:00 UTC (12:00 in Vietnam); the page changed at 10:00 Vietnam time, before
    # our copy. Read as UTC, 10:00 looked later, and the article was fetched again each run.
    frontier = Frontier(archived={
        "https://portal.example.vn/tin-tuc/bai-1.html": "2024-05-12T05:00:00+00:00"})
    assert not frontier.wants_article(ARTICLE, "2024-05-12T10:00:00")
    assert frontier.wants_article(ARTICLE, "2024-05-12T13:00:00")


ENCODED = "https://portal.example.vn/tin-t%E1%BB%A9c/b%C3%A0i-1.html"
SPELLINGS = [
    "https://portal.example.vn/tin-tức/bài-1.html",              # as a browser shows it
    "https://portal.example.vn/tin-t%e1%bb%a9c/b%c3%a0i-1.html",  # ASP.NET's lower case
    "https://portal.example.vn/tin-tu%CC%9B%CC%81c/ba%CC%80i-1.html",  # decomposed (NFD)
    "https://portal.example.vn/tin-tu%cc%9b%cc%81c/ba%cc%80i-1.html",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_one_article_under_two_encodings_is_one_key(spelling):
    from pipelines.urls import canonical_url, clean_url

    assert canonical_url(spelling) == canonical_url(ENCODED)
    assert "%e1" not in clean_url(spelling)  # fetched with upper-case escapes


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_article_archived_under_one_encoding_is_not_fetched_under_another(spelling, tmp_path):
    import sqlite3

    db = tmp_path / "a.db"
    connection = sqlite3.connect(db)
    connection.execute("create table articles (canonical_url, fetched_at, site)")
    # The key as an older vnarchive wrote it for a link in lower case or decomposed.
    connection.execute("insert into articles values (?, ?, 'p')", [
        "https://portal.example.vn/tin-t%e1%bb%a9c/b%c3%a0i-1.html", "2024-05-11T00:00:00+00:00"])
    connection.commit()
    connection.close()
    frontier = Frontier.from_archive(str(db), "p")
    assert not frontier.wants_article(spelling)
    assert not frontier.wants_article(ENCODED)
