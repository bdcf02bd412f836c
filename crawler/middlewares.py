"""HTTP concerns only: record every fetch (response or failure) as a `pages` row."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.exceptions import IgnoreRequest

from archive.writer import utc_now
from crawler.archiving import writer_for

logger = logging.getLogger(__name__)


class FetchRecorderMiddleware:
    """Every HTTP response the downloader receives (redirects and retried errors included,
    through the `response_downloaded` signal) and every request that finally failed (through
    `process_exception`, after the retry middleware gave up) becomes one `pages` row."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.record_response, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def record_response(self, response, request, spider) -> None:
        latency = request.meta.get("download_latency")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        writer_for(self.crawler).add_page({
            "site": spider.name,
            "url": response.url,
            "status": response.status,
            "fetched_at": utc_now(),
            "bytes": len(response.body),
            "content_type": content_type or None,
            "latency_ms": round(latency * 1000) if latency is not None else None,
            "error": None,
        })

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
        })
        return None
