"""Back off from a host that asks for it, and stop hammering one that keeps failing.

Scrapy's retry middleware retries 429 and 503 at once and ignores Retry-After, so an
overloaded portal gets the same request three times in a second and the page is lost.
`RetryAfterMiddleware` honours Retry-After (seconds or an HTTP date): the page is deferred,
not failed, and every request to that host waits until the moment the host named. A wait
longer than VNARCHIVE_RETRY_AFTER_MAX is left for the next run: the host's pages get a
`deferred` row (an error, so the next run parses its listings again) and are not fetched.

`CircuitBreakerMiddleware` counts consecutive failures per host (5xx, timeouts, resets, cut
bodies). After VNARCHIVE_BREAKER_THRESHOLD of them the host's requests are refused
(`circuit_open` rows) for VNARCHIVE_BREAKER_COOLDOWN seconds; then one request probes it, and
a success closes the breaker. Other hosts, of this site or another, carry on. Scrapy has
neither of these (its AutoThrottle reacts to latency, not to errors), so both are written here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from crawler.host_turns import host_of, host_turns
from crawler.refusals import refuse

logger = logging.getLogger(__name__)

DEFER_STATUSES = (429, 503)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header ("120" or an HTTP date); None if absent or
    unreadable. A date in the past means no wait."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.longest_wait = settings.getfloat("VNARCHIVE_RETRY_AFTER_MAX", 600)
        self.max_deferrals = settings.getint("VNARCHIVE_MAX_DEFERRALS", 3)
        self.turns = host_turns(crawler)  # shared with robots.txt's Crawl-delay
        self.left_for_next_run: dict[str, str] = {}  # host -> why

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        host = host_of(request)
        if host in self.left_for_next_run:
            raise refuse(self.crawler, request, "deferred", self.left_for_next_run[host])
        # The one wait of every request (crawler/host_turns.py): for a pause the host asked
        # for, and for its Crawl-delay turn unless robots.txt is not read for it.
        await self.turns.wait_turn(host, spaced=not request.meta.get("dont_obey_robotstxt"))
        return None

    def process_response(self, request, response):
        if response.status not in DEFER_STATUSES:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            return response  # no Retry-After: Scrapy's retry middleware decides
        host = host_of(request)
        deferrals = request.meta.get("vnarchive_deferrals", 0)
        if wait > self.longest_wait:
            why = f"{response.status} with Retry-After {wait:.0f} s: left for the next run"
            self.left_for_next_run[host] = why
            raise refuse(self.crawler, request, "deferred", why)
        if deferrals >= self.max_deferrals:
            raise refuse(self.crawler, request, "deferred",
                         f"still {response.status} after {deferrals} waits: left for the next run")
        self.turns.pause(host, wait)
        logger.warning("%s answered %d with Retry-After %.0f s: %s and the rest of the host "
                       "wait", host, response.status, wait, request.url)
        self.crawler.stats.inc_value("vnarchive/deferred")
        again = request.replace(dont_filter=True)
        again.meta["vnarchive_deferrals"] = deferrals + 1
        return again


@dataclass
class HostHealth:
    failures: int = 0  # consecutive
    closed_until: float = 0.0  # refuse requests until then (when failures >= threshold)


class CircuitBreakerMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.threshold = settings.getint("VNARCHIVE_BREAKER_THRESHOLD", 10)
        self.cooldown = settings.getfloat("VNARCHIVE_BREAKER_COOLDOWN", 300)
        self.hosts: dict[str, HostHealth] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        health = self.hosts.get(host_of(request))
        if health is None or health.failures < self.threshold:
            return None
        now = time.time()
        if now < health.closed_until:
            raise refuse(self.crawler, request, "circuit_open",
                         f"{health.failures} consecutive failures from {host_of(request)}")
        health.closed_until = now + self.cooldown  # this request probes; the rest wait
        return None

    def process_response(self, request, response):
        if response.status >= 500:
            self._failed(request, f"HTTP {response.status}")
        else:
            self.hosts.pop(host_of(request), None)
        return response

    def process_exception(self, request, exception):
        # Our own refusals and size-limit cancellations say nothing of the host's health.
        if not isinstance(exception, IgnoreRequest | DownloadCancelledError):
            self._failed(request, type(exception).__name__)
        return None

    def _failed(self, request, what: str) -> None:
        host = host_of(request)
        health = self.hosts.setdefault(host, HostHealth())
        health.failures += 1
        if health.failures == self.threshold:
            health.closed_until = time.time() + self.cooldown
            logger.warning("circuit breaker open for %s after %d consecutive failures (last: "
                           "%s): its requests are refused for %.0f s", host, health.failures,
                           what, self.cooldown)
            self.crawler.stats.inc_value("vnarchive/breaker_opened")
