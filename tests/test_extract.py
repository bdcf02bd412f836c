"""Extraction of whole pages: real portal pages are recognised as navigation, the test web's
articles are not."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import trafilatura
from lxml import html as lxml_html

from bench.eval_extract import (
    CMS_PAGES,
    article_page_cases,
    hard_cases,
    run_trafilatura,
    run_vnarchive,
    run_vnarchive_with_profile,
    score,
    synthetic_cases,
)
from pipelines.extract import article_region, extract_article, parse_html
from tests.conftest import run_vnarchive as run_command
from testweb.content import load_articles
from testweb.families import ARTICLE_FAMILIES, FAMILIES
from testweb.shared import MISSING, real_pages

REAL_PAGES = real_pages("html")  # the shared folder's; None on a clean clone
# The three real pages that are static prose (functions of the department, its introduction,
# a Q&A page): not navigation, and not articles either; the crawl's article pattern keeps them
# out. Every other real page is a home or category listing.
STATIC_PROSE_PAGES = {"sotttt.hanoi.gov.vn_6.html", "sotttt.hanoi.gov.vn_8.html",
                      "sotttt.hanoi.gov.vn_10.html"}


def read_real(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig")


@pytest.mark.skipif(REAL_PAGES is None, reason=MISSING)
def test_real_listing_pages_are_navigation():
    flagged = {path.name for path in REAL_PAGES.glob("*.html")
               if extract_article(read_real(path)).is_navigation}
    print(f"\nreal portal pages recognised as navigation: {len(flagged)} of 16")
    assert flagged == {path.name for path in REAL_PAGES.glob("*.html")} - STATIC_PROSE_PAGES


@pytest.mark.timeout(60)
def test_test_web_listings_are_navigation_and_articles_are_not(testweb):
    for name in ARTICLE_FAMILIES:
        site = testweb.sites[name]
        for path in [*site.family.listing_pages(), "/"]:
            with urllib.request.urlopen(site.base_url + path, timeout=10) as response:
                assert extract_article(response.read().decode()).is_navigation, path
        for article in site.family.articles:
            url = site.base_url + site.family.article_path(article)
            with urllib.request.urlopen(url, timeout=10) as response:
                extracted = extract_article(response.read().decode(), url=url)
            assert not extracted.is_navigation, article.id


# Measured 2026-11-26 with bench/eval_extract.py; floors may only rise.
TEXT_F1_FLOOR = 0.99
FIELD_FLOOR = 0.97


def test_evaluation_floors_and_trafilatura_side_by_side():
    cases = synthetic_cases()
    ours, plain = score(cases, run_vnarchive), score(cases, run_trafilatura)
    print(f"\ntext F1 {ours.f1:.3f} (trafilatura {plain.f1:.3f}); author exact "
          f"{ours.exact('author'):.3f} (trafilatura {plain.exact('author'):.3f})")
    assert len(hard_cases()) >= 20 and len(hard_cases(CMS_PAGES, "cms")) >= 7
    assert len(cases) >= 40
    assert ours.f1 >= TEXT_F1_FLOOR, ours.failures
    for field_name in ("title", "author", "published"):
        assert ours.exact(field_name) >= FIELD_FLOOR, (field_name, ours.failures)
    assert ours.boilerplate_pages == []
    assert all(ours.legacy_readable) and len(ours.legacy_readable) >= 5
    assert ours.f1 > plain.f1  # the point of the cleaning


def test_the_profiles_article_selector_keeps_the_floors_and_is_used():
    """A crawl reads only the element the profile names: held to the same floors, and the
    region really is what trafilatura read (a selector that matches nothing says so)."""
    cases = article_page_cases()
    assert all(case.article_selector for case in cases)
    with_profile = score(cases, run_vnarchive_with_profile)
    assert with_profile.f1 >= TEXT_F1_FLOOR, with_profile.failures
    for field_name in ("title", "author", "published"):
        assert with_profile.exact(field_name) >= FIELD_FLOOR, (field_name, with_profile.failures)
    assert with_profile.boilerplate_pages == []
    case = cases[0]
    region = article_region(parse_html(case.page.decode()), case.article_selector)
    assert region is not None
    assert len(lxml_html.tostring(region, encoding="unicode")) < len(case.page.decode()) / 2
    missed = extract_article(case.page, url=case.url, article_selector="div.no-such-thing")
    assert any("matched nothing" in warning for warning in missed.warnings)
    assert missed.text == extract_article(case.page, url=case.url).text


def test_extract_command_prints_the_fields(tmp_path):
    article = next(a for a in load_articles("backan") if a.number == 1)
    page = tmp_path / "page.html"
    page.write_bytes(FAMILIES["backan"]([article]).render_article(article).encode("utf-8"))
    result = run_command("extract", str(page), "--site", "testweb_backan")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["title"] == "Huyện ủy Ngân Sơn triển khai nhiệm vụ năm 2024"
    assert output["published"] == "2024-01-11T09:00:00+07:00"
    assert output["published_source"] == "meta" and output["encoding"] == "utf-8"
    assert output["is_meeting_report"] and output["meeting"]["locality"] == "Ngân Sơn"
    assert output["meeting"]["province_2025"] == "Thái Nguyên"
    assert "BBK" not in output["text"] and "0:00" not in output["text"]


# CMS themes (tests/fixtures/cms, written by the team in each theme's markup) -----------------
@pytest.mark.parametrize("case", hard_cases(CMS_PAGES, "cms"), ids=lambda case: case.name)
def test_cms_theme_pages(case):
    """Sidebar words on <body> and on the article's containers, mega-menus, CMS credit
    lines, labelled and 12-hour datelines, offsets, broken JSON-LD: each field as labelled."""
    expected = json.loads((CMS_PAGES / f"{case.name.removeprefix('cms/')}.json").read_text())
    found = extract_article(case.page, url=case.url)
    assert (found.title, found.author) == (case.title, case.author)
    assert (found.published or "")[:10] == case.published
    assert [s for s in case.must_contain if s not in found.text] == []
    assert [s for s in case.must_not_contain if s in found.text] == []
    if expected.get("language"):
        assert found.language == expected["language"]
    if expected.get("lead"):
        assert found.text.count(expected["lead"]) == 1  # printed apart from the body, kept once
    for row in expected.get("table_rows", []):  # a table of figures reaches the text row by row
        assert any(all(cell in line for cell in row) for line in found.text.splitlines()), row


def test_never_empty_where_plain_trafilatura_finds_an_article():
    for case in synthetic_cases():
        if trafilatura.extract(case.page, url=case.url):
            assert extract_article(case.page, url=case.url,
                                   declared_encoding=case.declared).text, case.name


def test_the_floor_takes_plain_trafilatura_when_our_cleaning_loses_the_article():
    """A profile whose article_selector names a teaser box: our text is one teaser line,
    plain trafilatura finds the article; its text is used (with our line cleaning) and the
    warning says so, for the crawl's stats and `sites check`."""
    page = (CMS_PAGES / "02-drupal-one-sidebar.html").read_bytes()
    found = extract_article(page, article_selector="#block-views-tin-moi-block")
    assert found.fell_back
    assert any(w.startswith("trafilatura_fallback") for w in found.warnings)
    assert "37 hộ dân đã đăng ký hiến gần 1.200 mét vuông đất" in found.text
    assert "Bản quyền thuộc" not in found.text
    assert not extract_article(page).fell_back


