"""A backfill of district portals from web archive files and Wayback indexes, as a user meets
it: captures made over years under addresses written as each archive wrote them, revisit
records whose original came in another import, and what the summary says about each."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import re
import sqlite3
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.importer import import_files
from crawler.cdx import Capture, choose_captures
from crawler.profiles import find_profile
from pipelines.urls import canonical_url
from tests.conftest import query, run_vnarchive
from tests.web_archives import recording  # noqa: F401

pytestmark = pytest.mark.timeout(120)

SITE = "hanam_lynhan"
PORTAL = "lynhan.hanam.gov.vn"


def article_page(title: str, day: str) -> bytes:
    paragraph = (f"<p>Ngày {day}, UBND huyện Lý Nhân tổ chức {title.lower()} để đánh giá kết "
                 "quả thực hiện nhiệm vụ phát triển kinh tế xã hội và triển khai nhiệm vụ "
                 "trọng tâm của tháng tiếp theo.</p>")
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"<h1>{title}</h1><p class=date>{day}</p>{paragraph}</body></html>").encode()


def digest_of(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def write_warc(path: Path, records: list[dict]) -> Path:
    """Records: {url, date, body} responses, or {url, date, revisit_of} revisits naming the
    payload digest and capture time of their original."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for record in records:
            http = StatusAndHeaders(record.get("status", "200 OK"),
                                    [("Content-Type", "text/html; charset=utf-8")],
                                    protocol="HTTP/1.1")
            if "revisit_of" in record:
                body, original_date = record["revisit_of"]
                built = writer.create_revisit_record(record["url"], digest_of(body),
                                                     record["url"], original_date,
                                                     http_headers=http)
                built.rec_headers.replace_header("WARC-Date", record["date"])
            else:
                built = writer.create_warc_record(
                    record["url"], "response", payload=io.BytesIO(record["body"]),
                    http_headers=http, warc_headers_dict={"WARC-Date": record["date"]})
            writer.write_record(built)
    return path


def run_import(db: Path, *paths: Path):
    return import_files(str(db), list(paths), [find_profile(SITE)], workers=0)


def test_captures_at_a_default_port_or_an_upper_case_host_are_the_sites_articles(tmp_path):
    # Wayback CDX rows and old crawlers write "http://host:80/..." and hosts as linked; the
    # profile's pattern ("lynhan\.hanam\.gov\.vn/Pages/...") was matched against them as
    # written, and these captures were passed over without a word.
    addresses = [f"http://{PORTAL}:80/Pages/hop-thuong-ky-thang-3.aspx",
                 f"https://{PORTAL}:443/Pages/hop-thuong-ky-thang-4.aspx",
                 f"http://{PORTAL.upper()}/Pages/hop-thuong-ky-thang-5.aspx",
                 f"https://{PORTAL}/Pages/hop-thuong-ky-thang-6.aspx"]
    warc = write_warc(tmp_path / "portal.warc.gz", [
        {"url": url, "date": "2019-03-01T00:00:00Z",
         "body": article_page(f"Hội nghị thường kỳ tháng {month}", f"{month}/3/2019")}
        for month, url in zip((3, 4, 5, 6), addresses, strict=True)])
    result = run_import(tmp_path / "archive.db", warc)
    assert result.matched == 4 and result.articles_new == 4
    assert sorted(row[0] for row in query(tmp_path / "archive.db",
                                          "select canonical_url from articles")) == sorted(
        f"https://{PORTAL}/Pages/hop-thuong-ky-thang-{month}.aspx" for month in (3, 4, 5, 6))


def test_a_wayback_index_row_at_port_80_is_a_capture_of_the_article():
    profile = find_profile(SITE)
    rows = [Capture(f"http://{PORTAL}:80/Pages/hop-thuong-ky.aspx", "20190301000000", 200,
                    "text/html", "AAAA"),
            Capture(f"http://{PORTAL.upper()}/Pages/ky-hop-hdnd.aspx", "20190301000000", 200,
                    "text/html", "BBBB"),
            Capture(f"http://{PORTAL}:80/Pages/tin-tuc-su-kien.aspx", "20190301000000", 200,
                    "text/html", "CCCC")]  # the listing stays no article
    chosen = choose_captures(rows, profile, ("", ""), set())
    assert sorted(capture.digest for capture in chosen) == ["AAAA", "BBBB"]


