"""An import's scan of several web archive files runs on the worker pool, file by file, and
gives the index a scan one file after another gives (archive/archive_files.py `scan_files`)."""

from __future__ import annotations

import gzip
import hashlib
import signal
import threading
import time
import zipfile
from functools import partial
from multiprocessing import forkserver
from pathlib import Path

import pytest

from archive import archive_files, file_pieces
from archive.archive_files import scan_files
from archive.importer import worth_listing
from crawler.profiles import find_profile
from pipelines import pool
from tests.conftest import query, run_vnarchive
from tests.cpu_tasks import kept_in_a_worker, sleep_for, slowly_kept
from tests.test_webarchive_backfill import SITE, digest_of, site_responses, warc_bytes

pytestmark = pytest.mark.timeout(120)


def awkward_files(folder: Path) -> list[Path]:
    """A backfill's files as they come: sound ones, one gzipped as a whole, one cut short,
    one whose bytes changed after it was written, and a WACZ of two WARC files."""
    files = {"sound.warc.gz": warc_bytes(site_responses(4, 1)),
             "whole.warc.gz": gzip.compress(warc_bytes(site_responses(3, 1, first=10),
                                                       gzipped=False)),
             "cut.warc.gz": warc_bytes(site_responses(4, 1, first=20))[:-300]}
    changed = warc_bytes(site_responses(2, 1, first=30), gzipped=False)
    files["changed.warc"] = changed.replace("số 31".encode(), "số 39".encode())
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with zipfile.ZipFile(folder / "crawl.wacz", "w") as wacz:
        wacz.writestr("archive/a.warc.gz", warc_bytes(site_responses(2, 1, first=40)))
        wacz.writestr("archive/b.warc.gz", warc_bytes(site_responses(3, 1, first=50)))
    return [folder / name for name in (*files, "crawl.wacz")]


def test_a_scan_on_the_workers_gives_the_index_of_a_scan_in_order(tmp_path):
    paths = awkward_files(tmp_path)
    wanted = partial(worth_listing, profiles=[find_profile(SITE)])
    apart = scan_files(paths, wanted, workers=2)
    in_order = scan_files(paths, wanted, workers=0)
    assert apart == in_order
    # The files were as awkward as meant: each kind of fault was met and reported.
    assert apart.files == 6 and apart.corrupt >= 1
    assert {Path(path).name for path, _ in apart.gzipped_whole} == {"whole.warc.gz"}
    assert any("hop-31" in line for line in apart.failed_digests)
    assert len(apart.records) == 4 + 3 + 4 + 1 + 2 + 3  # the pages (the cut file lost an image)
    assert [record.url.rsplit("-", 1)[1] for record in apart.records[:4]] == [
        "0.aspx", "1.aspx", "2.aspx", "3.aspx"]


def test_the_scan_of_several_files_runs_in_the_workers_and_reports_each(tmp_path):
    paths = awkward_files(tmp_path)
    heard = []
    # Keeps a record only when it is read in a worker process, not in this one.
    apart = scan_files(paths, kept_in_a_worker, lambda *progress: heard.append(progress),
                       workers=2)
    assert len(apart.records) == apart.read > 0
    assert not scan_files(paths, kept_in_a_worker, workers=0).records
    assert {file for file, _, _ in heard} == {1, 2, 3, 4, 5}  # the WACZ's two members: 5
    assert heard == sorted(heard) and heard[-1] == (5, 5, apart.read)


def test_a_long_scan_on_the_workers_reports_the_records_read_so_far(tmp_path, monkeypatch):
    # A line only at each file's end said nothing for minutes while files of gigabytes were
    # scanned: the workers' counts are read once a second meanwhile (here every 50 ms, so that
    # a slow start of the workers on a busy machine cannot leave no line inside the scan).
    monkeypatch.setattr(archive_files, "PROGRESS_SECONDS", 0.05)
    paths = []
    for number in range(2):
        paths.append(tmp_path / f"{number}.warc.gz")
        paths[-1].write_bytes(warc_bytes(site_responses(300, 1, first=number * 300)))
    heard = []
    scan = scan_files(paths, slowly_kept, lambda *progress: heard.append(progress), workers=2)
    assert scan.read == 1200
    assert any(0 < read < 600 for _, _, read in heard), heard  # before either file's end
    assert heard[-1] == (2, 2, 1200)


