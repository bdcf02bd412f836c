"""When each host may be asked next: one wait per request, for every reason a host gives.

A host asks for gentleness two ways: its robots.txt's `Crawl-delay` spaces its requests
(crawler/robots.py), and a 429 or 503 with Retry-After pauses them (crawler/backoff.py). Each
middleware kept a wait of its own, keyed by the host as its URL spelled it (the netloc, or its
lower case): "example.vn:80" was another host than "example.vn", and the requests that had
taken their Crawl-delay turns during a pause all went at once when it ended. Here one table
per crawl, keyed by `host_of`, holds both: the robots.txt middleware sets a host's spacing,
the Retry-After middleware its pauses, and each request waits once, in the Retry-After
middleware (enabled whether robots.txt is obeyed or not).
"""

from __future__ import annotations

import time
from weakref import WeakKeyDictionary

from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(request) -> str:
    """The host a request asks, one key however its URL spells it: lower case, without user
    information or the scheme's default port ("http://Example.vn:80/" asks "example.vn")."""
    parts = urlparse_cached(request)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address, bracketed again as in a URL
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a port out of range: no request goes out with it anyway
        port = None
    return host if port in (None, DEFAULT_PORTS.get(parts.scheme)) else f"{host}:{port}"


class HostTurns:
    """A crawl's hosts: the seconds between two requests each asks for, and the moment its
    next request may start."""

    def __init__(self) -> None:
        self.spacing: dict[str, float] = {}  # host -> seconds between two starts
        self.free_at: dict[str, float] = {}  # host -> time.monotonic() of its next start

    def pause(self, host: str, seconds: float) -> None:
        """No request to `host` starts for `seconds` (a Retry-After)."""
        self.free_at[host] = max(self.free_at.get(host, 0.0), time.monotonic() + seconds)

    async def wait_turn(self, host: str, spaced: bool = True) -> None:
        """Wait until `host` may be asked; a spaced request then holds the next one back by
        the host's spacing. A waiter looks again when it wakes: a pause set meanwhile, or
        another waiter that took the turn first, holds it further."""
        while (wait := self.free_at.get(host, 0.0) - time.monotonic()) > 0:
            await sleep(wait)
        if spaced and self.spacing.get(host):
            self.free_at[host] = time.monotonic() + self.spacing[host]


_turns: WeakKeyDictionary = WeakKeyDictionary()  # crawler -> its HostTurns


def host_turns(crawler) -> HostTurns:
    """The crawl's one table, the same for each middleware that asks."""
    if crawler not in _turns:
        _turns[crawler] = HostTurns()
    return _turns[crawler]
