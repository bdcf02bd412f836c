"""Shapes real Vietnamese portals give their sitemaps, feeds, listings and URLs, and what a
crawl then a second crawl leave in the archive."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import pytest

from crawler.frontier import Frontier

ARTICLE = "https://portal.example.vn/tin-tuc/bai-1.html"


@pytest.mark.parametrize("lastmod", [
    "12/05/2024 14:30",           # day first, as the CMS prints dates on its pages
    "14:30 12/05/2024",
    "12/05/2024",
    "2024-05-12 14:30:00 +07:00",  # a space before the offset
    "Sun, 12 May 2024 07:30:00 GMT",  # RFC 822, as in RSS
    "2024-06",  # W3C Datetime's month (and year) forms
    "2025",
])
def test_a_lastmod_in_a_local_format_after_our_copy_fetches_it_again(lastmod):
    frontier = Frontier(archived={
        "https://portal.example.vn/tin-tuc/bai-1.html": "2024-05-11T00:00:00+00:00"})
    assert frontier.wants_article(ARTICLE, lastmod)


@pytest.mark.parametrize("lastmod", ["09/05/2024 14:30", "2024-05-09", "garbage"])
def test_a_lastmod_before_our_copy_or_unreadable_does_not(lastmod):
    frontier = Frontier(archived={
        "https://portal.example.vn/tin-tuc/bai-1.html": "2024-05-11T00:00:00+00:00"})
    assert not frontier.wants_article(ARTICLE, lastmod)


def test_a_lastmod_without_an_offset_is_vietnam_time():
    # Fetched at 05:00 UTC (12:00 in Vietnam); the page changed at 10:00 Vietnam time, before
    # our copy. Read as UTC, 10:00 looked later, and the article was fetched again each run.
    frontier = Frontier(archived={
        "https://portal.example.vn/tin-tuc/bai-1.html": "2024-05-12T05:00:00+00:00"})
    assert not frontier.wants_article(ARTICLE, "2024-05-12T10:00:00")
    assert frontier.wants_article(ARTICLE, "2024-05-12T13:00:00")


ENCODED = "https://portal.example.vn/tin-t%E1%BB%A9c/b%C3%A0i-1.html"
SPELLINGS = [
    "https://portal.example.vn/tin-tức/bài-1.html",              # as a browser shows it
    "https://portal.example.vn/tin-t%e1%bb%a9c/b%c3%a0i-1.html",  # ASP.NET's lower case
    "https://portal.example.vn/tin-tu%CC%9B%CC%81c/ba%CC%80i-1.html",  # decomposed (NFD)
    "https://portal.example.vn/tin-tu%cc%9b%cc%81c/ba%cc%80i-1.html",
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_one_article_under_two_encodings_is_one_key(spelling):
    from pipelines.urls import canonical_url, clean_url

    assert canonical_url(spelling) == canonical_url(ENCODED)
    assert "%e1" not in clean_url(spelling)  # fetched with upper-case escapes


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_article_archived_under_one_encoding_is_not_fetched_under_another(spelling, tmp_path):
    import sqlite3

    db = tmp_path / "a.db"
    connection = sqlite3.connect(db)
    connection.execute("create table articles (canonical_url, fetched_at, site)")
    # The key as an older vnarchive wrote it for a link in lower case or decomposed.
    connection.execute("insert into articles values (?, ?, 'p')", [
        "https://portal.example.vn/tin-t%e1%bb%a9c/b%c3%a0i-1.html", "2024-05-11T00:00:00+00:00"])
    connection.commit()
    connection.close()
    frontier = Frontier.from_archive(str(db), "p")
    assert not frontier.wants_article(spelling)
    assert not frontier.wants_article(ENCODED)


# Crawls of small sites served here ---------------------------------------------------------

ARTICLE_PAGE = ("<html><head><title>Huyện ủy họp phiên {n}</title>"
                "<meta property='article:published_time' content='2024-05-0{n}T08:00:00+07:00'>"
                "</head><body><article><h1>Huyện ủy họp phiên {n}</h1>"
                + "<p>Huyện ủy tổ chức hội nghị triển khai nhiệm vụ quý II năm 2024 với các nội "
                  "dung quan trọng cho toàn huyện trong thời gian tới.</p>" * 5
                + "</article></body></html>")


class QuietSite(BaseHTTPRequestHandler):
    """A test site's handler: one call answers, nothing is logged."""

    def answer(self, body: bytes, status: int | None = None,
               kind: str = "text/html; charset=utf-8", **headers: str) -> None:
        self.send_response(status if status is not None else 200 if body else 404)
        self.send_header("Content-Type", kind)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def handler_for(pages: dict[str, bytes | tuple[int, bytes]], log: list | None = None):
    """An http.server handler serving `pages` (path -> body, or (status, body)); every
    request's path and time goes to `log`."""
    class Site(QuietSite):
        def do_GET(self):  # noqa: N802 (http.server's name)
            import time

            if log is not None:
                log.append((self.path, time.monotonic()))
            found = pages.get(self.path, (404, b"not here"))
            status, body = found if isinstance(found, tuple) else (200, found)
            kind = "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8"
            self.answer(body, status, kind)

    return Site