def test_one_file_is_scanned_here_record_by_record(tmp_path):
    warc = tmp_path / "one.warc.gz"
    warc.write_bytes(warc_bytes(site_responses(3, 1)))
    heard = []
    scan = scan_files([warc], kept_in_a_worker, lambda *progress: heard.append(progress),
                      workers=2)
    assert scan.read == 6 and not scan.records  # read here: no worker for one file
    assert heard == [(1, 1, read) for read in range(1, 7)] + [(1, 1, 6)]


def test_an_import_of_several_files_stores_what_an_import_one_by_one_stores(tmp_path):
    folder = tmp_path / "backfill"
    folder.mkdir()
    paths = awkward_files(folder)
    parallel, serial = tmp_path / "parallel.db", tmp_path / "serial.db"
    result = run_vnarchive("import", *map(str, paths), "--site", SITE, "--db", str(parallel))
    assert result.returncode == 0, result.stderr[-3000:]
    from archive.importer import import_files

    expected = import_files(str(serial), paths, [find_profile(SITE)], workers=0)
    assert (f"{expected.files} archive files, {expected.responses} responses read, "
            f"{expected.matched} pages imported") in result.stdout
    assert expected.matched == 17
    rows = "select canonical_url, title, text, published from articles order by 1"
    assert query(parallel, rows) == query(serial, rows)
    assert len(query(parallel, "select * from captures")) == expected.matched


def test_the_import_command_starts_the_workers_server_before_it_scans(tmp_path, monkeypatch):
    # The server's imports (0.3 s of CPU) ran after the scan, which then waited for them;
    # started first, they overlap it, as a crawl's overlap Scrapy's start.
    import archive.importer as importer
    from vnarchive.cli.crawling import import_files as import_command

    warc = tmp_path / "one.warc.gz"
    warc.write_bytes(warc_bytes(site_responses(2, 1)))
    running_at_scan = []
    scan = importer.scan_files

    def watched_scan(*args, **kwargs):
        running_at_scan.append(forkserver._forkserver._forkserver_pid is not None)
        return scan(*args, **kwargs)

    monkeypatch.setattr(importer, "scan_files", watched_scan)
    pool.stop_worker_server()
    try:
        import_command.main([str(warc), "--site", SITE, "--db", str(tmp_path / "a.db")],
                            standalone_mode=False)
    finally:
        pool.stop_worker_server()
    assert running_at_scan == [True]


def test_a_ctrl_c_ends_the_tasks_in_flight_at_once(tmp_path):
    # A worker scanning a gigabyte file was waited for: the Ctrl-C took minutes to act.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    # A signal to this thread, as a Ctrl-C's (`interrupt_main` does not end a wait for a lock).
    threading.Timer(1.0, signal.pthread_kill, [threading.main_thread().ident, signal.SIGINT]
                    ).start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            list(pool.map_in_order(sleep_for, [(60,), (60,)], 2, cpu_seconds=120))
    finally:
        signal.signal(signal.SIGINT, previous)
        pool.stop_worker_server()
    assert time.monotonic() - started < 20


