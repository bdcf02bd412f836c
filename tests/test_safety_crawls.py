"""Issue 20 in real crawls (subprocesses): a careless profile and a hostile site no longer stall
or falsely fail a crawl.

One small site, served here on 127.0.0.1, with no robots.txt (404), two articles, an article
page of 100,000 attributes (case 4), and a listing link that makes the profile's pattern
`/tin/(a+)+$` backtrack without end in Python's `re` (case 5). The archive holds a run that a
SIGKILL left `running` (case 5's aftermath). One crawl must finish in seconds, reject the
attribute page with its reason, mark the stuck run `killed`, and leave `status` healthy
(case 7).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from archive.schema import open_database
from tests.conftest import query, run_vnarchive
from testweb.server import LocalWebServer

pytestmark = pytest.mark.timeout(240)

BACKTRACKING_LINK = "/tin/" + "a" * 34 + "!"
ARTICLE = ("<html><head><title>Huyện ủy họp phiên {n}</title>"
           "<meta property='article:published_time' content='2024-05-0{n}T08:00:00+07:00'>"
           "</head><body><article><h1>Huyện ủy họp phiên {n}</h1>"
           + "<p>Huyện ủy tổ chức hội nghị triển khai nhiệm vụ quý II năm 2024 với các nội dung "
             "quan trọng cho toàn huyện trong thời gian tới.</p>" * 5
           + "</article></body></html>")


def attribute_page() -> bytes:
    attributes = " ".join(f"data-a{number}=x" for number in range(100_000))
    return (f"<html><head><title>Tin</title></head><body><div {attributes}>"
            "<p>Huyện ủy họp.</p></div></body></html>").encode()


PAGES = {
    "/": ("<html><body><a href='/tin/a'>Huyện ủy họp phiên 1</a> <a href='/tin/aa'>Huyện ủy "
          f"họp phiên 2</a> <a href='/tin/aaa'>Trang lạ</a> <a href='{BACKTRACKING_LINK}'>"
          "Liên kết</a></body></html>").encode(),
    "/tin/a": ARTICLE.format(n=1).encode(),
    "/tin/aa": ARTICLE.format(n=2).encode(),
    "/tin/aaa": attribute_page(),
}


class Site(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = PAGES.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        pass


class IPv6Server(LocalWebServer):
    address_family = socket.AF_INET6


def serve(server: LocalWebServer) -> LocalWebServer:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def site_profile(folder: Path, name: str, base: str, article_pattern: str,
                 extra: str = "") -> Path:
    """A profile of one of this module's sites (`extra`: more TOML lines)."""
    path = folder / f"{name}.toml"
    path.write_text(f"""name = "{name}"
title = "Cổng thử"
kind = "portal"
start_urls = ["{base}/"]
allowed_domains = ["{base.split('//')[1].rsplit(':', 1)[0].strip('[]')}"]
article_pattern = '{article_pattern}'
download_delay = 0
autothrottle = false
{extra}""", encoding="utf-8")
    return path


def crawl_site(folder: Path, handler, name: str, article_pattern: str,
               extra=lambda base: "", options: tuple[str, ...] = ()):
    """Serve `handler` on loopback, crawl it with a profile of its own (`extra(base)`: more
    TOML lines), stop the server: the crawl's result and its archive."""
    server = serve(LocalWebServer(("127.0.0.1", 0), handler))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    path = site_profile(folder, name, base, article_pattern, extra(base))
    db = folder / "a.db"
    try:
        result = run_vnarchive("crawl", "--profile", str(path), "--db", str(db), *options)
    finally:
        server.shutdown()
    return result, db


def profile(folder: Path, name: str, base: str) -> Path:
    """The careless profile: a pattern that backtracks without end on one link."""
    return site_profile(folder, name, base, "/tin/(a+)+$")


