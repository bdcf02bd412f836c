"""An article the site moved by a permanent redirect after it was archived keeps one row
(crawler/moves.py, archive/article_keys.py): the row follows it to its new address, the old one
is kept as an alias, and neither is fetched again as a new article."""

from __future__ import annotations

import math
import time

import pytest

from tests.conftest import query, run_vnarchive
from tests.test_site_shapes import ARTICLE_PAGE, QuietSite
from tests.web_archives import recording  # noqa: F401 (a fixture)

OLD, NEW, OTHER = "/tin/cu-1.html", "/tin/moi-1.html", "/tin/khac-2.html"
OTHER_PAGE = ("<html><head><title>Xã ra quân làm đường</title>"
              "<meta property='article:published_time' content='2024-05-03T08:00:00+07:00'>"
              "</head><body><article><h1>Xã ra quân làm đường</h1>"
              + "<p>Ủy ban nhân dân xã ra quân làm đường giao thông nông thôn, nạo vét kênh "
                "mương nội đồng và trồng cây xanh dọc các tuyến đường liên thôn.</p>" * 5
              + "</article></body></html>")


class MovingSite(QuietSite):
    """A portal whose listing links `links`; once `moved`, its article at OLD answers with
    `status` (a redirect) to NEW, where it is served."""

    links: tuple[str, ...] = ()
    moved = False
    reposted = False  # the article at NEW too, OLD still served: two articles of one story
    status = 301
    log: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        MovingSite.log.append(self.path)
        if self.path == "/":
            self.answer("".join(f"<a href='{link}'>Bài</a> " for link in self.links).encode())
        elif self.path == OLD and self.moved:
            self.answer(b"", self.status, Location=NEW)
        elif self.path == OLD or (self.path == NEW and (self.moved or self.reposted)):
            self.answer(ARTICLE_PAGE.format(n=1).encode())
        elif self.path == OTHER:
            self.answer(OTHER_PAGE.encode())
        else:
            self.answer(b"", 404)


@pytest.fixture
def site(tmp_path):
    from tests.test_safety_crawls import serve, site_profile
    from testweb.server import LocalWebServer

    MovingSite.links, MovingSite.moved, MovingSite.status = (OLD, OTHER), False, 301
    MovingSite.reposted = False
    MovingSite.log = []
    server = serve(LocalWebServer(("127.0.0.1", 0), MovingSite))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    profile = site_profile(tmp_path, "moving_site", base, "/tin/[a-z0-9-]+[.]html$")
    db = str(tmp_path / "a.db")

    ended = [0.0]

    def crawl(*options: str) -> None:
        # Fetch times are stored to the second, and the move check compares them: two crawls
        # ending and starting within one second look simultaneous (a crawl of this site takes
        # under a second). Each crawl starts in a later second than the one before ended.
        time.sleep(max(0.0, math.floor(ended[0]) + 1 - time.time()))
        MovingSite.log = []
        result = run_vnarchive("crawl", "--profile", str(profile), "--db", db, *options)
        ended[0] = time.time()
        assert result.returncode == 0, result.stderr[-2000:]

    crawl()  # archived at its old address
    yield crawl, db, base.replace("http:", "https:")
    server.shutdown()


@pytest.mark.timeout(240)
def test_a_moved_article_keeps_its_row_and_is_found_at_either_address(site):
    crawl, db, key_base = site
    # When the article was first seen, at its old address (compared as stored: two crawls
    # within one second have the same fetch time to the second).
    [(first_seen,)] = query(db, "select first_seen_at from articles where canonical_url = ?",
                            [key_base + OLD])
    MovingSite.moved = True  # a link to its old address left on the listing, as on a portal
    crawl("--refresh")
    assert query(db, "select canonical_url, title, first_seen_at from articles "
                     "where canonical_url like '%-1.html'") == [
        (key_base + NEW, "Huyện ủy họp phiên 1", first_seen)]
    assert query(db, "select alias, canonical_url from article_aliases") \
        == [(key_base + OLD, key_base + NEW)]
    assert query(db, "select story_id from articles where canonical_url = ?",
                 [key_base + NEW]) == [(key_base + NEW,)]
    # Listings that link the new address, or still the old one, fetch neither again.
    MovingSite.links = (NEW, OLD, OTHER)
    crawl()
    assert not {OLD, NEW} & set(MovingSite.log), MovingSite.log
    assert query(db, "select count(*) from articles") == [(2,)]
    # The old address finds the article.
    assert query(db, "select a.title from article_aliases x join articles a "
                     "using (canonical_url) where x.alias = ?", [key_base + OLD]) \
        == [("Huyện ủy họp phiên 1",)]
    reprocessed = run_vnarchive("reprocess", "--db", db)
    assert reprocessed.returncode == 0, reprocessed.stderr[-2000:]
    assert query(db, "select count(*) from articles") == [(2,)]


