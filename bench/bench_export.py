"""Speed and peak memory of exports: streaming `vnarchive export` beside a naive export that
reads every row first, on the same synthetic archive, in one run; or the Parquet export of an
existing archive's articles.

    python bench/bench_export.py [--rows 200000]
    python bench/bench_export.py --db ARCHIVE [--db ANOTHER] [--repeat 2] [--cold] [--threads]

The synthetic archive has the real schema and rows shaped like real articles (a 1.5 KB text);
its full-text triggers are dropped while it is filled, since exports never read the index.
Each export runs in its own process; its wall time, CPU time (user and system, every thread)
and peak resident memory are read from the kernel (getrusage of the child). The machine's
load average is printed beside each figure of an existing archive: on a shared machine the
wall rate follows the load, the CPU rate much less. With --threads the export runs in this
process instead and each thread's CPU is told: on two free cores an export is no faster than
its busiest thread (reading and typing the rows, or encoding them).

Several archives (`--db` again) are exported in turn, round after round, so they share the
machine's load. `--cold` drops each archive's pages from the kernel's page cache before its
export (`posix_fadvise(DONTNEED)`, after an fsync): an archive larger than the machine's memory
is read from disk, and how its pages lie in the file decides how much of it is read. Each
line ends with the share of the file in the page cache after the export (`mincore`).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.schema import open_database  # noqa: E402

WORDS = ("huyện ủy tổ chức hội nghị đánh giá kết quả thực hiện nhiệm vụ quý triển khai "
         "tháng năm kinh tế xã hội thu ngân sách đạt tỷ đồng đồng chí bí thư chủ tịch").split()
TARGET_PEAK_MB = 300

NAIVE_EXPORT = """
import sqlite3, sys
import pyarrow as pa, pyarrow.parquet as pq
connection = sqlite3.connect(sys.argv[1])
cursor = connection.execute("select * from articles")
columns = [d[0] for d in cursor.description]
rows = cursor.fetchall()
table = pa.Table.from_pylist([dict(zip(columns, row)) for row in rows])
pq.write_table(table, sys.argv[2])
"""


def build_archive(path: Path, rows: int) -> None:
    db = open_database(str(path))
    for trigger in [r[0] for r in db.execute(
            "select name from sqlite_master where type = 'trigger'").fetchall()]:
        db.execute(f"drop trigger {trigger}")
    generator = random.Random(7)
    batch = []
    for number in range(rows):
        text = " ".join(generator.choice(WORDS) for _ in range(300))
        batch.append((f"https://bao.example.vn/a-{number}.html", f"https://bao.example.vn/a-"
                      f"{number}.html", "synthetic", f"Bài {number}", text, "2024-04-05",
                      number % 2, 0.9, "2026-01-01T00:00:00+00:00"))
        if len(batch) == 10000:
            _insert(db, batch)
            batch = []
    if batch:
        _insert(db, batch)
    db.close()


def _insert(db, batch) -> None:
    with db.atomic():
        db.conn.executemany(
            "insert into articles (canonical_url, url, site, title, text, published, "
            "is_meeting_report, confidence, fetched_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch)


# The kernel keeps one peak for all of a process's children, so each command runs under a
# wrapper process of its own that reports its single child's peak.
WRAPPER = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - started, used.ru_utime, used.ru_stime, used.ru_maxrss)
"""


def measure(command: list[str]) -> tuple[float, float, float, float]:
    """Seconds of wall clock, of CPU in the process and in the kernel for it, and peak
    resident MB, of one command."""
    output = subprocess.run([sys.executable, "-c", WRAPPER, *command], check=True,
                            capture_output=True, text=True).stdout.split()
    return float(output[0]), float(output[1]), float(output[2]), int(output[3]) / 1024


def export_command(db: Path, out: Path, fmt: str, *options: str) -> list[str]:
    return [sys.executable, "-m", "vnarchive", "export", str(out), "--format", fmt, "--db",
            str(db), "--force", *options]


def measure_archives(dbs: list[Path], repeat: int, cold: bool = False,
                     all_columns_too: bool = False) -> None:
    """The Parquet export of each archive's articles, the archives in turn, `repeat` rounds,
    each run with its load and the share of the file cached after it; with `all_columns_too`
    each archive is exported twice a round, as researchers get it and with --all-columns."""
    import sqlite3

    rows = {}
    for db in dbs:
        connection = sqlite3.connect(f"file:{db.resolve()}?mode=ro", uri=True)
        rows[db] = connection.execute("select count(*) from articles").fetchone()[0]
        connection.close()
        print(f"{db}: {rows[db]:,} articles, {db.stat().st_size / 2**20:,.0f} MB")
    variants = [[], ["--all-columns"]] if all_columns_too else [[]]
    print(f"{'run':<5}{'wall s':>8}{'CPU s':>8}{'(user':>7}{'sys)':>6}{'rows/s':>9}"
          f"{'rows/CPU s':>12}{'peak MB':>9}{'load before/after':>19}{'cached':>8}"
          + ("  archive" if len(dbs) > 1 else "") + ("  columns" if all_columns_too else ""))
    with tempfile.TemporaryDirectory() as folder:
        for run in range(1, repeat + 1):
            for db in dbs:
                for options in variants:
                    if cold:
                        drop_from_page_cache(db)
                    before = os.getloadavg()[0]
                    wall, user, system, peak = measure(export_command(
                        db, Path(folder) / "a.parquet", "parquet", *options))
                    after, cpu, count = os.getloadavg()[0], user + system, rows[db]
                    print(f"{run:<5}{wall:>8.1f}{cpu:>8.1f}{user:>7.1f}{system:>6.1f}"
                          f"{count / wall:>9,.0f}{count / cpu:>12,.0f}{peak:>9.0f}"
                          f"{before:>10.1f} / {after:<4.1f}{cached_share(db):>8.0%}"
                          + (f"  {db}" if len(dbs) > 1 else "")
                          + (f"  {'all' if options else 'default'}" if all_columns_too
                             else ""), flush=True)