@dataclass
class Crawl:
    db: Path
    code: int
    stderr: str
    seconds: float


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> Crawl:
    folder = tmp_path_factory.mktemp("careless")
    server = serve(LocalWebServer(("127.0.0.1", 0), Site))
    db = folder / "a.db"
    archive = open_database(str(db))
    archive["crawl_runs"].insert({"started_at": "2024-01-01T00:00:00+00:00", "status": "running",
                                  "sites": '["careless_site"]'})
    archive.conn.commit()
    archive.close()
    path = profile(folder, "careless_site", f"http://127.0.0.1:{server.server_address[1]}")
    started = time.monotonic()
    try:
        result = run_vnarchive("crawl", "--profile", str(path), "--db", str(db))
    finally:
        server.shutdown()
    return Crawl(db, result.returncode, result.stderr, time.monotonic() - started)


def test_a_backtracking_pattern_does_not_hang_the_crawl(crawl):
    assert crawl.code == 0, crawl.stderr[-2000:]
    assert crawl.seconds < 90
    urls = sorted(row[0] for row in query(crawl.db, "select url from articles"))
    assert [url.rsplit("/", 1)[1] for url in urls] == ["a", "aa"]


def test_a_page_of_attributes_is_rejected_with_its_reason(crawl):
    errors = query(crawl.db, "select error from pages where url like '%/tin/aaa'")
    assert errors and errors[0][0].startswith("rejected: an element with 100000 attributes")


def test_the_run_a_crash_left_running_is_marked_killed(crawl):
    assert query(crawl.db, "select status from crawl_runs order by id") == [("killed",),
                                                                            ("finished",)]


def test_a_site_without_robots_txt_is_healthy(crawl):
    result = run_vnarchive("status", "--db", str(crawl.db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert query(crawl.db, "select errors from site_runs") == [(1,)]  # the rejected page only


def test_an_ipv6_loopback_start_url_is_crawled(tmp_path):
    try:
        server = serve(IPv6Server(("::1", 0), Site))
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here ({error})")
    path = profile(tmp_path, "careless_v6", f"http://[::1]:{server.server_address[1]}")
    try:
        result = run_vnarchive("crawl", "--profile", str(path), "--db", str(tmp_path / "a.db"))
    finally:
        server.shutdown()
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert len(query(tmp_path / "a.db", "select 1 from articles")) == 2


NOT_A_URL = "http://[URL]/tin/9"  # a CMS template's placeholder: urllib raises on it
LINKS_PAGES = {
    "/": (f"<html><body><a href='/tin/1'>Huyện ủy họp phiên 1</a> <a href='{NOT_A_URL}'>Xem"
          f"</a> <a class='next' href='{NOT_A_URL}'>Trang sau</a> <a class='next' "
          "href='/trang-2'>Trang sau</a></body></html>"),
    "/trang-2": "<html><body><a href='/tin/2'>Huyện ủy họp phiên 2</a></body></html>",
    "/rss": (f"<?xml version='1.0'?><rss><channel><item><link>{NOT_A_URL}</link></item>"
             "<item><link>https://[::1</link></item><item><link>HOST/tin/3</link></item>"
             "</channel></rss>"),
    "/sitemap.xml": ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/"
                     f"sitemap/0.9'><url><loc>{NOT_A_URL}</loc></url><url><loc>HOST:99999/tin/"
                     "8</loc></url><url><loc>HOST/tin/4</loc></url></urlset>"),
    "/robots.txt": f"User-agent: *\nSitemap: {NOT_A_URL}.xml\nSitemap: HOST/sitemap-2.xml\n",
    "/sitemap-2.xml": ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/"
                       "sitemap/0.9'><url><loc>HOST/tin/5</loc></url></urlset>"),
    **{f"/tin/{n}": ARTICLE.format(n=n) for n in range(1, 6)},
}


class LinksSite(Site):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = LINKS_PAGES.get(self.path, "").replace("HOST", f"http://{self.headers['Host']}")
        self.send_response(200 if body else 404)
        kind = ("application/xml" if self.path.endswith((".xml", "/rss")) else "text/plain"
                if self.path.endswith(".txt") else "text/html; charset=utf-8")
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())


