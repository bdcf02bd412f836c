"""Where the archive writer's time and pages go, on an archive filled by bench/fill_archive.py.

    python bench/writer_profile.py COPY --add 5000 [--batch-size 1000] [--pragma cache_size=-262144]
    python bench/writer_profile.py COPY --add 2000 --wal-pages
    python bench/writer_profile.py COPY --add 5000 --dates crawl
    python bench/writer_profile.py COPY --add 20000 --rows-per-checkpoint 10000

Adds `--add` articles (fill_archive's rows, from where its fills stopped) through the writer
and prints, for each kind of SQL statement the writer runs, its wall and CPU milliseconds a
row and, for the heavy ones, the bytes the process read from and wrote to the disk meanwhile
(/proc/self/io). `--dates crawl` makes them a scheduled crawl's news, published in the three
days before their fetch, instead of a backfill's days anywhere in 2015-2025. `--pragma` runs
`PRAGMA NAME=VALUE` on the writer's connection first (a page cache, mmap_size...). With
`--wal-pages` nothing is checkpointed while the batches are written; then each page in the
WAL is named by its table or index (`dbstat`): what a batch dirties.
It writes to the archive: give it a copy.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import struct
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import checkpoints  # noqa: E402
from archive.writer import ArchiveWriter  # noqa: E402
from bench import fill_archive  # noqa: E402

# Statements named by what they write; the others by their first words.
KINDS = ("insert into articles", "insert into article_sources", "into story_bands_recent",
         "from story_bands where", "insert or ignore into story_bands (",
         "delete from story_bands_recent", "update articles set story_id", "meeting_reports",
         "officials", "figures", "commit")
# Whose disk reads and writes are counted: reading /proc/self/io costs about 60 microseconds.
HEAVY = {"commit", "insert into articles", "insert into article_sources",
         "into story_bands_recent", "insert or ignore into story_bands ("}


def kind_of(sql: str) -> str:
    words = " ".join(sql.split()).lower()
    return next((kind for kind in KINDS if kind in words), words[:40])


class TimedConnection:
    """The writer's connection, each statement's wall, CPU and disk bytes added to its kind."""

    def __init__(self, connection, totals: dict):
        object.__setattr__(self, "_connection", connection)
        object.__setattr__(self, "_totals", totals)

    def __getattr__(self, name):
        return getattr(self._connection, name)

    def __setattr__(self, name, value):
        setattr(self._connection, name, value)

    def _timed(self, kind: str, run, *args):
        heavy = kind in HEAVY
        wall, cpu = time.perf_counter(), time.thread_time()
        read, written = fill_archive.disk_bytes() if heavy else (0, 0)
        try:
            return run(*args)
        finally:
            after_read, after_written = fill_archive.disk_bytes() if heavy else (0, 0)
            total = self._totals[kind]
            total[0] += time.perf_counter() - wall
            total[1] += time.thread_time() - cpu
            total[2] += after_read - read
            total[3] += after_written - written

    def execute(self, sql, *args):
        return self._timed(kind_of(sql), self._connection.execute, sql, *args)

    def executemany(self, sql, *args):
        return self._timed(kind_of(sql), self._connection.executemany, sql, *args)

    def commit(self):
        return self._timed("commit", self._connection.commit)


def add_articles(writer: ArchiveWriter, start: int, count: int,
                 dates: str = "backfill") -> tuple[float, float]:
    """fill_archive's rows start..start+count-1 through the writer: its wall and CPU seconds
    (its checkpoint thread's included)."""
    wall = cpu = 0.0
    checkpoints = writer.checkpoint_cpu_seconds
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        for number, row in enumerate(fill_archive.made_rows(pool, start, start + count, 7,
                                                                 dates=dates),
                                     start):
            began, began_cpu = time.perf_counter(), time.thread_time()
            writer.add_article(row)
            if number % fill_archive.ARTICLES_PER_RUN == 0:
                with writer.db.atomic():
                    fill_archive.record_run_history(writer.db, fill_archive.load_corpus().sites,
                                                    fill_archive.fetched_at(number))
            wall += time.perf_counter() - began
            cpu += time.thread_time() - began_cpu
        began, began_cpu = time.perf_counter(), time.thread_time()
        writer.flush()
        pool.terminate()
    return (wall + time.perf_counter() - began,
            cpu + time.thread_time() - began_cpu + writer.checkpoint_cpu_seconds - checkpoints)


def wal_pages(db_path: str, connection) -> tuple[Counter, int]:
    """Frames in the WAL by the table or index their page belongs to, and the page size."""
    wal = Path(f"{db_path}-wal").read_bytes()
    page_size = struct.unpack(">I", wal[8:12])[0] if len(wal) >= 32 else 4096
    frames = Counter(struct.unpack(">I", wal[offset:offset + 4])[0]
                     for offset in range(32, len(wal) - 23, 24 + page_size))
    owners = {page: name for name, page in connection.execute("select name, pageno from dbstat")
              if page in frames}
    named = Counter()
    for page, count in frames.items():
        named[owners.get(page, "(freed or new)")] += count
    return named, page_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="an archive filled by bench/fill_archive.py (a copy)")
    parser.add_argument("--add", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--dates", choices=fill_archive.DATES, default="backfill",
                        help="the new articles' publication days (bench/fill_archive.py)")
    parser.add_argument("--pragma", action="append", default=[], help="NAME=VALUE, again for more")
    parser.add_argument("--wal-pages", action="store_true",
                        help="no checkpoints; name each page the batches wrote")
    parser.add_argument("--rows-per-checkpoint", type=int,
                        default=checkpoints.ROWS_PER_CHECKPOINT,
                        help="rows between two checkpoints (archive/checkpoints.py)")
    args = parser.parse_args()
    checkpoints.ROWS_PER_CHECKPOINT = args.rows_per_checkpoint
    start = fill_archive.generated_so_far(args.db)
    writer = ArchiveWriter(args.db, batch_size=args.batch_size, site="fill")
    for pragma in args.pragma:
        writer.db.execute(f"PRAGMA {pragma}")
    if args.wal_pages:
        writer.db.execute("PRAGMA wal_autocheckpoint = 0")
        writer.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        writer._checkpoints.request = lambda rows: None  # the pages stay in the WAL to be counted
    totals: dict = defaultdict(lambda: [0.0, 0.0, 0, 0])
    connection = writer.db.conn
    writer.db.conn = TimedConnection(connection, totals)
    read, written = fill_archive.disk_bytes()
    wall, cpu = add_articles(writer, start, args.add, args.dates)
    after_read, after_written = fill_archive.disk_bytes()
    writer.db.conn = connection
    fill_archive.record_progress(args.db, {"from": start, "to": start + args.add,
                                           "seconds": round(wall, 1),
                                           "writer_seconds": round(wall, 1),
                                           "rows_per_s": round(args.add / wall, 1),
                                           "windows": [], "peak_rss_mb": 0})
    status = dict(line.split(":\t") for line in Path("/proc/self/status").read_text()
                  .splitlines() if ":\t" in line)
    print(f"{args.add:,} articles ({start:,} to {start + args.add:,}): "
          f"{args.add / wall:,.1f} rows/s, {cpu / args.add * 1000:.2f} ms CPU and "
          f"{wall / args.add * 1000:.2f} ms wall a row; {(after_read - read) / 2**20:,.0f} MB "
          f"read from disk, {(after_written - written) / 2**20:,.0f} MB written; peak RSS "
          f"{status['VmHWM'].strip()} (file pages now {status['RssFile'].strip()}); load "
          f"{os.getloadavg()[0]:.1f}")
    for kind, (kind_wall, kind_cpu, kind_read, kind_written) in sorted(
            totals.items(), key=lambda item: -item[1][0]):
        if kind_wall / args.add * 1000 >= 0.005:
            disk = (f"  read {kind_read / 2**20:7.1f} MB  wrote {kind_written / 2**20:7.1f} MB"
                    if kind in HEAVY else "")
            print(f"  {kind:<40} wall {kind_wall / args.add * 1000:6.3f}  CPU "
                  f"{kind_cpu / args.add * 1000:6.3f} ms a row{disk}")
    if args.wal_pages:
        named, page_size = wal_pages(args.db, connection)
        batches = max(1, -(-args.add // args.batch_size))
        print(f"pages written to the WAL, MB a batch of {args.batch_size:,}:")
        for name, count in named.most_common(15):
            print(f"  {name:<40} {count * page_size / 2**20 / batches:7.1f}")
        writer.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # Closing copies what the WAL still holds into the database: a writer that checkpoints
    # less often leaves more of it, so it is counted here too.
    began = time.perf_counter()
    writer.close()
    closed = time.perf_counter() - began
    print(f"closing the writer: {closed:.1f} s; with it {args.add / (wall + closed):,.1f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
