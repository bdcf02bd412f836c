"""Careless and hostile web archive files through `vnarchive import`'s own function.

    python bench/hostile_archives.py [--seed 1] [--cases 200] [--slow 3.0] [--pieces]

A small archive of three article responses is written in each format an import reads: a WARC
gzipped per record (as the archive's own writer makes it), the same WARC uncompressed, a plain
ARC, both gzipped as a whole, and the WARC in a WACZ, stored (as the spec asks) or deflated.
Each case takes one of them and flips bytes in it, cuts it, inserts junk, makes an ARC header's
length lie (negative, huge, no number), changes a header line's fields, puts junk in a date or
an address, or gzips it whole, then imports it (`import_files`, every HTML page kept, one
worker process). Printed: every exception (an import must end with what it could read, never
raise) and every import that took more than --slow seconds of CPU, then the counts. The exit
code is 1 when an exception was printed.

With `--pieces`, each case is also made six times longer and scanned cut in pieces of a few
hundred bytes on two workers (archive/file_pieces.py), which must give the index a scan of
the whole file gives (for a WACZ, the WARC file's six copies mutated, then stored in one);
each difference is printed, and counts as a failure.
"""

from __future__ import annotations

import argparse
import gzip
import io
import logging
import random
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import archive_files, file_pieces  # noqa: E402
from archive.archive_files import scan_files  # noqa: E402
from archive.importer import import_files  # noqa: E402
from archive.warc import Exchange, WarcStore  # noqa: E402
from crawler.profiles import find_profile  # noqa: E402

PAGE = ("<html><head><title>Huyện ủy họp phiên thứ {n}</title></head><body><article><h1>Huyện "
        "ủy họp</h1>" + "<p>Huyện ủy tổ chức hội nghị triển khai nhiệm vụ quý II năm 2024 với "
        "các nội dung quan trọng cho toàn huyện.</p>" * 8 + "</article></body></html>")
URL = "http://lynhan.hanam.gov.vn/tin-tuc/Pages/huyen-uy-hop-{n}.aspx"
GZIP_START = b"\x1f\x8b"


def http_response(number: int) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            + PAGE.format(n=number).encode())


def arc_file(count: int = 3) -> bytes:
    header = b"filedesc://portal.arc 0.0.0.0 20190101000000 text/plain 0\n"
    description = b"1 0 vnarchive\nURL IP-address Archive-date Content-type Archive-length\n"
    first = header.replace(b" 0\n", f" {len(description)}\n".encode()) + description + b"\n"
    entries = [f"{URL.format(n=n)} 127.0.0.1 2019010100000{n} text/html "
               f"{len(http_response(n))}\n".encode() + http_response(n) + b"\n"
               for n in range(count)]
    return first + b"".join(entries)


def warc_file(folder: Path, count: int = 3) -> bytes:
    store = WarcStore(folder, "bench", lambda digest: None)
    for n in range(count):
        store.write(Exchange(
            url=URL.format(n=n), fetched_at=f"2019-01-01T00:00:0{n}+00:00", method="GET",
            request_headers=[("Accept", "text/html")], status=200, reason="OK",
            response_headers=[("Content-Type", "text/html; charset=utf-8")],
            body=PAGE.format(n=n).encode(), site="bench", kind="article"))
    store.close()
    [path] = folder.glob("*.warc.gz")
    return path.read_bytes()


