"""What the crawler asks for, counted on local servers: each address once in a run (a moved
article's new address, `sites add`'s robots.txt and sitemaps), the ASP.NET pager's postbacks
built without Scrapy's deprecated helper, and the hosts a live crawl of a "www." profile
follows."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.conftest import query
from tests.test_site_shapes import ARTICLE_PAGE, QuietSite

OLD, NEW, PAGE_2 = "/tin/cu-1.html", "/tin/moi-1.html", "/trang-2"


class MovedOnTheWaySite(QuietSite):
    """A portal whose first listing page links OLD, which 301s to NEW; its second page links
    NEW and answers only once `ready` is set: here once NEW was served, so the move is
    followed first (the sites below answer NEW their own way, `answer_new`)."""

    log: list[str] = []
    ready = threading.Event()

    def do_GET(self):  # noqa: N802 (http.server's name)
        site = type(self)
        site.log.append(self.path)
        if self.path == "/":
            self.answer(f"<a href='{OLD}'>Bài</a> <a href='{PAGE_2}'>Trang 2</a>".encode())
        elif self.path == PAGE_2:
            site.ready.wait(30)
            self.answer(f"<a href='{NEW}'>Bài</a>".encode())
        elif self.path == OLD:
            self.answer(b"", 301, Location=NEW)
        elif self.path == NEW:
            self.answer_new(site)
        else:
            self.answer(b"", 404)

    def answer_new(self, site) -> None:
        self.answer(ARTICLE_PAGE.format(n=1).encode())
        site.ready.set()


@pytest.mark.timeout(240)
def test_a_moved_articles_new_address_a_later_listing_links_is_fetched_once(tmp_path):
    from tests.test_safety_crawls import crawl_site

    MovedOnTheWaySite.log, MovedOnTheWaySite.ready = [], threading.Event()
    result, db = crawl_site(tmp_path, MovedOnTheWaySite, "moved_on_the_way",
                            "/tin/[a-z0-9-]+[.]html$",
                            extra=lambda base: "listing_pattern = '/trang-[0-9]+$'\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert PAGE_2 in MovedOnTheWaySite.log  # the listing that links the new address was read
    assert Counter(MovedOnTheWaySite.log)[NEW] == 1, MovedOnTheWaySite.log
    assert query(db, "select count(*) from pages where url like ?", [f"%{NEW}"]) == [(1,)]
    assert query(db, "select count(*) from articles") == [(1,)]


class SlowOnTheWaySite(MovedOnTheWaySite):
    """As MovedOnTheWaySite, but the listing that links NEW is read while the move's own fetch
    of NEW is still under way (NEW answers 1.5 s after it is asked)."""

    log: list[str] = []
    ready = threading.Event()

    def answer_new(self, site) -> None:
        site.ready.set()
        time.sleep(1.5)
        self.answer(ARTICLE_PAGE.format(n=1).encode())


@pytest.mark.timeout(240)
def test_a_new_address_a_listing_links_while_the_move_is_fetched_is_fetched_once(tmp_path):
    from tests.test_safety_crawls import crawl_site

    SlowOnTheWaySite.log, SlowOnTheWaySite.ready = [], threading.Event()
    result, db = crawl_site(tmp_path, SlowOnTheWaySite, "moved_slowly", "/tin/[a-z0-9-]+[.]html$",
                            extra=lambda base: "listing_pattern = '/trang-[0-9]+$'\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert PAGE_2 in SlowOnTheWaySite.log
    assert Counter(SlowOnTheWaySite.log)[NEW] == 1, SlowOnTheWaySite.log
    assert query(db, "select count(*) from articles") == [(1,)]


class FailedOnTheWaySite(MovedOnTheWaySite):
    """As MovedOnTheWaySite, but NEW answers 500 while the move is followed (and retried):
    the listing that links NEW later must still get the article."""

    log: list[str] = []
    ready = threading.Event()

    def answer_new(self, site) -> None:
        if site.log.count(NEW) > 3:  # after the followed fetch and its two retries
            self.answer(ARTICLE_PAGE.format(n=1).encode())
            return
        self.answer(b"busy", 500)
        if site.log.count(NEW) == 3:
            site.ready.set()


@pytest.mark.timeout(240)
def test_a_moved_articles_new_address_that_failed_is_fetched_when_a_listing_links_it(tmp_path):
    from tests.test_safety_crawls import crawl_site

    FailedOnTheWaySite.log, FailedOnTheWaySite.ready = [], threading.Event()
    result, db = crawl_site(tmp_path, FailedOnTheWaySite, "moved_then_failed",
                            "/tin/[a-z0-9-]+[.]html$",
                            extra=lambda base: "listing_pattern = '/trang-[0-9]+$'\n")
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert Counter(FailedOnTheWaySite.log)[NEW] == 4, FailedOnTheWaySite.log
    assert query(db, "select count(*) from articles") == [(1,)]


class MovedToAListingSite(QuietSite):
    """An article's address that 301s to a listing page, which a listing read later links:
    that listing is still walked, and its article archived."""

    followed = threading.Event()

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/":
            self.answer(f"<a href='{OLD}'>Bài</a> <a href='/trang-1'>Trang 1</a>".encode())
        elif self.path == "/trang-1":
            MovedToAListingSite.followed.wait(20)  # once the redirect reached PAGE_2
            self.answer(f"<a href='{PAGE_2}'>Trang 2</a>".encode())
        elif self.path == OLD:
            self.answer(b"", 301, Location=PAGE_2)
        elif self.path == PAGE_2:
            self.answer(f"<a href='{NEW}'>Bài</a>".encode())
            MovedToAListingSite.followed.set()
        elif self.path == NEW:
            self.answer(ARTICLE_PAGE.format(n=1).encode())
        else:
            self.answer(b"", 404)


@pytest.mark.timeout(240)
def test_a_listing_an_articles_old_address_leads_to_is_still_walked(tmp_path):
    from tests.test_safety_crawls import crawl_site

    MovedToAListingSite.followed = threading.Event()
    result, db = crawl_site(tmp_path, MovedToAListingSite, "moved_to_a_listing",
                            "/tin/[a-z0-9-]+[.]html$",
                            extra=lambda base: "listing_pattern = '/trang-[0-9]+$'\n")
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert query(db, "select url from articles") == [(f"{db_base(db)}{NEW}",)]


def db_base(db) -> str:
    (url,) = query(db, "select url from pages where url like '%/' limit 1")[0]
    return url.rstrip("/")


# The ASP.NET pager's postbacks, built without Scrapy's deprecated FormRequest.from_response --
POSTBACK_PAGE = """<html><body>
<form action='/tim-kiem' method='get'><input name='q' value='tìm'></form>
<form method='post' action='/tin-tuc/Pages/default.aspx' id='aspnetForm'>
<input type='hidden' name='__EVENTTARGET' value=''>
<input type='hidden' name='__EVENTARGUMENT' value=''>
<input type='hidden' name='__VIEWSTATE' value='state/1+='>
<input type='hidden' name='__EVENTVALIDATION' value='ev1'>
<input type='text' name='ctl00$search' value='Lý Nhân'>
<input type='checkbox' name='ctl00$remember' value='on'>
<input type='submit' name='ctl00$go' value='Tìm'>
<ul><li><a href='/tin-tuc/Pages/tin-1.aspx'>Bài 1</a></li></ul>
<a class='next' href="javascript:__doPostBack('ctl00$m$pager','Page$2')">Trang sau</a>
</form></body></html>"""


def listing_spider(tmp_path):
    """The crawl's spider for a portal paged by postbacks, with a crawler for its counts (as
    `sites check` makes it)."""
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.profiles import load_profile_file
    from crawler.spiders.profile_spider import spider_class_for

    path = tmp_path / "postback_portal.toml"
    path.write_text("""name = "postback_portal"