def test_a_revisit_whose_original_came_in_an_earlier_import_is_a_capture_seen_again(tmp_path):
    # A backfill imported year by year: the 2020 crawl's revisit records point at payloads
    # its 2019 crawl stored. They were counted as corrupt records and their captures lost,
    # though the same files imported together made them unchanged captures.
    db = tmp_path / "archive.db"
    kept = article_page("Hội nghị thường kỳ tháng 3", "1/3/2019")
    url = f"https://{PORTAL}/Pages/hop-thuong-ky-thang-3.aspx"
    first = write_warc(tmp_path / "2019.warc.gz",
                       [{"url": url, "date": "2019-03-02T00:00:00Z", "body": kept}])
    gone = article_page("Kỳ họp HĐND", "2/3/2019")  # its original is in no file
    second = write_warc(tmp_path / "2020.warc.gz", [
        {"url": url, "date": "2020-03-02T00:00:00Z",
         "revisit_of": (kept, "2019-03-02T00:00:00Z")},
        {"url": f"https://{PORTAL}/Pages/ky-hop-hdnd.aspx", "date": "2020-03-02T00:00:00Z",
         "revisit_of": (gone, "2019-03-02T00:00:00Z")}])
    run_import(db, first)
    result = run_import(db, second)
    assert (result.unchanged, result.corrupt) == (1, 0)
    assert result.no_original == 1
    assert query(db, "select captured_at from captures order by captured_at") == [
        ("2019-03-02T00:00:00+00:00",), ("2020-03-02T00:00:00+00:00",)]
    assert query(db, "select count(*), min(fetched_at) from articles") == [
        (1, "2019-03-02T00:00:00+00:00")]
    # Once more: the seen capture is archived; the one without its original still has none.
    again = run_import(db, second)
    assert (again.already, again.no_original, again.corrupt) == (1, 1, 0)


def test_captures_imported_out_of_order_keep_each_version_until_the_next(tmp_path):
    # A backfill's years imported as they come: 2024, then 2019, then 2021 and 2022. Each
    # earlier text must say it held until the next capture; the 2019 one said 2024 (it was
    # dated when the 2024 copy was its only successor), so "what did it say in 2021" was wrong.
    db = tmp_path / "archive.db"
    url = f"https://{PORTAL}/Pages/hop-thuong-ky.aspx"

    def capture(year: int, number: int) -> dict:
        return {"url": url, "date": f"{year}-03-01T00:00:00Z",
                "body": article_page(f"Hội nghị thường kỳ lần {number}", "1/3/2019")}

    for year, captures in (("2024", [capture(2024, 4)]), ("2019", [capture(2019, 1)]),
                           ("2021", [capture(2021, 2), capture(2022, 3)])):
        run_import(db, write_warc(tmp_path / f"{year}.warc.gz", captures))
    assert query(db, "select title, fetched_at, first_seen_at from articles") == [
        ("Hội nghị thường kỳ lần 4", "2024-03-01T00:00:00+00:00", "2019-03-01T00:00:00+00:00")]
    assert query(db, "select title, substr(fetched_at, 1, 4), substr(replaced_at, 1, 4) "
                     "from article_versions order by fetched_at") == [
        ("Hội nghị thường kỳ lần 1", "2019", "2021"),
        ("Hội nghị thường kỳ lần 2", "2021", "2022"),
        ("Hội nghị thường kỳ lần 3", "2022", "2024")]


@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
def test_a_record_cut_short_by_the_files_end_is_corrupt_not_half_a_page(tmp_path, compressed):
    # A download that stopped early: the file (or its gzip member) ends inside the last
    # record. warcio reads it to where it ends without a word, and it was imported as a page
    # with half its text (its end, with the last paragraph, gone).
    pages = [article_page(f"Hội nghị thường kỳ tháng {month}", f"1/{month}/2019")
             for month in (3, 4)]
    whole = tmp_path / "whole.warc"
    with whole.open("wb") as handle:
        writer = WARCWriter(handle, gzip=compressed)
        for month, body in zip((3, 4), pages, strict=True):
            writer.write_record(writer.create_warc_record(
                f"https://{PORTAL}/Pages/hop-thang-{month}.aspx", "response",
                payload=io.BytesIO(body), warc_headers_dict={
                    "WARC-Date": f"2019-0{month}-02T00:00:00Z"},
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                              protocol="HTTP/1.1")))
    data = whole.read_bytes()
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[:len(data) - 120])  # inside the second record's body
    result = run_import(tmp_path / "archive.db", cut)
    assert (result.articles_new, result.corrupt) == (1, 1)
    assert query(tmp_path / "archive.db", "select url from pages") == [
        (f"https://{PORTAL}/Pages/hop-thang-3.aspx",)]


