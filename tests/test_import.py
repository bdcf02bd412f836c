"""`vnarchive import`: web archive files (WARC, WACZ, ARC) into the archive, as a crawl would
write them, once, with their provenance; a corrupt record costs only itself."""

from __future__ import annotations

import errno
import gzip
import io
import re
import shutil
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.archive_files import NoRoomToInflate, inflated_members, read_payload, scan_files
from archive.importer import import_files as archive_files
from archive.stored_pages import stored_page
from crawler.profiles import find_profile
from pipelines.guards import MAX_PAGE_BYTES
from pipelines.site_region import AGREEING_PAGES
from tests.conftest import PROJECT_ROOT, query, run_vnarchive
from tests.web_archives import SITE, articles_of, pack_wacz, recording  # noqa: F401

pytestmark = pytest.mark.timeout(300)

TABLES = ("articles", "article_versions", "pages", "captures", "meeting_reports")


def counts(db: Path) -> dict[str, int]:
    return {table: query(db, f"select count(*) from {table}")[0][0] for table in TABLES}


def import_files(db: Path, *args) -> str:
    result = run_vnarchive("import", *map(str, args), "--db", str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def decoded_pages(db) -> dict[str, str]:
    return {key: stored_page(str(db), key).html
            for (key,) in query(db, "select canonical_url from articles")}


def test_an_import_writes_the_rows_a_crawl_wrote(recording, tmp_path):  # noqa: F811
    db = tmp_path / "imported.db"
    output = import_files(db, *recording.warcs, "--site", SITE)
    live = recording.articles()
    assert len(live) == 17
    # Same text, title, date and label; the capture time is the fetch time (the WARC-Date of
    # the recording's fetch), never the publication date.
    assert articles_of(db) == live
    # And each page as decoded: kept in neither archive's `article_sources` (their WARC files
    # hold the bytes), and read back from the import's files as from the crawl's.
    stored = "select canonical_url, html, encoding from article_sources order by 1"
    assert query(db, stored) == query(recording.db, stored) == []
    assert decoded_pages(db) == decoded_pages(recording.db)
    assert "17 pages imported (17 new articles" in output
    sources = query(db, "select distinct source_kind, source from captures")
    assert sources == [("file", str(recording.warcs[0].resolve()))]
    assert query(db, "select distinct found_via from articles") == [("import",)]
    # Each article's raw page is in the archive's own WARC files: reprocess can rebuild it.
    assert run_vnarchive("reprocess", "--db", str(db)).returncode == 0
    assert articles_of(db) == live


def test_an_import_for_a_profile_with_no_selector_learns_the_region_as_a_crawl(
        recording, tmp_path):  # noqa: F811
    """A user's own profile of the site names no article_selector: as a crawl does, the
    import learns the article's element from the site's first pages and reads the pages
    after them in it alone, and writes the rows the crawl wrote with its hand-written one."""
    text = (PROJECT_ROOT / "crawler" / "sites" / f"{SITE}.toml").read_text(encoding="utf-8")
    assert re.search(r"(?m)^article_selector = ", text)
    text = re.sub(r"(?m)^article_selector = .*$", "", text).replace(
        f'name = "{SITE}"', 'name = "unseen_lynhan"')
    profile = tmp_path / "unseen_lynhan.toml"
    profile.write_text(text, encoding="utf-8")
    db = tmp_path / "unseen.db"
    output = import_files(db, *recording.warcs, "--profile", profile)
    live = recording.articles()
    assert f"{len(live) - AGREEING_PAGES} pages read in the article region" in output
    assert articles_of(db) == live


def test_a_folder_is_imported_as_the_web_archive_files_under_it(recording, tmp_path):  # noqa: F811
    folder = tmp_path / "backfill"
    (folder / "2019" / "03").mkdir(parents=True)
    for warc in recording.warcs:
        shutil.copy(warc, folder / "2019" / "03" / warc.name)
    (folder / "notes.txt").write_text("not a web archive")
    (folder / "2019" / "again").symlink_to(folder)  # a loop of links: not followed
    db = tmp_path / "from-folder.db"
    output = import_files(db, folder, "--site", SITE)
    assert f"{len(recording.warcs)} archive files" in output
    assert articles_of(db) == recording.articles()
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_vnarchive("import", str(empty), "--db", str(db))
    assert result.returncode == 2 and "no web archive files" in result.stderr, result.stderr


def test_importing_twice_or_the_same_captures_as_a_wacz_changes_nothing(recording, tmp_path):  # noqa: F811
    db = tmp_path / "twice.db"
    import_files(db, *recording.warcs, "--site", SITE)
    before = counts(db)
    rows = articles_of(db)
    again = import_files(db, *recording.warcs, "--site", SITE)
    assert "0 pages imported" in again and "17 already archived" in again
    wacz = pack_wacz(recording.warcs, tmp_path / "portal.wacz")
    import_files(db, wacz, "--site", SITE)
    assert counts(db) == before
    assert articles_of(db) == rows


def test_a_wacz_alone_imports_like_its_warcs_on_worker_processes(recording, tmp_path):  # noqa: F811
    db = tmp_path / "wacz.db"
    wacz = pack_wacz(recording.warcs, tmp_path / "portal.wacz")
    result = archive_files(str(db), [wacz], [find_profile(SITE)], workers=2)
    assert (result.articles_new, result.matched, result.corrupt) == (17, 17, 0)
    assert articles_of(db) == recording.articles()
    assert query(db, "select distinct site from articles") == [(SITE,)]


def test_a_wacz_whose_warcs_are_compressed_in_the_zip_is_read_from_one_inflated_copy(
        recording, tmp_path):  # noqa: F811
    """A zip of WARC files made by hand deflates them (the WACZ spec stores them): seeking to
    each record inflated the member from its start again, quadratic in its size. Each such
    member is inflated once into a temporary copy; the rows and their provenance are those
    of the stored WACZ."""
    zipped = tmp_path / "zipped.wacz"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as wacz:
        for warc in recording.warcs:
            wacz.write(warc, f"archive/{warc.name}")
    records = [r for r in scan_files([zipped]).records if r.record_type == "response"]
    with inflated_members([zipped]) as readable:
        copies = [readable(record.location) for record in records]
        assert all(c.member == "" and c.path != str(zipped) for c in copies)
        assert [read_payload(c).body for c in copies[:5]] == [
            read_payload(r.location).body for r in records[:5]]
    assert not Path(copies[0].path).exists()  # gone with the import
    db = tmp_path / "zipped.db"
    assert "17 pages imported" in import_files(db, zipped, "--site", SITE)
    assert articles_of(db) == recording.articles()
    assert query(db, "select distinct source from captures") == [(str(zipped.resolve()),)]


def test_a_corrupt_record_costs_that_record_only(recording, tmp_path):  # noqa: F811
    warc = tmp_path / "damaged.warc.gz"
    shutil.copy(recording.warcs[0], warc)
    articles = [r for r in scan_files([warc]).records
                if r.record_type == "response" and "/tin-tuc/Pages/" in r.url
                and "default.aspx" not in r.url]
    victim = articles[5]
    data = bytearray(warc.read_bytes())
    middle = victim.location.offset + 200  # inside the gzip member of its response
    data[middle:middle + 64] = b"\x00" * 64
    data += gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n")[:-6]  # a torn last record
    warc.write_bytes(bytes(data))
    db = tmp_path / "damaged.db"
    output = import_files(db, warc, "--site", SITE)
    assert "16 pages imported" in output
    assert "2 corrupt records skipped" in output
    stored = articles_of(db)
    assert len(stored) == 16
    assert not any(key.endswith(victim.url.split("://", 1)[1]) for key in stored)


def test_a_record_whose_address_is_no_url_is_skipped(recording, tmp_path):  # noqa: F811
    """A capture of a CMS template's "http://[URL]/..." or of a port out of range made urllib
    raise, and stopped the whole import with a traceback; it is now one corrupt record."""
    warc = tmp_path / "odd-addresses.warc.gz"
    shutil.copy(recording.warcs[0], warc)
    record = next(r for r in scan_files(recording.warcs).records
                  if "ubnd-huyen-to-chuc-hoi-nghi-thuong-ky" in r.url)
    path = record.url.split("://", 1)[1].split("/", 1)[1]
    with warc.open("ab") as handle:
        writer = WARCWriter(handle, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        for address in (f"http://[URL]/{path}", f"http://127.0.0.1:99999/{path}"):
            writer.write_record(writer.create_warc_record(
                address, "response", payload=io.BytesIO(read_payload(record.location).body),
                http_headers=headers))
    for extra in (["--site", SITE], ["--all"]):
        db = tmp_path / f"odd{len(extra)}.db"
        output = import_files(db, warc, *extra)
        assert "2 corrupt records skipped" in output
        assert len(articles_of(db)) == 17


def test_a_page_over_the_crawls_size_limit_is_skipped_not_read(recording, tmp_path):  # noqa: F811
    """A record whose page is over 4 MiB (a small gzip member can hold gigabytes) was read
    whole into memory; an import now skips it as a crawl would not fetch it, and says so."""
    warc = tmp_path / "large-page.warc.gz"
    shutil.copy(recording.warcs[0], warc)
    record = next(r for r in scan_files(recording.warcs).records
                  if "ubnd-huyen-to-chuc-hoi-nghi-thuong-ky" in r.url)
    body = read_payload(record.location).body
    huge = body + b" " * (MAX_PAGE_BYTES + 1)
    with warc.open("ab") as handle:
        writer = WARCWriter(handle, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            record.url.replace("ubnd-huyen", "ban-dai-ubnd-huyen"), "response",
            payload=io.BytesIO(huge), http_headers=headers))
    assert warc.stat().st_size < recording.warcs[0].stat().st_size + 100_000  # compressed
    db = tmp_path / "large.db"
    output = import_files(db, warc, "--site", SITE)
    assert "17 pages imported" in output and "1 pages over 4 MiB skipped" in output
    assert len(articles_of(db)) == 17


def older_capture(recording, when: str, path: Path) -> tuple[str, Path]:  # noqa: F811
    """A WARC holding an earlier capture of one article, with an extra sentence."""
    record = next(r for r in scan_files(recording.warcs).records
                  if "ubnd-huyen-to-chuc-hoi-nghi-thuong-ky" in r.url)
    payload = read_payload(record.location)
    body = payload.body.replace(b"</p>", " Bản tin đăng lần đầu.</p>".encode(), 1)
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            record.url, "response", payload=io.BytesIO(body), http_headers=headers,
            warc_headers_dict={"WARC-Date": when}))
    return record.url, path


