"""One article, one row: an archive written when one URL had several keys (lower-case escapes,
decomposed Vietnamese) is migrated to one key per article (schema m023, archive/article_keys.py),
and a refresh or a reprocess of it then writes no second row."""

from __future__ import annotations

import sqlite3
import unicodedata
from urllib.parse import unquote

import pytest

from archive.article_rows import article_record, write_articles
from archive.schema import open_database
from tests.conftest import query, run_vnarchive
from tests.test_site_shapes import ARTICLE_PAGE, QuietSite

# One article's key as today's code writes it, and as older versions wrote it for a link in
# lower case (ASP.NET's UrlEncode) or in decomposed Vietnamese.
KEY = "https://portal.example.vn/tin-t%E1%BB%A9c/b%C3%A0i-1.html"
LOWER_KEY = "https://portal.example.vn/tin-t%e1%bb%a9c/b%c3%a0i-1.html"
NFD_KEY = "https://portal.example.vn/tin-tu%CC%9B%CC%81c/ba%CC%80i-2.html"
NFD_TODAY = "https://portal.example.vn/tin-t%E1%BB%A9c/b%C3%A0i-2.html"
COPY = "https://baomoi.example.vn/bai-2.html"  # another site's copy of bài 2

TEXT = ("Ban Thường vụ Huyện ủy tổ chức hội nghị triển khai nhiệm vụ quý II năm 2024 với "
        "nhiều nội dung quan trọng cho toàn huyện {0} trong thời gian tới. ") * 4
OTHER_TEXT = ("Ủy ban nhân dân xã {0} ra quân làm đường giao thông nông thôn, nạo vét kênh mương "
              "nội đồng và trồng cây xanh dọc các tuyến đường liên thôn. ") * 4


def article(key: str, fetched_at: str, title: str, text: str, site: str = "p",
            meeting: dict | None = None, published: str = "2024-05-02T08:00:00+07:00") -> dict:
    return {"canonical_url": key, "url": key, "site": site, "title": title, "text": text,
            "published": published, "fetched_at": fetched_at,
            "html": f"<p>{title}</p>", "meeting": meeting,
            "is_meeting_report": 1 if meeting else 0}


def unmigrated(path: str) -> None:
    """Mark the archive as written before m023 (its keys are those older versions wrote)."""
    with sqlite3.connect(path) as connection:
        connection.execute("delete from _sqlite_migrations where name = ?",
                           ["m023_one_key_per_spelling"])
    connection.close()


@pytest.fixture
def migrated(tmp_path) -> str:
    """Bài 1 archived twice (lower-case escapes first, the usual spelling two days later),
    bài 2 under its decomposed key with a copy on another site naming it as its story."""
    path = str(tmp_path / "a.db")
    db = open_database(path)
    report = {"kind": "quarterly", "organ": "party_committee", "locality": "Lý Nhân",
              "officials": [{"name": "Nguyễn Văn A", "title": "Bí thư"}],
              "figures": [{"text": "5 tỷ đồng", "value": 5.0, "unit": "tỷ đồng", "label": "x"}]}
    with db.atomic():
        write_articles(db, [article_record(article(
            LOWER_KEY, "2024-05-01T00:00:00+00:00", "Bài một, bản đầu", TEXT.format("Lý Nhân"),
            meeting={**report, "locality": "cũ"}), None)])
    with db.atomic():  # the text changed once under the lower-case key: an old version
        write_articles(db, [article_record(article(
            LOWER_KEY, "2024-05-02T00:00:00+00:00", "Bài một, bản hai", TEXT.format("Lý Nhân"),
            meeting={**report, "locality": "cũ"}), None)])
    with db.atomic():
        write_articles(db, [
            article_record(article(KEY, "2024-05-03T00:00:00+00:00", "Bài một", TEXT.format(
                "Lý Nhân"), meeting=report), None),
            article_record(article(NFD_KEY, "2024-05-03T00:00:00+00:00", "Bài hai",
                                   OTHER_TEXT.format("Bình Lục")), None)])
    with db.atomic():
        write_articles(db, [article_record(article(
            COPY, "2024-05-04T00:00:00+00:00", "Bài hai (đăng lại)", OTHER_TEXT.format("Bình Lục"),
            site="q", published="2024-05-03T08:00:00+07:00"), None)])
        db["attachments"].insert_all([
            {"canonical_url": LOWER_KEY, "url": "https://p/f1.pdf", "sha256": "ab", "text": "t"},
            {"canonical_url": KEY, "url": "https://p/f1.pdf", "error": "download failed",
             "fetched_at": "2024-05-03T00:00:00+00:00"},
            {"canonical_url": KEY, "url": "https://p/f2.pdf", "sha256": "cd"}])
        db["captures"].insert({"canonical_url": NFD_KEY, "url": NFD_KEY, "site": "p",
                               "captured_at": "20240503000000", "digest": "x"})
    db.close()
    assert query(path, "select story_id from articles where canonical_url = ?", [COPY]) \
        == [(NFD_KEY,)]  # the copy's story is named by bài 2's old key
    unmigrated(path)
    open_database(path).close()
    return path


