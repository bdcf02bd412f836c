"""Every field of many page readings, as JSON lines: run in two checkouts and compare the files
to show that a change to the processing path left its outputs as they were.

    python bench/page_readings.py OUT.jsonl [--per-family 25] [--bench-pages 100] [--per-folder N]
    cd OTHER_CHECKOUT && python /path/to/bench/page_readings.py OTHER.jsonl
    cmp OUT.jsonl OTHER.jsonl

Each page goes through `process_page_in_region` (extraction, cleaning, classification, the
region's report) the ways a crawl reads it: the test web's article families whole, with their
profile's `article_selector` and with a region learned page after page (pipelines.region);
the hard pages, the CMS themes and the real pages (the shared folder's real-pages sets, when
present) whole and, per site with four pages or more, learned; the bench's
pages whole, with the hand selector and learned. Only readings are written, to OUT (outside
the project): the real pages' texts stay where they are.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# The checkout this runs in (its working directory) is the one measured.
sys.path.insert(0, str(Path.cwd()))

from bench.bench_pipeline import PROFILE, build_pages  # noqa: E402
from bench.real_pages import shared_folder  # noqa: E402
from crawler.profiles import load_profiles  # noqa: E402
from pipelines.process import NotAnArticle, process_page_in_region  # noqa: E402
from testweb.content import load_articles  # noqa: E402
from testweb.families import ARTICLE_FAMILIES, FAMILIES  # noqa: E402

try:  # checkouts before the region state had a module of its own
    from pipelines.site_region import RegionReport, RegionRequest, SiteRegion
except ImportError:
    from pipelines.region import RegionReport, RegionRequest, SiteRegion

PAGE_FOLDERS = ("tests/extraction/pages", "tests/fixtures/cms")
REAL_SETS = ("articles", "html", "listings", "more")
LEARNED_FROM = 4  # pages of one site before its learned reading is worth writing


def reading(tag: str, url: str, body: bytes, request: RegionRequest) -> dict:
    try:
        fields, report = process_page_in_region(body, url, None, request)
        outcome = {"fields": fields, "report": report.__dict__}
    except NotAnArticle as reason:
        outcome = {"error": f"{type(reason).__name__}: {reason}"}
    return {"tag": tag, "url": url, **outcome}


def learned_readings(tag: str, pages: list[tuple[str, bytes]]) -> list[dict]:
    """The pages read in order as one site never seen: the region learned as a crawl does."""
    region, readings = SiteRegion(None), []
    for url, body in pages:
        readings.append(reading(tag, url, body, region.request()))
        if "report" in readings[-1]:
            region.observe(RegionReport(**readings[-1]["report"]))
    return readings


def family_readings(per_family: int) -> list[dict]:
    profiles, articles, readings = load_profiles(), load_articles(), []
    for name in ARTICLE_FAMILIES:
        family = FAMILIES[name]([a for a in articles if a.family == name])
        pages = [(f"http://127.0.0.1{family.article_path(article)}",
                  family.render_article(article).encode())
                 for article in family.articles[:per_family]]
        selector = profiles[f"testweb_{name}"].article_selector
        for url, body in pages:
            readings.append(reading("testweb whole", url, body, RegionRequest()))
            readings.append(reading("testweb selector", url, body, RegionRequest(selector)))
        readings += learned_readings(f"testweb learned {name}", pages)
    return readings


def folder_readings(folder: Path, limit: int | None = None) -> list[dict]:
    """A folder's saved pages (its first `limit`), named SITE_N.html or NN-name.html."""
    readings, sites = [], {}
    for path in sorted(folder.glob("*.html"))[:limit]:
        site = path.stem.split("_")[0]
        url = f"http://{site}/{path.name}"
        readings.append(reading(f"{folder.name} whole", url, path.read_bytes(), RegionRequest()))
        sites.setdefault(site, []).append((url, path.read_bytes()))
    for site, pages in sites.items():
        if len(pages) >= LEARNED_FROM:
            readings += learned_readings(f"{folder.name} learned {site}", pages)
    return readings


def bench_readings(count: int) -> list[dict]:
    pages, locations = build_pages(count)
    hand = next(line.split(" = ", 1)[1].strip('"') for line in PROFILE.splitlines()
                if line.startswith("article_selector"))
    bench = [(f"http://127.0.0.1{path}", pages[path]) for path in locations]
    readings = []
    for url, body in bench:
        readings.append(reading("bench whole", url, body, RegionRequest()))
        readings.append(reading("bench selector", url, body, RegionRequest(hand)))
    return readings + learned_readings("bench learned", bench)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-family", type=int, default=25)
    parser.add_argument("--bench-pages", type=int, default=100)
    parser.add_argument("--per-folder", type=int, help="pages of each folder (default: all)")
    args = parser.parse_args()
    folders = [Path(name) for name in PAGE_FOLDERS]
    shared = shared_folder()
    if shared is not None:
        folders += [shared / "real-pages" / name for name in REAL_SETS]
    readings = family_readings(args.per_family)
    for folder in folders:
        readings += folder_readings(folder, args.per_folder)
    readings += bench_readings(args.bench_pages)
    with args.out.open("w", encoding="utf-8") as out:
        for one in readings:
            out.write(json.dumps(one, ensure_ascii=False, sort_keys=True, default=str) + "\n")
    print(f"{len(readings)} readings written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