def test_records_the_import_does_not_want_are_read_past_unchecked(tmp_path):
    # A site's images, scripts and styles are most of its records: each was hashed three
    # times (block, payload, decoded body) though nothing of it is imported. Their digests
    # are no longer checked; a page's still are.
    records = site_responses(2, 2)
    data = warc_bytes(records, gzipped=False)
    image = data.index(b"\xff\xd8\xff")  # the first image's body: one byte changed
    page = data.index("số 1</h1>".encode())  # the second page's heading: one letter changed
    warc = tmp_path / "site.warc"
    warc.write_bytes(data[:image + 3] + b"\x01" + data[image + 4:page] + b"X"
                     + data[page + 1:])
    wanted = partial(worth_listing, profiles=[find_profile(SITE)])
    scan = scan_files([warc], wanted)
    # Six records read, less the damaged page (skipped, as before).
    assert scan.read == 5 and [record.url.rsplit("/", 1)[1] for record in scan.records] == [
        "hop-0.aspx"]
    assert len(scan.failed_digests) == 1 and "hop-1" in scan.failed_digests[0]
    everything = scan_files([warc])  # no `wanted`: every record indexed, and checked
    assert len(everything.failed_digests) == 2


def test_a_page_stored_as_sent_is_hashed_once_by_the_scan(tmp_path, monkeypatch):
    # warcio's check of its declared payload digest hashes the body; the scan hashed the same
    # bytes again for a digest of its own. A body chunked or compressed still gets its own.
    import archive.archive_files as archive_files

    hashed = []

    class CountingHashlib:
        @staticmethod
        def sha1(*args):
            hashed.append(args)
            return hashlib.sha1(*args)

    monkeypatch.setattr(archive_files, "hashlib", CountingHashlib)
    warc = tmp_path / "site.warc.gz"
    warc.write_bytes(warc_bytes(site_responses(3, 0)))
    scan = scan_files([warc])
    assert [record.digest for record in scan.records] == [
        digest_of(body).removeprefix("sha1:") for _, _, body in site_responses(3, 0)]
    assert not hashed


def test_the_entries_of_a_large_scan_share_what_their_records_repeat(tmp_path):
    # An import lists every page of its files before the first is processed: millions of
    # entries in a large backfill, each with its own copy of "response" and of its
    # Content-Type, and a dictionary of its own, made the command's memory grow fastest.
    paths = []
    for number in range(2):
        paths.append(tmp_path / f"{number}.warc.gz")
        paths[-1].write_bytes(warc_bytes(site_responses(3, 0, first=number * 3)))
    for workers in (0, 2):  # read here, and read in the workers and sent back
        scan = scan_files(paths, workers=workers)
        assert len(scan.records) == 6
        for path in paths:  # a worker's file comes back as one pickle: shared within it
            first, *others = [r for r in scan.records if r.location.path == str(path)]
            assert len(others) == 2
            assert all(other.record_type is first.record_type for other in others)
            assert all(other.content_type is first.content_type for other in others)
        assert not any(hasattr(r, "__dict__") or hasattr(r.location, "__dict__")
                       for r in scan.records)


def record_bytes(url: str, body: bytes, content_type: str = "text/html",
                 level: int | None = None) -> bytes:
    """One response record as a gzip member of its own (`level` 0: stored, not deflated)."""
    plain = warc_bytes([(url, content_type, body)], gzipped=False)
    return gzip.compress(plain, compresslevel=9 if level is None else level, mtime=0)


def scans_here(monkeypatch) -> list[tuple]:
    """The scans of a whole file made in this process (not in the workers' pieces)."""
    scanned_here = []
    scan = archive_files.scan_member
    monkeypatch.setattr(archive_files, "scan_member",
                        lambda *args: scanned_here.append(args) or scan(*args))
    return scanned_here


def assert_a_wrong_cut_is_scanned_again(warc: Path, inner_at: int, monkeypatch) -> None:
    """The file is cut at `inner_at`, a record's start inside another record: the piece
    before does not stop there, so the file is scanned again whole, and the inner record is
    not indexed."""
    monkeypatch.setattr(file_pieces, "PIECE_BYTES", inner_at - 1)
    assert inner_at in file_pieces.piece_starts(str(warc))  # the cut is wrong
    whole = scan_files([warc], None, workers=0)
    scanned_here = scans_here(monkeypatch)
    apart = scan_files([warc], None, workers=2)
    assert apart == whole and len(scanned_here) == 1
    assert "http://elsewhere.example/inner.html" not in {record.url for record in apart.records}


