"""Evaluate extraction against hand-written expectations, beside plain trafilatura.

    python bench/eval_extract.py            # the tables
    python bench/eval_extract.py --failures # and every miss, page by page

The "+ profile" column is vnarchive given each site's `article_selector` from its profile, as a
crawl is (hard pages have no profile, so they count as in the first column).

Two kinds of set. The synthetic set: every article page of the local test web (expected
values from the hand-written article sources), the hard pages of tests/extraction/pages and
the CMS-theme pages of tests/fixtures/cms (expected JSON written by hand; pages meant for a
legacy encoding are encoded to it first).
Text is scored as trafilatura's own evaluation does: each `must_contain` snippet found is a
true positive, missed a false negative; each `must_not_contain` snippet found is a false
positive. Title, author and publication date (its day) are scored by exact match. htmldate's
date is scored too, since it is the usual tool for that field; token F1 is scored on the test
web's articles, whose whole text is known.

The real sets: every folder of hand-labelled real pages in the shared folder
(`real-pages/articles`, `real-pages/more`; found beside the checkout or at $VNARCHIVE_SHARED).
Each page is scored on its labels: title exact, published day, author, body first and last
sentence present, the lead present once, free of the labelled boilerplate; vnarchive beside
plain trafilatura (`trafilatura.extract` on the raw bytes) and htmldate
(`find_date(original_date=True)` with the URL), with the pages where ours is empty or worse.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import htmldate
import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.metrics import Counts, share  # noqa: E402
from bench.real_pages import print_real_sets  # noqa: E402
from crawler.profiles import load_profiles  # noqa: E402
from pipelines.encodings import ENCODERS  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from testweb.content import load_articles  # noqa: E402
from testweb.families import ARTICLE_FAMILIES, FAMILIES  # noqa: E402

HARD_PAGES = ROOT / "tests" / "extraction" / "pages"
# Pages written by the team in the markup of common CMS themes (same format as the hard pages).
CMS_PAGES = ROOT / "tests" / "fixtures" / "cms"
# Strings from domain.md's boilerplate list; none may be left in any extracted text.
LISTED_BOILERPLATE = [
    "Skip Ribbon Commands", "Skip to main content", "Xem thêm", "0:00 / 0:00", "Ảnh:",
    "BBK -", "Tin tức, sự kiện", "Google News", "Nguồn tin:", "(Xem trang", "/.",
    "Bài viết liên quan", "Tin cùng chuyên mục", "Tin liên quan", "(1) (1).png",
]


@dataclass
class Case:
    name: str
    page: bytes
    url: str | None
    declared: str | None
    title: str | None
    author: str | None
    published: str | None
    must_contain: list[str]
    must_not_contain: list[str]
    legacy: bool = False
    article_selector: str | None = None  # from the site's profile
    reference: str | None = None  # the whole article text, where the set has it


@dataclass
class Output:
    text: str
    title: str | None
    author: str | None
    published: str | None


@dataclass
class Scores(Counts):
    fields: dict[str, list[bool]] = field(default_factory=lambda: {
        "title": [], "author": [], "published": []})
    boilerplate_pages: list[str] = field(default_factory=list)
    legacy_readable: list[bool] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    token_f1s: list[float] = field(default_factory=list)  # pages with a reference text

    def exact(self, name: str) -> float:
        return share(self.fields[name])


def nfc(text: str | None) -> str | None:
    return unicodedata.normalize("NFC", text) if text is not None else None


def article_page_cases() -> list[Case]:
    cases = []
    articles = load_articles()
    profiles = load_profiles()
    for name in ARTICLE_FAMILIES:
        family = FAMILIES[name]([a for a in articles if a.family == name])
        selector = profiles[f"testweb_{name}"].article_selector or None
        for article in family.articles:
            page = family.render_article(article)
            others = [other.title for other in family.articles if other is not article][:3]
            not_contain = [*others, "Đọc nhiều", "Trang chủ", "Chia sẻ"]
            paragraphs = ([article.lead] if article.lead else []) + article.paragraphs
            if article.author and not any(article.author in p for p in paragraphs):
                not_contain.append(article.author)  # the byline, unless the text names it too
            cases.append(Case(
                name=article.id, page=page.encode("utf-8"),
                url="http://127.0.0.1" + family.article_path(article), declared="utf-8",
                title=article.title, author=article.author or None,
                published=article.published.date().isoformat(),
                must_contain=paragraphs, must_not_contain=not_contain,
                article_selector=selector, reference="\n".join(paragraphs),
            ))
    return cases


def hard_cases(folder: Path = HARD_PAGES, prefix: str = "hard") -> list[Case]:
    cases = []
    for expected_file in sorted(folder.glob("*.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        html = expected_file.with_suffix(".html").read_text(encoding="utf-8")
        serve_as = expected.get("serve_as") or "utf-8"
        cases.append(Case(
            name=f"{prefix}/{expected_file.stem}", page=ENCODERS[serve_as](html),
            url=expected.get("url"), declared=expected.get("claims") or serve_as,
            title=nfc(expected.get("title")), author=nfc(expected.get("author")),
            published=expected.get("published"),
            must_contain=[nfc(s) for s in expected.get("must_contain", [])],
            must_not_contain=[nfc(s) for s in expected.get("must_not_contain", [])],
            legacy=serve_as != "utf-8",
        ))
    return cases


def run_vnarchive(case: Case) -> Output:
    extracted = extract_article(case.page, url=case.url, declared_encoding=case.declared)
    return Output(extracted.text, extracted.title, extracted.author, extracted.published)


def run_vnarchive_with_profile(case: Case) -> Output:
    extracted = extract_article(case.page, url=case.url, declared_encoding=case.declared,
                                article_selector=case.article_selector)
    return Output(extracted.text, extracted.title, extracted.author, extracted.published)


def run_trafilatura(case: Case) -> Output:
    """Plain trafilatura with its defaults, given the bytes as a naive pipeline would."""
    text = trafilatura.extract(case.page, url=case.url) or ""
    metadata = trafilatura.extract_metadata(case.page, default_url=case.url)
    return Output(nfc(text), metadata.title if metadata else None,
                  metadata.author if metadata else None, metadata.date if metadata else None)


def token_f1(got: str, reference: str) -> float:
    """Bag-of-words F1 of a text against its reference, as trafilatura's benchmarks count."""
    got_tokens, want_tokens = Counter(got.split()), Counter(reference.split())
    common = sum((got_tokens & want_tokens).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got_tokens.values()), common / sum(want_tokens.values())
    return 2 * precision * recall / (precision + recall)