title = "Cổng thử"
kind = "portal"
start_urls = ["https://portal.example/tin-tuc/Pages/default.aspx"]
allowed_domains = ["portal.example"]
article_pattern = '/Pages/tin-[0-9]+\\\\.aspx$'
next_page = "a.next"
""", encoding="utf-8")
    spider_class = spider_class_for(load_profile_file(path))
    spider = spider_class()
    spider.crawler = Crawler(spider_class)
    spider.crawler.stats = MemoryStatsCollector(spider.crawler)
    return spider


def test_a_postback_is_the_aspnet_form_posted_back_without_a_deprecation_warning(tmp_path):
    import warnings
    from urllib.parse import parse_qsl

    from scrapy.http import HtmlResponse

    spider = listing_spider(tmp_path)
    response = HtmlResponse("https://portal.example/tin-tuc/Pages/default.aspx",
                            body=POSTBACK_PAGE.encode(), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Scrapy 2.19's ScrapyDeprecationWarning fails it
        requests = spider.next_listing_requests(response, {"listing_page": 2})
    [request] = requests
    assert (request.method, request.url) == (
        "POST", "https://portal.example/tin-tuc/Pages/default.aspx")
    assert request.headers[b"Content-Type"] == b"application/x-www-form-urlencoded"
    # The ASP.NET form's fields (not the search form's), the unchecked box and the button
    # left out (no click), the pager's target and argument in.
    assert parse_qsl(request.body.decode("ascii"), keep_blank_values=True) == [
        ("__VIEWSTATE", "state/1+="), ("__EVENTVALIDATION", "ev1"),
        ("ctl00$search", "Lý Nhân"),
        ("__EVENTTARGET", "ctl00$m$pager"), ("__EVENTARGUMENT", "Page$2")]
    assert request.callback == spider.parse_listing and request.errback == spider.fetch_failed
    assert request.meta["listing_page"] == 2 and request.meta["vnarchive_next_page"] is True


def test_a_multipart_aspnet_form_is_posted_back_urlencoded(tmp_path):
    """DNN pages and any page with a file upload have enctype="multipart/form-data", which
    form2request refuses: the listing's callback failed, and its walk was lost."""
    from urllib.parse import parse_qsl

    from scrapy.http import HtmlResponse

    spider = listing_spider(tmp_path)
    page = POSTBACK_PAGE.replace("id='aspnetForm'", "id='aspnetForm' enctype='multipart/form-data'")
    response = HtmlResponse("https://portal.example/tin-tuc/Pages/default.aspx",
                            body=page.encode(), encoding="utf-8")
    [request] = spider.next_listing_requests(response, {"listing_page": 2})
    assert request.headers[b"Content-Type"] == b"application/x-www-form-urlencoded"
    assert ("__EVENTARGUMENT", "Page$2") in parse_qsl(request.body.decode("ascii"))


