"""HTTP concerns only: keep every fetch, the response in the WARC store and a `pages` row for
each (or a `pages` row with the error, for a request that finally failed)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from archive.runs import utc_now
from archive.warc import Exchange
from crawler.archiving import writer_for

logger = logging.getLogger(__name__)

# The request meta key where the spider says what a request fetches: article, listing, feed,
# sitemap or attachment (crawler/spiders/profile_spider.py). Redirects and retries copy it.
PAGE_KIND = "page_kind"


def page_kind(request) -> str:
    kind = request.meta.get(PAGE_KIND)
    if kind is None and request.url.endswith("/robots.txt"):
        return "robots"  # fetched by Scrapy's robots.txt middleware
    return kind or "other"


def _headers(headers) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1"))
            for name, values in headers.items() for value in values]


class ConditionalRequestMiddleware:
    """Listing pages, feeds and sitemaps go out with the ETag / Last-Modified of their last
    fetch (from the archive's frontier); an unchanged one comes back 304 and is not parsed."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        frontier = getattr(self.crawler.spider, "frontier", None)
        if frontier is None or page_kind(request) not in ("listing", "feed", "sitemap") or \
                request.method != "GET":  # a postback's page shares its URL with page 1
            return None
        for name, value in frontier.conditional_headers(request.url).items():
            request.headers.setdefault(name, value)
        return None


class FetchRecorderMiddleware:
    """Every HTTP response the downloader receives (redirects and retried errors included,
    through the `response_downloaded` signal, before any middleware changes it) is written to
    the WARC store with its request; every request that finally failed (seen in
    `process_exception`, after the retry middleware gave up) becomes a `pages` row."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.record_response, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def record_response(self, response, request, spider) -> None:
        fetched_at = utc_now()
        writer = writer_for(self.crawler)
        latency = request.meta.get("download_latency")
        stored = writer.add_fetch(Exchange(
            url=response.url, fetched_at=fetched_at, method=request.method,
            request_headers=_headers(request.headers), status=response.status,
            reason=_reason(response.status), response_headers=_headers(response.headers),
            body=response.body, site=spider.name, kind=page_kind(request),
            found_via=request.meta.get("found_via"), run_id=writer.run_id,
        ), latency_ms=round(latency * 1000) if latency is not None else None)
        if stored is None:  # the disk is full: the crawl is closing
            return
        # The spider's item carries the same time and the pointer to the stored response.
        request.meta["fetched_at"] = fetched_at
        request.meta["warc"] = (stored.file, stored.offset)

    def process_exception(self, request, exception):
        if isinstance(exception, IgnoreRequest) and "robots.txt" not in str(exception):
            return None  # offsite and similar filters: not a fetch, nothing to record
        kind = "robots_disallowed" if isinstance(exception, IgnoreRequest) else (
            type(exception).__name__)
        logger.info("fetch failed: %s (%s: %s)", request.url, kind, exception)
        writer_for(self.crawler).add_page({
            "site": self.crawler.spider.name,
            "url": request.url,
            "status": None,
            "fetched_at": utc_now(),
            "bytes": 0,
            "content_type": None,
            "latency_ms": None,
            "error": kind if kind == "robots_disallowed" else f"{kind}: {exception}"[:500],
            "kind": page_kind(request),
        })
        return None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