def test_pruning_never_removes_the_article_or_its_frame():
    """The article column named like a sidebar (VnExpress `sidebar-1`, `l-sidebar-fixed`,
    `penci_sidebar`) stays; side blocks go, and --explain says which rule removed them."""
    for name in ("05-vnexpress-style-mega-menu", "06-news-theme-sidebar-containers"):
        found = extract_article((CMS_PAGES / f"{name}.html").read_bytes())
        removed = "\n".join(found.explanation)
        assert "sidebar-1" not in removed and "l-sidebar-fixed" not in removed
        assert "penci_sidebar" not in removed.split(": ")[0]
        assert "sidebar-2" in removed or "penci-sidebar-right" in removed
        assert any(line.startswith("date: ") for line in found.explanation)


def test_the_floor_is_not_read_on_a_page_of_thousands_of_elements(monkeypatch):
    """A page of few sentences sends plain trafilatura to its jusText rescue, which walks the
    paragraphs once per paragraph: 20,000 list items cost 18 s. Past FLOOR_MAX_ELEMENTS the
    floor's plain reading is skipped and ours stands; under it, the floor is read."""
    import pipelines.extract as extract

    plain_readings = []
    monkeypatch.setattr(extract.trafilatura, "extract",
                        lambda *args, **kwargs: plain_readings.append(1) or "")
    body = "<p>Ủy ban nhân dân huyện họp phiên thường kỳ tháng 6 năm 2024.</p>"

    def page(items: int) -> str:
        listing = "".join(f"<li>Tin số {n}</li>" for n in range(items))
        return f"<html><body><article>{body}</article><ul>{listing}</ul></body></html>"

    extract_article(page(extract.FLOOR_MAX_ELEMENTS // 2))
    assert plain_readings == [1]
    extract_article(page(extract.FLOOR_MAX_ELEMENTS + 1))
    assert plain_readings == [1]


def test_a_removed_blocks_description_quotes_its_opening_words():
    """--explain quotes the first 60 characters of a removed block's text, its spaces
    normalized, read only as far as needed: the same words as the whole text normalized."""
    from pipelines.pruning import prune_side_blocks

    side = ("<aside class='sidebar'>  <h3>Tin\n  liên quan</h3><!-- a note -->"
            + "".join(f"<p><a href='/{n}'>Bài   số {n}</a> xem   thêm</p>" for n in range(40))
            + "</aside>")
    body = "<p>" + "Ủy ban nhân dân huyện họp phiên thường kỳ tháng 6. " * 5 + "</p>"
    tree = parse_html(f"<html><body><article>{body}</article>{side}</body></html>")
    whole = " ".join(parse_html(f"<html><body>{side}</body></html>").xpath(
        "string(//aside)").split())
    (removed,) = prune_side_blocks(tree)
    assert removed.endswith(f": {whole[:60]!r}") and len(whole) > 60
    assert removed.startswith("aside.sidebar: class token 'sidebar'")


def test_extract_command_explains(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes((CMS_PAGES / "01-wordpress-news-theme.html").read_bytes())
    result = run_command("extract", str(page), "--explain")
    assert result.returncode == 0, result.stderr
    explanation = json.loads(result.stdout)["explanation"]
    assert any("widget" in line for line in explanation)
    assert "date: time-element" in explanation
