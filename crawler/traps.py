"""Crawler traps: endless calendars, pagination past the end, session ids in URLs, one page
under many addresses.

Two defences, both Scrapy machinery:
- `CanonicalRequestFingerprinter` makes Scrapy's duplicate filter see a request's canonical
  URL (pipelines/urls.py: session ids, tracking parameters, fragments, "www." folded), so one
  article linked fifty ways is fetched once.
- `UrlPatternBudgetMiddleware` gives each URL pattern (host, path with its numbers folded,
  and the names of its query parameters) a budget of requests per crawl: a calendar that links
  the next day for ever, or `?page=99999`, stops at the budget with a warning and a `pages`
  row (`error = 'url_pattern_budget'`). Articles are exempt: the profile's article pattern
  and the canonical URL bound them, and a site's articles often share one pattern
  (`news.aspx?id=`). Scrapy's depth limit cannot do this: a trap can be wide as well as deep.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from urllib.parse import parse_qsl, urlsplit
from weakref import WeakKeyDictionary

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.request import RequestFingerprinter

from archive.runs import utc_now
from crawler.archiving import writer_for
from crawler.middlewares import page_kind
from pipelines.urls import canonical_url

logger = logging.getLogger(__name__)

NUMBERS = re.compile(r"\d+")
BUDGET_ERROR = "url_pattern_budget"
EXEMPT_KINDS = ("article", "robots")


def url_pattern(url: str) -> str:
    """What URLs of one trap share: host, lower-case path with every number as "N", and the
    sorted names (not values) of the query parameters.

    >>> url_pattern("http://a.vn/Lich/Calendar.aspx?CalendarDate=2024-05-01")
    'a.vn/lich/calendar.aspx?calendardate'
    """
    parts = urlsplit(url)
    names = sorted({name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    path = NUMBERS.sub("N", parts.path.lower())
    return f"{parts.netloc.lower()}{path}?{'&'.join(names)}"


class CanonicalRequestFingerprinter(RequestFingerprinter):
    """Scrapy's fingerprint, of the request's canonical URL rather than the URL as linked.
    Kept per request, as Scrapy keeps its own: the duplicate filter and the scheduler each
    ask, and Scrapy's cache never sees the copy with the canonical URL twice."""

    def __init__(self, crawler=None):
        super().__init__(crawler)
        self._fingerprints: WeakKeyDictionary = WeakKeyDictionary()

    def fingerprint(self, request) -> bytes:
        if request not in self._fingerprints:
            try:
                canonical = canonical_url(request.url)
            except ValueError:  # an address courlan cannot read: compare it as it is
                canonical = request.url
            self._fingerprints[request] = super().fingerprint(request.replace(url=canonical))
        return self._fingerprints[request]


class UrlPatternBudgetMiddleware:
    """A downloader middleware: at most VNARCHIVE_URL_PATTERN_BUDGET requests per URL pattern
    (a profile's `url_pattern_budget` overrides it); it sits after the duplicate filter, so
    only distinct pages count, and retries are not counted again."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.budget = crawler.settings.getint("VNARCHIVE_URL_PATTERN_BUDGET", 500)
        self.spent: Counter = Counter()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if (self.budget <= 0 or page_kind(request) in EXEMPT_KINDS
                or request.meta.get("retry_times")):
            return None
        pattern = url_pattern(request.url)
        spent = self.spend(pattern)
        if spent <= self.budget:
            return None
        if spent == self.budget + 1:
            logger.warning("URL pattern %s used up its budget of %d requests (a crawler "
                           "trap?): further URLs like %s are skipped", pattern, self.budget,
                           request.url)
        self.crawler.stats.inc_value("vnarchive/url_pattern_budget_skipped")
        writer_for(self.crawler).add_page({
            "site": self.crawler.spider.name, "url": request.url, "status": None,
            "fetched_at": utc_now(), "bytes": 0, "content_type": None, "latency_ms": None,
            "error": BUDGET_ERROR, "kind": page_kind(request),
        })
        raise IgnoreRequest(f"URL pattern budget used up: {pattern}")

    def spend(self, pattern: str) -> int:
        """Count one more request of `pattern`; how many it has had in this crawl."""
        self.spent[pattern] += 1
        return self.spent[pattern]