@pytest.mark.timeout(240)
def test_a_moved_article_whose_new_address_a_listing_gave_first_becomes_one_row(site):
    crawl, db, key_base = site
    MovingSite.moved, MovingSite.links = True, (NEW, OTHER)  # the old address no longer linked
    crawl()  # the new address looks like a new article, of the same story
    assert query(db, "select count(*), count(distinct story_id) from articles") == [(3, 2)]
    crawl()  # the old address is asked once: its redirect moves its row
    assert OLD in MovingSite.log
    assert query(db, "select canonical_url from articles order by canonical_url") == [
        (key_base + OTHER,), (key_base + NEW,)]
    assert query(db, "select canonical_url, count(*) from article_versions group by 1") \
        == [(key_base + NEW, 1)]  # the other row, kept as an old version
    assert query(db, "select alias from article_aliases") == [(key_base + OLD,)]
    crawl()
    assert sorted(MovingSite.log) == ["/", "/robots.txt"]  # nothing asked again


@pytest.mark.timeout(240)
def test_a_redirect_to_an_address_the_run_asked_for_already_still_moves_the_row(site):
    crawl, db, key_base = site
    # Both addresses linked: the listing's request for the new one is queued before the
    # redirect to it, which the duplicate filter dropped, and the move with it.
    MovingSite.moved, MovingSite.links = True, (OLD, NEW, OTHER)
    crawl("--refresh")
    assert query(db, "select canonical_url from articles order by canonical_url") == [
        (key_base + OTHER,), (key_base + NEW,)]
    assert query(db, "select alias from article_aliases") == [(key_base + OLD,)]


@pytest.mark.timeout(240)
def test_an_article_of_the_same_story_that_did_not_move_is_asked_once(site):
    crawl, db, key_base = site
    MovingSite.reposted, MovingSite.links = True, (NEW, OTHER)
    crawl()
    crawl()
    assert OLD in MovingSite.log  # its answer, a 200, says it is still there
    crawl()
    assert sorted(MovingSite.log) == ["/", "/robots.txt"]  # nothing asked again
    assert query(db, "select count(*), count(distinct story_id) from articles") == [(3, 2)]
    assert query(db, "select count(*) from article_aliases") == [(0,)]


@pytest.mark.timeout(240)
def test_a_temporary_redirect_moves_nothing(site):
    crawl, db, key_base = site
    MovingSite.moved, MovingSite.status = True, 302
    crawl("--refresh")
    assert query(db, "select count(*) from article_aliases") == [(0,)]
    assert query(db, "select count(*) from articles where canonical_url = ?",
                 [key_base + OLD]) == [(1,)]


def test_a_distributed_workers_article_carries_its_move():
    from archive.stream_messages import UnreadableMessage, read_message
    from tests.test_ingest_messages import COLUMNS, article, fields

    moved = {**article(1), "moved_from": ["http://127.0.0.1:1/tin-tuc/Pages/cu-1.aspx"]}
    assert read_message(fields("article", moved), COLUMNS).data["moved_from"] \
        == moved["moved_from"]
    with pytest.raises(UnreadableMessage):
        read_message(fields("article", {**moved, "moved_from": [1]}), COLUMNS)


def test_a_chain_of_moves_leaves_one_row_and_every_old_address_leads_to_it(tmp_path):
    from archive.article_keys import follow_moves
    from archive.article_rows import article_record, write_articles
    from archive.schema import open_database

    db = open_database(str(tmp_path / "a.db"))

    def fetched(key: str, moved_from: list[str], day: int, site: str = "p") -> None:
        records = [article_record({
            "canonical_url": key, "url": key, "site": site, "title": "Bài", "text": "Huyện ủy",
            "fetched_at": f"2024-05-0{day}T00:00:00+00:00", "moved_from": moved_from}, None)]
        with db.atomic():
            follow_moves(db, records)
            write_articles(db, records)

    a, b, c, elsewhere = (f"https://p.vn/tin/{name}" for name in ("a", "b", "c", "x"))
    fetched(a, [], 1)
    fetched(elsewhere, [], 1, site="q")  # another site's article at an address p links
    fetched(b, [a], 2)
    fetched(c, [b], 3)
    assert list(db.query("select alias, canonical_url from article_aliases order by alias")) \
        == [{"alias": a, "canonical_url": c}, {"alias": b, "canonical_url": c}]
    fetched(a, [c], 4)  # and back: an article's own address is nobody's alias
    assert list(db.query("select alias, canonical_url from article_aliases order by alias")) \
        == [{"alias": b, "canonical_url": a}, {"alias": c, "canonical_url": a}]
    fetched(b, [elsewhere], 5)  # another article at an old address: its own, no alias
    assert list(db.query("select alias, canonical_url from article_aliases order by alias")) \
        == [{"alias": c, "canonical_url": a}]
    assert [tuple(row.values()) for row in db.query(
        "select canonical_url, site, first_seen_at from articles order by site, canonical_url")] \
        == [(a, "p", "2024-05-01T00:00:00+00:00"), (b, "p", "2024-05-05T00:00:00+00:00"),
            (elsewhere, "q", "2024-05-01T00:00:00+00:00")]
    db.close()


