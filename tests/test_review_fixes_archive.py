"""Review fixes in archive/: each test fails on the code before its fix."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import sqlite3
import uuid

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import archive.article_keys
import archive.article_rows
import archive.warc_folders
from archive.archive_files import scan_files
from archive.article_keys import move_articles, read_aliases
from archive.health import sites_never_reached
from archive.integrity import check_ours, check_whole
from archive.query import connect_read_only
from archive.schema import open_database
from archive.warc_folders import own_files
from archive.writer import ArchiveWriter


# sites_never_reached: only a network failure with no answer ----------------------------------
def test_a_site_whose_requests_were_all_refused_by_the_crawl_was_reached(tmp_path):
    path = str(tmp_path / "a.db")
    db = open_database(path)
    db["crawl_runs"].insert({"id": 1, "started_at": "2026-01-01T00:00:00+00:00",
                             "status": "finished"})
    rows = {
        # Answered a 503 with a Retry-After of a day: every request then left for later.
        "deferred": ["deferred: 503 with Retry-After 86400 s: left for the next run"] * 3,
        "large": ["too_large: 9000000 compressed bytes decode to more than 1000 bytes"],
        # Down: robots.txt unanswered, so every page disallowed; a breaker opened.
        "down": ["TCPTimedOutError: timed out", "robots_disallowed",
                 "circuit_open: 10 consecutive failures from down"],
        "answered": ["TCPTimedOutError: timed out", None],
        "only_robots": ["robots_disallowed"],
    }
    for site, errors in rows.items():
        db["site_runs"].insert({"run_id": 1, "site": site, "pages": len(errors)})
        db["pages"].insert_all(
            {"run_id": 1, "site": site, "url": f"http://{site}/{n}",
             "status": 200 if error is None else None, "error": error}
            for n, error in enumerate(errors))
    db.close()
    unreached = sites_never_reached(path, 1)
    assert [line.split(":")[0] for line in unreached] == ["down"]


# The payload digest of a chunked, gzip-encoded response --------------------------------------
def sha1_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def chunked_gzip_response(url: str, page: bytes, digest_of: str) -> bytes:
    """An uncompressed WARC response record whose body is gzip-encoded and sent in chunks,
    with a WARC-Payload-Digest and no block digest. `digest_of`: what the digest is taken
    over (the de-chunked but encoded entity body, as WARC 1.1 6.3.2 says, or the raw one)."""
    encoded = gzip.compress(page, mtime=0)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part)
                       for part in (encoded[:40], encoded[40:])) + b"0\r\n\r\n"
    block = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
             b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
    digest = sha1_digest({"entity": encoded, "decoded": page, "other": b"x"}[digest_of])
    headers = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
               f"WARC-Date: 2024-05-01T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
               "Content-Type: application/http; msgtype=response\r\n"
               f"WARC-Payload-Digest: {digest}\r\nContent-Length: {len(block)}\r\n\r\n")
    return headers.encode() + block + b"\r\n\r\n"


def test_a_payload_digest_of_the_dechunked_encoded_body_is_no_damage(tmp_path):
    page = "<html><body><h1>Huyện ủy họp</h1>" .encode() + b"<p>x</p>" * 50 + b"</body></html>"
    warc = tmp_path / "others.warc"
    warc.write_bytes(b"".join(chunked_gzip_response(f"http://127.0.0.1/tin/{kind}", page, kind)
                              for kind in ("entity", "decoded", "other")))
    scan = scan_files([warc])
    assert sorted(record.url for record in scan.records) == [
        "http://127.0.0.1/tin/decoded", "http://127.0.0.1/tin/entity"]
    assert len(scan.failed_digests) == 1 and "tin/other" in scan.failed_digests[0]


# A damaged record in a WARC gzipped whole ----------------------------------------------------
def test_a_damaged_record_of_a_warc_gzipped_whole_is_reported_once(tmp_path):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for number in range(3):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            f"http://127.0.0.1/tin/{number}", "response", http_headers=headers,
            payload=io.BytesIO(f"<html><h1>Trang {number}</h1></html>".encode())))
    data = buffer.getvalue()
    damaged = data.index(b"Trang 0")  # the first record: read before warcio gives up
    warc = tmp_path / "others.warc.gz"
    warc.write_bytes(gzip.compress(data[:damaged] + b"X" + data[damaged + 1:]))
    scan = scan_files([warc])
    assert sorted(record.url for record in scan.records) == [
        "http://127.0.0.1/tin/1", "http://127.0.0.1/tin/2"]
    assert len(scan.failed_digests) == 1 and "tin/0" in scan.failed_digests[0]


# A path with `#`, `?` or `%` ----------------------------------------------------------------
def test_an_archive_whose_path_holds_uri_characters_is_read_read_only(tmp_path):
    folder = tmp_path / "x#1?y%41"
    folder.mkdir()
    path = str(folder / "a.db")
    db = open_database(path)
    db["article_aliases"].insert({"alias": "http://x/old", "canonical_url": "http://x/new",
                                  "site": "s"})
    db["pages"].insert({"site": "s", "url": "http://x/new", "warc_file": "a.warc.gz"})
    db.close()
    assert read_aliases(path) == {"http://x/old": "http://x/new"}
    assert own_files(path) == {"a.warc.gz"}
    check_ours(path)
    check_whole(path)
    with connect_read_only(path) as connection:
        assert connection.execute("select count(*) from pages").fetchone() == (1,)
    # SQLite read the name up to the `#` and opened (and made) that file for writing.
    assert sorted(child.name for child in tmp_path.iterdir()) == [folder.name]


# Moving articles at an older schema -----------------------------------------------------------
def test_merging_articles_keeps_the_columns_the_database_has(tmp_path, monkeypatch):
    """m023 merges articles at the schema of its time: a column a later migration adds to
    article_versions (and VERSION_COLUMNS) is not there yet, and one the database has in both
    tables is kept whatever VERSION_COLUMNS says."""
    later = (*archive.article_rows.VERSION_COLUMNS, "added_later")
    monkeypatch.setattr(archive.article_rows, "VERSION_COLUMNS", later)
    monkeypatch.setattr(archive.article_keys, "VERSION_COLUMNS", later, raising=False)
    db = open_database(str(tmp_path / "a.db"))
    for table in ("articles", "article_versions"):
        db[table].add_column("kept_too", str)
    db["articles"].insert_all([
        {"canonical_url": "http://x/old", "url": "http://x/old", "site": "s", "title": "Cũ",
         "fetched_at": "2024-01-01T00:00:00+00:00", "kept_too": "first"},
        {"canonical_url": "http://x/new", "url": "http://x/new", "site": "s", "title": "Mới",
         "fetched_at": "2024-02-01T00:00:00+00:00", "kept_too": "second"}])
    with db.conn:
        assert move_articles(db, {"http://x/old": "http://x/new"}) == 1
    assert db.execute("select canonical_url, title from articles").fetchall() == [
        ("http://x/new", "Mới")]
    assert db.execute("select canonical_url, title, kept_too, replaced_at from "
                      "article_versions").fetchall() == [
        ("http://x/new", "Cũ", "first", "2024-02-01T00:00:00+00:00")]
    db.close()


# The WARC files an archive owns ---------------------------------------------------------------
def test_own_files_reads_pages_only(tmp_path, monkeypatch):
    path = str(tmp_path / "a.db")
    db = open_database(path)
    db["pages"].insert_all([{"site": "s", "url": f"http://x/{n}", "warc_file": f"f{n}.warc.gz"}
                            for n in range(2)] + [{"site": "s", "url": "http://x/gone"}])
    db["articles"].insert({"canonical_url": "http://x/0", "url": "http://x/0", "site": "s",
                           "fetched_at": "2024-01-01T00:00:00+00:00", "warc_file": "f0.warc.gz"})
    db.close()
    tables = set()
    opened = archive.warc_folders.open_read_only

    def watched(db_path) -> sqlite3.Connection:
        connection = opened(db_path)

        def note(action, table, *_):
            if action == sqlite3.SQLITE_READ:
                tables.add(table)
            return sqlite3.SQLITE_OK

        connection.set_authorizer(note)
        return connection

    monkeypatch.setattr(archive.warc_folders, "open_read_only", watched)
    assert own_files(path) == {"f0.warc.gz", "f1.warc.gz"}
    assert "articles" not in tables and "pages" in tables


# A retired site crawled again ------------------------------------------------------------------
def test_a_crawl_of_a_retired_site_brings_it_back(tmp_path, monkeypatch):
    import pipelines.store
    from archive.health import retire_site
    from crawler.profiles import find_profile

    path = str(tmp_path / "a.db")
    profile = find_profile("testweb_lynhan")
    writer = ArchiveWriter(path, site=profile.name)
    writer.add_page({"site": profile.name, "url": "http://127.0.0.1/", "status": 200,
                     "bytes": 0, "kind": "listing", "fetched_at": "2024-05-01T00:00:00+00:00"})
    writer.close()
    retire_site(path, profile.name)
    writer = ArchiveWriter(path, site=profile.name)
    monkeypatch.setattr(pipelines.store, "writer_for", lambda crawler: writer)

    class Crawler:
        class spider:  # noqa: N801 (what Scrapy's crawler holds)
            pass

    Crawler.spider.profile = profile
    pipelines.store.StorePipeline(Crawler).open_spider()
    writer.close()
    with connect_read_only(path) as connection:
        assert connection.execute("select name, retired_at from sites").fetchall() == [
            (profile.name, None)]
