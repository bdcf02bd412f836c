"""Requests the crawler refuses or gives up on by its own decision (an address it must not
reach, a redirect loop, a host that asked to be left alone): one log line and one `pages` row
with the error kind, the same row a failed fetch gets.

The fetch recorder writes rows for exceptions that reach `process_exception`; decisions taken
in `process_response` never get there, and an `IgnoreRequest` is, by design, not recorded
there, so the middlewares that refuse call `refuse()` themselves.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest

from archive.runs import utc_now
from crawler.archiving import writer_for
from crawler.middlewares import page_kind

logger = logging.getLogger(__name__)


def first_url(request) -> str:
    """The URL the spider asked for, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def record_refusal(crawler, request, kind: str, detail: str) -> None:
    url = first_url(request)
    logger.warning("refused %s: %s (%s)", url, kind, detail)
    crawler.stats.inc_value(f"vnarchive/refused/{kind}")
    writer_for(crawler).add_page({
        "site": crawler.spider.name, "url": url, "status": None, "fetched_at": utc_now(),
        "bytes": 0, "content_type": None, "latency_ms": None,
        "error": f"{kind}: {detail}"[:500], "kind": page_kind(request),
    })


def refuse(crawler, request, kind: str, detail: str) -> IgnoreRequest:
    """Record the refusal; the caller raises what this returns."""
    record_refusal(crawler, request, kind, detail)
    # The kind only: the fetch recorder reads "robots.txt" in a message as a robots refusal.
    return IgnoreRequest(f"refused by vnarchive: {kind}")
