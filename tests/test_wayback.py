"""`vnarchive crawl --wayback/--commoncrawl`: a closed portal taken back from a real pywb (its
CDX API and `id_` replay) and from a Common Crawl-style index, once, resumable after a kill,
and meeting the live copies of the same articles as versions."""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from crawler.cdx import (
    Capture,
    NotCdx,
    choose_captures,
    closed_bound,
    commoncrawl_archive,
    page_count,
    parse_cdx,
    wayback_archive,
)
from crawler.profiles import ProfileError, find_profile, load_profile_file
from pipelines.urls import canonical_url
from tests.conftest import PROJECT_ROOT, query, run_vnarchive
from tests.web_archives import (  # noqa: F401
    SITE,
    articles_of,
    pack_wacz,
    pywb,
    record_portal,
    recording,
)
from testweb.commoncrawl import CRAWL, PAGE_SIZE, CommonCrawlServer
from testweb.content import load_articles
from testweb.pywb_server import PywbServer, PywbUnavailable
from testweb.server import TestWeb

pytestmark = pytest.mark.timeout(300)
ARTICLE = "https://lynhan.hanam.gov.vn/Pages/ubnd-huyen-hop-thuong-ky-thang-6.aspx"


# The index and the choice of captures -------------------------------------------------------
def test_internet_archive_rows_and_resume_key_are_read():
    text = ('[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],\n'
            '["vn,gov,hanam,lynhan)/pages/a.aspx","20190305010203",'
            '"http://lynhan.hanam.gov.vn/Pages/a.aspx","text/html","200","AAAA","1234"],\n'
            '[],\n["vn,gov,hanam,lynhan)/pages/b.aspx 20200101000000"]]')
    page = parse_cdx(text)
    captures, resume = page.captures, page.resume_key
    assert resume == "vn,gov,hanam,lynhan)/pages/b.aspx 20200101000000"
    assert captures == [Capture("http://lynhan.hanam.gov.vn/Pages/a.aspx", "20190305010203",
                                200, "text/html", "AAAA", length=1234)]
    assert captures[0].captured_at == "2019-03-05T01:02:03+00:00"


@pytest.mark.parametrize(("text", "captures", "unreadable"), [
    # A short row is read with its missing fields empty (no status: never chosen); a row that
    # is no list, or whose timestamp is no time, is not.
    ('[["timestamp","original"],["20190305010203","http://a.vn/1"],["20190305"],["x"],"junk",7,[]]',
     2, 3),
    ('{"timestamp": "20240101000000", "url": "http://a.vn/1"}\n{"url": "http://a.vn/2"}\n'
     '{"timest\n["not", "an", "object"]\n', 1, 3),
    ('{"timestamp": "2024", "url": "http://a.vn/1", "offset": "ten"}', 0, 1),
    # JSON, but an address that is no text: a number, a list (a null filename is none)
    ('{"timestamp": "20240101", "url": 12345}\n{"timestamp": "20240101", "url": "http://a.vn/1",'
     ' "filename": null}\n{"timestamp": "20240101", "url": "http://a.vn/2", "filename": [1]}',
     1, 2),
    ("", 0, 0),
])
def test_index_rows_that_are_no_capture_are_counted_not_fatal(text, captures, unreadable):
    page = parse_cdx(text)
    assert (len(page.captures), page.unreadable) == (captures, unreadable)


@pytest.mark.parametrize("text", ["<html><body>Too many requests</body></html>",
                                  "Service Unavailable", '[["timestamp", "original"], ["20',
                                  "[5, [1, 2]]", '[{"a": 1}, ["x"]]'])
def test_an_answer_that_is_no_index_says_so(text):
    with pytest.raises(NotCdx, match="not a CDX"):
        parse_cdx(text)
    with pytest.raises(NotCdx, match="not a CDX page count"):
        page_count(text)