def test_a_large_file_is_cut_in_pieces_that_give_the_index_of_the_whole(tmp_path, monkeypatch):
    # A Common Crawl file is a gigabyte, scanned whole on one core while the others waited.
    # Cut every few kilobytes here; a damaged member put in the middle of a page's record, and
    # a torn end.
    data = warc_bytes(site_responses(60, 2))
    broken = bytearray(record_bytes(f"https://{SITE}.example/hong.html", b"<p>" + bytes(3000)))
    broken[40] ^= 0xFF  # a member whose deflate stream is damaged
    warc = tmp_path / "large.warc.gz"
    half = len(data) // 2
    warc.write_bytes(data[:half] + bytes(broken) + data[half:] + data[:500])
    monkeypatch.setattr(file_pieces, "PIECE_BYTES", 4096)
    starts = file_pieces.piece_starts(str(warc))
    assert len(starts) > 5 and starts == sorted(set(starts))
    wanted = partial(worth_listing, profiles=[find_profile(SITE)])
    heard = []
    whole = scan_files([warc], wanted, workers=0)
    scanned_here = scans_here(monkeypatch)
    apart = scan_files([warc], wanted, lambda *progress: heard.append(progress), workers=2)
    assert apart == whole and not scanned_here  # in the workers' pieces, not here again
    # Corrupt: the page cut in two where the damaged member went in, that member, the torn end.
    assert (apart.files, apart.corrupt, len(apart.records)) == (1, 3, 59)
    assert heard[-1] == (1, 1, whole.read)


def test_a_member_that_does_not_inflate_swallows_no_member_after_it(tmp_path):
    # warcio reads a gzip member it cannot inflate as plain bytes; a damaged member's binary
    # whose first line passed for an ARC header took the next two pages with it, uncounted.
    pages = [record_bytes(f"https://{SITE}.example/trang-{number}.html",
                          f"<p>trang {number}</p>".encode()) for number in range(4)]
    gzip_header = gzip.compress(b"", mtime=0)[:10]
    not_deflate = b"\xff"  # its first block of the reserved type 3, which no inflater reads
    arc_like_line = b" 10.0.0.1 20190302000000 text/html %d\n" % (len(pages[2]) + 40)
    damaged = gzip_header + not_deflate + arc_like_line + b"x" * 20
    warc = tmp_path / "damaged.warc.gz"
    warc.write_bytes(pages[0] + pages[1] + damaged + pages[2] + pages[3])
    result = scan_files([warc], None, workers=0)
    assert sorted(record.url for record in result.records) == [
        f"https://{SITE}.example/trang-{number}.html" for number in range(4)]
    assert result.corrupt == 1


def test_a_cut_inside_a_record_is_found_and_the_file_scanned_whole(tmp_path, monkeypatch):
    # A record whose payload is a gzipped WARC record, stored as it is (deflate's stored
    # blocks): a search for where records start finds one inside it, sound and whole.
    inner = record_bytes("http://elsewhere.example/inner.html", b"<p>inner</p>")
    outer = record_bytes(f"https://{SITE}.example/Pages/goi.aspx", b"<p>" + inner + b"</p>",
                         content_type="application/octet-stream", level=0)
    pages = warc_bytes(site_responses(20, 0))
    warc = tmp_path / "nested.warc.gz"
    warc.write_bytes(pages + outer + pages)
    assert_a_wrong_cut_is_scanned_again(warc, len(pages) + outer.index(inner), monkeypatch)