def score(cases: list[Case], extractor: Callable[[Case], Output]) -> Scores:
    scores = Scores()
    for case in cases:
        output = extractor(case)
        text = output.text or ""
        for snippet in case.must_contain:
            found = snippet in text
            scores.true_positive += found
            scores.false_negative += not found
            if not found:
                scores.failures.append(f"{case.name}: missing {snippet[:60]!r}")
        for snippet in case.must_not_contain:
            if snippet in text:
                scores.false_positive += 1
                scores.failures.append(f"{case.name}: kept {snippet[:60]!r}")
        if case.reference is not None:
            scores.token_f1s.append(token_f1(text, case.reference))
        if any(listed in text for listed in LISTED_BOILERPLATE):
            scores.boilerplate_pages.append(case.name)
        for name, got, want in (("title", output.title, case.title),
                                ("author", output.author, case.author),
                                ("published", (output.published or "")[:10] or None,
                                 case.published)):
            scores.fields[name].append(got == want)
            if got != want:
                scores.failures.append(f"{case.name}: {name} {got!r} != {want!r}")
        if case.legacy:
            scores.legacy_readable.append(all(s in text for s in case.must_contain))
    return scores


def htmldate_exact(cases: list[Case]) -> float:
    hits = 0
    for case in cases:
        found = htmldate.find_date(case.page.decode("utf-8", errors="replace"), url=case.url,
                                   original_date=True)
        hits += found == case.published
    return hits / max(1, len(cases))


def synthetic_cases() -> list[Case]:
    """The test web's articles, the hard pages and the CMS-theme pages."""
    return article_page_cases() + hard_cases() + hard_cases(CMS_PAGES, "cms")


def evaluate() -> dict[str, Scores]:
    cases = synthetic_cases()
    return {"vnarchive": score(cases, run_vnarchive),
            "+ profile": score(cases, run_vnarchive_with_profile),
            "trafilatura": score(cases, run_trafilatura)}


def print_table(results: dict[str, Scores], cases: list[Case]) -> None:
    hard = sum(case.name.startswith("hard/") for case in cases)
    cms = sum(case.name.startswith("cms/") for case in cases)
    print(f"pages: {len(cases)} ({len(cases) - hard - cms} test-web articles, {hard} hard "
          f"pages, {cms} CMS-theme pages)")
    print(f"{'':<26}{'vnarchive':>12}{'+ profile':>12}{'trafilatura':>14}")
    rows = [
        ("text precision", lambda s: f"{s.precision:.3f}"),
        ("text recall", lambda s: f"{s.recall:.3f}"),
        ("text F1", lambda s: f"{s.f1:.3f}"),
        ("token F1 (test web)", lambda s: f"{sum(s.token_f1s) / max(1, len(s.token_f1s)):.3f}"),
        ("title exact", lambda s: f"{s.exact('title'):.3f}"),
        ("author exact", lambda s: f"{s.exact('author'):.3f}"),
        ("published exact (day)", lambda s: f"{s.exact('published'):.3f}"),
        ("pages with boilerplate", lambda s: f"{len(s.boilerplate_pages)}"),
        ("legacy pages readable", lambda s: f"{sum(s.legacy_readable)}/{len(s.legacy_readable)}"),
    ]
    for label, cell in rows:
        print(f"{label:<26}{cell(results['vnarchive']):>12}{cell(results['+ profile']):>12}"
              f"{cell(results['trafilatura']):>14}")
    print(f"{'htmldate published exact':<26}{'':>24}{htmldate_exact(cases):>14.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list every miss")
    args = parser.parse_args()
    cases = synthetic_cases()
    results = evaluate()
    print_table(results, cases)
    if args.failures:
        for name in ("vnarchive", "+ profile"):
            print(f"\n{name} misses:")
            print("\n".join(results[name].failures) or "none")
        print("pages with listed boilerplate:",
              ", ".join(results["vnarchive"].boilerplate_pages) or "none")
    print_real_sets(args.failures)  # the real sets, when the shared folder is there
    return 0


if __name__ == "__main__":
    sys.exit(main())
