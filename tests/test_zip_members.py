"""A WACZ's WARC files, stored in its zip as the spec asks, are read in place
(archive/zip_members.py): a record is read back without reading the member up to it, and a
large member is cut in pieces that workers scan side by side, as a WARC file is."""

from __future__ import annotations

import random
import zipfile
from functools import partial
from pathlib import Path

import pytest

from archive import archive_files, file_pieces
from archive.archive_files import read_payload, scan_files
from archive.importer import worth_listing
from archive.zip_members import stored_span
from crawler.profiles import find_profile
from tests.conftest import bytes_read_by_this_process, query, run_vnarchive
from tests.test_import_scan import scans_here
from tests.test_webarchive_backfill import PORTAL, SITE, site_responses, warc_bytes

pytestmark = pytest.mark.timeout(120)
MEMBER = "archive/data.warc.gz"


def pack(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    """A zip of the members, each with an extra field in its headers, as zip tools add."""
    with zipfile.ZipFile(path, "w") as wacz:
        wacz.writestr("datapackage.json", "{}", compress_type=zipfile.ZIP_DEFLATED)
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2019, 3, 2, 0, 0, 0))
            info.extra = b"UT\x05\x00\x01\x00\x5c\x7a\x5c"  # Info-ZIP's modification time
            wacz.writestr(info, data, compress_type=compression)
    return path


def test_a_stored_member_is_found_where_its_bytes_lie_in_the_zip(tmp_path):
    data = warc_bytes(site_responses(3, 1))
    wacz = pack(tmp_path / "a.wacz", {MEMBER: data})
    start, size = stored_span(str(wacz), MEMBER)
    assert wacz.read_bytes()[start:start + size] == data
    deflated = pack(tmp_path / "b.wacz", {MEMBER: data}, zipfile.ZIP_DEFLATED)
    assert stored_span(str(deflated), MEMBER) is None


def test_a_record_late_in_a_stored_member_is_read_without_reading_the_member_before_it(
        tmp_path):
    # Python 3.11's zipfile seeks in a member by reading it from its start: an import read a
    # 300 MB member's first half again, on average, for each of its pages.
    noise = random.Random(7).randbytes(2**20)
    images = [(f"https://{SITE}.example/anh-{n}.jpg", "image/jpeg", noise) for n in range(12)]
    data = warc_bytes(images + site_responses(1, 0))
    wacz = pack(tmp_path / "late.wacz", {MEMBER: data})
    last = scan_files([wacz]).records[-1]
    assert last.url.endswith("hop-0.aspx")
    before = bytes_read_by_this_process()
    body = read_payload(last.location).body
    read = bytes_read_by_this_process() - before
    assert "Hội nghị thường kỳ số 0".encode() in body
    assert read < 2**20, f"{read:,} bytes read for a page at {last.location.offset:,}"


def test_a_large_stored_member_is_cut_in_pieces_that_give_the_index_of_the_whole(
        tmp_path, monkeypatch):
    # A Browsertrix WACZ holds its crawl in one WARC file of a gigabyte, which was scanned on
    # one core while the others waited.
    data = warc_bytes(site_responses(60, 2))
    wacz = pack(tmp_path / "crawl.wacz", {MEMBER: data, "archive/small.warc.gz":
                                          warc_bytes(site_responses(2, 0, first=70))})
    monkeypatch.setattr(file_pieces, "PIECE_BYTES", 4096)
    pieces = archive_files._pieces(str(wacz), MEMBER)
    assert len(pieces) > 5
    start, _ = stored_span(str(wacz), MEMBER)
    assert all(wacz.read_bytes()[start + offset:][:3] == file_pieces.GZIP_MAGIC
               for offset, _ in pieces)
    assert archive_files.may_scan_side_by_side([wacz])
    wanted = partial(worth_listing, profiles=[find_profile(SITE)])
    whole = scan_files([wacz], wanted, workers=0)
    scanned_here = scans_here(monkeypatch)
    apart = scan_files([wacz], wanted, workers=2)
    assert apart == whole and not scanned_here  # in the workers' pieces, not here again
    assert (apart.files, apart.corrupt, len(apart.records)) == (2, 0, 62)
    bare = tmp_path / "data.warc.gz"
    bare.write_bytes(data)
    assert [read_payload(record.location).body for record in apart.records[:60]] == [
        read_payload(record.location).body for record in scan_files([bare], wanted).records]


def test_a_large_member_the_zip_compressed_is_scanned_whole(tmp_path, monkeypatch):
    data = warc_bytes(site_responses(30, 1))
    wacz = pack(tmp_path / "zipped.wacz", {MEMBER: data}, zipfile.ZIP_DEFLATED)
    monkeypatch.setattr(file_pieces, "PIECE_BYTES", 4096)
    assert archive_files._pieces(str(wacz), MEMBER) == [(0, None)]
    assert not archive_files.may_scan_side_by_side([wacz])
    assert len(scan_files([wacz], workers=2).records) == 60


def import_wacz(wacz: Path, db: Path):
    return run_vnarchive("import", str(wacz), "--site", SITE, "--db", str(db))


def test_a_member_whose_zip_entry_is_damaged_costs_that_member_only(tmp_path):
    # The local header of the first member overwritten: zipfile refuses to open it, and that
    # ended the import with a traceback, the WACZ's other member unread.
    wacz = pack(tmp_path / "damaged.wacz", {"archive/a.warc.gz": warc_bytes(site_responses(3, 1)),
                                            MEMBER: warc_bytes(site_responses(2, 1, first=10))})
    data = bytearray(wacz.read_bytes())
    first = data.index(b"PK\x03\x04", data.index(b"datapackage.json"))
    data[first:first + 4] = b"XXXX"
    wacz.write_bytes(data)
    result = import_wacz(wacz, tmp_path / "a.db")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "2 pages imported" in result.stdout and "1 corrupt records skipped" in result.stdout
    assert f"{wacz}:archive/a.warc.gz could not be opened in its zip" in result.stderr
    assert query(tmp_path / "a.db", "select count(*) from articles") == [(2,)]


def test_a_member_the_zip_compressed_damaged_inside_costs_no_other_member(tmp_path):
    # Deflated data damaged in the middle: zipfile raised zlib's error as the scan read it,
    # and again as the import copied the member out to read its pages back.
    damaged = warc_bytes(site_responses(30, 1), gzipped=False)
    wacz = pack(tmp_path / "zipped.wacz", {"archive/a.warc": damaged,
                                           MEMBER: warc_bytes(site_responses(2, 1, first=40))},
                zipfile.ZIP_DEFLATED)
    data = bytearray(wacz.read_bytes())
    middle = data.index(b"archive/a.warc") + 2000
    data[middle:middle + 32] = bytes(32)
    wacz.write_bytes(data)
    result = import_wacz(wacz, tmp_path / "a.db")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    urls = {url for (url,) in query(tmp_path / "a.db", "select url from articles")}
    assert {f"https://{PORTAL}/Pages/hop-{n}.aspx" for n in (40, 41)} <= urls
