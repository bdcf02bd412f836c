"""What a re-crawl with nothing new costs, as a fraction of the first crawl, in one run.

    python bench/bench_recrawl.py [--articles 300]

A local test web of four sites (three newspapers and a SharePoint portal) with N generated
articles each is crawled into a fresh archive, then crawled again unchanged. The server counts
the requests; each crawl's wall time is measured around its `vnarchive crawl` process.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testweb.generated import generated_articles  # noqa: E402
from testweb.server import TestWeb  # noqa: E402

FAMILIES = ("thanhhoa", "backan", "nghean", "lynhan")
TARGET = 0.05


def crawl(web: TestWeb, db: Path) -> tuple[int, float]:
    for site in web.sites.values():
        site.requests.clear()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "vnarchive", "crawl",
                    *[f"testweb_{f}" for f in FAMILIES], "--db", str(db),
                    "--base-urls", json.dumps(web.base_urls())], check=True, cwd=ROOT,
                   capture_output=True)
    seconds = time.perf_counter() - started
    return sum(sum(site.requests.values()) for site in web.sites.values()), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="articles per site")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, TestWeb(
            list(FAMILIES), articles=generated_articles(FAMILIES, args.articles)) as web:
        db = Path(folder) / "archive.db"
        first_requests, first_seconds = crawl(web, db)
        again_requests, again_seconds = crawl(web, db)
    print(f"test web: {len(FAMILIES)} sites, {args.articles} articles each")
    print(f"{'crawl':<24}{'requests':>10}{'seconds':>10}")
    print(f"{'first':<24}{first_requests:>10}{first_seconds:>10.1f}")
    print(f"{'again, nothing new':<24}{again_requests:>10}{again_seconds:>10.1f}")
    fraction = again_requests / first_requests
    print(f"re-crawl cost: {fraction:.1%} of the requests (target under {TARGET:.0%}), "
          f"{again_seconds / first_seconds:.1%} of the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
