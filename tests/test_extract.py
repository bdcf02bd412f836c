"""Extraction of whole pages: real portal pages are recognised as navigation, the test web's
articles are not."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from pipelines.extract import extract_article
from testweb.families import ARTICLE_FAMILIES

REAL_PAGES = Path(__file__).resolve().parent.parent / "testweb" / "real_pages"
# The three real pages that are static prose (functions of the department, its introduction,
# a Q&A page): not navigation, and not articles either; the crawl's article pattern keeps them
# out. Every other real page is a home or category listing.
STATIC_PROSE_PAGES = {"sotttt.hanoi.gov.vn_6.html", "sotttt.hanoi.gov.vn_8.html",
                      "sotttt.hanoi.gov.vn_10.html"}


def read_real(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


def test_real_listing_pages_are_navigation():
    flagged = {path.name for path in REAL_PAGES.glob("*.html")
               if extract_article(read_real(path)).is_navigation}
    print(f"\nreal portal pages recognised as navigation: {len(flagged)} of 16")
    assert flagged == {path.name for path in REAL_PAGES.glob("*.html")} - STATIC_PROSE_PAGES


@pytest.mark.timeout(60)
def test_test_web_listings_are_navigation_and_articles_are_not(testweb):
    for name in ARTICLE_FAMILIES:
        site = testweb.sites[name]
        for path in [*site.family.listing_pages(), "/"]:
            with urllib.request.urlopen(site.base_url + path, timeout=10) as response:
                assert extract_article(response.read().decode()).is_navigation, path
        for article in site.family.articles:
            url = site.base_url + site.family.article_path(article)
            with urllib.request.urlopen(url, timeout=10) as response:
                extracted = extract_article(response.read().decode(), url=url)
            assert not extracted.is_navigation, article.id
