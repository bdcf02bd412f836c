"""An article's page read back from the archive (archive/stored_pages.py, `vnarchive page`):
the archive keeps the decoded page in `article_sources` only for an article whose response no
WARC record holds (no row otherwise), and decodes a stored response again as the extraction
decoded it."""

from __future__ import annotations

import sqlite3

import pytest

from archive.errors import ArchiveError
from archive.stored_pages import PageNotKept, stored_page
from archive.warc import Exchange
from archive.writer import ArchiveWriter
from pipelines.encodings import encode_windows_1258
from tests.conftest import run_vnarchive

FETCHED = "2026-01-01T00:00:00+00:00"
PAGE = ("<html><head><title>Huyện ủy họp</title></head><body><article><h1>Huyện ủy họp"
        "</h1><p>Sáng 3/7, Huyện ủy Nga Sơn tổ chức hội nghị sơ kết sáu tháng đầu năm.</p>"
        "</article></body></html>")


def exchange(url: str, body: bytes, content_type: str) -> Exchange:
    return Exchange(url=url, fetched_at=FETCHED, method="GET", request_headers=[],
                    status=200, reason="OK", response_headers=[("Content-Type", content_type)],
                    body=body, site="s", kind="article")


def article(url: str, html: str | None, warc: tuple[str, int] | None) -> dict:
    file, offset = warc or (None, None)
    return {"canonical_url": url, "url": url, "site": "s", "title": "T", "text": "x",
            "fetched_at": FETCHED, "status": 200, "html": html, "encoding": "utf-8",
            "warc_file": file, "warc_offset": offset}


def archive_with(tmp_path, fetches: list[tuple[str, bytes, str]], unfetched=()) -> str:
    """An archive whose articles are `fetches` (URL, body, Content-Type), each stored in a
    WARC record and processed as the crawl does, and `unfetched` (URL, decoded page): articles
    no WARC record holds (written by a program through the writer alone)."""
    path = str(tmp_path / "a.db")
    writer = ArchiveWriter(path, batch_size=10)
    for url, body, content_type in fetches:
        stored = writer.add_fetch(exchange(url, body, content_type))
        writer.add_article(article(url, "the page as the worker decoded it",
                                   (stored.file, stored.offset)))
    for url, html in unfetched:
        writer.add_article(article(url, html, None))
    writer.close()
    return path


def kept_html(path: str) -> dict[str, str | None]:
    with sqlite3.connect(path) as connection:
        return dict(connection.execute("select canonical_url, html from article_sources"))


def test_a_page_in_a_warc_record_is_not_kept_twice_and_is_read_back_decoded(tmp_path):
    path = archive_with(tmp_path, [
        ("https://a.vn/tin-1.html", PAGE.encode(), "text/html; charset=utf-8"),
        ("https://a.vn/tin-2.html", encode_windows_1258(PAGE), "text/html; charset=windows-1258"),
        ("https://a.vn/tin-3.html", encode_windows_1258(PAGE), "text/html")])  # undeclared
    assert kept_html(path) == {}
    for number, encoding in [(1, "utf-8"), (2, "windows-1258"), (3, "windows-1258")]:
        page = stored_page(path, f"https://a.vn/tin-{number}.html")
        assert page.html == PAGE
        assert page.encoding == encoding
        assert page.source.endswith(".warc.gz@" + page.source.rsplit("@", 1)[1])
        assert page.source.startswith("vnarchive-")


def test_a_repeated_payload_is_read_from_the_record_it_repeats(tmp_path):
    """The second URL's response is stored as a revisit of the first (the same bytes)."""
    path = archive_with(tmp_path, [
        ("https://a.vn/tin-1.html", PAGE.encode(), "text/html; charset=utf-8"),
        ("https://a.vn/ban-in/tin-1.html", PAGE.encode(), "text/html; charset=utf-8")])
    with sqlite3.connect(path) as connection:
        kinds = [kind for (kind,) in connection.execute("select warc_type from pages order by id")]
    assert kinds == ["response", "revisit"]
    first = stored_page(path, "https://a.vn/tin-1.html")
    repeated = stored_page(path, "https://a.vn/ban-in/tin-1.html")
    assert repeated.html == PAGE
    assert repeated.source == first.source


def test_a_page_no_warc_record_holds_is_kept_decoded(tmp_path):
    path = archive_with(tmp_path, [], unfetched=[("https://a.vn/tin-9.html", PAGE)])
    assert kept_html(path) == {"https://a.vn/tin-9.html": PAGE}
    page = stored_page(path, "https://a.vn/tin-9.html")
    assert (page.html, page.source) == (PAGE, "article_sources")


def test_a_page_kept_before_its_article_was_stored_in_a_warc_record_goes(tmp_path):
    """An article first written without a WARC record (its page kept), then fetched by a
    crawl: the kept page would be the older one, and is dropped for the record's."""
    later = PAGE.replace("sáu tháng đầu năm", "chín tháng")
    path = archive_with(tmp_path, [], unfetched=[("https://a.vn/tin-1.html", PAGE)])
    writer = ArchiveWriter(path, batch_size=10)
    stored = writer.add_fetch(exchange("https://a.vn/tin-1.html", later.encode(), "text/html"))
    writer.add_article(article("https://a.vn/tin-1.html", later, (stored.file, stored.offset)))
    writer.close()
    assert kept_html(path) == {}
    assert stored_page(path, "https://a.vn/tin-1.html").html == later


def test_any_address_of_the_article_finds_it(tmp_path):
    path = archive_with(tmp_path, [
        ("https://a.vn/tin-1.html", PAGE.encode(), "text/html; charset=utf-8")])
    assert stored_page(path, "http://www.a.vn/tin-1.html?utm_source=fb").html == PAGE


def test_what_cannot_be_read_back_is_told(tmp_path):
    path = archive_with(tmp_path, [
        ("https://a.vn/tin-1.html", PAGE.encode(), "text/html; charset=utf-8")])
    with pytest.raises(PageNotKept, match="no article at https://a.vn/khac.html"):
        stored_page(path, "https://a.vn/khac.html")
    for warc in (tmp_path / "a.db-warc").glob("*.warc.gz"):
        warc.unlink()
    with pytest.raises(PageNotKept, match="WARC file .* is missing"):
        stored_page(path, "https://a.vn/tin-1.html")
    assert issubclass(PageNotKept, ArchiveError)


@pytest.mark.timeout(60)
def test_the_command_prints_the_page_as_utf8(tmp_path):
    path = archive_with(tmp_path, [
        ("https://a.vn/tin-2.html", encode_windows_1258(PAGE), "text/html; charset=windows-1258")])
    done = run_vnarchive("page", "https://a.vn/tin-2.html", "--db", path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == PAGE
    missing = run_vnarchive("page", "https://a.vn/khac.html", "--db", path)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"vnarchive page: error: no article at https://a.vn/khac.html in {path}"]
    empty = run_vnarchive("page", " ", "--db", path)
    assert (empty.returncode, empty.stdout) == (2, "")
    assert empty.stderr.strip().splitlines() == [
        "vnarchive page: error: the URL is empty: give an article's address"]
