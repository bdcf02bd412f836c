"""Code that was written twice, now written once: each merged helper serves all its callers
the same way (a review's leftovers)."""

from __future__ import annotations

import sqlite3

import pytest

from archive.schema import open_database
from archive.writer import warc_folder
from tests.conftest import run_vnarchive
from vnarchive.cli import exits

pytestmark = pytest.mark.timeout(120)


def traced_statements(monkeypatch, module) -> list[str]:
    """Every SQL statement run through `module.connect_read_only`'s connections, in order."""
    statements, opened = [], module.connect_read_only

    def traced(path):
        connection = opened(path)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(module, "connect_read_only", traced)
    return statements


@pytest.mark.parametrize("command, stops", [("crawl", exits.CRAWL_STOPS),
                                            ("crawl", exits.WORKER_STOPS),
                                            ("ingest", exits.INGEST_STOPS)])
def test_every_run_ending_gives_the_same_exit_codes_and_names_its_command(command, stops,
                                                                           capsys):
    """A crawl, a distributed worker and its writer end with the same codes (0, 4, 5, 11 for
    a worker's lost round, else 1); only their stop lines differ, each naming its command."""
    codes = {status: exits.run_exit_code(command, status, stops)
             for status in ("finished", "interrupted", "killed", "round_lost", "failed")}
    assert codes == {"finished": 0, "interrupted": 4, "killed": 5, "round_lost": 11,
                     "failed": 1}
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == len(stops)  # one line per stop it has words for, none otherwise
    assert all(line.startswith(f"vnarchive {command}: ") for line in lines)
    assert lines[0].removeprefix(f"vnarchive {command}: ").startswith("interrupted")


# One check of --site for search, export and reprocess ----------
def archive_of_one_site_without_articles(path) -> str:
    """A site crawled whose pages gave no article (a portal whose articles all failed)."""
    db = open_database(str(path))
    db["crawl_runs"].insert({"id": 1, "started_at": "2025-01-01T00:00:00+00:00",
                             "status": "finished"})
    db["sites"].insert({"name": "testweb_lynhan", "title": "Lý Nhân", "kind": "portal"})
    db["pages"].insert({"run_id": 1, "site": "testweb_lynhan", "url": "http://x/", "status": 500})
    db.close()
    warc_folder(str(path)).mkdir()  # reprocess reads it before the site
    return str(path)


def test_a_site_typo_names_the_sites_crawled_even_with_no_article(tmp_path):
    """search and export named the sites that have articles: an archive whose one site gave
    none said "nothing was crawled into it", while reprocess named it."""
    db = archive_of_one_site_without_articles(tmp_path / "a.db")
    for command in (["search", ""], ["export", str(tmp_path / "out.csv")],
                    ["reprocess"]):
        typo = run_vnarchive(*command, "--site", "testweb_lynhna", "--db", db)
        assert typo.returncode == 2, typo.stderr
        line = typo.stderr.strip().splitlines()[-1]
        assert "--site testweb_lynhna" in line and "(its sites: testweb_lynhan)" in line, line
    right = run_vnarchive("search", "", "--site", "testweb_lynhan", "--db", db)
    assert right.returncode == 0, right.stderr


def test_checking_a_site_reads_only_indexes(tmp_path, monkeypatch):
    """The sites were named by `select distinct site from articles`, which reads every
    article: every statement the check runs goes through an index or reads the small sites
    table."""
    import archive.query
    from vnarchive.cli.options import CommandError, check_site_archived

    db = archive_of_one_site_without_articles(tmp_path / "a.db")
    statements = traced_statements(monkeypatch, archive.query)
    with pytest.raises(CommandError):
        check_site_archived(db, "testweb_lynhna")
    with sqlite3.connect(db) as connection:
        plans = {sql: [row[-1] for row in connection.execute(f"explain query plan {sql}")]
                 for sql in statements if sql.lower().startswith("select")}
    assert any(" sites" in sql for sql in plans)  # the sites were named
    scans = {sql: plan for sql, plan in plans.items()
             if any(step.startswith(("SCAN articles", "SCAN pages")) for step in plan)}
    assert not scans, scans


