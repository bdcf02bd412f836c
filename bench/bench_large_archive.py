"""A crawl into a large archive against the same crawl into a new one, side by side.

    python bench/bench_large_archive.py COPY [--pages 1000] [--cold]

COPY is an archive the crawls write to (give a copy: `bench/fill_archive.py` makes one of a
million articles). The never-seen job of bench/bench_pipeline.py (its pages, its profile less
`article_selector`) is crawled four times, each from a server of its own, so that every crawl
finds new pages: into a new archive, into COPY as the first writing command of the day (its
record of a whole check removed first, so the crawl checks it whole: archive/integrity.py), into
another new archive, then into COPY again (checked today). The last two crawl other articles
than the first two: COPY never gets a copy of what it holds (a story to join costs more; so
give each run a copy of its own: a second run's crawls find the first's pages). With
`--cold`, COPY is dropped from the kernel's page cache before its first crawl (the morning's
first scheduled crawl, its archive untouched overnight). Each prints its wall seconds, CPU
seconds (its process and its children) and peak RSS, and each crawl into COPY its ratio to
the new archive's. What grows with the archive, from the crawl's start (checks, frontier) to
its summary, shows as the difference.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.schema import open_database  # noqa: E402
from bench.bench_export import drop_from_page_cache  # noqa: E402
from bench.bench_pipeline import build_pages, measure, serve, write_profile  # noqa: E402


def forget_whole_check(db: Path) -> None:
    """COPY's record of a whole check, removed: the next writing command checks it whole."""
    with sqlite3.connect(db) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
        if "integrity_checks" in tables:
            connection.execute("delete from integrity_checks")
    connection.close()


def crawl(pages: dict, locations: list[str], folder: Path, db: Path) -> tuple[float, float, float]:
    """The never-seen crawl of the pages, served anew (a new port: new URLs), into `db`."""
    folder.mkdir()
    server, base = serve(pages, locations, folder)
    try:
        profile = write_profile(folder, "never-seen", base)
        return measure([sys.executable, "-m", "vnarchive", "crawl", "--profile", str(profile),
                        "--db", str(db)])
    finally:
        server.terminate()
        server.wait()


def articles_in(db: Path) -> int:
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True) as connection:
        return connection.execute("select count(*) from articles").fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="the large archive, written to: give a copy")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--cold", action="store_true",
                        help="COPY out of the page cache before its first crawl")
    args = parser.parse_args()
    args.db = args.db.resolve()  # the crawls run in the project's folder
    if not args.db.is_file():
        parser.error(f"{args.db} is not a file")
    # At this version's schema first, as its first writing command would leave it: one made
    # before `integrity_checks` (m029) would otherwise be checked whole by both crawls.
    open_database(str(args.db)).close()
    print(f"{args.db}: {articles_in(args.db):,} articles, {args.db.stat().st_size / 1e9:.2f} GB; "
          f"{args.pages} new pages a crawl; load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"{'crawl':<34}{'seconds':>9}{'CPU s':>8}{'peak MB':>9}{'ratio':>7}")
    with tempfile.TemporaryDirectory() as folder:
        base = None
        for number, (name, into_copy) in enumerate((
                ("into a new archive", False),
                ("into COPY, first of the day", True),
                ("into another new archive", False),
                ("into COPY, checked today", True))):
            if into_copy and number == 1:
                forget_whole_check(args.db)
                if args.cold:
                    drop_from_page_cache(args.db)
            db = args.db if into_copy else Path(folder) / f"new-{number}.db"
            pages, locations = build_pages(args.pages, first=number // 2 * args.pages)
            wall, cpu, peak = crawl(pages, locations, Path(folder) / f"crawl-{number}", db)
            ratio = f"{wall / base:7.2f}" if into_copy else ""
            base = wall if not into_copy else base
            print(f"{name:<34}{wall:9.1f}{cpu:8.1f}{peak:9.0f}{ratio}", flush=True)
    print("ratio: the crawl's seconds into COPY over the new archive's just before it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