def drop_from_page_cache(path: Path) -> None:
    """Ask the kernel to forget the file's cached pages (written ones are synced first)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(descriptor)


def cached_share(path: Path) -> float:
    """The share of the file's pages in the kernel's page cache (mincore of a private map)."""
    import ctypes
    import mmap

    libc = ctypes.CDLL(None, use_errno=True)
    size, cached, pages = path.stat().st_size, 0, 0
    page = mmap.PAGESIZE
    with open(path, "rb") as file:
        for offset in range(0, size, 2**30):
            length = min(2**30, size - offset)
            mapped = mmap.mmap(file.fileno(), length, access=mmap.ACCESS_COPY, offset=offset)
            vector = (ctypes.c_ubyte * ((length + page - 1) // page))()
            start = ctypes.c_char.from_buffer(mapped)
            libc.mincore(ctypes.c_void_p(ctypes.addressof(start)), ctypes.c_size_t(length),
                         vector)
            del start
            mapped.close()
            cached += sum(byte & 1 for byte in vector)
            pages += len(vector)
    return cached / pages if pages else 0.0


def measure_threads(db: Path) -> None:
    """CPU of the export's own thread and of the Parquet writer's, in this process."""
    import pyarrow.parquet as pq

    from archive.export import export

    encoding = [0.0]
    write_table = pq.ParquetWriter.write_table

    def timed(writer, *args, **options):  # runs in the encoder's thread
        started = time.thread_time()
        write_table(writer, *args, **options)
        encoding[0] += time.thread_time() - started

    pq.ParquetWriter.write_table = timed
    with tempfile.TemporaryDirectory() as folder:
        wall, cpu, own = time.perf_counter(), time.process_time(), time.thread_time()
        rows = export(str(db), str(Path(folder) / "a.parquet"), "parquet", table="articles").rows
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        own = time.thread_time() - own
    busiest = max(own, encoding[0])
    print(f"{rows:,} rows: wall {wall:.1f} s, CPU {cpu:.1f} s (reading thread {own:.1f}, "
          f"encoder {encoding[0]:.1f}); busiest thread bounds it at {rows / busiest:,.0f} "
          f"rows/s on two free cores; load {os.getloadavg()[0]:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--db", type=Path, action="append", help="measure this archive's "
                        "Parquet export of articles instead (read only); again for another, "
                        "the archives exported in turn")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="with --db: drop each archive "
                        "from the page cache before its export")
    parser.add_argument("--threads", action="store_true", help="with --db: each thread's CPU")
    parser.add_argument("--all-columns-too", action="store_true", help="with --db: export "
                        "each archive a second time a round with --all-columns")
    args = parser.parse_args()
    if args.db and args.threads:
        measure_threads(args.db[0])
    elif args.db:
        measure_archives(args.db, args.repeat, args.cold, args.all_columns_too)
    if args.db:
        return 0
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "synthetic.db"
        started = time.perf_counter()
        build_archive(db, args.rows)
        print(f"synthetic archive: {args.rows} articles, {db.stat().st_size / 2**20:.0f} MB, "
              f"built in {time.perf_counter() - started:.0f} s")
        results = {}
        for fmt in ("csv", "jsonl", "parquet"):
            results[fmt] = measure(export_command(db, Path(folder) / f"out.{fmt}", fmt))
        results["naive parquet"] = measure([sys.executable, "-c", NAIVE_EXPORT, str(db),
                                            str(Path(folder) / "naive.parquet")])
    print(f"{'export':<16}{'seconds':>9}{'CPU s':>8}{'peak MB':>10}{'rows/s':>10}")
    for name, (seconds, user, system, peak) in results.items():
        print(f"{name:<16}{seconds:>9.1f}{user + system:>8.1f}{peak:>10.0f}"
              f"{args.rows / seconds:>10.0f}")
    ratio = results["naive parquet"][3] / results["parquet"][3]
    print(f"streaming parquet peak: {results['parquet'][3]:.0f} MB (target under "
          f"{TARGET_PEAK_MB} MB); the naive export peaks {ratio:.1f}x higher")
    return 0


if __name__ == "__main__":
    sys.exit(main())