@pytest.mark.timeout(120)
def test_robots_txt_crawl_delay_spaces_the_requests(tmp_path):
    from tests.test_safety_crawls import crawl_site

    pages = {"/robots.txt": b"User-agent: *\nCrawl-delay: 1.5\nDisallow: /rieng/\n",
             "/": "".join(f"<a href='/tin/{n}'>Bài {n}</a>" for n in range(1, 5)).encode()}
    pages.update({f"/tin/{n}": ARTICLE_PAGE.format(n=n).encode() for n in range(1, 5)})
    log: list = []
    result, db = crawl_site(tmp_path, handler_for(pages, log), "delay_site", "/tin/[0-9]+$",
                            extra=lambda base: "concurrency = 4",
                            options=("--log-level", "INFO"))
    assert result.returncode == 0, result.stderr[-2000:]
    starts = [moment for path, moment in log if path != "/robots.txt"]
    assert len(starts) == 5
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert min(gaps) > 1.3, gaps  # the profile asks for no delay, the site for 1.5 s
    assert "Crawl-delay of 1.5 s" in result.stderr


def _autothrottle_start(folder, delay_line: str, settings: dict) -> float:
    """The AutoThrottle start delay Scrapy's crawler gets for a profile with `delay_line`,
    under these project settings."""
    from scrapy.utils.test import get_crawler

    from crawler.profiles import load_profile_file
    from crawler.spiders.profile_spider import spider_class_for

    path = folder / "delay_site.toml"
    path.write_text(f"""name = "delay_site"
title = "Báo thử"
kind = "newspaper"
start_urls = ["https://baothu.vn/"]
allowed_domains = ["baothu.vn"]
article_pattern = '/tin/[0-9]+'
{delay_line}
""", encoding="utf-8")
    crawler = get_crawler(spider_class_for(load_profile_file(path)), settings)
    return crawler.settings.getfloat("AUTOTHROTTLE_START_DELAY")


@pytest.mark.parametrize(("line", "start"), [
    ("download_delay = 0", 0.0), ("download_delay = 0.25", 0.25), ("", 1.0),
    ("download_delay = 3", 1.0),  # AutoThrottle never goes under DOWNLOAD_DELAY anyway
])
def test_autothrottle_starts_at_a_profiles_lower_delay(tmp_path, line, start):
    """AutoThrottle's first delay is the larger of DOWNLOAD_DELAY and AUTOTHROTTLE_START_DELAY
    (1 s here): a profile that lowers its delay starts there, not a second above it."""
    from crawler import settings as project_settings

    assert _autothrottle_start(tmp_path, line, {
        name: getattr(project_settings, name)
        for name in ("DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_START_DELAY")}
    ) == start