# sites add writes its --out as every other output is written ----------
SAVED_HOME = """<html><head><title>Báo Hà Nam</title>
<link rel="canonical" href="https://baohanam.example/"></head><body>
<a href="/thoi-su/tinh-uy-ha-nam-hop-phien-thuong-ky.html">Tỉnh ủy Hà Nam họp phiên thường kỳ</a>
<a href="/thoi-su/thanh-pho-phu-ly-trien-khai-nhiem-vu-quy-iii.html">Phủ Lý triển khai quý III</a>
<a href="/kinh-te/nong-dan-duy-tien-thu-hoach-lua.html">Nông dân Duy Tiên thu hoạch lúa</a>
</body></html>"""


def test_sites_add_never_writes_its_profile_over_a_database_a_pipe_or_the_archive(tmp_path):
    """`sites add --out` checked only for a folder and an existing file: with --force it
    wrote over an SQLite database, hung on a named pipe, and wrote the archive's -wal."""
    import os

    from archive.errors import ArchiveError
    from vnarchive.siteadd import add_site

    home = tmp_path / "home.html"
    home.write_text(SAVED_HOME, encoding="utf-8")
    database = tmp_path / "other.db"
    sqlite3.connect(database).execute("create table kept (x)").connection.close()
    kept = database.read_bytes()
    archive = tmp_path / "archive.db"
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)
    with pytest.raises(ArchiveError):
        add_site(str(home), name="baohanam", out=str(database), force=True)
    assert database.read_bytes() == kept
    for out in (pipe, tmp_path / "archive.db-wal"):
        with pytest.raises(ArchiveError):
            add_site(str(home), name="baohanam", out=str(out), force=True,
                     db_path=str(archive))
    assert not (tmp_path / "archive.db-wal").exists()
    # A plain file is still written, and replaced with --force.
    out = tmp_path / "baohanam.toml"
    add_site(str(home), name="baohanam", out=str(out), db_path=str(archive))
    assert "name = 'baohanam'" in out.read_text(encoding="utf-8")


# One check of a --from after --to ----------
@pytest.mark.parametrize("date_from, date_to", [("2025-01", "2024-01"), ("2024", "2023-12-31"),
                                                 ("2024-06-02", "2024-06-01")])
def test_search_and_crawl_refuse_a_window_backwards_alike(date_from, date_to):
    """The crawl's web-archive window and the search filters each checked the order, the
    search naming days the user never wrote ("--from 2025-01-01 is after --to 2024-01-31")."""
    from archive.filters import FilterError, Filters
    from vnarchive.cli.crawling import web_archive_settings
    from vnarchive.cli.options import CommandError

    said = f"--from {date_from} is after --to {date_to}"
    with pytest.raises(FilterError) as search:
        Filters(date_from=date_from, date_to=date_to)
    with pytest.raises(CommandError) as crawl:
        web_archive_settings("http://127.0.0.1:1/", None, date_from, date_to, 1.0,
                             distributed=False)
    assert str(search.value) == said
    assert str(crawl.value).startswith(said + ": ")


def test_a_window_of_one_month_is_read_as_its_days():
    from archive.filters import Filters

    window = Filters(date_from="2024-02", date_to="2024-02")
    assert (window.date_from, window.date_to) == ("2024-02-01", "2024-02-29")