def test_an_older_capture_becomes_an_earlier_version(recording, tmp_path):  # noqa: F811
    db = tmp_path / "versions.db"
    import_files(db, *recording.warcs, "--site", SITE)
    url, warc = older_capture(recording, "2024-08-01T03:00:00Z", tmp_path / "old.warc.gz")
    output = import_files(db, warc, "--site", SITE)
    assert "1 earlier versions" in output
    key = url.replace("http://", "https://")
    current = query(db, "select text, fetched_at, first_seen_at from articles "
                        "where canonical_url = ?", [key])[0]
    assert "Bản tin đăng lần đầu" not in current[0]  # the newer copy stays the article
    assert current[2] == "2024-08-01T03:00:00+00:00"  # first seen in the older capture
    versions = query(db, "select text, fetched_at, replaced_at from article_versions")
    assert len(versions) == 1 and "Bản tin đăng lần đầu" in versions[0][0]
    assert versions[0][1:] == ("2024-08-01T03:00:00+00:00", current[1])
    assert len(articles_of(db)) == 17
    before = counts(db)
    import_files(db, warc, "--site", SITE)
    assert counts(db) == before


def arc_entries(recorded, count: int) -> list[tuple[str, bytes]]:
    """`count` captured article responses as ARC records: their URL, and the record whole."""
    pattern = find_profile(SITE).article_pattern
    records = [r for r in scan_files(recorded.warcs).records
               if r.record_type == "response" and pattern.search(r.url)][:count]
    entries = []
    for record in records:
        body = read_payload(record.location).body
        http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + body
        line = f"{record.url} 127.0.0.1 20190101000000 text/html {len(http)}\n".encode()
        entries.append((record.url, line + http + b"\n"))
    return entries