def test_an_uncompressed_file_is_cut_in_pieces_that_give_the_index_of_the_whole(
        tmp_path, monkeypatch):
    # An uncompressed WARC file was scanned whole on one core however large. Its records are
    # cut here every few kilobytes; a record whose Content-Length runs past its end (it
    # swallows the start of the next) sits in the middle, and pages gzipped as their server
    # sent them hold gzip's magic bytes, which are no record's start there.
    pages = site_responses(30, 1) + [(f"https://{SITE}.example/nen.html", "text/html",
                                      gzip.compress(b"<p>" + bytes(2000)) * 3)]
    data = warc_bytes(pages + site_responses(30, 1, first=30), gzipped=False)
    torn = warc_bytes([(f"https://{SITE}.example/rach.html", "text/html", b"<p>rach</p>")],
                      gzipped=False).replace(b"Content-Length: ", b"Content-Length: 9")
    half = data.index(b"WARC/1.", len(data) // 2)
    warc = tmp_path / "large.warc"
    warc.write_bytes(data[:half] + torn + data[half:])
    monkeypatch.setattr(file_pieces, "PIECE_BYTES", 4096)
    starts = file_pieces.piece_starts(str(warc))
    assert len(starts) > 5 and starts == sorted(set(starts))
    assert all(warc.read_bytes()[start:start + 7] == b"WARC/1." for start in starts)
    wanted = partial(worth_listing, profiles=[find_profile(SITE)])
    whole = scan_files([warc], wanted, workers=0)
    scanned_here = scans_here(monkeypatch)
    apart = scan_files([warc], wanted, workers=2)
    assert apart == whole and not scanned_here  # in the workers' pieces, not here again
    # Only the torn record is lost: the page it swallowed the start of is found again; the
    # gzipped page is another site's, set aside.
    assert (apart.files, apart.corrupt, len(apart.records), apart.set_aside) == (1, 1, 60, 1)


def test_a_warc_file_stored_in_an_uncompressed_one_is_found_as_a_wrong_cut(tmp_path, monkeypatch):
    # A record whose payload is a WARC file of two records: each inner record passes the
    # check of where a record starts (a blank line before, its length ending at the next).
    inner = warc_bytes([("http://elsewhere.example/inner.html", "text/html", b"<p>inner</p>"),
                        ("http://elsewhere.example/next.html", "text/html", b"<p>next</p>")],
                       gzipped=False)
    outer = warc_bytes([(f"https://{SITE}.example/Pages/goi.aspx", "application/warc",
                         b"\r\n\r\n" + inner)], gzipped=False)
    pages = warc_bytes(site_responses(20, 0), gzipped=False)
    warc = tmp_path / "nested.warc"
    warc.write_bytes(pages + outer + pages)
    assert_a_wrong_cut_is_scanned_again(warc, len(pages) + outer.index(inner), monkeypatch)


def test_a_file_made_to_look_like_records_everywhere_is_not_searched_for_long(tmp_path):
    # Every place that starts as a gzip member is inflated to be checked: a file holding
    # thousands of them would have each inflated in turn before a cut could be placed.
    member = record_bytes("http://example.org/a.html", b"<p>a</p>")
    decoys = (file_pieces.GZIP_MAGIC + bytes(5)) * (file_pieces.CANDIDATES + 1)
    path = tmp_path / "decoys.warc.gz"
    path.write_bytes(decoys + member)
    with path.open("rb") as handle:
        assert file_pieces.record_member_at_or_after(handle, 0, len(decoys) + 1) is None
        assert file_pieces.record_member_at_or_after(handle, len(decoys) - 16, 1000) == len(
            decoys)


def test_an_import_of_one_large_file_keeps_its_workers_from_the_scan_to_the_pages(
        tmp_path, monkeypatch):
    # The pool was held from the scan to the pages only for several files: a single large
    # file's pieces ended the workers and their server after the scan, to start them again.
    from archive.importer import import_files

    warc = tmp_path / "large.warc.gz"
    warc.write_bytes(warc_bytes(site_responses(60, 0)))
    monkeypatch.setattr(file_pieces, "PIECE_BYTES", 8192)
    assert len(file_pieces.piece_starts(str(warc))) > 1
    made = []
    new_pool = pool._new_pool
    monkeypatch.setattr(pool, "_new_pool", lambda *args: made.append(args) or new_pool(*args))
    try:
        result = import_files(str(tmp_path / "a.db"), [warc], [find_profile(SITE)], workers=2)
    finally:
        pool.stop_worker_server()
    assert result.matched == 60 and len(made) == 1
