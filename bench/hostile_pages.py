"""Careless and hostile variants of real and test-web pages through the workers' task.

    python bench/hostile_pages.py [--seed 1] [--slow 2.0] [--test-web 20]

Each page (the real pages of ../shared/real-pages when they are there, else --test-web pages
of the test web) is cut short, has bytes flipped or control bytes put in, is re-encoded or
given a lying charset, nested in thousands of elements, served twenty times over, stripped of
its closing tags' slashes, given a 2 MB attribute, a title of a whole page, broken entities,
noncharacters and so on (`variants` below). Each variant is read as a crawl reads it
(`process_page_in_region` with a fresh site region) and as `vnarchive extract` reads it
(`process_article`). Printed: every exception but NotAnArticle (the page holds no article: an
answer, not a failure) and every reading that took more than --slow seconds of CPU, then the
counts. The exit code is 1 when an exception was printed. A crawl stops a page at 10 s of CPU
(VNARCHIVE_PAGE_CPU_SECONDS), so a slow reading costs time, never the crawl.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.page_task import NotAnArticle  # noqa: E402
from pipelines.process import process_article, process_page_in_region  # noqa: E402
from pipelines.site_region import SiteRegion  # noqa: E402

URL = "https://example.vn/tin-tuc/bai-viet-1.html"


def variants(body: bytes, rng: random.Random, scale: int = 1) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each careless or hostile form of one page; `scale` divides the sizes
    of the large ones (a test's quick run)."""
    size = len(body)
    for number in range(2):
        yield f"cut short {number}", body[:rng.randrange(size)]
    flipped = bytearray(body)
    for _ in range(30):
        flipped[rng.randrange(size)] = rng.randrange(256)
    yield "bytes flipped", bytes(flipped)
    controls = bytearray(body)
    for _ in range(30):
        controls.insert(rng.randrange(len(controls)), rng.choice([0, 1, 0x1B, 0x7F, 0x0B]))
    yield "control bytes", bytes(controls)
    text = body.decode("utf-8", "replace")
    yield "UTF-16", text.encode("utf-16")
    yield "UTF-16 without its mark", text.encode("utf-16-le")
    yield "Latin-1, declared UTF-8", text.encode("latin-1", "replace")
    yield "windows-1258", text.encode("cp1258", "replace")
    depth = 5000 // scale
    yield "nested in divs", b"<div>" * depth + body + b"</div>" * depth
    yield "unclosed spans", body.replace(b"<body", b"<body>" + b"<div><span>" * depth + b"<x", 1)
    yield "served twenty times", body * max(2, 20 // scale)
    yield "closing tags lost their slash", body.replace(b"</", b"<")
    yield "a 2 MB attribute", body.replace(
        b"<body", b"<body data-x='" + b"A" * (2_000_000 // scale) + b"'", 1)
    yield "zero-width and bidi", text.replace(" ", "\u200b \u202e").encode()
    yield "noncharacters", text.replace("a", "a\ufffe\uffff\U0010ffff", 50).encode()
    yield "entities", text.replace(
        " ", " &#0; &#xD800; &#x110000; &#99999999999; &bogus; ", 200).encode()
    yield "one line", text.replace("\n", " ").encode()
    yield "carriage returns", text.replace("\n", "\r").encode()
    yield "empty paragraphs", body.replace(b"<p", b"<p></p><p", 500)
    yield "open comments", body.replace(b"<p", b"<!--", 30)
    yield "open CDATA", body.replace(b"<p", b"<![CDATA[", 30)
    yield "open script", body.replace(b"<p", b"<script>", 1)
    yield "charset UTF-16 declared", body.replace(b"<head>", b'<head><meta charset="utf-16">', 1)
    yield "charset of junk", body.replace(b"<head>", b'<head><meta charset="x-\xff\xfe">', 1)
    yield "two byte-order marks", b"\xef\xbb\xbf\xff\xfe" + body
    yield "gzip magic", b"\x1f\x8b\x08" + body
    yield "a title of a whole page", body.replace(
        b"<title>", b"<title>" + "Hội nghị ".encode() * (100_000 // scale), 1)
    yield "a date of junk", body.replace(
        b"<body", b'<meta property="article:published_time" content="9999-99-99T99:99"><body', 1)
    yield "year one", body.replace(
        b"<body", b'<meta property="article:published_time" content="0001-01-01"><body', 1)
    yield "an EBCDIC declaration", b'<?xml version="1.0" encoding="ebcdic"?>' + body
    lines = 20_000 // scale
    yield "thousands of dated lines and menus", body.replace(b"<body", b"<body><ul>" + "".join(
        f"<li class='menu-{n}'>Ngày {n}: tin số {n}</li>" for n in range(lines)).encode()
        + b"</ul", 1)


def read_variant(name: str, data: bytes) -> tuple[list[str], float]:
    """Problems (exceptions) of both readings of one variant, and the slower one's CPU."""
    problems, slowest = [], 0.0
    for reading, read in (("crawl", lambda: process_page_in_region(
            data, URL, None, SiteRegion().request())), ("extract", lambda: process_article(
            data, URL, None))):
        started = time.process_time()
        try:
            read()
        except NotAnArticle:
            pass
        except Exception as error:  # noqa: BLE001 (any other exception is what is looked for)
            problems.append(f"{name} ({reading}): {type(error).__name__}: {error}"[:300])
        slowest = max(slowest, time.process_time() - started)
    return problems, slowest


def pages(test_web: int) -> list[tuple[str, bytes]]:
    shared = Path(os.environ.get("VNARCHIVE_SHARED", ROOT.parent / "shared")) / "real-pages"
    found = sorted(shared.glob("*/*.html"))
    if found:
        return [(f"{path.parent.name}/{path.name}", path.read_bytes()) for path in found]
    from testweb.content import load_articles
    from testweb.families import ARTICLE_FAMILIES, FAMILIES

    made = []
    for name in ARTICLE_FAMILIES:
        family = FAMILIES[name]([a for a in load_articles() if a.family == name])
        made += [(f"testweb/{name}/{article.number}", family.render_article(article).encode())
                 for article in family.articles[:2]]
    return made[:test_web]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slow", type=float, default=2.0, help="CPU seconds a reading may take")
    parser.add_argument("--test-web", type=int, default=20,
                        help="test-web pages to use when ../shared/real-pages is not there")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failed = slow = readings = 0
    for label, body in pages(args.test_web):
        for name, data in variants(body, rng):
            problems, seconds = read_variant(name, data)
            readings += 2
            for problem in problems:
                print(f"EXCEPTION {label}, {problem}", flush=True)
            failed += len(problems)
            if seconds > args.slow:
                slow += 1
                print(f"SLOW {label}, {name}: {seconds:.1f} s of CPU", flush=True)
    print(f"{readings} readings: {failed} exceptions, {slow} slower than {args.slow} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