def test_links_that_are_no_urls_cost_only_themselves(tmp_path):
    """One "http://[URL]" link made urllib raise and lost the rest of its listing page (the
    next page), feed or sitemap; each such link is now left out and counted."""
    result, db = crawl_site(tmp_path, LinksSite, "odd_links", "/tin/[0-9]+$", lambda base: f"""\
next_page = "a.next"
feeds = ["{base}/rss"]
sitemaps = ["{base}/sitemap.xml", "{base}/robots.txt"]
""", ("--log-level", "INFO"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Spider error" not in result.stderr and "Traceback" not in result.stderr
    urls = sorted(row[0].rsplit("/", 1)[1] for row in query(db, "select url from articles"))
    assert urls == ["1", "2", "3", "4", "5"]
    # Scrapy's stats: the next-page link, two feed items, two sitemap entries, a robots.txt's
    # sitemap line.
    assert "'vnarchive/links_not_urls': 6," in result.stderr


ODD_HOME_PAGES = {
    "/": ("<html><head><link rel='alternate' type='application/rss+xml' href='http://[URL]/rss'>"
          "</head><body><a href='http://[URL]/x'>Tin tức</a> <a href='https://[::1'>Liên hệ</a> "
          + "".join(f"<a href='/tin/{n}'>Huyện ủy họp phiên thứ {n} triển khai nhiệm vụ</a> "
                    for n in range(1, 5)) + "</body></html>"),
    "/robots.txt": "User-agent: *\nSitemap: http://[URL]/sitemap.xml\n",
    **{f"/tin/{n}": ARTICLE.format(n=n) for n in range(1, 5)},
}


class OddHomeSite(Site):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = ODD_HOME_PAGES.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/plain" if self.path.endswith(".txt")
                         else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_sites_add_reads_a_home_page_and_robots_txt_with_links_that_are_no_urls(tmp_path):
    """A robots.txt naming `Sitemap: http://[URL]/...` stopped `sites add` with a traceback;
    links that are no URLs on the home page are left out."""
    server = serve(LocalWebServer(("127.0.0.1", 0), OddHomeSite))
    out = tmp_path / "odd_home.toml"
    try:
        result = run_vnarchive("sites", "add", f"http://127.0.0.1:{server.server_address[1]}/",
                               "--name", "odd_home", "--out", str(out))
    finally:
        server.shutdown()
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    profile = out.read_text(encoding="utf-8")
    assert "article_pattern" in profile and "[URL]" not in profile


def joomla_link(number: int, amp: str = "&") -> str:
    return f"HOST/index.php?option=com_content{amp}view=article{amp}id={number}"


AMPERSAND_PAGES = {
    "/": f"<html><body><a href='{joomla_link(5, '&amp;')}'>Huyện ủy họp phiên 5</a></body></html>",
    "/rss": ("<?xml version='1.0'?><rss><channel>"
             f"<item><link>{joomla_link(1)}</link></item>"
             f"<item><link>{joomla_link(2, '&amp;')}</link></item>"
             "<item><link>HOST/tag/&#xDC00;</link></item></channel></rss>"),
    "/sitemap.xml": ("<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/"
                     f"sitemap/0.9'><url><loc>{joomla_link(3)}</loc></url>"
                     f"<url><loc>{joomla_link(4, '&amp;')}</loc></url>"
                     "<url><loc>HOST/anh-&#55296;.jpg</loc></url></urlset>"),
}
JOOMLA_QUERY = {"option": ["com_content"], "view": ["article"]}


def joomla_article(path: str) -> str:
    """An article's page, as a Joomla site finds it: by its query, in any order."""
    address = urlsplit(path)
    query = parse_qs(address.query)
    number = query.pop("id", ["0"])[0]
    if address.path != "/index.php" or query != JOOMLA_QUERY or number not in "12345":
        return ""
    return ARTICLE.format(n=number)


class AmpersandSite(LinksSite):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = (AMPERSAND_PAGES.get(self.path) or joomla_article(self.path)).replace(
            "HOST", f"http://{self.headers['Host']}")
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/xml" if self.path in ("/rss", "/sitemap.xml")
                         else "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())


def test_links_with_bare_ampersands_in_feeds_and_sitemaps_are_read_as_written(tmp_path):
    """`?option=com_content&view=article&id=1` written without `&amp;`: the XML parser's
    recovery dropped `&view` and `&id`, and every later `&amp;` of the file, so the crawl asked
    for pages the site does not have. A link with a reference to half a UTF-16 pair lost every
    link of its feed or sitemap."""
    result, db = crawl_site(tmp_path, AmpersandSite, "joomla", "view=article", lambda base: f"""\
feeds = ["{base}/rss"]
sitemaps = ["{base}/sitemap.xml"]
""")
    assert result.returncode == 0, result.stderr[-2000:]
    found = [parse_qs(urlsplit(row[0]).query) for row in query(db, "select url from articles")]
    assert sorted(found, key=lambda found_query: found_query["id"]) == [
        {**JOOMLA_QUERY, "id": [str(n)]} for n in range(1, 6)]


UNSET_CHARSET_PAGES = {
    "/": "<html><body><a href='/tin/1'>Huyện ủy họp phiên 1</a></body></html>",
    "/rss": ("<?xml version='1.0' encoding='undefined'?><rss><channel><item><link>HOST/tin/2"
             "</link><title>Huyện ủy họp phiên 2</title></item></channel></rss>"),
    **{f"/tin/{n}": ARTICLE.format(n=n) for n in (1, 2)},
}


class UnsetCharsetSite(Site):
    """Every answer names the charset "undefined": a template's variable left unset."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = UNSET_CHARSET_PAGES.get(self.path, "").replace(
            "HOST", f"http://{self.headers['Host']}").encode()
        self.send_response(200 if body else 404)
        kind = "application/xml" if self.path == "/rss" else "text/html; charset=undefined"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_site_whose_pages_name_a_charset_that_reads_no_page_is_archived(tmp_path):
    """"charset=undefined" is a codec Python has, one that raises on every byte: each page
    failed in Scrapy's meta-refresh check, and the feed whose XML declaration named it."""
    result, db = crawl_site(tmp_path, UnsetCharsetSite, "unset_charset", "/tin/[0-9]+$",
                            lambda base: f'feeds = ["{base}/rss"]\n')
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    rows = query(db, "select url, title, encoding from articles order by url")
    assert [(url.rsplit("/", 2)[-2:], title, encoding) for url, title, encoding in rows] == [
        (["tin", "1"], "Huyện ủy họp phiên 1", "utf-8"),
        (["tin", "2"], "Huyện ủy họp phiên 2", "utf-8")]


HUGE_FIGURES_PAGES = {
    "/": "<html><body>" + "".join(f"<a href='/tin/{n}'>Tin {n}</a>" for n in (1, 2, 3))
         + "</body></html>",
    **{f"/tin/{n}": ARTICLE.format(n=n).replace(
        "</article>", "<p>Thu ngân sách trên địa bàn đạt 125,6 tỷ đồng, bằng 52% dự toán; "
        + ("tổng vốn huy động đạt 100.000.000.000.000.000.000 tỷ đồng, sản lượng "
           + "9" * 400 + " tấn. " if n == 2 else "") + "</p></article>") for n in (1, 2, 3)},
}


class HugeFiguresSite(Site):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = HUGE_FIGURES_PAGES.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_number_too_large_for_any_report_is_no_figure(tmp_path):
    """A figure of 10^20 or 400 digits (a typo, a number run together): SQLite stores no
    integer beyond 2^63 and the 400 digits read as infinity. Such a number is no figure; the
    report and the rest of the batch are archived with their real figures."""
    result, db = crawl_site(tmp_path, HugeFiguresSite, "huge_figures", "/tin/[0-9]+$")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert query(db, "select count(*), sum(is_meeting_report) from articles") == [(3, 3)]
    figures = query(db, "select a.url, f.value, f.unit from figures f join articles a "
                        "on a.canonical_url = f.canonical_url order by a.url, f.value")
    assert [(url.rsplit("/", 1)[-1], value, unit) for url, value, unit in figures] == [
        (str(n), value, unit) for n in (1, 2, 3) for value, unit in ((52, "%"), (125.6, "tỷ đồng"))]
