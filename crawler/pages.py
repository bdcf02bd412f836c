"""Pages for the site tools (`vnarchive sites check`, `sites add`): read from a saved file, or
fetched one at a time over HTTP with the crawl's user agent, robots.txt obeyed.

The tools read a handful of pages, so a plain blocking fetch (urllib) does here what a Scrapy
crawl with its reactor would do at far greater cost to start.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from protego import Protego

from crawler.settings import USER_AGENT
from pipelines.encodings import declared_charset
from pipelines.urls import fetchable_url

TIMEOUT = 20
DELAY = 1.0  # seconds between requests to one host, as a profile's default download_delay
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_last_request: dict[str, float] = {}
MAX_BYTES = 8 * 1024 * 1024
# Where a saved page names its own address, so its relative links resolve.
OWN_ADDRESS = (re.compile(rb'<link[^>]+rel=["\']canonical["\'][^>]*href=["\']([^"\']+)', re.I),
               re.compile(rb'<meta[^>]+property=["\']og:url["\'][^>]*content=["\']([^"\']+)',
                          re.I))


class PageUnavailable(Exception):
    """A page could not be read (missing file, HTTP error, robots.txt says no)."""


@dataclass
class Page:
    source: str  # the file or the URL asked for
    url: str | None  # the page's address, when known (for a file: from its own markup)
    body: bytes
    declared_encoding: str | None = None
    content_type: str = ""
    fetched: bool = False  # over HTTP (else read from a file)


def is_url(source: str) -> bool:
    """Whether `source` is an http(s) URL to fetch (pipelines.urls.fetchable_url), not a file:
    a saved page's canonical link of "http://[URL]/..." made urlsplit raise."""
    return fetchable_url(source, source) is not None


def read_page(source: str) -> Page:
    """A page from a URL (fetched) or from a saved file."""
    if is_url(source):
        return fetch(source)
    try:
        body = Path(source).read_bytes()
    except OSError as error:
        if "://" in source:  # meant as an address, not a saved file's name
            raise PageUnavailable(f"{source}: not an http(s) address that can be fetched "
                                  "(a scheme other than http or https, a port out of range, "
                                  "no host?)") from None
        raise PageUnavailable(f"{source}: {error.strerror or error}") from None
    return Page(source, own_address(body), body, declared_charset("", body))


def own_address(body: bytes) -> str | None:
    """The address a saved page gives itself (canonical link, og:url), if an absolute one."""
    for pattern in OWN_ADDRESS:
        found = pattern.search(body[:200_000])
        if found and is_url(found.group(1).decode("latin-1")):
            return found.group(1).decode("latin-1")
    return None


@lru_cache(maxsize=64)
def _robots(root: str) -> Protego | None:
    try:
        body = _get(urljoin(root, "/robots.txt"))[1]
    except PageUnavailable:
        return None  # no robots.txt: everything is allowed
    return Protego.parse(body.decode("utf-8", "replace"))


def allowed(url: str) -> bool:
    """Whether the site's robots.txt lets the crawler fetch `url`."""
    parts = urlsplit(url)
    robots = _robots(f"{parts.scheme}://{parts.netloc}/")
    return robots is None or robots.can_fetch(url, USER_AGENT)


def fetch(url: str, obey_robots: bool = True) -> Page:
    """One page over HTTP(S); PageUnavailable on an error status, when robots.txt says no, or
    for an address that is no http(s) URL (a robots.txt's `Sitemap: http://[URL]`)."""
    if fetchable_url(url, url) is None:
        raise PageUnavailable(f"{url}: not an http(s) URL")
    if obey_robots and not allowed(url):
        raise PageUnavailable(f"{url}: robots.txt does not allow the crawler to fetch it")
    _wait_turn(urlsplit(url).netloc)
    final_url, body, content_type = _get(url)
    return Page(url, final_url, body, declared_charset(content_type, body), content_type,
                fetched=True)


def _wait_turn(host: str) -> None:
    """The profiles' default delay between two requests to one host (none on loopback)."""
    if urlsplit(f"//{host}").hostname not in LOOPBACK:
        time.sleep(max(0.0, _last_request.get(host, 0.0) + DELAY - time.monotonic()))
    _last_request[host] = time.monotonic()


def _get(url: str) -> tuple[str, bytes, str]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (http only)
            return (response.geturl(), response.read(MAX_BYTES),
                    response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as error:
        raise PageUnavailable(f"{url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise PageUnavailable(f"{url}: {getattr(error, 'reason', error)}") from None
