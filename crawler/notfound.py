"""Soft 404s by redirect: an article URL that now redirects to the home page or a listing page
is gone. It is recorded as not found at the redirect, which is not followed, so the archived
copy stays as it was. A redirect anywhere else (an article that moved) is followed as usual.
(Pages that answer 200 but say "Không tìm thấy trang" are caught after extraction:
pipelines/notfound.py.)"""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import IgnoreRequest

from crawler.archiving import writer_for
from crawler.middlewares import page_kind

logger = logging.getLogger(__name__)

REDIRECTS = (301, 302, 303, 307, 308)
INDEX_PAGE = re.compile(r"^(?:default|index|home|trang-chu)\.[a-z]+$", re.I)


def is_home_or_listing(url: str, profile) -> bool:
    """Is this where a portal sends readers of a removed article: its home page, an index
    page, or one of the profile's listing pages?"""
    path = urlsplit(url).path
    last = path.rsplit("/", 1)[-1]
    if not path.strip("/") or INDEX_PAGE.match(last):
        return not profile.article_pattern.search(url)
    starts = {start.rstrip("/") for start in profile.absolute(profile.start_urls)}
    return url.split("#")[0].rstrip("/") in starts


def record_soft_404(crawler, urls: list[str], reason: str) -> None:
    """Log the soft 404, count it, and mark this run's `pages` rows of `urls`."""
    logger.warning("soft 404, not archived: %s (%s)", urls[0], reason)
    crawler.stats.inc_value("vnarchive/soft_404")
    writer_for(crawler).mark_pages(urls, f"soft_404: {reason}")


class GoneRedirectMiddleware:
    """Before Scrapy's redirect middleware (600) sees it: an article's redirect to the home
    page or a listing ends there, as a soft 404."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        profile = getattr(self.crawler.spider, "profile", None)
        location = response.headers.get(b"Location")
        if (profile is None or response.status not in REDIRECTS or not location
                or page_kind(request) != "article"):
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        if not is_home_or_listing(target, profile):
            return response  # an article that moved, say: followed as usual
        record_soft_404(self.crawler, [*request.meta.get("redirect_urls", []), request.url],
                        f"redirected to the home page or a listing: {target}")
        raise IgnoreRequest(f"soft 404: {request.url} redirects to {target}")