def arc_file(records: list[bytes]) -> bytes:
    """An ARC (version 1) file: its description, then the records."""
    header = b"filedesc://portal.arc 0.0.0.0 20190101000000 text/plain 0\n"
    description = b"1 0 vnarchive\nURL IP-address Archive-date Content-type Archive-length\n"
    first = header.replace(b" 0\n", f" {len(description)}\n".encode()) + description + b"\n"
    return first + b"".join(records)


def test_no_room_for_an_inflated_copy_stops_the_import_with_the_reason(
        recording, tmp_path, monkeypatch):  # noqa: F811
    """A WACZ whose WARCs the zip compressed is read from inflated copies in the temporary
    folder: when they cannot fit (a small /tmp), the import is refused at once, or stops when
    the disk fills, naming the folder and TMPDIR, with nothing imported; before, the copy
    failed half-way with a traceback."""
    zipped = tmp_path / "zipped.wacz"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as wacz:
        for warc in recording.warcs:
            wacz.write(warc, f"archive/{warc.name}")
    db = tmp_path / "a.db"
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda folder: usage._replace(free=1000))
    with pytest.raises(NoRoomToInflate, match="TMPDIR") as refused:
        archive_files(str(db), [zipped], [find_profile(SITE)], workers=1)
    assert "MB needed" in str(refused.value) and str(zipped) in str(refused.value)
    monkeypatch.undo()

    def disk_fills(source, target, length=0):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", disk_fills)
    with pytest.raises(NoRoomToInflate, match="No space left"):
        archive_files(str(db), [zipped], [find_profile(SITE)], workers=1)
    assert query(db, "select count(*) from articles") == [(0,)]
    assert query(db, "select status from crawl_runs") == [("failed",), ("failed",)]