def site_responses(pages: int, images_per_page: int, first: int = 0,
                   ) -> list[tuple[str, str, bytes]]:
    """(URL, content type, body) of a site's article pages, each followed by its images."""
    records = []
    for number in range(first, first + pages):
        records.append((f"https://{PORTAL}/Pages/hop-{number}.aspx", "text/html",
                        article_page(f"Hội nghị thường kỳ số {number}", "1/3/2019")))
        records += [(f"https://{PORTAL}/Style%20Library/anh-{number}-{image}.jpg",
                     "image/jpeg", b"\xff\xd8\xff" + bytes(40))
                    for image in range(images_per_page)]
    return records


def warc_bytes(records: list[tuple[str, str, bytes]], gzipped: bool = True) -> bytes:
    """The responses as a WARC file, gzipped per record or not."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=gzipped)
    for url, content_type, body in records:
        writer.write_record(writer.create_warc_record(
            url, "response", payload=io.BytesIO(body),
            warc_headers_dict={"WARC-Date": "2019-03-02T00:00:00Z"},
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", content_type)],
                                          protocol="HTTP/1.1")))
    return buffer.getvalue()


def site_crawl(path: Path, pages: int, images_per_page: int) -> Path:
    """A WARC as a site's crawl writes it: each article page and its images."""
    path.write_bytes(warc_bytes(site_responses(pages, images_per_page)))
    return path


def test_the_scan_of_a_backfills_files_keeps_its_pages_not_its_images(tmp_path):
    # The index of every response was held in memory (about 600 bytes a record) for the
    # whole import: a backfill of millions of images and scripts ran out of memory for the
    # few pages it wanted. The scan now keeps what may be a page.
    from archive.archive_files import scan_files
    from archive.importer import worth_listing

    warc = site_crawl(tmp_path / "site.warc.gz", pages=3, images_per_page=20)
    profiles = [find_profile(SITE)]
    scan = scan_files([warc], lambda record: worth_listing(record, profiles))
    assert scan.read == 63
    assert [record.url.rsplit("/", 1)[1] for record in scan.records] == [
        "hop-0.aspx", "hop-1.aspx", "hop-2.aspx"]
    result = run_import(tmp_path / "archive.db", warc)
    assert (result.responses, result.matched, result.articles_new) == (63, 3, 3)


def test_other_sites_pages_wait_on_disk_and_a_revisit_still_takes_its_payload_from_one(
        tmp_path):
    # Every other site's HTML page was listed in memory for the whole import, in case a
    # revisit named its payload: a Common Crawl file is nearly all such pages, so an import's
    # memory grew with its files. Now only their payloads' places are kept, on disk.
    from functools import partial

    from archive.archive_files import scan_files
    from archive.importer import worth_listing
    from archive.payload_places import PayloadPlaces

    body = article_page("Hội nghị giao ban tháng 5", "5/5/2019")
    claimed = f"https://{PORTAL}/Pages/giao-ban-thang-5.aspx"
    warc = write_warc(tmp_path / "mixed.warc.gz", [
        {"url": "http://mirror.example.org/ban-sao.html", "date": "2019-05-05T00:00:00Z",
         "body": body},
        *({"url": f"http://news.example.org/tin-{number}.html", "date": "2019-05-05T00:00:00Z",
           "body": article_page(f"Tin tức số {number}", "5/5/2019")} for number in range(3)),
        {"url": claimed, "date": "2019-05-06T00:00:00Z",
         "revisit_of": (body, "2019-05-05T00:00:00Z")}])
    with PayloadPlaces() as places:
        scan = scan_files([warc], partial(worth_listing, profiles=[find_profile(SITE)]),
                          places=places)
        assert [record.url for record in scan.records] == [claimed]
        assert (scan.set_aside, places.count, scan.payloads) == (4, 4, [])
        original = places.latest([digest_of(body).removeprefix("sha1:")])
        assert [place.status for place in original.values()] == [200]
    result = run_import(tmp_path / "archive.db", warc)
    assert (result.matched, result.articles_new, result.unclaimed) == (1, 1, 4)
    assert query(tmp_path / "archive.db", "select canonical_url, title from articles") == [
        (claimed, "Hội nghị giao ban tháng 5")]