def test_a_profiles_delay_is_compared_with_the_start_delay_the_settings_give(tmp_path):
    """Project settings that start AutoThrottle at 5 s: a profile asking for 3 starts at 3,
    one asking for nothing (1 s) starts at 1, as a profile under the default 1 s does."""
    starts = {line: _autothrottle_start(tmp_path, line, {"AUTOTHROTTLE_ENABLED": True,
                                                         "AUTOTHROTTLE_START_DELAY": 5.0})
              for line in ("download_delay = 3", "", "download_delay = 8")}
    assert starts == {"download_delay = 3": 3.0, "": 1.0, "download_delay = 8": 5.0}


def endless_listing(log: list):
    """A listing that ignores `?page=N`: every page shows the same three articles and a link
    to the next number."""
    from urllib.parse import parse_qs, urlsplit

    articles = {f"/tin/{n}": ARTICLE_PAGE.format(n=n).encode() for n in range(1, 4)}

    class Site(QuietSite):
        def do_GET(self):  # noqa: N802 (http.server's name)
            log.append(self.path)
            parts = urlsplit(self.path)
            if parts.path == "/":
                page = int(parse_qs(parts.query).get("page", ["1"])[0])
                body = ("".join(f"<a href='{path}'>Bài</a> " for path in articles)
                        + f"<a class='next' href='/?page={page + 1}'>Sau</a>").encode()
            else:
                body = articles.get(parts.path, b"")
            self.answer(body)

    return Site


@pytest.mark.timeout(120)
def test_a_listing_that_repeats_its_first_page_under_every_number_stops(tmp_path):
    from tests.conftest import query
    from tests.test_safety_crawls import crawl_site

    log: list = []
    result, db = crawl_site(tmp_path, endless_listing(log), "endless_site", "/tin/[0-9]+$",
                            extra=lambda base: 'next_page = "a.next"',
                            options=("--log-level", "INFO"))
    assert result.returncode == 0, result.stderr[-2000:]
    listing_pages = [path for path in log if path.startswith("/?") or path == "/"]
    assert listing_pages == ["/", "/?page=2"]  # before: 50, the profile's limit
    assert "not paged further" in result.stderr
    assert sorted(row[0].rsplit("/", 1)[1] for row in query(db, "select url from articles")) \
        == ["1", "2", "3"]


def test_a_feed_item_with_only_a_permalink_guid_is_read():
    from crawler.xml_links import feed_links

    feed = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            "<item><title>Có link</title><link>https://a.vn/tin/1.html</link>"
            "<guid isPermaLink='false'>1</guid></item>"
            "<item><title>Chỉ có guid</title><guid>https://a.vn/tin/2.html</guid></item>"
            "<item><title>guid là số</title><guid isPermaLink='false'>3</guid></item>"
            "</channel></rss>")
    assert feed_links(feed) == ["https://a.vn/tin/1.html", "https://a.vn/tin/2.html"]


def test_a_www_domain_lets_the_bare_hosts_articles_in(tmp_path):
    from scrapy import Request

    from crawler.profiles import load_profile_file
    from crawler.safety import SiteOffsiteMiddleware
    from crawler.spiders.profile_spider import spider_class_for

    path = tmp_path / "www_site.toml"
    path.write_text("""name = "www_site"
title = "Báo thử"
kind = "newspaper"
start_urls = ["https://www.baothu.vn/"]
allowed_domains = ["www.baothu.vn"]
article_pattern = '/tin/[0-9]+'
""", encoding="utf-8")
    spider = spider_class_for(load_profile_file(path))()
    offsite = SiteOffsiteMiddleware(stats=None)  # the live crawl's filter

    def followed(url: str) -> bool:
        return offsite.should_follow(Request(url), spider)
    for url in ("https://baothu.vn/tin/1", "http://www.baothu.vn/tin/2", "https://m.baothu.vn/tin/3"):
        assert followed(url), url
    assert not followed("https://baokhac.vn/tin/4")


