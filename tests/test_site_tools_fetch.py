"""The site tools' own fetches (crawler/pages.py: `sites add`, `sites check`) against the
hostile test site: the crawl's address rules, and an end to every fetch. Every connection is
watched: one to an address that is not loopback fails the test instead of being made."""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest

from crawler import pages
from crawler.pages import PageUnavailable, address_problem, fetch
from testweb.hostile import HostileSite

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def hostile_site():
    with HostileSite() as site:
        site.set_phase("hostile")
        yield site


@pytest.fixture
def connections(monkeypatch) -> list[str]:
    """The hosts connected to; a host that is not a loopback address is refused here."""
    made: list[str] = []
    connect = socket.create_connection

    def watched(address, *args, **kwargs):
        host = address[0]
        assert ipaddress.ip_address(host).is_loopback, f"a connection to {host} was attempted"
        made.append(host)
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", watched)  # what http.client calls
    return made


def page(site: HostileSite, path: str) -> str:
    return f"http://127.0.0.1:{site.port}/article/{path}"


@pytest.mark.parametrize(("path", "reason"), [
    ("to-metadata-ip", "169.254.169.254 is a link-local address"),
    ("to-ftp", "not http or https (ftp:)"),
])
def test_a_redirect_the_crawl_would_refuse_is_refused_before_connecting(
        hostile_site, connections, path, reason):
    with pytest.raises(PageUnavailable, match=reason.replace("(", r"\(").replace(")", r"\)")):
        fetch(page(hostile_site, path), obey_robots=False)
    assert connections == ["127.0.0.1"]  # the hostile site alone, once


def test_a_page_dripped_a_byte_at_a_time_is_given_up_at_the_deadline(
        hostile_site, connections, monkeypatch):
    monkeypatch.setattr(pages, "FETCH_SECONDS", 1.5)
    started = time.monotonic()
    with pytest.raises(PageUnavailable, match="no whole answer within 1.5 s"):
        fetch(page(hostile_site, "slow-drip"), obey_robots=False)
    assert time.monotonic() - started < 10


def test_a_body_whose_chunks_break_is_one_error(hostile_site, connections):
    with pytest.raises(PageUnavailable, match="IncompleteRead"):
        fetch(page(hostile_site, "broken-chunks"), obey_robots=False)


def test_an_honest_page_of_the_same_site_is_fetched(hostile_site, connections):
    fetched = fetch(page(hostile_site, "ok-1"), obey_robots=False)
    assert fetched.body.startswith(b"<") and fetched.url.endswith("/article/ok-1")


@pytest.mark.parametrize(("url", "allow_loopback", "refused"), [
    ("http://127.0.0.1:8080/", False, "loopback"),  # a public site's redirect to this machine
    ("http://127.0.0.1:8080/", True, None),  # the local test web
    ("http://[::ffff:169.254.169.254]/", True, "link-local"),
    ("http://10.1.2.3/", True, "private"),
    ("http://192.168.0.1/", True, "private"),
    ("file:///etc/passwd", True, "not http or https"),
])
def test_addresses_are_judged_as_the_crawl_judges_them(url, allow_loopback, refused):
    problem = address_problem(url, allow_loopback)
    assert (problem is None) if refused is None else (refused in problem)