def test_a_postback_without_an_aspnet_form_is_counted_not_sent(tmp_path):
    from scrapy.http import HtmlResponse

    spider = listing_spider(tmp_path)
    page = POSTBACK_PAGE.replace("__VIEWSTATE", "__OTHER")
    response = HtmlResponse("https://portal.example/tin-tuc/Pages/default.aspx",
                            body=page.encode(), encoding="utf-8")
    assert spider.next_listing_requests(response, {}) == []
    assert spider.crawler.stats.get_value("vnarchive/postbacks_without_form") == 1


# `sites add` given an article's address: robots.txt, feeds and sitemaps asked once -----------
@pytest.mark.timeout(120)
def test_sites_add_on_an_article_asks_for_robots_txt_feeds_and_sitemaps_once(tmp_path):
    from crawler.discover import FEED_PATHS
    from tests.conftest import run_vnarchive
    from tests.test_sites_tools import family_articles
    from testweb.server import TestWeb

    family, articles = family_articles("ninhthuan")  # a sitemap index in its robots.txt
    with TestWeb(families=["ninhthuan"]) as web:  # on a free port
        site = web.sites["ninhthuan"]
        result = run_vnarchive("sites", "add", site.base_url + family.article_path(articles[0]),
                               "--out", str(tmp_path / "added.toml"))
        asked = Counter(site.requests)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "the page given is an article" in (tmp_path / "added.toml").read_text()
    sitemaps = [path for path in asked if path.startswith("/sitemap")]
    assert "/sitemap.xml" in sitemaps and len(sitemaps) == 3  # the index and its two newest
    once = ["/robots.txt", *FEED_PATHS, *sitemaps]
    assert {path: asked[path] for path in once} == dict.fromkeys(once, 1)


# A "www." profile's live crawl takes www.X, X and m.X, not X's other subdomains -----------
class ManyHostsSite(QuietSite):
    """One server answering for every name of tests/site_hosts_settings.py: the home page at
    www.portal.test links an article on each of them."""

    log: list[tuple[str, str]] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        from tests.site_hosts_settings import SITE_HOST_NAMES

        host = self.headers.get("Host", "").rsplit(":", 1)[0]
        port = self.server.server_address[1]
        ManyHostsSite.log.append((host, self.path))
        if host not in SITE_HOST_NAMES:
            self.answer(b"", 404)
        elif self.path == "/" and host == "www.portal.test":
            self.answer("".join(f"<a href='http://{name}:{port}/tin/{n}.html'>Bài</a> "
                                for n, name in enumerate(SITE_HOST_NAMES, 1)).encode())
        elif self.path.startswith("/tin/"):
            self.answer(ARTICLE_PAGE.format(n=self.path[5]).encode())
        else:
            self.answer(b"", 404)