def sitemap_spider(tmp_path, archived: dict[str, str]):
    """The spider of a profile with a sitemap, its frontier holding `archived`."""
    from scrapy.utils.test import get_crawler

    from crawler.profiles import load_profile_file
    from crawler.spiders.profile_spider import spider_class_for

    path = tmp_path / "sitemap_site.toml"
    path.write_text("""name = "sitemap_site"
title = "Báo thử"
kind = "newspaper"
start_urls = ["https://baothu.vn/"]
sitemaps = ["https://baothu.vn/sitemap.xml"]
allowed_domains = ["baothu.vn"]
article_pattern = '/tin/[0-9]+'
""", encoding="utf-8")
    cls = spider_class_for(load_profile_file(path))
    crawler = get_crawler(cls, {"VNARCHIVE_DB": str(tmp_path / "a.db")})
    spider = cls.from_crawler(crawler)
    spider.frontier = Frontier(archived=archived)
    return spider


def test_a_sitemap_stamping_every_entry_with_its_own_date_refetches_nothing(tmp_path):
    fetched = "2024-05-01T00:00:00+00:00"
    spider = sitemap_spider(tmp_path, {f"https://baothu.vn/tin/{n}": fetched
                                       for n in range(30)})
    now = "2024-06-01T09:15:02+07:00"  # when the CMS wrote the file
    entries = [{"loc": f"https://baothu.vn/tin/{n}", "lastmod": now} for n in range(30)]
    entries += [{"loc": "https://baothu.vn/tin/30", "lastmod": now},  # new: fetched
                {"loc": "https://baothu.vn/tin/7", "lastmod": "2024-05-20T08:00:00+07:00"}]
    wanted = [entry["loc"] for entry in spider.sitemap_filter(entries)]
    # Before: all 32, every archived article fetched again at every run.
    assert wanted == ["https://baothu.vn/tin/30", "https://baothu.vn/tin/7"]
    assert spider.crawler.stats.get_value("vnarchive/sitemap_lastmod_generated") == 1


def test_a_sitemap_of_real_lastmods_is_read_as_before(tmp_path):
    spider = sitemap_spider(tmp_path, {f"https://baothu.vn/tin/{n}": "2024-05-10T00:00:00+00:00"
                                       for n in range(30)})
    entries = [{"loc": f"https://baothu.vn/tin/{n}", "lastmod": f"2024-05-{n % 28 + 1:02d}"}
               for n in range(30)]
    wanted = {entry["loc"] for entry in spider.sitemap_filter(entries)}
    assert wanted == {f"https://baothu.vn/tin/{n}" for n in range(30) if n % 28 + 1 > 10}


def postback_portal(log: list):
    """A SharePoint-style listing: three pages of three articles, its pager's "next" a
    `javascript:__doPostBack` that posts the page's form back."""
    from urllib.parse import parse_qs

    def listing(page: int) -> bytes:
        items = "".join(f"<li><a href='/Pages/tin-{n}.aspx'>Bài {n}</a></li>"
                        for n in range(3 * page - 2, 3 * page + 1))
        following = (f"<a class='next' href=\"javascript:__doPostBack('ctl00$m$pager',"
                     f"'Page${page + 1}')\">Trang sau</a>" if page < 3 else "")
        return (f"<html><body><form method='post' action='/' id='aspnetForm'>"
                "<input type='hidden' name='__EVENTTARGET' value=''>"
                "<input type='hidden' name='__EVENTARGUMENT' value=''>"
                f"<input type='hidden' name='__VIEWSTATE' value='state{page}'>"
                f"<ul>{items}</ul>{following}</form></body></html>").encode()

    class Site(QuietSite):
        def reply(self, body: bytes) -> None:
            self.answer(body)

        def do_GET(self):  # noqa: N802 (http.server's name)
            log.append(("GET", self.path))
            if self.path == "/":
                self.reply(listing(1))
            elif self.path.startswith("/Pages/tin-"):
                number = int(self.path.split("-")[1].split(".")[0])
                self.reply(ARTICLE_PAGE.format(n=number).encode())
            else:
                self.reply(b"")

        def do_POST(self):  # noqa: N802
            form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            log.append(("POST", form.get("__EVENTARGUMENT", [""])[0]))
            page = form.get("__EVENTARGUMENT", ["Page$1"])[0].split("$")[-1]
            valid = form.get("__EVENTTARGET") == ["ctl00$m$pager"] and "__VIEWSTATE" in form
            self.reply(listing(int(page)) if valid and page.isdigit() else b"")

    return Site


