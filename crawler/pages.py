"""Pages for the site tools (`vnarchive sites check`, `sites add`): read from a saved file, or
fetched one at a time over HTTP with the crawl's user agent, robots.txt obeyed.

The tools read a handful of pages, so a plain blocking fetch (urllib) does here what a Scrapy
crawl with its reactor would do at far greater cost to start. It keeps the crawl's rules
(crawler/safety.py), which urllib alone does not: only http and https, redirects included; no
link-local, private or reserved address (a redirect to 169.254.169.254, a cloud's metadata
service); loopback only when the address asked for is loopback itself (the local test web).
And a page comes whole within FETCH_SECONDS: every read of the answer (its status line and
headers, a redirect's, then the body a piece at a time) waits at most the time left, as does
each connection, so a server that sends its headers or its page a byte at a time, or stops
halfway, is given up, and the thread that read it ends, at the deadline. (Before, the socket's
TIMEOUT bounded each read of the headers alone: a server dripping them held the thread for up
to TIMEOUT a byte, past the deadline.)
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from protego import Protego

from crawler.safety import WEB_SCHEMES, address_refusal, is_loopback_host, parse_address
from crawler.settings import USER_AGENT
from pipelines.encodings import declared_charset, decode_page
from pipelines.extract import parse_html
from pipelines.urls import fetchable_url

TIMEOUT = 20  # seconds of silence on the connection
FETCH_SECONDS = 60  # for a whole page, its redirects included
DELAY = 1.0  # seconds between requests to one host, as a profile's default download_delay
LOOPBACK = ("127.0.0.1", "localhost", "::1")
_last_request: dict[str, float] = {}
MAX_BYTES = 8 * 1024 * 1024
READ_BYTES = 64 * 1024  # at most this much per read of the body


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


# What reads a page from its URL: `fetch`, or a wrapper that answers each URL once
# (crawler.discover.fetching_once).
Fetch = Callable[[str], Page]


def is_url(source: str) -> bool:
    """Whether `source` is an http(s) URL to fetch (pipelines.urls.fetchable_url), not a file:
    a saved page's canonical link of "http://[URL]/..." made urlsplit raise."""
    return fetchable_url(source, source) is not None


def read_page(source: str, fetcher: Fetch | None = None) -> Page:
    """A page from a URL (fetched, by `fetcher` when given) or from a saved file."""
    if is_url(source):
        return (fetcher or fetch)(source)
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
    """The address a saved page gives itself (canonical link, og:url), if an absolute one, so
    its relative links resolve."""
    tree = parse_html(decode_page(body, declared_charset("", body)).text)
    return next((href for href in declared_addresses(tree) if is_url(href)), None)


def declared_addresses(tree) -> list[str]:
    """The addresses a page declares its own, as written: its canonical link, then og:url.
    Read from the parsed page, for a saved page's address and for `sites add`'s article test
    alike (a pattern over the bytes missed `<link href=... rel=canonical>` and kept `&amp;`)."""
    if tree is None:
        return []
    declared = [*tree.xpath('//link[@rel="canonical"]/@href'),
                *tree.xpath('//meta[@property="og:url"]/@content')]
    return [href.strip() for href in declared if href.strip()]


@lru_cache(maxsize=64)
def _robots_txt(root: str) -> tuple[str, bytes, str] | PageUnavailable:
    """The site's robots.txt as `_get` answers it, or why it could not be read: asked once,
    for its rules and for `fetch` (`sites add` reads its sitemaps; it was asked twice)."""
    try:
        return _get(urljoin(root, "/robots.txt"))
    except PageUnavailable as error:
        return error


@lru_cache(maxsize=64)
def _robots(root: str) -> Protego | None:
    answer = _robots_txt(root)
    if isinstance(answer, PageUnavailable):
        return None  # no robots.txt: everything is allowed
    return Protego.parse(answer[1].decode("utf-8", "replace"))


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
    parts = urlsplit(url)
    if parts.path == "/robots.txt" and not parts.query:  # read already, for its rules
        answer = _robots_txt(f"{parts.scheme}://{parts.netloc}/")
        if isinstance(answer, PageUnavailable):
            raise PageUnavailable(str(answer))
        final_url, body, content_type = answer
    else:
        _wait_turn(parts.netloc)
        final_url, body, content_type = _get(url)
    return Page(url, final_url, body, declared_charset(content_type, body), content_type,
                fetched=True)


def _wait_turn(host: str) -> None:
    """The profiles' default delay between two requests to one host (none on loopback)."""
    if urlsplit(f"//{host}").hostname not in LOOPBACK:
        time.sleep(max(0.0, _last_request.get(host, 0.0) + DELAY - time.monotonic()))
    _last_request[host] = time.monotonic()


