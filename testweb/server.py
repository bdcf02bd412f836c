"""Serve the local test web: each site family on its own port of 127.0.0.1.

One port per site, because robots.txt, sitemaps and the per-host politeness of a crawler are
all per host and port. The server binds to loopback only and counts the requests it answers,
so tests can check what a crawl fetched (and that it fetched nothing twice).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from testweb.content import load_articles
from testweb.families import FAMILIES, Family

LOOPBACK = "127.0.0.1"
# Ports the test-web profiles name by default, so `scrapy crawl testweb_thanhhoa` works
# against `vnarchive testweb`; the demo and the tests take free ports instead.
DEFAULT_PORTS = {name: 8701 + index for index, name in enumerate(FAMILIES)}

LAST_MODIFIED = "Tue, 01 Jul 2025 01:00:00 GMT"

logger = logging.getLogger(__name__)


# How often an idle site looks whether it is asked to stop (the standard library: 0.5 s).
POLL_SECONDS = 0.1


class LocalWebServer(ThreadingHTTPServer):
    """A threading HTTP server whose listen backlog holds a crawler's burst of connections.
    The standard library's is 5: a crawl that opens 16 connections at once had the rest of
    its SYNs dropped, and the kernel sent them again only after a second (a 1 s stall at
    each crawl's start, counted in `nstat TcpExtListenOverflows`). nginx listens with 511."""

    request_queue_size = 511
    daemon_threads = True


@dataclass
class ServedSite:
    family: Family
    server: LocalWebServer
    requests: Counter = field(default_factory=Counter)
    user_agents: Counter = field(default_factory=Counter)
    not_modified: Counter = field(default_factory=Counter)  # paths answered 304
    delay: float = 0.0  # seconds to wait before each answer (for tests that kill a crawl)
    in_flight: int = 0  # requests being answered now
    max_in_flight: int = 0  # the most at once, so tests can check per-host politeness
    _in_flight_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def profile_name(self) -> str:
        return f"testweb_{self.family.name}"

    def request_started(self) -> None:
        with self._in_flight_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def request_answered(self) -> None:
        with self._in_flight_lock:
            self.in_flight -= 1


def _handler_for(site_ref: list[ServedSite]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "testweb/1.0"
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            site = site_ref[0]
            site.requests[self.path] += 1
            site.user_agents[self.headers.get("User-Agent", "")] += 1
            site.request_started()
            try:
                if site.delay:
                    time.sleep(site.delay)
                # A family may add headers (a Location for a redirect) as a fourth element.
                status, content_type, body, *extra = site.family.route(self.path,
                                                                       site.base_url)
            finally:
                # Counted out before any byte of the answer leaves, so a client that has its
                # response can never see this request still counted.
                site.request_answered()
            payload = body if isinstance(body, bytes) else body.encode("utf-8")
            # Validators as real CMSes send them: an ETag of the content, so a conditional
            # request for an unchanged page is answered 304 with no body.
            etag = '"' + hashlib.sha1(payload).hexdigest()[:16] + '"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                site.not_modified[self.path] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (extra[0] if extra else {}).items():
                self.send_header(name, value)
            if status == 200:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", LAST_MODIFIED)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            logger.debug("%s %s", site_ref[0].family.name, format % args)

    return Handler


class TestWeb:
    """The running test web: start it, read each site's address, stop it."""

    __test__ = False  # not a pytest test class, despite its name
    family_classes: dict[str, type[Family]] = FAMILIES  # what each served name is

    def __init__(self, families: list[str] | None = None, ports: dict[str, int] | None = None,
                 articles: list | None = None):
        self.family_names = families or list(FAMILIES)
        self.ports = ports or {}
        self.articles = articles  # default: the hand-written articles of content/
        self.sites: dict[str, ServedSite] = {}
        self._threads: list[threading.Thread] = []

    def start(self) -> TestWeb:
        """Serve every family; if one port cannot be bound, nothing is left running."""
        try:
            return self._start()
        except OSError:
            self.stop()
            raise

    def _start(self) -> TestWeb:
        articles = self.articles if self.articles is not None else load_articles()
        for name in self.family_names:
            family = self.family_classes[name]([a for a in articles if a.family == name])
            site_ref: list[ServedSite] = []
            address = (LOOPBACK, self.ports.get(name, 0))
            server = LocalWebServer(address, _handler_for(site_ref))
            site = ServedSite(family, server)
            site_ref.append(site)
            self.sites[name] = site
            thread = threading.Thread(target=server.serve_forever, name=f"testweb-{name}",
                                      kwargs={"poll_interval": POLL_SECONDS}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop every site at once: a server's `shutdown` waits for its loop's next poll, and
        one site after another, at the standard library's half second a poll, the demo's 22
        took 5 s after its crawl had ended."""
        stoppers = [threading.Thread(target=site.server.shutdown, name=f"stop-{name}")
                    for name, site in self.sites.items()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for site in self.sites.values():
            site.server.server_close()

    def add_articles(self, family: str, articles: list) -> None:
        """Publish more articles on a running site (as a re-crawl would find them)."""
        site = self.sites[family]
        site.family = self.family_classes[family](sorted(
            [*site.family.articles, *articles], key=lambda a: a.published, reverse=True))

    def base_urls(self) -> dict[str, str]:
        """Profile name to base URL: the override a crawl of this test web needs."""
        return {site.profile_name: site.base_url for site in self.sites.values()}

    def __enter__(self) -> TestWeb:
        return self if self.sites else self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