# One timer for the progress lines paced by time ----------
@pytest.mark.parametrize("make, progress, line", [
    (lambda output: output.progress_every("messages ingested"), (600,),
     "  600 messages ingested"),
    (lambda output: output.scan_progress(), (3, 40, 1200),
     "  scanning file 3/40: 1200 records read"),
])
def test_every_time_paced_progress_line_prints_at_most_every_ten_seconds(make, progress, line,
                                                                          capsys, monkeypatch):
    """`ingest`'s line and `import`'s scan line each had a timer of their own."""
    from vnarchive.cli import output

    clock = iter([0.0, 1.0, 9.0, 10.5, 11.0, 19.0, 20.5])
    monkeypatch.setattr(output.time, "monotonic", lambda: next(clock))
    report = make(output)  # reads the clock: 0.0
    for _ in range(6):  # at 1.0, 9.0, 10.5, 11.0, 19.0 and 20.5
        report(*progress)
    assert capsys.readouterr().err.splitlines() == [line, line]  # at 10.5 and 20.5


# One reading of a feed's bytes, for the crawl and for `sites add` ----------
def feed(link: str, encoding: str, declaration: str = "") -> bytes:
    return (f'<?xml version="1.0"{declaration}?><rss version="2.0"><channel><title>Tin</title>'
            f"<item><title>Tin</title><link>{link}</link></item></channel></rss>"
            ).encode(encoding)


@pytest.mark.parametrize("body, content_type, written", [
    # The header lies: UTF-8 bytes under latin-1 (the spider's rule, which sites add shared).
    (feed("https://tin.example/tin-tức/hội-nghị-1.html", "utf-8"),
     "text/xml; charset=iso-8859-1", "https://tin.example/tin-tức/hội-nghị-1.html"),
    # Latin-1 bytes, said by the header or by the feed's own XML declaration: read as UTF-8
    # with replacement, "café" became "caf\ufffd" and the link led nowhere.
    (feed("https://tin.example/tin/café-12.html", "latin-1"), "text/xml; charset=iso-8859-1",
     "https://tin.example/tin/café-12.html"),
    (feed("https://tin.example/tin/café-12.html", "latin-1", ' encoding="iso-8859-1"'),
     "application/rss+xml", "https://tin.example/tin/café-12.html"),
    # A UTF-16 feed, told by its byte order mark.
    (b"\xff\xfe" + feed("https://tin.example/tin-tức/hội-nghị-2.html", "utf-16-le"),
     "text/xml", "https://tin.example/tin-tức/hội-nghị-2.html"),
])
def test_sites_add_reads_a_feed_as_the_crawl_does(body, content_type, written):
    from urllib.parse import unquote

    from lxml import html

    from crawler.discover import find_feeds
    from crawler.pages import Page
    from crawler.xml_links import feed_links, feed_text
    from pipelines.encodings import declared_charset

    home = "https://tin.example/"
    feed_url = home + "rss.xml"
    tree = html.fromstring(f'<html><head><link rel="alternate" type="application/rss+xml" '
                           f'href="{feed_url}"></head><body></body></html>')

    def fetch(url: str) -> Page:  # the feed; every other candidate path answers nothing
        from crawler.pages import PageUnavailable

        if url != feed_url:
            raise PageUnavailable(url)
        return Page(url, url, body, declared_charset(content_type, body), content_type,
                    fetched=True)

    entries = find_feeds(tree, home, fetch)[feed_url]
    assert [unquote(url) for url in entries] == [written]
    # The crawl reads the same link from a Scrapy response of the same bytes and header.
    from scrapy.http import XmlResponse

    response = XmlResponse(feed_url, body=body, headers={"Content-Type": content_type})
    assert feed_links(feed_text(response.body, response.encoding)) == [written]