def crawl_twice(tmp_path, handler, name: str, article_pattern: str, extra: str = ""):
    """Serve `handler` on loopback and crawl it twice with one profile (`extra`: more TOML
    lines, "{base}" standing for the site's address): each run's result."""
    from tests.conftest import run_vnarchive
    from tests.test_safety_crawls import serve, site_profile
    from testweb.server import LocalWebServer

    server = serve(LocalWebServer(("127.0.0.1", 0), handler))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    path = site_profile(tmp_path, name, base, article_pattern, extra.replace("{base}", base))
    try:
        for _ in range(2):
            yield run_vnarchive("crawl", "--profile", str(path), "--db", str(tmp_path / "a.db"))
    finally:
        server.shutdown()


@pytest.mark.timeout(180)
def test_a_listing_paged_by_postback_is_walked_to_its_end_once(tmp_path):
    from tests.conftest import query

    log: list = []
    articles = "select count(*), count(distinct canonical_url) from articles"
    runs = crawl_twice(tmp_path, postback_portal(log), "postback_site",
                       r"/Pages/tin-[0-9]+\.aspx$", 'next_page = "a.next"')
    for run, result in enumerate(runs, 1):
        assert result.returncode == 0, result.stderr[-2000:]
        assert query(tmp_path / "a.db", articles) == [(9, 9)], run  # before: 3, page 1's
        # The second run archives nothing twice (it may walk the pages again: the first
        # run's mark may fall in the second its last articles were archived).
        if run == 1:
            assert ("POST", "Page$2") in log and ("POST", "Page$3") in log


def feed_site(log: list):
    """A feed whose links carry Vietnamese letters as written (UTF-8), served under a header
    naming another charset (/rss-latin: iso-8859-1, /rss-utf16: utf-16)."""
    from urllib.parse import unquote

    items = "".join(f"<item><title>Bài {n}</title><link><![CDATA[/tin-tức/bài-{n}.html]]>"
                    "</link></item>" for n in range(1, 3))
    feed = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            f"<title>Tin tức</title>{items}</channel></rss>").encode()
    charsets = {"/rss-latin": "iso-8859-1", "/rss-utf16": "utf-16"}

    class Site(QuietSite):
        def do_GET(self):  # noqa: N802 (http.server's name)
            path = unquote(self.path)
            log.append(path)
            kind, body = "text/html; charset=utf-8", b""
            if path in charsets:
                kind, body = f"application/rss+xml; charset={charsets[path]}", feed
            elif path == "/":
                body = "<a href='/tin-tức/bài-3.html'>Bài 3</a>".encode()  # the listing's own
            elif path.startswith("/tin-tức/bài-"):
                body = ARTICLE_PAGE.format(n=path[-6]).encode()
            self.answer(body, kind=kind)

    return Site


@pytest.mark.timeout(120)
@pytest.mark.parametrize("feed", ["/rss-latin", "/rss-utf16"])
def test_a_feed_served_under_a_wrong_charset_gives_its_links(tmp_path, feed):
    from tests.conftest import query
    from tests.test_safety_crawls import crawl_site

    log: list = []
    result, db = crawl_site(tmp_path, feed_site(log), "feed_site", "/tin-",
                            extra=lambda base: f'feeds = ["{base}{feed}"]')
    assert result.returncode == 0, result.stderr[-2000:]
    # Before: garbled addresses ("/tin-tá»©c/...", 404) or none at all.
    assert sorted(path for path in log if path.startswith("/tin")) == [
        "/tin-tức/bài-1.html", "/tin-tức/bài-2.html", "/tin-tức/bài-3.html"]
    assert query(db, "select count(*) from articles") == [(3,)]


