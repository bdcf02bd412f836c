"""What the crawler asks for, counted on local servers: each address once in a run (a moved
article's new address, `sites add`'s robots.txt and sitemaps), the ASP.NET pager's postbacks
built without Scrapy's deprecated helper, and the hosts a live crawl of a "www." profile
follows."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.conftest import query
from tests.test_site_shapes import ARTICLE_PAGE, QuietSite

OLD, NEW, PAGE_2 = "/tin/cu-1.html", "/tin/moi-1.html", "/trang-2"


class MovedOnTheWaySite(QuietSite):
    """A portal whose first listing page links OLD, which 301s to NEW; its second page links
    NEW and answers only once NEW was served, so the move is followed first."""

    log: list[str] = []
    new_served = threading.Event()

    def do_GET(self):  # noqa: N802 (http.server's name)
        MovedOnTheWaySite.log.append(self.path)
        if self.path == "/":
            self.answer(f"<a href='{OLD}'>Bài</a> <a href='{PAGE_2}'>Trang 2</a>".encode())
        elif self.path == PAGE_2:
            MovedOnTheWaySite.new_served.wait(20)
            self.answer(f"<a href='{NEW}'>Bài</a>".encode())
        elif self.path == OLD:
            self.answer(b"", 301, Location=NEW)
        elif self.path == NEW:
            self.answer(ARTICLE_PAGE.format(n=1).encode())
            MovedOnTheWaySite.new_served.set()
        else:
            self.answer(b"", 404)


@pytest.mark.timeout(240)
def test_a_moved_articles_new_address_a_later_listing_links_is_fetched_once(tmp_path):
    from tests.test_safety_crawls import crawl_site

    MovedOnTheWaySite.log, MovedOnTheWaySite.new_served = [], threading.Event()
    result, db = crawl_site(tmp_path, MovedOnTheWaySite, "moved_on_the_way",
                            "/tin/[a-z0-9-]+[.]html$",
                            extra=lambda base: "listing_pattern = '/trang-[0-9]+$'\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert PAGE_2 in MovedOnTheWaySite.log  # the listing that links the new address was read
    assert Counter(MovedOnTheWaySite.log)[NEW] == 1, MovedOnTheWaySite.log
    assert query(db, "select count(*) from pages where url like ?", [f"%{NEW}"]) == [(1,)]
    assert query(db, "select count(*) from articles") == [(1,)]