# One reading of the address a page declares its own ----------
@pytest.mark.parametrize("head, address", [
    ('<link href="https://a.vn/tin/1.html" rel="canonical">', "https://a.vn/tin/1.html"),
    ('<meta content="https://a.vn/tin?id=1&amp;cat=2" property="og:url">',
     "https://a.vn/tin?id=1&cat=2"),
    ('<link rel="canonical" href="/tin/1.html"><meta property="og:url" '
     'content="https://a.vn/tin/1.html">', "https://a.vn/tin/1.html"),
])
def test_a_saved_page_gives_its_address_as_sites_add_reads_it(head, address, tmp_path):
    """A saved page's address was read by patterns over its bytes, which wanted `rel` before
    `href` and kept `&amp;` as written; `sites add` read the same links from the parsed page."""
    from crawler.discover import own_addresses
    from crawler.pages import read_page
    from pipelines.extract import parse_html

    saved = tmp_path / "page.html"
    saved.write_text(f"<html><head>{head}</head><body><p>Tin</p></body></html>",
                     encoding="utf-8")
    page = read_page(str(saved))
    assert page.url == address
    assert address in own_addresses(parse_html(saved.read_text(encoding="utf-8")), page.url)


# A listing's next pages, read once, for the crawl and for `sites check` ----------
POSTBACK_LISTING = """<html><head><link rel="canonical" href="https://portal.example/"></head>
<body>{form}<ul><li><a href="/Pages/tin-1.aspx">Bài 1</a></li>
<li><a href="/Pages/tin-2.aspx">Bài 2</a></li></ul>
<a class="next" href="javascript:__doPostBack('ctl00$m$pager','Page$2')">Trang sau</a>
{end}</body></html>"""
ASPNET_FORM = ("<form method='post' action='/' id='aspnetForm'>"
               "<input type='hidden' name='__EVENTTARGET' value=''>"
               "<input type='hidden' name='__VIEWSTATE' value='state1'>")


@pytest.mark.parametrize("form, shown", [
    ((ASPNET_FORM, "</form>"), ["  https://portal.example/ (postback Page$2)"]),
    (("", ""), []),  # no form to post: no next page (and no crash for want of a crawler)
])
def test_sites_check_shows_a_listings_postback_pages(form, shown, tmp_path):
    """`sites check` listed only a listing's next pages that are links: a SharePoint pager's
    postback ("Trang sau"), which the crawl follows, showed as no listing link at all."""
    from vnarchive.sitecheck import check_site

    profile = tmp_path / "portal.toml"
    profile.write_text("""name = "postback_portal"
title = "Cổng thử"
kind = "portal"
start_urls = ["https://portal.example/"]
allowed_domains = ["portal.example"]
article_pattern = '/Pages/tin-[0-9]+\\.aspx$'
next_page = "a.next"
""", encoding="utf-8")
    saved = tmp_path / "listing.html"
    saved.write_text(POSTBACK_LISTING.format(form=form[0], end=form[1]), encoding="utf-8")
    report = check_site(str(profile), [str(saved)])
    assert report.problems == [] and [page.kind for page in report.pages] == ["listing"]
    lines = report.pages[0].lines
    listed = lines.index(f"listing links: {len(shown)}")
    assert lines[listed + 1:listed + 1 + len(shown)] == shown
    assert "article links: 2" in lines


# import finds the archive's own fetches by an index ----------
def test_import_finds_the_archives_own_fetches_through_an_index(tmp_path):
    """`url in (...)` over pages, which has no index on the URL alone, read every page row
    once per import: the payload digest's index is used."""
    from archive.captures import CaptureKey, known_fetches

    path = tmp_path / "a.db"
    db = open_database(str(path))
    db["crawl_runs"].insert({"id": 1, "started_at": "2025-01-01T00:00:00+00:00"})
    db["pages"].insert_all([
        {"run_id": 1, "site": "s", "url": "https://a.vn/tin/1", "status": 200,
         "fetched_at": "2025-01-01T01:00:00+00:00", "payload_digest": "sha1:AAAA"},
        {"run_id": 1, "site": "s", "url": "https://a.vn/tin/2", "status": 200,
         "fetched_at": "2025-01-01T01:00:01+00:00", "payload_digest": "sha1:AAAA"},
        {"run_id": 1, "site": "s", "url": "https://a.vn/tin/3", "status": 200,
         "fetched_at": "2025-01-01T01:00:02+00:00", "payload_digest": "sha1:BBBB"}])
    db.close()
    statements: list[str] = []
    with sqlite3.connect(path) as connection:
        connection.set_trace_callback(statements.append)
        known = known_fetches(connection, ["https://a.vn/tin/1", "https://a.vn/tin/3"],
                              ["AAAA", "CCCC"])
        connection.set_trace_callback(None)
        assert known == {CaptureKey("https://a.vn/tin/1", "2025-01-01T01:00:00+00:00", "AAAA")}
        (sql,) = [sql for sql in statements if "from pages" in sql]
        plan = [row[-1] for row in connection.execute(f"explain query plan {sql}")]
    assert not any(step.startswith("SCAN pages") for step in plan), plan
    assert any("USING INDEX" in step and "pages" in step for step in plan), plan


