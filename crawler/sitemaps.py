"""Bounds on sitemaps, which a site writes and a crawler must not trust.

Scrapy's sitemap parser already refuses entity expansion (lxml with `resolve_entities=False`:
no XXE, no billion laughs) and the dupe filter drops an index that lists itself. What is left
to bound here:

- depth: an index may list an index that lists an index, without end (each one a new URL);
  sitemaps nested deeper than VNARCHIVE_SITEMAP_MAX_DEPTH (robots.txt counts as one level)
  are not fetched;
- size: a sitemap may hold 50,000 URLs and 50 MB (the protocol's limits), far more than an
  HTML page, so sitemap requests carry their own `download_maxsize`
  (VNARCHIVE_SITEMAP_MAXSIZE), which Scrapy applies to the download and to gunzip;
- entries: only the first VNARCHIVE_SITEMAP_MAX_URLS entries of one file are read
  (`first_entries`, called from the spider's `sitemap_filter`);
- lastmod: a CMS that writes the file's own generation time as every entry's lastmod would
  have every archived article fetched again at each run; a lastmod most entries share is
  taken for that and not read (`generated_lastmod`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice

from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

logger = logging.getLogger(__name__)


def is_sitemap_request(request) -> bool:
    return getattr(request.callback, "__name__", "") == "_parse_sitemap"


def first_entries(entries: Iterable[dict], limit: int, stats=None) -> Iterator[dict]:
    """The first `limit` entries of a sitemap; a log line and a stat when there were more."""
    iterator = iter(entries)
    yield from islice(iterator, limit)
    rest = sum(1 for _ in iterator)
    if rest:
        logger.warning("a sitemap lists %d URLs: the %d past the first %d are ignored",
                       limit + rest, rest, limit)
        if stats is not None:
            stats.inc_value("vnarchive/sitemap_entries_ignored", rest)


# So many entries changed at the same moment, and more than half of the file: no site edits its
# articles so; it is when the file was written.
GENERATED_LASTMOD_ENTRIES = 10


def generated_lastmod(entries: list[dict]) -> str | None:
    """The lastmod most of a sitemap's entries share (the file's generation time, not each
    page's change), or None."""
    stamps = Counter(entry["lastmod"].strip() for entry in entries if entry.get("lastmod"))
    if not stamps:
        return None
    stamp, count = stamps.most_common(1)[0]
    return stamp if count >= GENERATED_LASTMOD_ENTRIES and count * 2 > len(entries) else None


class SitemapBoundsMiddleware(BaseSpiderMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.max_depth = crawler.settings.getint("VNARCHIVE_SITEMAP_MAX_DEPTH", 4)
        self.max_size = crawler.settings.getint("VNARCHIVE_SITEMAP_MAXSIZE", 50 * 1024 * 1024)

    def get_processed_request(self, request, response):
        if not is_sitemap_request(request):
            return request
        depth = (response.meta.get("sitemap_depth", 1) + 1) if response is not None else 1
        if depth > self.max_depth:
            logger.warning("sitemap %s is nested %d deep (limit %d): not fetched",
                           request.url, depth, self.max_depth)
            self.crawler.stats.inc_value("vnarchive/sitemaps_too_deep")
            return None
        request.meta["sitemap_depth"] = depth
        request.meta.setdefault("download_maxsize", self.max_size)
        return request