@pytest.mark.timeout(300)
def test_an_older_capture_at_a_moved_articles_old_address_is_one_of_its_versions(
        recording, tmp_path):  # noqa: F811
    from archive.article_keys import follow_moves
    from archive.article_rows import ArticleRecord
    from archive.schema import open_database
    from tests.test_import import import_files, older_capture
    from tests.web_archives import SITE

    db = tmp_path / "a.db"
    import_files(db, *recording.warcs, "--site", SITE)
    url, warc = older_capture(recording, "2024-08-01T03:00:00Z", tmp_path / "old.warc.gz")
    old_key = url.replace("http://", "https://")
    new_key = old_key.replace(".aspx", "-moi.aspx")
    archive = open_database(str(db))
    (title,) = archive.execute("select title from articles where canonical_url = ?",
                               [old_key]).fetchone()
    with archive.atomic():  # the site moved it, as a crawl that followed its 301 recorded
        follow_moves(archive, [ArticleRecord(
            row={"canonical_url": new_key, "site": SITE, "fetched_at": "2025-01-01",
                 "title": title},
            html=None, meeting=None, moved_from=(old_key,))])
    archive.close()
    output = import_files(db, warc, "--site", SITE)
    assert "1 earlier versions" in output
    assert query(db, "select count(*) from articles where canonical_url = ?", [old_key]) \
        == [(0,)]
    assert query(db, "select canonical_url from article_versions") == [(new_key,)]
    assert query(db, "select count(*) from captures where canonical_url = ?", [old_key]) \
        == [(0,)]


def test_a_redirect_to_another_article_is_no_move(tmp_path):
    """A site that sends every removed or unknown article to one page (its error page, its
    newest article) answers 301 too. Taken as moves, those merged unrelated articles into
    that page's row; now an archived article moves only to a page with its title or text."""
    from archive.article_keys import follow_moves
    from archive.article_rows import article_record, write_articles
    from archive.schema import open_database
    from pipelines.fingerprint import encode, signature

    db = open_database(str(tmp_path / "a.db"))
    words = "Huyện ủy triển khai nhiệm vụ quý hai với nhiều nội dung quan trọng cho xã"

    def fetched(key: str, title: str, text: str, moved_from: list[str]) -> None:
        records = [article_record({
            "canonical_url": key, "url": key, "site": "p", "title": title, "text": text,
            "fetched_at": "2024-05-01T00:00:00+00:00", "moved_from": moved_from,
            "story_signature": encode(signature(text.lower()))}, None)]
        with db.atomic():
            follow_moves(db, records)
            write_articles(db, records)

    old, catch_all, renamed = (f"https://p.vn/tin/{name}" for name in ("1", "0", "2"))
    fetched(old, "Huyện ủy họp quý II", words, [])
    fetched(catch_all, "Trang không tồn tại", "Không tìm thấy trang bạn yêu cầu " * 5, [old])
    assert query(str(tmp_path / "a.db"), "select count(*) from article_aliases") == [(0,)]
    assert query(str(tmp_path / "a.db"), "select count(*) from articles") == [(2,)]
    fetched(renamed, "Huyện ủy họp quý II", words + " năm 2024", [old])  # the same article
    assert query(str(tmp_path / "a.db"), "select alias, canonical_url from article_aliases") \
        == [(old, renamed)]
    db.close()


def test_moves_that_chain_or_turn_back_within_one_batch_leave_one_row(tmp_path):
    """A slug edited twice, or moved and moved back, between two batches' commits: the moves
    of one batch were given to the update whole, which met a key still in use (UNIQUE
    constraint failed), and the writer stopped; an ingest failed on that batch for ever."""
    from archive.article_keys import follow_moves
    from archive.article_rows import article_record, write_articles
    from archive.schema import open_database

    db = open_database(str(tmp_path / "a.db"))

    def batch(*fetches: tuple[str, list[str], int]) -> None:
        records = [article_record({
            "canonical_url": key, "url": key, "site": "p", "title": "Bài", "text": "Huyện ủy",
            "fetched_at": f"2024-05-0{day}T00:00:00+00:00", "moved_from": moved_from}, None)
            for key, moved_from, day in fetches]
        with db.atomic():
            write_articles(db, follow_moves(db, records))

    a, b, c = (f"https://p.vn/tin/{name}" for name in ("a", "b", "c"))
    batch((a, [], 1))
    batch((b, [a], 2), (c, [b], 3))
    assert query(str(tmp_path / "a.db"), "select canonical_url from articles") == [(c,)]
    assert query(str(tmp_path / "a.db"), "select alias, canonical_url from article_aliases "
                 "order by alias") == [(a, c), (b, c)]
    batch((a, [c], 4), (c, [a], 5))  # moved back, then forth again: the last fetch holds
    assert query(str(tmp_path / "a.db"), "select canonical_url from articles") == [(c,)]
    assert query(str(tmp_path / "a.db"), "select alias, canonical_url from article_aliases "
                 "order by alias") == [(a, c), (b, c)]
    db.close()
