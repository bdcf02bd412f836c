"""`search` latency of archives as they are, cold and warm: bench_scale.py's query set with
each of its filters (no filter, a site, a province, dates, meeting reports only).

    python bench/bench_search.py --db ARCHIVE [--db ANOTHER] [--cold] [--repeat 3]
    python bench/bench_search.py [--articles 2000]

`--cold` first drops each archive's pages from the kernel's page cache (bench_export.py's
`posix_fadvise(DONTNEED)`), then runs every search of the set once, in its order, reading
what it needs from the disk: an archive larger than the machine's free memory, or the first
searches after a reboot. How the full-text index's pages lie in the file decides how much of
it is read and how fast (`vnarchive compact` lays each table's pages together again), so the
bytes each search read from the disk are printed too (/proc/self/io), and the read requests
the disk served meanwhile (the kernel's counters for the archive's block device, so any other
reader on the machine counts too): pages scattered across the file take many small reads,
pages that lie together fewer, larger ones the kernel's read-ahead joins. On a virtual machine the
host's own cache may still hold a file the guest dropped, and serve it faster: the request
counts, not the times, then tell how the pages lie. The warm passes come
after (one untimed pass, then `--repeat` timed ones). Several archives are measured in turn.
Without --db a temporary archive of --articles is filled first (bench/fill_archive.py).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.filters import Filters  # noqa: E402
from archive.search import search  # noqa: E402
from bench.bench_export import drop_from_page_cache  # noqa: E402
from bench.bench_scale import FILTERS, QUERY_SET, TARGETS, percentile  # noqa: E402
from bench.fill_archive import disk_bytes, fill  # noqa: E402

SEARCHES = [(name, query) for name in FILTERS for query in QUERY_SET]
SLOWEST_SHOWN = 3


def disk_reads(db: Path) -> tuple[int, int]:
    """Read requests completed and milliseconds spent reading by the block device that holds
    the archive, so far (0, 0 where the kernel does not say)."""
    device = db.stat().st_dev
    try:
        fields = Path(f"/sys/dev/block/{os.major(device)}:{os.minor(device)}/stat").read_text()
    except OSError:
        return 0, 0
    counters = fields.split()
    return int(counters[0]), int(counters[3])


def timed_search(db: Path, filter_name: str, query: str) -> tuple[float, float, float]:
    """Wall ms, CPU ms and MB read from the disk of one search."""
    disk, started, cpu = disk_bytes()[0], time.perf_counter(), time.process_time()
    search(str(db), query, Filters(**FILTERS[filter_name]))
    return ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000,
            (disk_bytes()[0] - disk) / 2**20)


def cold_pass(db: Path) -> tuple[list[tuple[float, float, float, str, str]], tuple[int, int]]:
    """Every search once after the archive left the page cache (its WAL too), and the disk's
    read requests and reading milliseconds meanwhile."""
    for path in (db, Path(f"{db}-wal")):
        if path.exists():
            drop_from_page_cache(path)
    requests, reading = disk_reads(db)
    searches = [(*timed_search(db, name, query), name, query) for name, query in SEARCHES]
    after = disk_reads(db)
    return searches, (after[0] - requests, after[1] - reading)


def warm_walls(db: Path, repeat: int) -> list[float]:
    for name, query in SEARCHES:
        search(str(db), query, Filters(**FILTERS[name]))
    return [timed_search(db, name, query)[0] for _ in range(repeat) for name, query in SEARCHES]


def articles_in(db: Path) -> int:
    connection = sqlite3.connect(f"file:{db.resolve()}?mode=ro", uri=True)
    try:
        return connection.execute("select count(*) from articles").fetchone()[0]
    finally:
        connection.close()


def report(db: Path, cold: tuple[list, tuple[int, int]] | None, warm: list[float]) -> None:
    print(f"{db}: {articles_in(db):,} articles, {db.stat().st_size / 2**20:,.0f} MB, "
          f"{len(SEARCHES)} searches")
    target = TARGETS["search p95 ms"]
    if cold is not None:
        searches, (requests, reading) = cold
        walls = [wall for wall, *_ in searches]
        p95 = percentile(walls, 0.95)
        print(f"  cold: p50 {percentile(walls, 0.5):.0f} ms, p95 {p95:.0f} ms "
              f"({'met' if p95 < target else 'missed'}: < {target}), slowest "
              f"{max(walls):.0f} ms, {sum(mb for *_, mb, _, _ in searches):,.0f} MB read from the "
              f"disk in {requests:,} requests ({reading:,} ms of the disk's)")
        for wall, cpu, mb, name, query in sorted(searches, reverse=True)[:SLOWEST_SHOWN]:
            print(f"    {wall:6.0f} ms ({cpu:.0f} ms CPU, {mb:.1f} MB read)  {name} / {query}")
    p95 = percentile(warm, 0.95)
    print(f"  warm: p50 {percentile(warm, 0.5):.0f} ms, p95 {p95:.0f} ms "
          f"({'met' if p95 < target else 'missed'}: < {target}), slowest {max(warm):.0f} ms",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, action="append",
                        help="an archive to measure (repeatable); default a temporary one")
    parser.add_argument("--articles", type=int, default=2000,
                        help="without --db: the temporary archive's size")
    parser.add_argument("--cold", action="store_true",
                        help="one pass with each archive out of the page cache first")
    parser.add_argument("--repeat", type=int, default=3, help="timed warm passes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        dbs = args.db or [Path(folder) / "search.db"]
        if not args.db:
            fill(str(dbs[0]), args.articles, batch_size=200, window=max(100, args.articles // 4))
        for db in dbs:
            cold = cold_pass(db) if args.cold else None
            report(db, cold, warm_walls(db, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