def test_the_scan_before_the_first_capture_reports_its_progress(tmp_path):
    # The scan of a backfill's files (hours for a few hundred gigabytes) said nothing: the
    # first progress line came with the first hundred captures processed, after it.
    first = site_crawl(tmp_path / "2019.warc.gz", pages=1, images_per_page=2)
    second = site_crawl(tmp_path / "2020.warc.gz", pages=2, images_per_page=0)
    heard = []
    import_files(str(tmp_path / "archive.db"), [first, second], [find_profile(SITE)],
                 workers=0, scan_progress=lambda *progress: heard.append(progress))
    assert heard[-1] == (2, 2, 5)
    assert (1, 2, 3) in heard and heard == sorted(heard)


def test_import_refuses_a_database_that_is_no_archive_or_is_damaged(tmp_path):
    # `crawl`, `ingest` and `reprocess` refused both with one line; `import` wrote the
    # archive's tables into another program's database, and met a damaged one with a
    # traceback (and a KeyError from its cleanup hiding the cause).
    warc = site_crawl(tmp_path / "site.warc.gz", pages=1, images_per_page=0)
    other = tmp_path / "notes.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("create table notes (text)")
    result = run_vnarchive("import", str(warc), "--site", SITE, "--db", str(other))
    assert result.returncode == 2 and "is not an archive" in result.stderr
    assert query(other, "select name from sqlite_master") == [("notes",)]

    damaged = tmp_path / "damaged.db"
    assert run_vnarchive("import", str(warc), "--site", SITE, "--db",
                         str(damaged)).returncode == 0
    with damaged.open("r+b") as handle:  # a page of the articles' table overwritten
        handle.seek(4096 * 5)
        handle.write(b"\xff" * 4096)
    result = run_vnarchive("import", str(warc), "--site", SITE, "--db", str(damaged))
    assert result.returncode == 9, result.stderr[-2000:]
    assert "is damaged" in result.stderr and "Traceback" not in result.stderr


def test_an_import_killed_before_is_marked_killed_by_the_next(tmp_path):
    # A SIGKILLed import left its run `running` for ever: the next import took the lock and
    # did not look (a crawl or ingest would have marked it).
    db = tmp_path / "archive.db"
    warc = site_crawl(tmp_path / "site.warc.gz", pages=1, images_per_page=0)
    assert run_vnarchive("import", str(warc), "--site", SITE, "--db", str(db)).returncode == 0
    with sqlite3.connect(db) as connection:  # as a SIGKILL leaves it
        connection.execute("update crawl_runs set status = 'running', finished_at = null")
    assert run_vnarchive("import", str(warc), "--site", SITE, "--db", str(db)).returncode == 0
    assert query(db, "select id, status from crawl_runs order by id") == [
        (1, "killed"), (2, "finished")]


WAYBACK_TOOLBAR = (
    '<!-- BEGIN WAYBACK TOOLBAR INSERT --><div id="wm-ipp-base"><div id="wm-ipp">'
    '<a href="/web/">Wayback Machine</a><div class="n">15 captures</div>'
    "<div>05 Mar 2019 - 28 Jun 2025</div><div id=\"wm-capinfo\">COLLECTED BY Organization: "
    "Internet Archive</div></div></div><!-- END WAYBACK TOOLBAR INSERT -->")