def test_pywb_lines_and_archive_addresses():
    line = ('{"urlkey": "x", "timestamp": "20240101000000", "url": "http://a/b", "mime": '
            '"text/html", "status": "200", "digest": "sha1:BBBB", "offset": "10", "length": '
            '"20", "filename": "f.warc.gz"}')
    assert parse_cdx(line).captures == [Capture("http://a/b", "20240101000000", 200,
                                                "text/html", "BBBB", "f.warc.gz", 10, 20)]
    ia = wayback_archive(None)
    assert (ia.cdx, ia.replay) == ("https://web.archive.org/cdx/search/cdx",
                                   "https://web.archive.org/web")
    local = wayback_archive("http://127.0.0.1:8080/my-coll")
    assert (local.cdx, local.replay) == ("http://127.0.0.1:8080/my-coll/cdx",
                                         "http://127.0.0.1:8080/my-coll")
    cc = commoncrawl_archive("CC-MAIN-2024-33")
    assert (cc.cdx, cc.data) == ("https://index.commoncrawl.org/CC-MAIN-2024-33-index",
                                 "https://data.commoncrawl.org/")


def test_the_latest_good_capture_in_the_window_once_per_digest():
    profile = find_profile("hanam_lynhan")
    other = "https://lynhan.hanam.gov.vn/Pages/ubnd-huyen-hop-thuong-ky-thang-7.aspx"
    captures = [
        Capture(ARTICLE, "20190101000000", 200, "text/html", "OLD"),
        Capture(ARTICLE.replace("https", "http"), "20200101000000", 200, "text/html", "NEW"),
        Capture(ARTICLE, "20210101000000", 302, "text/html", "MOVED"),  # not a good capture
        Capture(ARTICLE, "20260101000000", 200, "text/html", "PARKED"),  # after the window
        Capture(other, "20200101000000", 200, "text/html", "NEW"),  # the same payload
        Capture("https://lynhan.hanam.gov.vn/Pages/tin-tuc-su-kien.aspx", "20200101000000",
                200, "text/html", "LISTING"),  # not an article
        Capture(ARTICLE + "?img", "20200101000000", 200, "image/jpeg", "IMAGE"),
    ]
    window = ("2015", closed_bound(date(2025, 7, 1), ""))
    assert window[1] == "20250630235959"
    assert closed_bound(date(2025, 7, 1), "201906") == "201906"
    assert closed_bound(None, "201906") == "201906"
    chosen = choose_captures(captures, profile, window, set())
    assert [(c.timestamp, c.digest) for c in chosen] == [("20200101000000", "NEW")]
    assert choose_captures(captures, profile, window, {"NEW"}) == []


def test_a_capture_whose_address_holds_half_a_utf16_pair_is_left_out():
    """JSON's "\\ud800" in an index line is read as half a UTF-16 pair, which no request can
    encode; that capture alone is left out."""
    broken = ARTICLE.replace(".aspx", "-\\ud800.aspx")
    answer = "\n".join(
        f'{{"url": "{url}", "timestamp": "20200101000000", "status": "200", '
        f'"mime": "text/html", "digest": "{digest}"}}'
        for url, digest in ((broken, "BROKEN"), (ARTICLE, "GOOD")))
    captures = parse_cdx(answer).captures
    assert [capture.url for capture in captures] == [ARTICLE.replace(".aspx", "-\ud800.aspx"),
                                                     ARTICLE]
    chosen = choose_captures(captures, find_profile("hanam_lynhan"), ("2015", "2025"), set())
    assert [capture.digest for capture in chosen] == ["GOOD"]


def test_closed_and_wayback_profile_keys(tmp_path):
    for name in ("hanam_lynhan", "backan_baobackan", "ninhthuan_baoninhthuan"):
        profile = find_profile(name)
        assert profile.closed == date(2025, 7, 1) and profile.wayback
    assert not find_profile("thanhhoa_baothanhhoa").wayback
    text = find_profile("testweb_lynhan").source.read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("download_delay = 0", 'download_delay = 0\nclosed = "soon"'),
                   encoding="utf-8")
    with pytest.raises(ProfileError, match="closed"):
        load_profile_file(bad)