def mutated(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(what was done, the bytes) of one careless or hostile form of `data`."""
    data = bytearray(data)
    kind = rng.choice(["flip", "cut", "junk", "length", "fields", "date", "address", "whole"])
    if kind == "flip":
        for _ in range(rng.randint(1, 10)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    elif kind == "cut":
        data = data[:rng.randrange(len(data))]
    elif kind == "junk":
        at = rng.randrange(len(data))
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))
    elif kind in ("length", "fields"):
        lines = bytes(data).split(b"\n")
        headers = [i for i, line in enumerate(lines) if line.startswith(b"http://")]
        if headers:
            i = rng.choice(headers)
            fields = lines[i].split(b" ")
            if kind == "length":
                fields[-1] = rng.choice([b"-5", b"0", b"999999999", b"abc", b"1e9", b""])
                lines[i] = b" ".join(fields)
            else:
                lines[i] = rng.choice([lines[i] + b" extra", b" ".join(fields[:3]), b"",
                                       b"x" * 10000])
        data = bytearray(b"\n".join(lines))
    elif kind == "date":
        data = bytearray(bytes(data).replace(b"20190101000001", rng.choice(
            [b"99999999999999", b"2019", b"abcdefghijklmn", b"-1", b"20191301000000"])))
    elif kind == "address":
        data = bytearray(bytes(data).replace(URL.format(n=1).encode(), rng.choice(
            [b"http://[URL]/x", b"\xff\xfe", b"", b"mailto:x", b"http://a" * 2000])))
    else:
        data = bytearray(gzip.compress(bytes(data)))
        if rng.random() < 0.5:
            data = data[:rng.randrange(len(data))]
    return kind, bytes(data)


def in_wacz(warc: bytes, compression: int = zipfile.ZIP_STORED) -> bytes:
    """A WACZ holding the WARC file's bytes as its one member."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as wacz:
        wacz.writestr("archive/data.warc.gz", warc)
        wacz.writestr("datapackage.json", "{}")
    return buffer.getvalue()


def pieces_agree(folder: Path, number: int, source: str, original: bytes, rng: random.Random,
                 failures: list[int], wacz: bool = False) -> bool:
    """Whether case `number` (`original` six times over, mutated, stored in a WACZ with
    `wacz`) was cut in pieces; a scan in pieces that differs from the whole file's, or raises,
    is printed and noted in `failures`."""
    kind, data = mutated(original * 6, rng)
    path = folder / f"pieces-{number}.warc{'.gz' if data[:2] == GZIP_START else ''}"
    if wacz:
        data, path = in_wacz(data), path.with_name(f"pieces-{number}.wacz")
    path.write_bytes(data)
    file_pieces.PIECE_BYTES = rng.choice([300, 700, 1500, 3000])
    cut = len(archive_files._pieces(str(path), "archive/data.warc.gz" if wacz else "")) > 1
    try:
        apart, whole = scan_files([path], None, workers=2), scan_files([path], None, workers=0)
        if apart != whole:
            failures.append(number)
            print(f"case {number} in pieces ({source}, {kind}): not the whole file's index "
                  f"(in pieces: {summary(apart)}; whole: {summary(whole)})")
    except Exception:  # noqa: BLE001 (what the bench looks for)
        failures.append(number)
        print(f"case {number} in pieces ({source}, {kind}): {traceback.format_exc(limit=-4)}")
    return cut


def summary(scan) -> str:
    """What a comparison of two scans shows first: their counts and what they lost."""
    return (f"{scan.read} read, {scan.corrupt} corrupt, {len(scan.records)} listed, "
            f"{len(scan.payloads)} payloads, lost {scan.lost}, digests {scan.failed_digests}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--slow", type=float, default=3.0)
    parser.add_argument("--pieces", action="store_true",
                        help="also compare a scan cut in pieces with a scan of the whole file")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # warcio's and the importer's warnings for each case
    rng = random.Random(args.seed)
    profile = find_profile("testweb_lynhan")
    failures = slow = cut = 0
    failures_of_pieces: list[int] = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        arc = arc_file()
        sources = {"arc": arc, "warc": warc_file(folder / "made"),
                   "arc gzipped whole": gzip.compress(arc)}
        sources["warc gzipped whole"] = gzip.compress(gzip.decompress(sources["warc"]))
        sources["warc uncompressed"] = gzip.decompress(sources["warc"])
        sources["wacz"] = in_wacz(sources["warc"])
        sources["wacz deflated"] = in_wacz(sources["warc"], zipfile.ZIP_DEFLATED)
        for number in range(args.cases):
            source = rng.choice(sorted(sources))
            kind, data = mutated(sources[source], rng)
            path = folder / f"case-{number}.{source.split()[0]}"
            path = path.with_name(path.name + ".gz") if data[:2] == GZIP_START else path
            path.write_bytes(data)
            started = time.process_time()
            try:
                import_files(str(folder / f"case-{number}.db"), [path], [profile],
                             all_html=True, workers=1)
            except Exception:  # noqa: BLE001 (what the bench looks for)
                failures += 1
                print(f"case {number} ({source}, {kind}): {traceback.format_exc(limit=-4)}")
            spent = time.process_time() - started
            if spent > args.slow:
                slow += 1
                print(f"case {number} ({source}, {kind}): {spent:.1f} s of CPU")
            if args.pieces and "gzipped whole" not in source and source != "wacz deflated":
                wacz = source == "wacz"
                cut += pieces_agree(folder, number, source, sources["warc" if wacz else source],
                                    rng, failures_of_pieces, wacz)
    print(f"seed {args.seed}: {args.cases} imports, {failures} exceptions, {slow} over "
          f"{args.slow} s")
    if args.pieces:
        failures += len(failures_of_pieces)
        print(f"cut in pieces: {cut} files, {len(failures_of_pieces)} scans that differ from "
              "the whole file's or raised")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