def test_pages_downloaded_from_wayback_replay_addresses_are_the_captures_they_replay(tmp_path):
    # `wget --warc-file` of web.archive.org/web/20190305010203/http://portal/page records the
    # replay address: the page was passed over (with --all, kept as a page of
    # web.archive.org dated the day of the download).
    replayed = article_page("Hội nghị thường kỳ tháng 3", "1/3/2019").replace(
        b"<body>", b"<body>" + WAYBACK_TOOLBAR.encode())
    raw = article_page("Kỳ họp HĐND huyện", "2/3/2019")
    warc = write_warc(tmp_path / "wget.warc.gz", [
        {"url": f"https://web.archive.org/web/20190305010203/http://{PORTAL}/Pages/hop.aspx",
         "date": "2024-11-20T08:00:00Z", "body": replayed},
        {"url": f"https://web.archive.org/web/20190306000000id_/http://{PORTAL}/Pages/ky-hop.aspx",
         "date": "2024-11-20T08:00:01Z", "body": raw}])
    db = tmp_path / "archive.db"
    result = run_import(db, warc)
    assert result.articles_new == 2
    assert query(db, "select canonical_url, fetched_at, site, instr(text, 'Wayback') "
                     "from articles order by fetched_at") == [
        (f"https://{PORTAL}/Pages/hop.aspx", "2019-03-05T01:02:03+00:00", SITE, 0),
        (f"https://{PORTAL}/Pages/ky-hop.aspx", "2019-03-06T00:00:00+00:00", SITE, 0)]
    assert query(db, "select url from captures order by captured_at") == [
        (f"http://{PORTAL}/Pages/hop.aspx",), (f"http://{PORTAL}/Pages/ky-hop.aspx",)]


def test_captures_from_after_a_closed_portal_closed_are_not_its_articles(tmp_path):
    # The Lý Nhân portal closed on 1 July 2025 (its profile says so, and `crawl --wayback`
    # stops the day before). An import took a later capture of an article's address (the
    # merged province's portal, a parked domain) as the article's newer text.
    url = f"https://{PORTAL}/Pages/hop-thuong-ky.aspx"
    warc = write_warc(tmp_path / "2025.warc.gz", [
        {"url": url, "date": "2025-06-30T16:59:59Z",
         "body": article_page("Hội nghị thường kỳ tháng 6", "30/6/2025")},
        {"url": url, "date": "2025-07-01T00:00:00Z",
         "body": article_page("Cổng thông tin điện tử tỉnh Ninh Bình", "1/7/2025")},
        {"url": url, "date": "2025-09-15T00:00:00Z",
         "body": article_page("Tên miền này đang được rao bán", "15/9/2025")}])
    db = tmp_path / "archive.db"
    result = run_import(db, warc)
    assert query(db, "select title from articles") == [("Hội nghị thường kỳ tháng 6",)]
    assert query(db, "select count(*) from article_versions") == [(0,)]
    assert (result.articles_new, result.articles_updated, result.after_closed) == (1, 0, 2)


def test_a_capture_without_an_article_marks_its_own_page_not_the_urls_others(tmp_path):
    # The 2020 capture of an article is the portal's "page not found" served with 200. Its
    # reason was written on every page row of the URL in the run: the 2019 capture, which
    # made the article, was said to be a soft 404 too.
    url = f"https://{PORTAL}/Pages/hop-thuong-ky.aspx"
    warc = write_warc(tmp_path / "years.warc.gz", [
        {"url": url, "date": "2019-03-01T00:00:00Z",
         "body": article_page("Hội nghị thường kỳ tháng 3", "1/3/2019")},
        {"url": url, "date": "2020-03-01T00:00:00Z",
         "body": "<html><body><p>Trang bạn yêu cầu không tồn tại.</p></body></html>".encode()}])
    db = tmp_path / "archive.db"
    result = run_import(db, warc)
    assert (result.articles_new, result.not_articles) == (1, 1)
    rows = query(db, "select substr(fetched_at, 1, 4), error from pages order by fetched_at")
    assert rows[0] == ("2019", None)
    assert rows[1][0] == "2020" and rows[1][1].startswith("soft_404")


@pytest.mark.timeout(300)
def test_an_article_whose_latest_capture_cannot_be_had_comes_from_an_older_one(
        recording, tmp_path):  # noqa: F811
    # The index names a record the archive cannot give (offline, lost, a wrong offset): the
    # article was not taken back at all, in this run or any later one, though an older
    # capture of it was there to take.
    from dataclasses import replace

    from archive.archive_files import read_payload, scan_files
    from testweb.commoncrawl import CommonCrawlServer

    record = next(r for r in scan_files(recording.warcs).records
                  if "ubnd-huyen-to-chuc-hoi-nghi-thuong-ky" in r.url)
    body = read_payload(record.location).body.replace(
        b"</p>", " Bản tin đăng lần đầu.</p>".encode(), 1)
    older = write_warc(tmp_path / "older.warc.gz",
                       [{"url": record.url, "date": "2024-08-01T03:00:00Z", "body": body}])
    db = tmp_path / "archive.db"
    with CommonCrawlServer([*recording.warcs, older]) as commoncrawl:
        newest = max((entry for entry in commoncrawl.entries if entry.url == record.url),
                     key=lambda entry: entry.timestamp)
        place = commoncrawl.entries.index(newest)
        commoncrawl.entries[place] = replace(newest, offset=newest.offset + 1)
        result = run_vnarchive("crawl", "testweb_lynhan", "--commoncrawl",
                               commoncrawl.index_url, "--archive-delay", "0", "--db", str(db),
                               "--base-urls", recording.base_urls)
    assert result.returncode == 0, result.stderr[-3000:]
    texts = dict(query(db, "select canonical_url, text from articles"))
    assert len(texts) == len(recording.articles())
    assert "Bản tin đăng lần đầu" in texts[canonical_url(record.url)]
    assert "taking the one at 20240801030000" in result.stderr