# status counts a run's fetches once ----------
def test_status_counts_a_runs_fetches_once_when_finding_its_last_success(tmp_path, monkeypatch):
    """The last success's query wrote the correlated count of a run's pages twice (fetches
    <= 0, errors / fetches), and SQLite ran it twice for every run it read."""
    import archive.health
    from archive.health import site_health

    path = tmp_path / "a.db"
    db = open_database(str(path))
    # The later run: 9 of its 10 fetches failed.
    runs = [("2025-01-01T00:00:00+00:00", 0), ("2025-01-02T00:00:00+00:00", 9)]
    for number, (finished, errors) in enumerate(runs, start=1):
        db["crawl_runs"].insert({"id": number, "started_at": finished, "status": "finished"})
        db["site_runs"].insert({"run_id": number, "site": "s", "started_at": finished,
                                "finished_at": finished, "finish_reason": "finished",
                                "pages": 10, "errors": errors, "articles_new": 1})
        db["pages"].insert_all({"run_id": number, "site": "s", "url": f"https://a.vn/{n}",
                                "status": 200 if n >= errors else 500} for n in range(10))
    db.close()
    statements = traced_statements(monkeypatch, archive.health)
    (health,) = site_health(str(path), error_share_limit=0.25)
    assert health.last_success == runs[0][0]  # the later run's errors were too many
    (sql,) = [sql for sql in statements if "order by finished_at desc" in sql]
    with sqlite3.connect(path) as connection:
        (pages_table,) = connection.execute(
            "select rootpage from sqlite_master where type = 'table' and name = 'pages'").fetchone()
        opened_pages = [row for row in connection.execute(f"explain {sql}")
                        if row[1] == "OpenRead" and row[3] == pages_table]
    assert len(opened_pages) == 1, opened_pages


# One folding of a "www." domain ----------
def test_a_www_domain_stands_for_its_bare_host_in_the_crawl_imports_and_web_archives(tmp_path):
    """Only the spider folded a profile's "www.example.vn" to the bare domain: an import took
    no capture of example.vn for the site, and the web archives' indexes were asked for
    www.example.vn alone (a domain match leaves out the bare host's captures)."""
    from scrapy import Request

    from archive.importer import matching_profile
    from crawler.cdx import site_prefixes
    from crawler.profiles import profile_problems
    from crawler.safety import SiteOffsiteMiddleware
    from crawler.spiders.profile_spider import spider_class_for
    from pipelines.urls import is_on_site

    path = tmp_path / "example.toml"
    path.write_text("""name = "example_site"
title = "Báo Ví dụ"
kind = "newspaper"
start_urls = ["https://www.example.vn/"]
allowed_domains = ["www.example.vn"]
article_pattern = '/tin/[0-9]+\\.html$'
""", encoding="utf-8")
    profile, problems = profile_problems(path)
    assert problems == []
    article = "https://example.vn/tin/1.html"
    spider = spider_class_for(profile)()
    offsite = SiteOffsiteMiddleware(stats=None)  # the live crawl's filter, on the same rule
    for host, followed in (("www.example.vn", True), ("example.vn", True),
                           ("m.example.vn", True), ("tinh.example.vn", False)):
        assert offsite.should_follow(Request(f"https://{host}/tin/1.html"), spider) \
            is followed, host
    assert is_on_site("example.vn", profile.allowed_domains)
    assert is_on_site("m.example.vn", profile.allowed_domains)
    assert not is_on_site("notexample.vn", profile.allowed_domains)
    assert matching_profile(article, [profile]) is profile
    assert site_prefixes(profile) == [("www.example.vn", "host"), ("example.vn", "host"),
                                      ("m.example.vn", "host")]