def test_a_wayback_profile_is_crawled_from_the_archive():
    from crawler.spiderloader import ProfileSpiderLoader
    from crawler.spiders.wayback_spider import WaybackSpider
    from vnarchive.crawl import project_settings

    settings = project_settings()
    loader = ProfileSpiderLoader(settings)
    assert issubclass(loader.load("hanam_lynhan"), WaybackSpider)
    assert not issubclass(loader.load("testweb_lynhan"), WaybackSpider)
    settings.set("VNARCHIVE_FROM_WEB_ARCHIVE", True)
    assert issubclass(ProfileSpiderLoader(settings).load("testweb_lynhan"), WaybackSpider)


# End to end ----------------------------------------------------------------------------------
def crawl_archive(db: Path, recording, *source: str, delay: str = "0"):  # noqa: F811
    return run_vnarchive("crawl", SITE, *source, "--archive-delay", delay, "--db", str(db),
                         "--base-urls", recording.base_urls)


def replay_fetches(db: Path, run_id: int) -> list[str]:
    """The original URLs of the captures a run fetched from the Wayback (`id_` mode)."""
    rows = query(db, "select url from pages where run_id = ? and url like '%id\\_/%' "
                     "escape '\\'", [run_id])
    return [url.split("id_/", 1)[1] for (url,) in rows]


def test_a_closed_portal_comes_back_from_pywb_once(recording, pywb, tmp_path):  # noqa: F811
    db = tmp_path / "wayback.db"
    first = crawl_archive(db, recording, "--wayback", pywb.collection_url)
    assert first.returncode == 0, first.stderr[-3000:]
    # The raw capture, not a replay-rewritten page: every row is the one the live crawl wrote,
    # fetched at its capture time.
    assert articles_of(db) == recording.articles()
    assert len(replay_fetches(db, 1)) == 17
    assert query(db, "select distinct source_kind, source, found_via from captures join "
                     "articles using (canonical_url)") == [
        ("wayback", f"{pywb.collection_url}/cdx", "wayback")]
    before = query(db, "select count(*) from articles union all select count(*) from captures "
                       "union all select count(*) from article_versions")
    second = crawl_archive(db, recording, "--wayback", pywb.collection_url)
    assert second.returncode == 0, second.stderr[-3000:]
    assert replay_fetches(db, 2) == []  # nothing archived is fetched again
    assert query(db, "select count(*) from articles union all select count(*) from captures "
                     "union all select count(*) from article_versions") == before
    window = crawl_archive(tmp_path / "window.db", recording, "--wayback",
                           pywb.collection_url, "--to", "2020-12")
    assert window.returncode == 0 and query(tmp_path / "window.db",
                                            "select count(*) from articles") == [(0,)]


def test_a_killed_backfill_resumes_without_refetching(recording, pywb, tmp_path):  # noqa: F811
    db = tmp_path / "killed.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "vnarchive", "crawl", SITE, "--wayback", pywb.collection_url,
         "--archive-delay", "0.4", "--db", str(db), "--base-urls", recording.base_urls],
        cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + 120
    done: list[tuple] = []
    while time.monotonic() < deadline and len(done) < 4:
        time.sleep(0.2)
        if db.exists():
            try:
                done = query(db, "select url from captures")
            except Exception:  # noqa: BLE001 (the schema may not be there yet)
                done = []
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    archived = {url for (url,) in query(db, "select url from captures")}
    assert 4 <= len(archived) < 17
    resumed = crawl_archive(db, recording, "--wayback", pywb.collection_url)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    last_run = query(db, "select max(id) from crawl_runs")[0][0]
    assert not archived & set(replay_fetches(db, last_run))
    assert articles_of(db) == recording.articles()