def test_an_article_under_two_spellings_becomes_one_row_with_the_latest_fetch(migrated):
    assert query(migrated, "select canonical_url, title, first_seen_at from articles "
                           "order by canonical_url") == [
        (COPY, "Bài hai (đăng lại)", "2024-05-04T00:00:00+00:00"),
        (KEY, "Bài một", "2024-05-01T00:00:00+00:00"),  # first seen under the old key
        (NFD_TODAY, "Bài hai", "2024-05-03T00:00:00+00:00")]
    # Both earlier fetches are old versions of the one article.
    assert query(migrated, "select canonical_url, title, fetched_at, replaced_at from "
                           "article_versions order by fetched_at") == [
        (KEY, "Bài một, bản đầu", "2024-05-01T00:00:00+00:00", "2024-05-02T00:00:00+00:00"),
        (KEY, "Bài một, bản hai", "2024-05-02T00:00:00+00:00", "2024-05-03T00:00:00+00:00")]
    # The report, officials, figures and page of the latest fetch, once.
    assert query(migrated, "select canonical_url, locality from meeting_reports") \
        == [(KEY, "Lý Nhân")]
    assert query(migrated, "select canonical_url from officials") == [(KEY,)]
    assert query(migrated, "select canonical_url from figures") == [(KEY,)]
    assert query(migrated, "select canonical_url, html from article_sources "
                           "order by canonical_url") == [
        (COPY, "<p>Bài hai (đăng lại)</p>"), (KEY, "<p>Bài một</p>"), (NFD_TODAY, "<p>Bài hai</p>")]
    # Each file once, the one with its text kept.
    assert query(migrated, "select canonical_url, url, sha256 from attachments order by url") \
        == [(KEY, "https://p/f1.pdf", "ab"), (KEY, "https://p/f2.pdf", "cd")]
    assert query(migrated, "select canonical_url from captures") == [(NFD_TODAY,)]


def test_story_ids_search_and_counts_follow_the_moved_keys(migrated):
    assert query(migrated, "select canonical_url, story_id from articles "
                           "order by canonical_url") == [
        (COPY, NFD_TODAY), (KEY, KEY), (NFD_TODAY, NFD_TODAY)]
    # The full-text index and the story bands point at rows that exist, each article once.
    assert query(migrated, "select a.canonical_url from articles_fts f join articles a on "
                           "a.rowid = f.rowid where articles_fts match 'Lý Nhân'") == [(KEY,)]
    assert query(migrated, "select count(*) from story_bands_recent where article not in "
                           "(select rowid from articles)") == [(0,)]
    assert query(migrated, "select site, articles from site_counts order by site") \
        == [("p", 2), ("q", 1)]
    with sqlite3.connect(migrated) as connection:
        assert connection.execute("pragma foreign_key_check").fetchall() == []
        connection.execute("insert into articles_fts (articles_fts, rank) "
                           "values ('integrity-check', 1)")  # raises when out of step
    connection.close()


def test_a_refresh_after_the_migration_updates_the_one_row(migrated):
    from pipelines.urls import canonical_url

    db = open_database(migrated)
    # The site now links bài 1 as a browser shows it, and bài 2 in lower case.
    with db.atomic():
        written = write_articles(db, [
            article_record(article(canonical_url("https://portal.example.vn/tin-tức/bài-1.html"),
                                   "2024-06-01T00:00:00+00:00", "Bài một", TEXT.format("x")), None),
            article_record(article(canonical_url(NFD_KEY.lower()), "2024-06-01T00:00:00+00:00",
                                   "Bài hai", OTHER_TEXT.format("y")), None)])
    db.close()
    assert (written.new, written.updated) == (0, 2)
    assert query(migrated, "select count(*) from articles") == [(3,)]


