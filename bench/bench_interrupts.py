"""Completeness after a Ctrl-C: crawl a test-web site, send SIGINT to the crawl's process group
after some seconds (what a terminal's Ctrl-C does), then run the same crawl twice more. Prints
the exit code, the seconds the stopped crawl took to exit, and how many articles the archive
holds after each run.

    python bench/bench_interrupts.py --family lynhan --articles 300 --after 8
    python bench/bench_interrupts.py --all --after 20     # the 204 hand-written articles
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testweb.families import ARTICLE_FAMILIES  # noqa: E402
from testweb.generated import generated_articles  # noqa: E402
from testweb.server import TestWeb  # noqa: E402


def archived(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as connection:
        return connection.execute("select count(*) from articles").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="lynhan")
    parser.add_argument("--articles", type=int, default=300, help="generated articles")
    parser.add_argument("--all", action="store_true", help="every test-web site, hand-written")
    parser.add_argument("--after", type=float, default=8.0, help="seconds before the SIGINT")
    args = parser.parse_args()
    families = list(ARTICLE_FAMILIES) if args.all else [args.family]
    articles = None if args.all else generated_articles((args.family,), args.articles)
    db = Path(tempfile.mkdtemp()) / "archive.db"
    with TestWeb(families, articles=articles) as web:
        total = sum(len(site.family.articles) for site in web.sites.values())
        command = [sys.executable, "-m", "vnarchive", "crawl",
                   *[f"testweb_{family}" for family in families], "--db", str(db),
                   "--base-urls", json.dumps(web.base_urls())]
        crawl = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, start_new_session=True)
        time.sleep(args.after)
        started = time.monotonic()
        os.killpg(crawl.pid, signal.SIGINT)
        _, stderr = crawl.communicate(timeout=600)
        print(f"SIGINT after {args.after:.1f} s: exit {crawl.returncode} in "
              f"{time.monotonic() - started:.1f} s, {archived(db)} of {total} archived"
              f"{', with a traceback' if 'Traceback' in stderr else ''}")
        for number in (1, 2):
            started = time.monotonic()
            rerun = subprocess.run(command, capture_output=True, text=True, timeout=1200)
            print(f"rerun {number}: exit {rerun.returncode} in {time.monotonic() - started:.1f} "
                  f"s, {archived(db)} of {total} archived")


if __name__ == "__main__":
    main()
