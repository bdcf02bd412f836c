"""Per-page cost of extraction on a site never seen: the learned article region against the
hand-written `article_selector`, the whole page, and plain trafilatura.

    python bench/bench_region.py [--pages 300]
    python bench/bench_region.py --real ../shared/real-pages/articles --site sotttt

The pages are bench/bench_pipeline.py's (five families' markup padded with real portals'
navigation to 50-70 KB), read in one process, in crawl order, as one site: the "site never
seen" job starts knowing nothing and learns its region as a crawl does (pipelines.region),
so its first pages are read whole and located. Each job prints CPU ms per page; the learned
job also how many pages it read in the region and how many rows differ from the
hand-written selector's (title, text, author, lead).

With --real, the saved pages of one real site (files named SITE*.html, in their numbered
order) are read whole and with a learned region, and scored against the folder's hand labels
(labels.json: body first and last sentence present, boilerplate strings absent).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from bench.bench_pipeline import PROFILE, build_pages  # noqa: E402
from pipelines.region import extract_with_region  # noqa: E402
from pipelines.site_region import RegionRequest, SiteRegion  # noqa: E402

HAND_SELECTOR = next(line.split(" = ", 1)[1].strip('"') for line in PROFILE.splitlines()
                     if line.startswith("article_selector"))


def row(extracted) -> tuple:
    return extracted.title, extracted.text, extracted.author, extracted.lead


def run_fixed(pages: list[tuple[str, bytes]], request: RegionRequest) -> tuple[float, list]:
    started, rows = time.process_time(), []
    for url, body in pages:
        rows.append(row(extract_with_region(body, url, None, request)[0]))
    return time.process_time() - started, rows


def run_learning(pages: list[tuple[str, bytes]]) -> tuple[float, list, int, SiteRegion]:
    region, rows, in_region = SiteRegion(), [], 0
    started = time.process_time()
    for url, body in pages:
        extracted, report = extract_with_region(body, url, None, region.request())
        region.observe(report)
        in_region += report.in_learned_region
        rows.append(row(extracted))
    return time.process_time() - started, rows, in_region, region


def run_trafilatura(pages: list[tuple[str, bytes]]) -> float:
    started = time.process_time()
    for url, body in pages:
        trafilatura.extract(body.decode("utf-8"), url=url)
    return time.process_time() - started


def _present(sentence: str, text: str) -> bool:
    """A labelled sentence in the text (its first 60 characters: end marks vary)."""
    return " ".join(sentence.split())[:60] in " ".join(text.split())


def score(extracted, label: dict) -> tuple[int, int, int]:
    return (_present(label["body_first"], extracted.text),
            _present(label["body_last"], extracted.text),
            not any(boilerplate in extracted.text for boilerplate in label["boilerplate"]))


def run_real(folder: Path, site: str) -> None:
    files = sorted(folder.glob(f"{site}*.html"),
                   key=lambda f: int(re.sub(r"\D", "", f.stem.rsplit("_", 1)[-1]) or 0))
    labels = {}
    if (folder / "labels.json").exists():
        labels = {label["file"]: label for label in
                  json.loads((folder / "labels.json").read_text(encoding="utf-8"))}
    pages = [(labels.get(f.name, {}).get("url") or f"http://{site}/{f.stem}", f.read_bytes())
             for f in files]
    whole_seconds, _ = run_fixed(pages, RegionRequest())
    learned_seconds, _, in_region, region = run_learning(pages)
    print(f"{len(pages)} saved pages of {site}; learned region {region.learned!r}, "
          f"{in_region} pages read in it")
    print(f"{'job':<34}{'CPU ms/page':>12}{'first':>7}{'last':>6}{'clean':>7}")
    for name, seconds, learn in (("whole page", whole_seconds, False),
                                 ("learned region", learned_seconds, True)):
        totals, learning = [0, 0, 0], SiteRegion()
        for (url, body), file in zip(pages, files, strict=True):
            request = learning.request() if learn else RegionRequest()
            extracted, report = extract_with_region(body, url, None, request)
            learning.observe(report)
            if file.name in labels:
                totals = [a + b for a, b in zip(totals, score(extracted, labels[file.name]),
                                                strict=True)]
        print(f"{name:<34}{seconds / len(pages) * 1000:>12.1f}"
              + "".join(f"{t:>{w}}" for t, w in zip(totals, (7, 6, 7), strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--real", type=Path, help="a folder of saved real pages")
    parser.add_argument("--site", help="with --real: the site's file prefix")
    args = parser.parse_args()
    if args.real:
        run_real(args.real, args.site or "")
        return 0
    built, locations = build_pages(args.pages)
    pages = [(f"http://127.0.0.1{path}", built[path]) for path in locations]
    hand_seconds, hand_rows = run_fixed(pages, RegionRequest(HAND_SELECTOR))
    learned_seconds, learned_rows, in_region, region = run_learning(pages)
    whole_seconds, whole_rows = run_fixed(pages, RegionRequest())
    plain_seconds = run_trafilatura(pages)
    count = len(pages)
    print(f"{count} article pages, mean {sum(len(b) for _, b in pages) / count / 1024:.0f} KB")
    print(f"{'job':<34}{'CPU ms/page':>12}{'rows unlike the selector':>26}")
    for name, seconds, rows in (
            ("hand-written article_selector", hand_seconds, hand_rows),
            ("site never seen (learned region)", learned_seconds, learned_rows),
            ("whole page (no region)", whole_seconds, whole_rows),
            ("plain trafilatura.extract", plain_seconds, None)):
        differ = "" if rows is None else str(
            sum(a != b for a, b in zip(rows, hand_rows, strict=True)))
        print(f"{name:<34}{seconds / count * 1000:>12.1f}{differ:>26}")
    print(f"learned region {region.learned!r}: {in_region} of {count} pages read in it; "
          f"learned/selector cost {learned_seconds / hand_seconds:.2f}, "
          f"whole page/learned {whole_seconds / learned_seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