def _get(url: str) -> tuple[str, bytes, str]:
    """The final address, body and content type of `url`, within FETCH_SECONDS. The fetch runs
    on a thread of its own, given up at the deadline; the thread stops reading at the same
    deadline (before, one left behind read on until the server stopped or the command ended)."""
    outcome: dict = {}
    deadline = time.monotonic() + FETCH_SECONDS

    def run() -> None:
        try:
            outcome["page"] = _get_now(url, deadline)
        except PageUnavailable as error:
            outcome["error"] = error

    worker = threading.Thread(target=run, name="page-fetch", daemon=True)
    worker.start()
    worker.join(FETCH_SECONDS)
    if worker.is_alive():
        raise PageUnavailable(f"{url}: no whole answer within {FETCH_SECONDS} s (the server "
                              "sends it too slowly)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["page"]


def _get_now(url: str, deadline: float) -> tuple[str, bytes, str]:
    allow_loopback = is_loopback_host(urlsplit(url).hostname or "")
    refusal = address_problem(url, allow_loopback)
    if refusal:
        raise PageUnavailable(f"{url}: {refusal}")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    # No proxy from the environment: the address checked is the address connected to.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         CheckedRedirects(allow_loopback),
                                         DeadlineHTTPHandler(deadline),
                                         DeadlineHTTPSHandler(deadline))
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return (response.geturl(), _read_body(response),
                    response.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as error:
        raise PageUnavailable(f"{url}: HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
        # HTTPException: a body cut short or broken chunks (IncompleteRead), a bad status line
        reason = getattr(error, "reason", None) or error
        if isinstance(reason, TimeoutError) and time.monotonic() >= deadline:
            # A wait cut at the deadline (not TIMEOUT of silence well before it)
            raise PageUnavailable(f"{url}: no whole answer within {FETCH_SECONDS} s (the "
                                  "server sends it too slowly)") from None
        raise PageUnavailable(f"{url}: {reason!r}") from None


def _read_body(response: http.client.HTTPResponse) -> bytes:
    """The body, up to MAX_BYTES, read as it comes (`read1`: one wait on the socket each):
    `read(MAX_BYTES)` waited for all of it however slowly it came. The deadline ends the
    reading in DeadlineReads, which every wait goes through."""
    body = bytearray()
    while len(body) < MAX_BYTES:
        piece = response.read1(min(READ_BYTES, MAX_BYTES - len(body)))
        if not piece:
            break
        body += piece
    if len(body) < MAX_BYTES and response.length:  # the connection ended before its length
        raise http.client.IncompleteRead(bytes(body), response.length)
    return bytes(body)


class DeadlineReads(io.RawIOBase):
    """A response's socket reader whose every wait is bounded by the time left to the
    deadline (and by TIMEOUT): http.client reads the status line and headers line by line
    through it, and one line dripped a byte at a time took a socket wait per byte, each up to
    TIMEOUT, past the deadline."""

    def __init__(self, raw: socket.SocketIO, deadline: float):
        super().__init__()
        self.raw = raw
        self.deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        left = self.deadline - time.monotonic()
        if left <= 0:  # a fast drip answers every wait: the deadline itself ends the reading
            raise TimeoutError("no whole answer before the deadline")
        self.raw._sock.settimeout(min(TIMEOUT, left))
        return self.raw.readinto(buffer)

    def fileno(self) -> int:
        return self.raw.fileno()

    def close(self) -> None:
        if not self.closed:
            self.raw.close()
        super().close()


class DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, read through DeadlineReads from its first byte."""

    def __init__(self, sock, *args, deadline: float, **kwargs):
        super().__init__(sock, *args, **kwargs)
        # Nothing is read yet: the socket's own reader is taken from its empty buffer.
        self.fp = io.BufferedReader(DeadlineReads(self.fp.detach(), deadline))


class DeadlineConnections:
    """For urllib's HTTP(S) handlers: each connection they make waits at most the time left
    to connect, and reads its answers through DeadlineResponse."""

    def __init__(self, deadline: float, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline

    def do_open(self, http_class, request, **connection_options):
        def connection(*args, **kwargs):
            made = http_class(*args, **kwargs)
            made.timeout = min(TIMEOUT, max(0.01, self.deadline - time.monotonic()))
            made.response_class = partial(DeadlineResponse, deadline=self.deadline)
            return made

        return super().do_open(connection, request, **connection_options)


class DeadlineHTTPHandler(DeadlineConnections, urllib.request.HTTPHandler):
    pass


class DeadlineHTTPSHandler(DeadlineConnections, urllib.request.HTTPSHandler):
    pass


def address_problem(url: str, allow_loopback: bool) -> str | None:
    """Why the tools may not fetch `url` (another scheme, an address in a forbidden range),
    or None. A name is resolved here; one that does not resolve is left to the fetch to
    report."""
    parts = urlsplit(url)
    if parts.scheme not in WEB_SCHEMES:
        return f"not http or https ({parts.scheme}:), which the crawler never fetches"
    host = parts.hostname or ""
    address = parse_address(host)
    if address is not None:
        addresses = [address]
    else:
        try:
            found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None
        addresses = [parse_address(info[4][0]) for info in found]
    for each in filter(None, addresses):
        reason = address_refusal(each, allow_loopback)
        if reason:
            return f"{host} is a {reason} address ({each}), which no site may reach"
    return None


class CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """urllib's redirects (it would follow one to ftp:, or to any address), each checked as
    the first address was."""

    def __init__(self, allow_loopback: bool):
        super().__init__()
        self.allow_loopback = allow_loopback

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        refusal = address_problem(newurl, self.allow_loopback)
        if refusal:
            raise PageUnavailable(f"{req.full_url}: redirected to {newurl}: {refusal}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)
