"""What `vnarchive reprocess` holds while it reads an archive's WARC files: the peak memory and
the time of its first step, finding each article's latest fetch, as the archive grows.

    python bench/reprocess_index.py [--fetches 100000] [--before DIR]

A WARC folder of `--fetches` article responses is written as a crawl writes them
(archive/warc.py `WarcStore`: small pages, a tenth of them fetched twice, ten runs), then the
step runs in a process of its own, which prints its peak RSS (the kernel's VmHWM) and
seconds. The processing of the pages after it holds a bounded number of them (the pool's
tasks, the writer's batch and page cache), so this step is what grows with the archive.

`--before DIR` runs the same step with the code of DIR too (a checkout of an earlier commit:
`git archive main | tar -x -C DIR`), on the same files.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.warc import Exchange, WarcStore  # noqa: E402

PAGE = ("<html><head><title>Huyện ủy họp phiên {n}</title></head><body><article><h1>Huyện ủy "
        "họp phiên {n}</h1>" + "<p>Huyện ủy tổ chức hội nghị triển khai nhiệm vụ quý II năm "
        "2024.</p>" * 6 + "</article></body></html>")
# The step in a process of its own, with the code of a checkout: each article's latest fetch,
# walked in the order reprocess hands them out. A checkout from before the fetches went to
# disk kept them in a dict (`latest_article_fetches`).
STEP = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from archive import reprocess
started = time.perf_counter()
if hasattr(reprocess, "read_article_fetches"):
    from archive.latest_fetches import LatestFetches
    with LatestFetches() as fetches:
        reprocess.read_article_fetches(fetches, Path(sys.argv[2]))
        fetches.settle()
        count = sum(1 for _ in fetches.latest())
else:
    count = len(sorted(reprocess.latest_article_fetches(Path(sys.argv[2])).items()))
# VmHWM, not getrusage's maxrss: that one keeps the high-water mark of the process before its
# exec, which was this bench's own, larger after writing the files. Read here, not through
# fill_archive.own_peak_rss_mb: the checkout measured may be one from before it.
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM:"))
print(count, time.perf_counter() - started, peak / 1024)
"""


def write_folder(folder: Path, fetches: int) -> None:
    store = WarcStore(folder, "bench", lambda digest: None)
    articles = max(1, fetches * 9 // 10)
    for number in range(fetches):
        store.write(Exchange(
            url=f"http://lynhan.hanam.gov.vn/tin-tuc/Pages/huyen-uy-hop-{number % articles}.aspx",
            fetched_at=f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}T00:{number % 60:02d}"
                       ":00+00:00",
            method="GET", request_headers=[("Accept", "text/html")], status=200, reason="OK",
            response_headers=[("Content-Type", "text/html; charset=utf-8"), ("Server", "nginx"),
                              ("Date", "Mon, 01 Jan 2024 00:00:00 GMT")],
            body=PAGE.format(n=number).encode(), site="bench", kind="article",
            found_via="sitemap", run_id=1 + number * 10 // fetches))
    store.close()


def measure(code: Path, folder: Path) -> tuple[int, float, float]:
    """(articles, seconds, peak MB) of the step with the code of `code`."""
    output = subprocess.run([sys.executable, "-c", STEP, str(code), str(folder)],
                            capture_output=True, text=True, check=True).stdout.split()
    return int(output[0]), float(output[1]), float(output[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetches", type=int, default=100_000)
    parser.add_argument("--before", type=Path,
                        help="also run the step with the code of this checkout")
    args = parser.parse_args()
    codes = {"reprocess index": ROOT,
             **({"before": args.before.resolve()} if args.before else {})}
    with tempfile.TemporaryDirectory() as folder:
        write_folder(Path(folder), args.fetches)
        size = sum(path.stat().st_size for path in Path(folder).iterdir())
        print(f"{args.fetches:,} article fetches in {size / 2**20:,.0f} MB of WARC files")
        print(f"{'job':<18}{'articles':>10}{'seconds':>9}{'peak MB':>9}")
        for name, code in codes.items():
            articles, seconds, peak = measure(code, Path(folder))
            print(f"{name:<18}{articles:>10,}{seconds:>9.2f}{peak:>9.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