def test_an_import_that_takes_nothing_says_why_when_the_files_held_pages(tmp_path):
    # Files of another portal imported with the wrong --site: "0 pages imported" and no word
    # on why, though the files held pages.
    other = write_warc(tmp_path / "other.warc.gz", [
        {"url": "https://duytien.hanam.gov.vn/tin-tuc/hop-thuong-ky.html",
         "date": "2019-03-02T00:00:00Z", "body": article_page("Hội nghị", "1/3/2019")}])
    result = run_vnarchive("import", str(other), "--site", SITE, "--db",
                           str(tmp_path / "archive.db"))
    assert result.returncode == 0 and "0 pages imported" in result.stdout
    assert f"none of the 1 HTML pages in the files is an article page of {SITE}" in (
        result.stderr)
    assert "--all" in result.stderr
    again = run_vnarchive("import", str(other), "--all", "--db", str(tmp_path / "all.db"))
    assert "1 pages imported" in again.stdout and "none of" not in again.stderr


def plain_warc(path: Path, months: tuple[int, ...], numbered: bool = False) -> bytes:
    """An uncompressed WARC of one article a month (numbered: each its own address); its
    bytes."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        for number, month in enumerate(months):
            page = f"hop-{number}-thang-{month}" if numbered else f"hop-thang-{month}"
            writer.write_record(writer.create_warc_record(
                f"https://{PORTAL}/Pages/{page}.aspx", "response",
                payload=io.BytesIO(article_page(f"Hội nghị thường kỳ tháng {month}",
                                                f"1/{month}/2019")),
                warc_headers_dict={"WARC-Date": f"2019-0{month}-02T00:00:00Z"},
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                              protocol="HTTP/1.1")))
    return path.read_bytes()


@pytest.mark.parametrize("damage", ["body cut short", "header cut short"])
def test_a_record_torn_inside_an_uncompressed_warc_does_not_swallow_the_next(tmp_path, damage):
    # Bytes lost in the middle of an uncompressed WARC (a bad copy, a disk fault): the torn
    # record's Content-Length ran into the next record, which was imported as the torn one's
    # page (its address, the next one's text or header lines), and the next was lost.
    data = plain_warc(tmp_path / "whole.warc", (3, 4, 5))
    starts = [m.start() for m in re.finditer(rb"WARC/1\.\d\r\n", data)]
    if damage == "body cut short":  # the end of the second record's page is gone
        torn = data[:starts[2] - 4 - 150] + data[starts[2] - 4:]
    else:  # all of the second record after its first 200 bytes of header
        torn = data[:starts[1] + 200] + data[starts[2]:]
    warc = tmp_path / "torn.warc"
    warc.write_bytes(torn)
    db = tmp_path / "archive.db"
    result = run_import(db, warc)
    assert query(db, "select canonical_url, title from articles order by fetched_at") == [
        (f"https://{PORTAL}/Pages/hop-thang-{month}.aspx", f"Hội nghị thường kỳ tháng {month}")
        for month in (3, 5)]
    assert result.corrupt == 1


def test_a_warc_gzipped_whole_and_damaged_keeps_the_records_before_the_fault(tmp_path):
    # `gzip crawl.warc` (one gzip member for all its records), then a bad copy: the scan read
    # the records before the fault, but the copy inflated to read them back held nothing
    # (zlib gives nothing of a call that meets the fault), so every one was lost and counted
    # corrupt; and "1 corrupt record" did not say the rest of the file was never read.
    months = tuple(range(1, 10)) * 40
    data = bytearray(gzip.compress(plain_warc(tmp_path / "whole.warc", months, numbered=True)))
    middle = len(data) // 2
    data[middle:middle + 40] = bytes(byte ^ 0x55 for byte in data[middle:middle + 40])
    warc = tmp_path / "whole.warc.gz"
    warc.write_bytes(bytes(data))
    result = run_import(tmp_path / "archive.db", warc)
    assert result.responses >= 12 and result.articles_new == result.responses
    assert result.corrupt == 1
    assert result.lost == [f"{warc} is gzipped as a whole and damaged after its first "
                           f"{result.responses} records: the rest of it could not be read "
                           "(`gzip -dc` it as far as it goes, or get a sound copy)"]


def test_the_archives_own_warc_files_given_to_import_add_nothing(recording, tmp_path):  # noqa: F811
    # `vnarchive import ~/backfill --db ~/backfill/archive.db`: the folder holds the
    # archive's own WARC folder. Its fetches were imported again as captures: a second page
    # row and WARC record of each, every article "updated" to the same text.
    import shutil

    folder = tmp_path / "backfill"
    folder.mkdir()
    db = folder / "archive.db"
    shutil.copy(recording.db, db)
    shutil.copytree(recording.warcs[0].parent, folder / "archive-warc")
    before = query(db, "select count(*) from pages")
    result = import_files(str(db), sorted((folder / "archive-warc").glob("*.warc.gz")),
                          [find_profile("testweb_lynhan")], workers=0)
    assert query(db, "select count(*) from pages") == before
    assert (result.matched, result.articles_updated) == (0, 0)
    assert result.already == len(recording.articles())


def test_a_wayback_toolbar_saved_with_a_page_is_not_its_text(tmp_path):
    # A page saved from a Wayback replay (not in id_ mode) holds the toolbar the replay
    # inserted after <body>: "Wayback Machine", "15 captures", "COLLECTED BY Organization:
    # Internet Archive" were read as the article's first lines.
    paragraph = ("<p>UBND huyện Lý Nhân tổ chức hội nghị thường kỳ để đánh giá kết quả thực "
                 "hiện nhiệm vụ phát triển kinh tế xã hội và nhiệm vụ trọng tâm năm nay.</p>")
    page = ('<html><head><meta charset="utf-8"><title>Hội nghị thường kỳ</title></head><body>'
            f"{WAYBACK_TOOLBAR}<h1>Hội nghị thường kỳ</h1>{paragraph * 3}</body></html>")
    warc = write_warc(tmp_path / "wget.warc.gz", [
        {"url": f"https://web.archive.org/web/20190305010203/http://{PORTAL}/Pages/hop.aspx",
         "date": "2024-11-20T08:00:00Z", "body": page.encode()}])
    db = tmp_path / "archive.db"
    assert run_import(db, warc).articles_new == 1
    text = query(db, "select text from articles")[0][0]
    assert text.startswith("UBND huyện Lý Nhân tổ chức hội nghị")
    assert "Wayback" not in text and "captures" not in text and "COLLECTED" not in text


def test_an_article_captured_in_a_window_only_as_revisits_is_taken_from_them():
    # `crawl --wayback --from 2020`: an article first captured in 2018 and unchanged since is
    # listed in the window only as revisit rows (warc/revisit, status "-"), which were passed
    # over: the article was not taken back. A good capture still comes first where there is one.
    profile = find_profile(SITE)
    rows = [Capture(f"http://{PORTAL}/Pages/hop-2018.aspx", "20210301000000", 0,
                    "warc/revisit", "AAAA"),
            Capture(f"http://{PORTAL}/Pages/hop-2018.aspx", "20230301000000", 0,
                    "warc/revisit", "AAAA"),
            Capture(f"http://{PORTAL}/Pages/hop-2020.aspx", "20200601000000", 200,
                    "text/html", "BBBB"),
            Capture(f"http://{PORTAL}/Pages/hop-2020.aspx", "20240601000000", 0,
                    "warc/revisit", "BBBB")]
    chosen = {capture.url.rsplit("/", 1)[1]: capture.timestamp
              for capture in choose_captures(rows, profile, ("2020", ""), set())}
    assert chosen == {"hop-2018.aspx": "20230301000000", "hop-2020.aspx": "20200601000000"}