def test_an_archive_with_nothing_to_move_is_left_alone(tmp_path):
    from archive.article_keys import respelled_keys

    path = str(tmp_path / "a.db")
    db = open_database(path)
    with db.atomic():
        write_articles(db, [article_record(article(KEY, "2024-05-03T00:00:00+00:00", "Bài",
                                                   TEXT.format("x")), None)])
    assert respelled_keys(db) == {}
    db.close()


# A crawl, then a refresh and a reprocess of what it archived --------------------------------

WORD = "tin-tức"


class RespelledSite(QuietSite):
    """A portal whose listing links its one article as `link` says (its paths read decoded
    and composed, as IIS reads them)."""

    link = ""

    def do_GET(self):  # noqa: N802 (http.server's name)
        path = unicodedata.normalize("NFC", unquote(self.path))
        if path == "/":
            self.answer(f"<a href='{RespelledSite.link}'>Huyện ủy họp</a>".encode())
        elif path == f"/{WORD}/bai-1.html":
            self.answer(ARTICLE_PAGE.format(n=1).encode())
        else:
            self.answer(b"", 404)


@pytest.mark.timeout(240)
def test_an_old_archive_refreshed_and_reprocessed_keeps_one_row(tmp_path):
    from tests.test_safety_crawls import serve, site_profile
    from testweb.server import LocalWebServer

    server = serve(LocalWebServer(("127.0.0.1", 0), RespelledSite))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    profile = site_profile(tmp_path, "respelled_site", base, "/tin-t[^/]*/bai-[0-9]+[.]html$")
    db = str(tmp_path / "a.db")
    lower = "/tin-t%e1%bb%a9c/bai-1.html"
    try:
        RespelledSite.link = lower  # what the site linked when an older vnarchive crawled it
        first = run_vnarchive("crawl", "--profile", str(profile), "--db", db)
        assert first.returncode == 0, first.stderr[-2000:]
        # The keys as the older version wrote them for that link.
        old_key = base.replace("http:", "https:") + lower
        with sqlite3.connect(db) as connection:
            for table in ("articles", "article_sources"):
                connection.execute(f"update {table} set canonical_url = ?", [old_key])
            connection.execute("update articles set story_id = ?", [old_key])
            connection.execute("pragma foreign_keys = on")
        connection.close()
        unmigrated(db)
        RespelledSite.link = f"/{WORD}/bai-1.html"  # and as it links it now
        refreshed = run_vnarchive("crawl", "--profile", str(profile), "--db", db, "--refresh")
        assert refreshed.returncode == 0, refreshed.stderr[-2000:]
    finally:
        server.shutdown()
    assert query(db, "select count(*), count(distinct story_id) from articles") == [(1, 1)]
    reprocessed = run_vnarchive("reprocess", "--db", db)
    assert reprocessed.returncode == 0, reprocessed.stderr[-2000:]
    assert query(db, "select count(*) from articles") == [(1,)]
    assert query(db, "select canonical_url from articles") == [(old_key.replace(
        lower, "/tin-t%E1%BB%A9c/bai-1.html"),)]


@pytest.mark.parametrize("stored, today", [
    (LOWER_KEY, KEY),
    (NFD_KEY, NFD_TODAY),
    (NFD_KEY.lower(), NFD_TODAY),
    ("https://portal.example.vn/tin-tức/bài-1.html", KEY),  # not percent-encoded at all
    (KEY, None), ("https://portal.example.vn/tin-tuc/bai-1.html", None),
    ("https://portal.example.vn/a%2Fb%C3c", None),  # upper case, not UTF-8: as it was
])
def test_the_keys_a_migration_moves(tmp_path, stored, today):
    from archive.article_keys import respelled_keys

    db = open_database(str(tmp_path / "a.db"))
    db["captures"].insert({"canonical_url": stored, "url": stored, "site": "p"})
    assert respelled_keys(db) == ({stored: today} if today else {})
    db.close()