# One wait per host, whatever the host asked for and however its URL spells it ----------
@pytest.mark.parametrize("url, host", [
    ("http://Example.VN:80/a", "example.vn"), ("https://example.vn:443/", "example.vn"),
    ("http://user@example.vn/", "example.vn"), ("http://example.vn:8080/", "example.vn:8080"),
    ("http://[::1]:8701/tin", "[::1]:8701"), ("https://[::1]/", "[::1]"),
])
def test_a_host_is_one_key_however_its_url_spells_it(url, host):
    from scrapy import Request

    from crawler.backoff import host_of

    assert host_of(Request(url)) == host


def test_a_pause_asked_under_one_spelling_of_a_host_holds_the_other():
    """A Retry-After from http://example.vn:80/ paused "example.vn:80" and left requests to
    http://example.vn/ going; the robots.txt Crawl-delay was kept by the raw netloc besides."""
    import asyncio
    import time

    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from crawler.backoff import RetryAfterMiddleware

    middleware = RetryAfterMiddleware(get_crawler())
    asked = Request("http://example.vn:80/tin/1")
    busy = Response(asked.url, status=503, headers={"Retry-After": "1"}, request=asked)
    assert middleware.process_response(asked, busy).url == asked.url  # asked again later

    async def started_after(url: str) -> float:
        begun = time.monotonic()
        await middleware.process_request(Request(url))
        return time.monotonic() - begun

    async def both() -> list[float]:
        return await asyncio.gather(started_after("http://example.vn/tin/2"),
                                    started_after("http://other.vn/tin/3"))

    same_host, other_host = asyncio.run(both())
    assert same_host > 0.8 and other_host < 0.5, (same_host, other_host)


def test_crawl_delay_and_retry_after_are_one_wait_for_a_host_spelled_two_ways():
    """The robots.txt Crawl-delay kept its turns by the raw netloc and Retry-After its pauses
    by another key, each waiting on its own: "example.vn:80" took turns beside "example.vn",
    and the turns taken during a pause all went at once when it ended."""
    import asyncio
    import time

    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from crawler.backoff import RetryAfterMiddleware
    from crawler.robots import Rfc9309RobotsMiddleware

    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": True})
    robots, retry = Rfc9309RobotsMiddleware(crawler), RetryAfterMiddleware(crawler)
    for netloc in ("example.vn", "example.vn:80"):  # as if each had read its robots.txt
        robots._parsers[netloc] = build_from_crawler(
            robots._parserimpl, crawler, b"User-agent: *\nCrawl-delay: 0.4\n")
    asked = Request("http://example.vn:80/tin/0")
    busy = Response(asked.url, status=429, headers={"Retry-After": "1"}, request=asked)
    retry.process_response(asked, busy)
    begun = time.monotonic()

    async def start(url: str) -> float:
        request = Request(url)
        await robots.process_request(request)
        await retry.process_request(request)
        return time.monotonic() - begun

    async def all_of_them() -> list[float]:
        return await asyncio.gather(*(start(url) for url in (
            "http://example.vn/tin/1", "http://example.vn:80/tin/2", "http://Example.vn/tin/3")))

    starts = sorted(asyncio.run(all_of_them()))
    assert starts[0] > 0.8, starts  # the pause, under the other spelling
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert min(gaps) > 0.3, starts  # then one request per Crawl-delay