def test_common_crawl_index_and_byte_ranges(recording, tmp_path):  # noqa: F811
    db = tmp_path / "commoncrawl.db"
    with CommonCrawlServer(recording.warcs) as commoncrawl:
        first = crawl_archive(db, recording, "--commoncrawl", commoncrawl.index_url)
        assert first.returncode == 0, first.stderr[-3000:]
        data_requests = sum(n for path, n in commoncrawl.requests.items() if ".warc" in path)
        assert data_requests == 17
        # The index is paged: how many pages, then every page of them.
        pages = -(-len(commoncrawl.entries) // PAGE_SIZE)
        assert pages > 1 and commoncrawl.requests[f"/{CRAWL}-index"] == 1 + pages
        assert articles_of(db) == recording.articles()
        assert query(db, "select distinct source_kind from captures") == [("commoncrawl",)]
        again = crawl_archive(db, recording, "--commoncrawl", commoncrawl.index_url)
        assert again.returncode == 0
        assert sum(n for path, n in commoncrawl.requests.items()
                   if ".warc" in path) == data_requests


def test_a_broken_index_page_costs_its_own_captures_only(recording, tmp_path):  # noqa: F811
    """An index page that keeps failing, a rate-limit page served with 200 and a page with
    garbled lines: the captures of every other page are still taken back (a broken page once
    left the backfill waiting for it, and nothing was fetched), each problem in one line."""
    db = tmp_path / "broken-index.db"
    broken = {0: "error", 1: "rate-limit page", 2: "garbled lines"}
    with CommonCrawlServer(recording.warcs, broken_pages=broken) as commoncrawl:
        result = crawl_archive(db, recording, "--commoncrawl", commoncrawl.index_url)
        fetched = sum(n for path, n in commoncrawl.requests.items() if ".warc" in path)
        pages = -(-len(commoncrawl.entries) // PAGE_SIZE)
    assert pages >= 3 and "Traceback" not in result.stderr, result.stderr[-3000:]
    pattern = find_profile(SITE).article_pattern
    kept = {canonical_url(entry.url) for entry in commoncrawl.entries[2 * PAGE_SIZE + 2:]
            if pattern.search(entry.url)}  # pages 0 and 1 lost, and two lines of page 2
    assert 0 < len(kept) < len(recording.articles())
    assert fetched == len(kept) and len(articles_of(db)) == len(kept)
    assert "not a CDX index page" in result.stderr and "failed: HTTP 503" in result.stderr
    assert "2 lines of the index are no capture" in result.stderr


def test_captures_with_odd_fields_cost_only_themselves(recording, tmp_path):  # noqa: F811
    """Index lines that are JSON but whose filename holds half a UTF-16 pair, whose URL is a
    number or whose filename is null: Scrapy's Request raised on the first while the chosen
    captures were handed out, and every capture after it was lost."""
    db = tmp_path / "odd-fields.db"
    pattern = find_profile(SITE).article_pattern
    with CommonCrawlServer(recording.warcs) as commoncrawl:
        entries = commoncrawl.entries
        page = next(number for number in range(len(entries) // PAGE_SIZE)
                    if pattern.search(entries[number * PAGE_SIZE].url))
        commoncrawl.broken_pages = {page: "odd fields"}  # its first line: an article's
        result = crawl_archive(db, recording, "--commoncrawl", commoncrawl.index_url)
        fetched = sum(n for path, n in commoncrawl.requests.items() if ".warc" in path)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    odd = entries[page * PAGE_SIZE:][:3]
    kept = {canonical_url(entry.url) for entry in entries
            if pattern.search(entry.url) and entry not in odd}
    assert fetched == len(kept) and len(articles_of(db)) == len(kept) > 0
    not_fetchable = sum(1 for entry in (odd[0], odd[2]) if pattern.search(entry.url))
    assert result.stderr.count("names no record that can be fetched") == not_fetchable > 0
    assert "1 lines of the index are no capture" in result.stderr


def test_a_record_that_is_not_the_captures_own_is_not_archived_as_it(recording, tmp_path):  # noqa: F811
    """An index whose offsets point at other records (stale, or wrong): the record fetched
    for a capture was stored as that capture, another page's text under its URL. Now a record
    must be a response for the capture's URL and of its digest; a record cut short is none."""
    db = tmp_path / "wrong-records.db"
    pattern = find_profile(SITE).article_pattern
    with CommonCrawlServer(recording.warcs) as commoncrawl:
        entries = commoncrawl.entries
        page = next(number for number in range(-(-len(entries) // PAGE_SIZE)) if all(
            pattern.search(entry.url) for entry in entries[number * PAGE_SIZE:][:3]))
        commoncrawl.broken_pages = {page: "wrong records"}
        result = crawl_archive(db, recording, "--commoncrawl", commoncrawl.index_url)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    wrong = entries[page * PAGE_SIZE:][:3]
    expected = {canonical_url(entry.url) for entry in entries
                if pattern.search(entry.url) and entry not in wrong}
    assert set(articles_of(db)) == expected
    lost = sum(1 for entry in wrong if pattern.search(entry.url))
    assert result.stderr.count("is not its capture") == lost >= 2
    texts = {key: fields[1] for key, fields in recording.articles().items()}
    for url, text in query(db, "select canonical_url, text from articles"):
        assert text == texts[url]


def portal_back_at(port: int, articles: list, seconds: float = 10.0) -> TestWeb:
    """The portal served again at the port its captures name. The port was freed when the
    recording's portal closed, and the tests running beside this one may take it a moment
    for a connection of their own (a clean-clone CI run once failed on it): binding is tried
    again until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return TestWeb(["lynhan"], ports={"lynhan": port}, articles=articles).start()
        except OSError as error:
            if error.errno != errno.EADDRINUSE or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_live_and_archived_copies_are_one_article_with_versions(recording, pywb, tmp_path):  # noqa: F811
    """The portal changed one article after it was captured and is crawled live again at its
    old address: the live crawl has the new text, the Wayback the old one. One article, with
    the capture as its earlier version; identical captures are not fetched at all."""
    articles = load_articles()
    target = next(a for a in articles if a.family == "lynhan" and a.paragraphs)
    first = next(i for i, part in enumerate(target.body) if isinstance(part, str))
    body = list(target.body)
    body[first] += " Bài viết đã được cập nhật."
    live = [dataclasses.replace(target, body=tuple(body)) if a is target else a
            for a in articles]
    port = int(recording.base_url.rsplit(":", 1)[1])
    db = tmp_path / "both.db"
    with portal_back_at(port, live):
        result = run_vnarchive("crawl", SITE, "--db", str(db), "--base-urls",
                               recording.base_urls)
        assert result.returncode == 0, result.stderr[-3000:]
    live_rows = articles_of(db)
    archived = crawl_archive(db, recording, "--wayback", pywb.collection_url)
    assert archived.returncode == 0, archived.stderr[-3000:]
    assert articles_of(db) == live_rows  # the newer, live copy stays the article
    assert len(replay_fetches(db, 2)) == 1  # only the capture whose payload differs
    versions = query(db, "select canonical_url, text, fetched_at from article_versions")
    assert len(versions) == 1
    key, text, captured_at = versions[0]
    assert "đã được cập nhật" in live_rows[key][1] and "đã được cập nhật" not in text
    assert text == recording.articles()[key][1] and captured_at == recording.articles()[key][4]
    assert query(db, "select first_seen_at from articles where canonical_url = ?",
                 [key]) == [(captured_at,)]


@pytest.mark.timeout(900)
def test_the_demo_takes_the_closed_portal_back(pywb, default_ports, tmp_path):  # noqa: F811
    """`vnarchive demo --wayback` (the pywb fixture only makes it skip where pywb cannot run)."""
    db = tmp_path / "demo.db"
    result = run_vnarchive("demo", "--wayback", "--db", str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "testweb_lynhan has closed" in result.stdout
    sources = dict(query(db, "select a.site, coalesce(c.source_kind, 'live') from articles a "
                             "left join captures c using (canonical_url) group by 1"))
    assert sources.pop(SITE) == "wayback"
    assert len(sources) == 21 and set(sources.values()) == {"live"}
    reports = query(db, "select count(*) from meeting_reports join articles using "
                        "(canonical_url) where site = ?", [SITE])[0][0]
    labels = (PROJECT_ROOT / "testweb" / "labels.csv").read_text(encoding="utf-8")
    labelled = sum(1 for line in labels.splitlines() if line.startswith("lynhan/")
                   and line.split(",")[1] == "1")
    assert reports == labelled  # the portal's hand-labelled meeting reports, all recovered
    assert "Recovered reports of testweb_lynhan" in result.stdout


def test_pywb_serving_a_wacz(recording, tmp_path):  # noqa: F811
    """The captures packed as a WACZ (by Webrecorder's `wacz create` where installed), which
    pywb unpacks into its collection, come back the same through `crawl --wayback`."""
    wacz = pack_wacz(recording.warcs, tmp_path / "portal.wacz")
    try:
        server = PywbServer(tmp_path / "pywb", [wacz]).start()
    except PywbUnavailable as reason:
        pytest.skip(f"pywb cannot run here: {reason}")
    with server:
        result = crawl_archive(tmp_path / "wacz.db", recording, "--wayback",
                               server.collection_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert articles_of(tmp_path / "wacz.db") == recording.articles()


def test_bad_web_archive_options_are_refused(tmp_path):
    db = str(tmp_path / "none.db")
    bad_month = run_vnarchive("crawl", SITE, "--wayback", "--from", "March 2019", "--db", db)
    assert bad_month.returncode == 2 and "'--from': not a date" in bad_month.stderr
    distributed = run_vnarchive("crawl", SITE, "--wayback", "--redis", "redis://127.0.0.1:1/0",
                                "--db", db)
    assert distributed.returncode == 2 and "not --redis" in distributed.stderr


def test_starting_a_running_pywb_again_keeps_the_one_server(recording, tmp_path):  # noqa: F811
    """`with server:` after `server.start()` once started a second `wayback` that nothing
    stopped: every test run left one running."""
    try:
        server = PywbServer(tmp_path / "pywb", recording.warcs).start()
    except PywbUnavailable as reason:
        pytest.skip(f"pywb cannot run here: {reason}")
    first = server.process
    with server:
        assert server.process is first
    assert first.poll() is not None


def test_a_capture_at_a_moved_articles_old_address_is_one_of_its_versions(
        recording, tmp_path):  # noqa: F811
    """The site moved an article (a live crawl followed its 301 and kept the old address as an
    alias); the web archive still holds captures made at the old address. Taken back, such a
    capture is an earlier version of the moved article: no second row under the old key, and
    the alias stays."""
    from archive.article_keys import follow_moves
    from archive.article_rows import ArticleRecord, article_record, write_articles
    from archive.schema import open_database

    old_key, (title, text, published, _, captured_at) = next(iter(sorted(
        recording.articles().items())))
    new_key = old_key.replace(".aspx", "-moi.aspx")
    moved_at = (datetime.fromisoformat(captured_at) + timedelta(days=1)).isoformat()
    db = tmp_path / "moved.db"
    archive = open_database(str(db))
    row = {"canonical_url": new_key, "url": new_key, "site": SITE, "title": title,
           "text": text + " Bài viết đã chuyển địa chỉ.", "published": published,
           "fetched_at": moved_at}
    with archive.atomic():  # what a live crawl that followed the site's 301 wrote
        write_articles(archive, [article_record(row, None)])
        follow_moves(archive, [ArticleRecord(row=row, html=None, meeting=None,
                                             moved_from=(old_key,))])
    archive.close()
    with CommonCrawlServer(recording.warcs) as commoncrawl:
        result = crawl_archive(db, recording, "--commoncrawl", commoncrawl.index_url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert query(db, "select count(*) from articles where canonical_url = ?", [old_key]) \
        == [(0,)]
    assert query(db, "select fetched_at from article_versions where canonical_url = ?",
                 [new_key]) == [(captured_at,)]
    assert query(db, "select alias, canonical_url from article_aliases") == [(old_key, new_key)]
    assert query(db, "select count(*) from captures where canonical_url = ?", [old_key]) \
        == [(0,)]
    # The other captured articles are taken back as articles of their own.
    assert len(articles_of(db)) == len(recording.articles())
