"""Throughput of `vnarchive import` on web archive files of the shape a backfill brings.

    python bench/bench_import.py [--files 8] [--records 1000] [--share 0.1] [--image-kb 24]
                                 [--uncompressed] [--wacz] [--repeat 3] [--before DIR]

A backfill from Common Crawl or another web archive comes as many WARC files, each holding
every kind of response of many sites: a profile claims a few of their pages, and the rest
(other sites' pages, images) must still be read to find them. This bench writes `--files`
WARC files of `--records` responses each: a `--share` of them the article pages of
bench/bench_pipeline.py's web (its never-seen profile claims them), the rest split between
other hosts' HTML pages and images (`--image-kb` each), gzipped record by record, or not at
all with `--uncompressed`; with `--wacz`, stored in one WACZ, as Browsertrix packs a crawl's
WARC files. Then `vnarchive import` of the whole folder runs in its own process
into a new archive, and prints seconds, records read a second, the CPU seconds of the command
and its workers, and peak RSS.

`--before DIR` runs the same import with the code of DIR too (a checkout of an earlier commit:
`git archive main | tar -x -C DIR`), alternated run by run, on the same files: a change's gain
measured side by side under the same load. `--repeat N` keeps each side's median run.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import zipfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_pipeline import build_pages, measure, write_profile  # noqa: E402

BASE = "http://127.0.0.1:8000"  # the profile's site; nothing is fetched


def write_files(folder: Path, files: int, records: int, share: float,
                image_kb: int = 24, gzipped: bool = True) -> tuple[int, int]:
    """The WARC files; how many article pages and records they hold in all."""
    total = files * records
    articles = max(1, round(total * share))
    pages, locations = build_pages(articles)
    draw = random.Random(19)
    image = draw.randbytes(image_kb * 1024)
    start = datetime(2019, 3, 1, tzinfo=UTC)
    kinds = ["article"] * articles + ["page", "image"] * ((total - articles) // 2)
    kinds += ["page"] * (total - len(kinds))
    draw.shuffle(kinds)
    next_article = 0
    for number in range(files):
        name = f"backfill-{number:03d}.warc{'.gz' if gzipped else ''}"
        with (folder / name).open("wb") as handle:
            writer = WARCWriter(handle, gzip=gzipped)
            for index in range(number * records, (number + 1) * records):
                kind = kinds[index]
                if kind == "article":
                    url = BASE + locations[next_article]
                    body, content_type = pages[locations[next_article]], "text/html; charset=utf-8"
                    next_article += 1
                elif kind == "page":
                    path = locations[index % len(locations)]
                    url = f"http://site-{index % 97}.example.vn{path}"
                    body, content_type = pages[path], "text/html; charset=utf-8"
                else:
                    url = f"http://site-{index % 97}.example.vn/images/{index}.jpg"
                    body, content_type = image, "image/jpeg"
                headers = StatusAndHeaders("200 OK", [("Content-Type", content_type),
                                                      ("Content-Length", str(len(body)))],
                                           protocol="HTTP/1.1")
                moment = start + timedelta(minutes=index)
                writer.write_record(writer.create_warc_record(
                    url, "response", payload=BytesIO(body), http_headers=headers,
                    warc_headers_dict={"WARC-Date": moment.strftime("%Y-%m-%dT%H:%M:%SZ")}))
    return articles, total


def pack_wacz(warcs: Path, folder: Path) -> Path:
    """`folder` holding one WACZ of the WARC files in `warcs` (removed), stored under
    archive/ as the spec asks."""
    folder.mkdir()
    with zipfile.ZipFile(folder / "crawl.wacz", "w", zipfile.ZIP_STORED) as wacz:
        for warc in sorted(warcs.iterdir()):
            wacz.write(warc, f"archive/{warc.name}")
            warc.unlink()
        wacz.writestr("datapackage.json", '{"profile": "data-package"}')
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--records", type=int, default=1000, help="responses in each file")
    parser.add_argument("--share", type=float, default=0.1,
                        help="the share of the responses that are the profile's articles")
    parser.add_argument("--image-kb", type=int, default=24,
                        help="the size of each image (a site's own crawl holds large ones)")
    parser.add_argument("--uncompressed", action="store_true",
                        help="WARC files not gzipped (as `wget --no-warc-compression` writes)")
    parser.add_argument("--wacz", action="store_true",
                        help="the WARC files stored in one WACZ (its zip does not compress them)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path,
                        help="also run the import with the code of this checkout")
    args = parser.parse_args()
    codes = {"import": ROOT, **({"import (before)": args.before.resolve()} if args.before
                                else {})}
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        warcs = folder / "warcs"
        warcs.mkdir()
        articles, total = write_files(warcs, args.files, args.records, args.share,
                                      args.image_kb, gzipped=not args.uncompressed)
        if args.wacz:
            warcs = pack_wacz(warcs, folder / "wacz")
        size = sum(path.stat().st_size for path in warcs.iterdir())
        profile = write_profile(folder, "never-seen", BASE)
        runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in codes}
        for number in range(args.repeat):
            order = list(codes.items())
            for name, code in order if number % 2 == 0 else order[::-1]:
                db = folder / f"run-{number}-{len(runs[name])}-{name.split()[-1]}.db"
                runs[name].append(measure([sys.executable, "-m", "vnarchive", "import",
                                           str(warcs), "--profile", str(profile),
                                           "--db", str(db)], code))
                with closing(sqlite3.connect(db)) as archive:
                    stored = archive.execute("select count(*) from articles").fetchone()[0]
                if stored != articles:  # a fast import of nothing is no figure
                    sys.exit(f"{name}: {stored} articles stored of {articles}")
    print(f"{args.files} {'uncompressed ' if args.uncompressed else ''}WARC files"
          f"{' in a WACZ' if args.wacz else ''} of "
          f"{args.records} responses ({size / 2**20:.0f} MB), "
          f"{articles} of the {total} the profile's article pages; median of {args.repeat} "
          f"run(s); load average {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} "
          "at the end")
    print(f"{'job':<20}{'seconds':>9}{'records/s':>11}{'CPU s':>8}{'peak MB':>9}  runs (s)")
    medians = {}
    for name, measured in runs.items():
        seconds = statistics.median(run[0] for run in measured)
        cpu = statistics.median(run[1] for run in measured)
        peak = max(run[2] for run in measured)
        medians[name] = seconds
        print(f"{name:<20}{seconds:>9.2f}{total / seconds:>11.0f}{cpu:>8.1f}{peak:>9.0f}  "
              + " ".join(f"{run[0]:.2f}" for run in measured))
    if len(medians) == 2:
        print(f"before/after: {medians['import (before)'] / medians['import']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
