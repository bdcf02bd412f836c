"""Soft 404s by redirect: an article URL that now redirects to the home page (or any page that
is not an article) is gone. It is recorded as not found at the redirect, which is not
followed, so the archived copy stays as it was. (Pages that answer 200 but say "Không tìm thấy
trang" are caught after extraction: pipelines/notfound.py.)"""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest

from crawler.archiving import writer_for
from crawler.middlewares import page_kind

logger = logging.getLogger(__name__)

REDIRECTS = (301, 302, 303, 307, 308)


def record_soft_404(crawler, urls: list[str], reason: str) -> None:
    """Log the soft 404, count it, and mark this run's `pages` rows of `urls`."""
    logger.warning("soft 404, not archived: %s (%s)", urls[0], reason)
    crawler.stats.inc_value("vnarchive/soft_404")
    writer_for(crawler).mark_pages(urls, f"soft_404: {reason}")


class GoneRedirectMiddleware:
    """Before Scrapy's redirect middleware (600) sees it: an article's redirect to a URL that
    does not match the profile's article pattern ends there, as a soft 404."""

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
        if profile.article_pattern.search(target):
            return response  # an article that moved: followed as usual
        record_soft_404(self.crawler, [*request.meta.get("redirect_urls", []), request.url],
                        f"redirected to a page that is not an article: {target}")
        raise IgnoreRequest(f"soft 404: {request.url} redirects to {target}")
