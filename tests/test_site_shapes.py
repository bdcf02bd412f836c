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
