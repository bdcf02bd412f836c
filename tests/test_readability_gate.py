"""The readability gate (pipelines/readability_gate.py) skips trafilatura's comparison with
readability only where the comparison would keep trafilatura's own text: on every page and
article region here, trafilatura gives the same text with the gate as without it, and the gate
does skip on regions (so this can fail). The pages: the hand-written extraction pages, the test
web's articles in every family, and the real pages of ../shared when present."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import lxml.html
import pytest
import trafilatura

import pipelines.readability_gate as gate
from testweb.content import load_articles
from testweb.families import ARTICLE_FAMILIES, FAMILIES

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("VNARCHIVE_SHARED", ROOT.parent / "shared"))
# Where an article's body sits in the markup these pages use (the profiles' selectors and the
# CMS themes'): each match is read as a region, as a profile's or a learned selector gives it.
REGIONS = ("//article | //*[contains(@class, 'detail') or contains(@class, 'content') "
           "or contains(@class, 'post') or contains(@id, 'content') or contains(@class, 'body')]")

pytestmark = pytest.mark.skipif(trafilatura.__version__ != gate.GATED_RELEASE,
                                reason=f"the gate is only for trafilatura {gate.GATED_RELEASE}")


def pages() -> list[tuple[str, bytes]]:
    found = [(path.name, path.read_bytes())
             for path in sorted((ROOT / "tests" / "extraction" / "pages").glob("*.html"))]
    articles = load_articles()
    for name in ARTICLE_FAMILIES:
        family = FAMILIES[name]([a for a in articles if a.family == name])
        found += [(f"{name}:{article.id}", family.render_article(article).encode())
                  for article in family.articles[:6]]
    real = SHARED / "real-pages"
    if real.is_dir():
        found += [(str(path.relative_to(real)), path.read_bytes())
                  for path in sorted(real.rglob("*.html"))[:80]]
    return found


def trees(page: bytes) -> list:
    """The whole page, and each region of it the REGIONS expression names (at most 4)."""
    try:
        whole = lxml.html.fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return []
    return [whole] + whole.xpath(REGIONS)[:4]


def text_of(tree) -> str:
    document = trafilatura.bare_extraction(copy.deepcopy(tree), with_metadata=False,
                                           include_comments=False, deduplicate=False,
                                           include_tables=True)
    return document.text if document else ""


def test_the_gate_changes_no_text_and_does_skip(monkeypatch):
    skipped = []
    decide = gate.readability_cannot_win

    def counted(*args):
        result = decide(*args)
        skipped.append(result)
        return result
    monkeypatch.setattr(gate, "readability_cannot_win", counted)
    compared = 0
    for name, page in pages():
        for tree in trees(page):
            plain = text_of(tree)
            with gate.gated():
                assert text_of(tree) == plain, name
            compared += 1
    assert trafilatura.core.compare_extraction is gate.compare_extraction  # put back
    assert compared > 100 and sum(skipped) >= 20, (compared, sum(skipped))