def index_and_child(log: list, state: dict):
    """A sitemap index that never changes (its ETag with it) and the one sitemap it lists,
    to which `state["articles"]` are added; both answer 304 to their own ETag."""
    schema = "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'"

    class Site(QuietSite):
        def do_GET(self):  # noqa: N802 (http.server's name)
            log.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            etag, body = None, b""
            if self.path == "/":
                body = b"<a href='/tin/1'>1</a>"
            elif self.path == "/sitemap_index.xml":
                etag = '"index"'
                body = (f"<?xml version='1.0'?><sitemapindex {schema}><sitemap>"
                        f"<loc>{base}/sitemap-1.xml</loc></sitemap></sitemapindex>").encode()
            elif self.path == "/sitemap-1.xml":
                etag = f'"child-{len(state["articles"])}"'
                body = (f"<?xml version='1.0'?><urlset {schema}>" + "".join(
                    f"<url><loc>{base}/tin/{n}</loc></url>" for n in state["articles"])
                        + "</urlset>").encode()
            elif self.path.startswith("/tin/"):
                body = ARTICLE_PAGE.format(n=self.path[-1]).encode()
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            kind = ("application/xml" if self.path.endswith(".xml")
                    else "text/html; charset=utf-8")
            self.answer(body, kind=kind, **({"ETag": etag} if etag else {}))

    return Site


@pytest.mark.timeout(180)
def test_an_article_added_to_a_sitemap_behind_an_unchanged_index_is_found(tmp_path):
    from tests.conftest import query

    log: list = []
    state = {"articles": [1, 2]}
    runs = crawl_twice(tmp_path, index_and_child(log, state), "index_site", "/tin/[0-9]+$",
                       'sitemaps = ["{base}/sitemap_index.xml"]')
    for run, result in enumerate(runs, 1):
        assert result.returncode == 0, result.stderr[-2000:]
        if run == 1:
            state["articles"] = [1, 2, 3]
            log.clear()
    # The index answered 304 and was not parsed; before, its sitemap was then not asked at all.
    assert "/tin/3" in log and "/tin/1" not in log and "/tin/2" not in log
    assert len(query(tmp_path / "a.db", "select url from articles")) == 3


@pytest.mark.timeout(120)
def test_a_section_that_shows_the_home_pages_articles_is_still_walked(tmp_path):
    """A home page links a section (`listing_pattern`) whose first page shows the home's own
    newest articles: the repeat check took it for a page that repeats its listing and stopped
    there, so the section's older pages were never walked (with no sitemap, never archived)."""
    from tests.conftest import query
    from tests.test_safety_crawls import crawl_site

    link = "<a href='{}'>{}</a> ".format
    pages = {"/": (link("/tin/1", "Bài") + link("/tin/2", "Bài")
                   + link("/chuyen-muc/", "Chuyên mục")).encode(),
             "/chuyen-muc/": (link("/tin/1", "Bài") + link("/tin/2", "Bài")
                              + "<a class='next' href='/chuyen-muc/?page=2'>Sau</a>").encode(),
             "/chuyen-muc/?page=2": (link("/tin/3", "Bài") + link("/tin/4", "Bài")).encode()}
    pages.update({f"/tin/{n}": ARTICLE_PAGE.format(n=n).encode() for n in range(1, 5)})
    result, db = crawl_site(tmp_path, handler_for(pages, []), "section_site", "/tin/[0-9]+$",
                            extra=lambda base: 'next_page = "a.next"\n'
                            "listing_pattern = '/chuyen-muc/'")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "not paged further" not in result.stderr
    assert sorted(row[0].rsplit("/", 1)[1] for row in query(db, "select url from articles")) \
        == ["1", "2", "3", "4"]