def test_arc_files_are_read(recording, tmp_path):  # noqa: F811
    """An ARC (version 1) file, the Internet Archive's format before WARC, written by hand
    from one captured response."""
    [(url, record)] = arc_entries(recording, 1)
    arc = tmp_path / "portal.arc"
    arc.write_bytes(arc_file([record]))
    db = tmp_path / "arc.db"
    output = import_files(db, arc, "--site", SITE)
    assert "1 pages imported (1 new articles" in output
    assert query(db, "select fetched_at from articles") == [("2019-01-01T00:00:00+00:00",)]


def test_an_arc_file_goes_on_after_a_damaged_record(recording, tmp_path):  # noqa: F811
    """An ARC record has no magic bytes to find the next one by: after a damaged header the
    rest of an ARC file that is not gzipped was lost. The next header line is now found by
    its shape (URL, address, 14-digit date, type, length)."""
    entries = arc_entries(recording, 4)
    line, rest = entries[1][1].split(b"\n", 1)
    damaged = line.rsplit(b" ", 1)[0] + b" 12x4\n" + rest  # no length to read it by
    arc = tmp_path / "damaged.arc"
    arc.write_bytes(arc_file([entries[0][1], damaged, *(record for _, record in entries[2:])]))
    db = tmp_path / "arc.db"
    output = import_files(db, arc, "--site", SITE)
    assert " 1 corrupt records skipped" in output, output
    kept = {urlsplit(url).path for url in articles_of(db)}  # canonical URLs
    assert kept == {urlsplit(entries[n][0]).path for n in (0, 2, 3)}


def test_a_warc_gzipped_as_a_whole_imports_like_one_gzipped_per_record(recording, tmp_path):  # noqa: F811
    """`gzip portal.warc` makes one gzip member of all the records, where the format wants one
    a record: warcio reads the first record only, so the import took one page and counted the
    rest as one corrupt record (an ARC file so made stopped it with a traceback)."""
    whole = []
    for number, warc in enumerate(recording.warcs):
        path = tmp_path / f"whole-{number}.warc.gz"
        path.write_bytes(gzip.compress(gzip.decompress(warc.read_bytes())))  # every member
        whole.append(path)
    db, expected = tmp_path / "whole.db", tmp_path / "per-record.db"
    import_files(expected, *recording.warcs, "--site", SITE)
    output = import_files(db, *whole, "--site", SITE)
    assert " 0 corrupt records skipped" in output
    assert articles_of(db) == articles_of(expected) and len(articles_of(db)) == 17
    assert run_vnarchive("reprocess", "--db", str(db)).returncode == 0  # its copies are whole

    # All of them in one file gzipped as a whole, cut short: what comes before the cut is kept.
    records = gzip.compress(b"".join(gzip.decompress(w.read_bytes()) for w in recording.warcs))
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(records[:len(records) * 3 // 5])
    import_files(tmp_path / "cut.db", cut, "--site", SITE)
    kept = articles_of(tmp_path / "cut.db")
    assert 0 < len(kept) < len(articles_of(expected))
    assert all(articles_of(expected)[url] == fields for url, fields in kept.items())


def test_all_keeps_every_html_page_and_bad_input_is_refused(recording, tmp_path):  # noqa: F811
    db = tmp_path / "all.db"
    output = import_files(db, *recording.warcs, "--all")
    # Listing pages are HTML too, but hold no article: they are counted, not stored.
    assert "without article text" in output and len(articles_of(db)) == 17
    missing = run_vnarchive("import", str(tmp_path / "nope.warc.gz"), "--db", str(db))
    assert missing.returncode == 2 and "no such file" in missing.stderr
