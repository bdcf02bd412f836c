"""One machine against two distributed workers and one writer, on the same test web, in one run.

    python bench/bench_distributed.py [--sites 8] [--articles 40] [--delay 0.2]

A local test web of N sites (each its own host:port) with generated articles answers every
request after `--delay` seconds, as a slow portal does, so a crawl's time is spent waiting on
hosts, politely, rather than on this machine's CPU. The same web is crawled by one
`vnarchive crawl` into one archive, then by two `vnarchive crawl --redis` workers and one
`vnarchive ingest` (on a private redis-server) into another. "seconds" runs from the start to
the moment the archive holds every article (polled), so the workers' and writer's idle wait at
the end is left out; "all exited" includes it.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testweb.generated import generated_articles  # noqa: E402
from testweb.redis_server import LocalRedis  # noqa: E402
from testweb.server import TestWeb  # noqa: E402

FAMILIES = ("thanhhoa", "backan", "nghean", "lynhan", "quangnam", "phutho", "camau",
            "laocai", "bentre", "gialai", "namdinh", "thaibinh")


def archived(db: Path) -> int:
    try:
        with sqlite3.connect(db) as connection:
            return connection.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def vnarchive(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vnarchive", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(processes: list[subprocess.Popen], db: Path, total: int) -> tuple[float, float]:
    """Seconds until the archive holds every article, and until every process exited."""
    started = time.perf_counter()
    complete = None
    while any(process.poll() is None for process in processes):
        if complete is None and archived(db) >= total:
            complete = time.perf_counter() - started
        time.sleep(0.2)
    exited = time.perf_counter() - started
    if any(process.returncode for process in processes) or archived(db) < total:
        raise SystemExit(f"a crawl failed: {archived(db)} of {total} articles archived")
    return (complete or exited), exited


def requests_served(web: TestWeb) -> int:
    count = sum(sum(site.requests.values()) for site in web.sites.values())
    for site in web.sites.values():
        site.requests.clear()
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=8, help=f"at most {len(FAMILIES)}")
    parser.add_argument("--articles", type=int, default=40, help="articles per site")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per answer")
    args = parser.parse_args()
    families = FAMILIES[:args.sites]
    total = len(families) * args.articles
    with tempfile.TemporaryDirectory() as folder, LocalRedis() as redis, TestWeb(
            list(families), articles=generated_articles(families, args.articles)) as web:
        for site in web.sites.values():
            site.delay = args.delay
        names = [site.profile_name for site in web.sites.values()]
        base_urls = json.dumps(web.base_urls())
        one_db, shared_db = Path(folder) / "one.db", Path(folder) / "shared.db"

        one = timed([vnarchive("crawl", *names, "--db", str(one_db), "--base-urls", base_urls)],
                    one_db, total)
        one_requests = requests_served(web)
        worker = ("crawl", *names, "--redis", redis.url, "--base-urls", base_urls,
                  "--idle-timeout", "3")
        two = timed([vnarchive(*worker), vnarchive(*worker),
                     vnarchive("ingest", "--redis", redis.url, "--db", str(shared_db),
                               "--idle-timeout", "5")], shared_db, total)
        two_requests = requests_served(web)

    print(f"test web: {len(families)} sites, {args.articles} articles each, "
          f"{args.delay:.2f} s per answer")
    print(f"{'crawl':<26}{'seconds':>9}{'all exited':>12}{'requests':>10}{'pages/s':>9}")
    for label, (seconds, exited), requests in (("one machine", one, one_requests),
                                               ("two workers + ingest", two, two_requests)):
        print(f"{label:<26}{seconds:>9.1f}{exited:>12.1f}{requests:>10}"
              f"{requests / seconds:>9.1f}")
    print(f"ratio: two workers / one machine throughput {one[0] / two[0]:.2f} "
          f"(articles per second, {total} articles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
