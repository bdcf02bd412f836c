"""robots.txt as RFC 9309 reads it.

Scrapy's middleware parses whatever body comes back, whatever the status, and allows
everything when the fetch fails. RFC 9309 says otherwise, and this subclass follows it:

- 5xx (and 429, which Google also reads as "overloaded"), or no answer at all (timeout,
  reset, refused connection): the host is unreachable, so complete disallow (2.3.1.4). The
  fetch itself is a `pages` row; every page of the host then gets a `robots_disallowed` row.
- other 4xx: robots.txt is unavailable, so everything is allowed (2.3.1.3), whatever error
  page came with it.
- only the first 500 KiB of a file are parsed (2.5: crawlers must parse at least that much
  and may stop there), so a huge file costs nothing and rules hidden past that are ignored.

`Crawl-delay` (not in RFC 9309, but what portals write to ask for gentleness) is obeyed: the
requests to that host start at least that many seconds apart, up to
VNARCHIVE_CRAWL_DELAY_MAX (a larger delay is cut to it, with a warning). Scrapy reads the
field but uses it nowhere, and AutoThrottle would bring a slot's delay back down anyway.

It also mends a Scrapy 2.19 fault: requests that wait for a host's robots.txt all await one
Deferred, and turning a Deferred into an asyncio Future consumes its result, so only the first
waiter got the rules and the rest were let through unchecked (a crawl's start pages, or a
distributed worker's first batch from the shared frontier, fetched disallowed pages).
"""

from __future__ import annotations

import logging

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawler.host_turns import host_of, host_turns

logger = logging.getLogger(__name__)

PARSE_LIMIT = 500 * 1024
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def rules_for(status: int, body: bytes) -> bytes:
    """The robots.txt text to parse for a response of this status."""
    if status >= 500 or status == 429:
        return DISALLOW_ALL
    if status >= 400:
        return b""
    return body[:PARSE_LIMIT]


class Rfc9309RobotsMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.longest_delay = crawler.settings.getfloat("VNARCHIVE_CRAWL_DELAY_MAX", 60)
        self.turns = host_turns(crawler)  # host -> its Crawl-delay, in `spacing`

    async def process_request(self, request, spider=None):
        await super().process_request(request)  # raises when robots.txt disallows it
        if request.meta.get("dont_obey_robotstxt"):
            return
        host = host_of(request)
        if host not in self.turns.spacing:
            delay = self._crawl_delay(urlparse_cached(request).netloc, request)
            if delay is not None:
                # Waited for with the host's Retry-After pauses (crawler/host_turns.py).
                self.turns.spacing[host] = delay

    def _crawl_delay(self, netloc: str, request) -> float | None:
        """The Crawl-delay the host's rules ask for (0 for none); None while unread."""
        parser = self._parsers.get(netloc)
        if parser is None or not hasattr(parser, "crawl_delay"):
            return None  # no rules (yet): nothing asked
        agent = self._robotstxt_useragent or request.headers.get(
            b"User-Agent", self._default_useragent)
        delay = parser.crawl_delay(agent) or 0.0
        if delay > self.longest_delay:
            logger.warning("robots.txt of %s asks for a Crawl-delay of %g s: %g s are kept "
                           "(VNARCHIVE_CRAWL_DELAY_MAX)", netloc, delay, self.longest_delay)
            delay = self.longest_delay
        elif delay:
            logger.info("robots.txt of %s asks for a Crawl-delay of %g s: obeyed", netloc, delay)
        return delay

    async def robot_parser(self, request):
        await super().robot_parser(request)
        # Once the wait is over the host's entry is settled (rules, or None when a filter of
        # ours refused the fetch): read it, not what the shared Deferred handed this waiter.
        return self._parsers[urlparse_cached(request).netloc]

    async def _parse_robots(self, response, netloc, request):
        rules = rules_for(response.status, response.body)
        if rules is DISALLOW_ALL:
            logger.warning("robots.txt of %s answered %d: the host is treated as disallowed "
                           "(RFC 9309)", netloc, response.status)
            self.crawler.stats.inc_value("vnarchive/robots_unreachable")
        elif len(response.body) > PARSE_LIMIT:
            logger.warning("robots.txt of %s is %d bytes: only the first %d are parsed",
                           netloc, len(response.body), PARSE_LIMIT)
        await super()._parse_robots(response.replace(body=rules), netloc, request)

    def _robots_error(self, exc, netloc):
        if isinstance(exc, IgnoreRequest):
            # Refused by our own filters (an address the site may not reach): every request
            # to that host is refused by the same filters anyway.
            super()._robots_error(exc, netloc)
            return
        logger.warning("robots.txt of %s unreachable (%s): the host is treated as disallowed "
                       "(RFC 9309)", netloc, type(exc).__name__)
        self.crawler.stats.inc_value("vnarchive/robots_unreachable")
        pending = self._parsers[netloc]
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        self._parsers[netloc] = parser
        pending.callback(parser)