def crawl_named_hosts(tmp_path, name: str, port: int, domains: list[str],
                      settings: str = "tests.site_hosts_settings"):
    """`vnarchive crawl` of a profile starting at www.portal.test:PORT, in a subprocess whose
    settings (tests/site_hosts_settings.py) resolve the test's host names to 127.0.0.1; the
    archive is tmp_path/a.db."""
    import os
    import subprocess
    import sys

    from tests.conftest import COMMAND_TIMEOUT, PROJECT_ROOT

    profile = tmp_path / f"{name}.toml"
    profile.write_text(f"""name = "{name}"
title = "Cổng thử"
kind = "portal"
start_urls = ["http://www.portal.test:{port}/"]
allowed_domains = {domains!r}
article_pattern = '/tin/[0-9]+[.]html$'
download_delay = 0
autothrottle = false
""", encoding="utf-8")
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": settings}
    return subprocess.run(
        [sys.executable, "-m", "vnarchive", "crawl", "--profile", str(profile), "--db",
         str(tmp_path / "a.db")], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("domains, hosts", [
    (["www.portal.test"], {"www.portal.test", "portal.test", "m.portal.test"}),
    # A subdomain the profile lists is followed, as before.
    (["www.portal.test", "lynhan.portal.test"],
     {"www.portal.test", "portal.test", "m.portal.test", "lynhan.portal.test"}),
])
def test_a_www_profiles_crawl_follows_its_own_hosts_and_the_subdomains_it_lists(
        tmp_path, domains, hosts):
    from tests.test_safety_crawls import serve
    from testweb.server import LocalWebServer

    ManyHostsSite.log = []
    server = serve(LocalWebServer(("127.0.0.1", 0), ManyHostsSite))
    db = tmp_path / "a.db"
    try:
        result = crawl_named_hosts(tmp_path, "many_hosts", server.server_address[1], domains)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]
    assert {host for host, path in ManyHostsSite.log if path.startswith("/tin/")} == hosts
    assert query(db, "select count(*) from articles") == [(len(hosts),)]


def test_a_home_page_that_reads_as_an_article_is_not_asked_again_and_again(monkeypatch):
    """`sites add` given an article starts again from the site's home page; a home page whose
    own address (og:url) names an article sent it round until Python's recursion limit."""
    import crawler.discover
    from crawler.pages import Page, PageUnavailable

    monkeypatch.setattr(crawler.discover, "allowed", lambda url: True)  # no robots.txt here
    article = "https://x.vn/tin-tuc/bai-viet-so-1-ve-tinh-hinh-kinh-te-xa-hoi-1.html"
    links = "".join(f"<li><a href='/tin-tuc/bai-viet-so-{n}-ve-tinh-hinh-kinh-te-xa-hoi-{n}"
                    f".html'>Bài viết số {n} về tình hình kinh tế xã hội</a></li>"
                    for n in range(1, 12))
    home = (f"<html><head><title>Cổng</title><meta property='og:url' content='{article}'>"
            f"</head><body><ul>{links}</ul></body></html>").encode()
    asked: list[str] = []

    def fetch(url: str) -> Page:
        asked.append(url)
        if url == "https://x.vn/":
            return Page(url, url, home, "utf-8", "text/html", fetched=True)
        raise PageUnavailable(f"{url}: HTTP 404")

    found = crawler.discover.discover(fetch("https://x.vn/"), fetch)
    assert any("is an article" in note for note in found.notes), found.notes
    assert asked.count("https://x.vn/") <= 2, asked


# A public site's link to the crawler's own loopback --------------------------------------
class LoopbackDocument(QuietSite):
    """What answers on the crawler's own loopback: counts what it was asked."""

    asked: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        LoopbackDocument.asked.append(self.path)
        self.answer(b"%PDF-1.4", 200)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("host, settings", [
    ("localhost", "tests.site_hosts_settings"),
    # A name server that fails the first lookup, then answers 127.0.0.1: the check let the
    # unresolved name through, and the connection's own lookup got loopback.
    ("evil.test", "tests.flaky_dns_settings"),
])
def test_a_public_sites_document_link_to_localhost_is_refused(tmp_path, host, settings):
    """Attachments are asked with dont_filter, which Scrapy's offsite filter lets through,
    and the address check passed every off-site host to that filter: an article of a public
    site (www.portal.test stands for one) linking http://localhost:PORT/x.pdf had the crawler
    fetch its own loopback."""
    from tests.test_safety_crawls import serve
    from testweb.server import LocalWebServer

    LoopbackDocument.asked = []
    local = serve(LocalWebServer(("127.0.0.1", 0), LoopbackDocument))
    secret = f"http://{host}:{local.server_address[1]}/secret.pdf"

    class PublicSite(QuietSite):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path == "/":
                self.answer("<a href='/tin/1.html'>Bài</a>".encode())
            elif self.path == "/tin/1.html":
                self.answer(ARTICLE_PAGE.format(n=1).replace(
                    "</article>", f"<a href='{secret}'>Tải về</a></article>").encode())
            else:
                self.answer(b"", 404)

    site = serve(LocalWebServer(("127.0.0.1", 0), PublicSite))
    try:
        result = crawl_named_hosts(tmp_path, "public_site", site.server_address[1],
                                   ["www.portal.test"], settings)
    finally:
        site.shutdown()
        local.shutdown()
    assert query(tmp_path / "a.db", "select count(*) from articles") == [(1,)], \
        result.stderr[-2000:]
    assert LoopbackDocument.asked == []
