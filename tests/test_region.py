"""The learned article region (pipelines.region): where it is found, how it is agreed on,
checked and forgotten, and that a site never seen gets the rows its hand-written selector
gives."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml.cssselect import CSSSelector

from crawler.profiles import SITES_DIR, load_profiles
from pipelines.extract import extract_article, parse_html
from pipelines.region import extract_with_region, locate_region
from pipelines.site_region import (
    AGREEING_PAGES,
    MISSES_TO_FORGET,
    RegionReport,
    RegionRequest,
    SiteRegion,
    SiteRegions,
)
from testweb.content import load_articles
from testweb.families import ARTICLE_FAMILIES, FAMILIES

from .conftest import PROJECT_ROOT, query, run_vnarchive

CRAWLED = ("thanhhoa", "lynhan", "nghean")


def family_pages(name: str, count: int = 3) -> list[tuple[str, bytes]]:
    family = FAMILIES[name]([a for a in load_articles() if a.family == name])
    return [(f"http://127.0.0.1{family.article_path(article)}",
             family.render_article(article).encode()) for article in family.articles[:count]]


@pytest.mark.parametrize("name", ARTICLE_FAMILIES)
def test_the_region_found_is_the_element_the_profile_names(name):
    selector = load_profiles()[f"testweb_{name}"].article_selector
    for url, page in family_pages(name):
        extracted = extract_article(page, url=url)
        found = locate_region(extracted.html, extracted.text, extracted.title)
        tree = parse_html(extracted.html)
        assert found and CSSSelector(found)(tree)[0] is CSSSelector(selector)(tree)[0], found


def test_a_text_that_is_not_on_the_page_has_no_region():
    page = "<html><body><div id='a'><p>Một đoạn văn bản hoàn toàn khác trên trang.</p></div>"
    assert locate_region(page, "Văn bản này không hề có trên trang web ấy, dù chỉ một dòng.") \
        is None


def test_a_text_spread_over_several_documents_has_no_region():
    """A response of one page served several times over (a broken proxy, a CMS that appends
    its template again) parses into sibling roots, none holding the text's share: no region,
    and the page is still read whole."""
    url, page = family_pages("thanhhoa", 1)[0]
    repeated = page * 4
    extracted = extract_article(repeated, url=url)
    assert extracted.text and locate_region(extracted.html, extracted.text,
                                            extracted.title) is None
    read, report = extract_with_region(repeated, url, None, SiteRegion().request())
    assert read.text == extracted.text and report.candidate is None


def test_an_element_whose_tag_is_no_css_name_has_no_selector():
    """libxml2 keeps the tag a broken page gives an element ("d<v" from a flipped byte); a
    selector of it made cssselect raise and failed the page. It has no region now."""
    text = "Huyện ủy tổ chức hội nghị triển khai nhiệm vụ quý II năm 2024 tại huyện. " * 8
    menu = "".join(f"<li><a href='/m{n}'>Chuyên mục số {n} của cổng</a></li>" for n in range(30))
    page = (f"<html><body><ul>{menu}</ul><div class='main'><d<v class='noi-dung'><h1>Huyện ủy "
            f"triển khai nhiệm vụ</h1><p>{text}</p><p>{text}</p></d<v><div><ul>{menu}</ul>"
            f"</div></div></body></html>")
    extracted = extract_article(page.encode(), url="http://a.vn/tin-1.html")
    assert "d<v" in extracted.html and text.strip() in extracted.text
    assert locate_region(extracted.html, extracted.text, extracted.title) is None


def test_a_region_is_learned_when_pages_agree_and_a_profile_selector_wins():
    region = SiteRegion()
    assert region.request().locate and not region.request().selector
    region.observe(RegionReport("div.other", 900))
    for _ in range(AGREEING_PAGES - 1):
        region.observe(RegionReport("article.detail", 1000))
        assert not region.learned
    region.observe(RegionReport("article.detail", 1000))
    request = region.request()
    assert (request.selector, request.learned) == ("article.detail", True)
    for _ in range(AGREEING_PAGES):  # pages of a second template, which the region missed
        region.observe(RegionReport("div#mainContent", 1000, missed=True))
    assert region.request().selector == "article.detail, div#mainContent"
    hand = SiteRegion("main .post")
    hand.observe(RegionReport("article.detail", 1000))
    assert hand.request() == RegionRequest("main .post")


def test_a_learned_region_that_keeps_missing_is_forgotten():
    region = SiteRegion(learned=["article.detail"])
    for _ in range(MISSES_TO_FORGET - 1):
        region.observe(RegionReport(None, 800, missed=True))
    region.observe(RegionReport(None, 900, in_learned_region=True))  # a hit resets the count
    for _ in range(MISSES_TO_FORGET):
        region.observe(RegionReport(None, 800, missed=True))
    assert not region.learned and region.forgotten == 1 and region.request().locate


def test_pages_handed_out_before_their_template_was_learned_do_not_make_it_forget():
    region = SiteRegion(learned=["article.detail"])
    for _ in range(AGREEING_PAGES):  # a second template's pages: it is learned at the third
        region.observe(RegionReport("div#mainContent", 1000, missed=True))
    for _ in range(MISSES_TO_FORGET):  # its pages that were in flight meanwhile
        region.observe(RegionReport("div#mainContent", 1000, missed=True))
    assert region.learned == ["article.detail", "div#mainContent"] and not region.forgotten


def test_a_missing_region_falls_back_to_the_whole_page_without_a_warning():
    url, page = family_pages("thanhhoa", 1)[0]
    whole = extract_article(page, url=url)
    read, report = extract_with_region(page, url, None, RegionRequest(
        "div.no-such-block", learned=True, expected_length=len(whole.text)))
    assert report.missed and not report.in_learned_region
    assert read.text == whole.text and read.warnings == whole.warnings


def test_a_region_holding_too_little_is_not_trusted():
    url, page = family_pages("thanhhoa", 1)[0]
    whole = extract_article(page, url=url)
    read, report = extract_with_region(page, url, None, RegionRequest(
        "p.sapo", learned=True, expected_length=len(whole.text)))
    assert report.missed and read.text == whole.text


def unseen_profile(name: str, folder: Path) -> Path:
    """The family's profile as a user would write it for a site never seen: no selector."""
    text = (SITES_DIR / f"testweb_{name}.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^article_selector = .*$", "", text)
    path = folder / f"unseen_{name}.toml"
    path.write_text(text.replace(f'name = "testweb_{name}"', f'name = "unseen_{name}"'),
                    encoding="utf-8")
    return path


def rows(db: Path, sites: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Article fields by URL path, of every site or only of `sites`."""
    where = f" WHERE site IN ({', '.join('?' * len(sites))})" if sites else ""
    return {urlsplit(url).path: rest for url, *rest in query(
        db, "SELECT url, title, text, author, lead FROM articles" + where, sites)}


@pytest.mark.timeout(300)
def test_a_site_never_seen_gets_the_rows_of_its_hand_written_selector(testweb, crawled_archive,
                                                                      tmp_path):
    bases = testweb.base_urls()
    unseen_db = tmp_path / "unseen.db"
    profiles = [arg for name in CRAWLED
                for arg in ("--profile", str(unseen_profile(name, tmp_path)))]
    # Extraction inline, so pages are read one after the other and the region is learned at
    # the same page in every run (with the process pool, a small site may be all in flight).
    (tmp_path / "inline_settings.py").write_text(
        "from crawler.settings import *  # noqa: F403\nVNARCHIVE_WORKERS = 0\n")
    environment = {**os.environ, "SCRAPY_SETTINGS_MODULE": "inline_settings",
                   "PYTHONPATH": os.pathsep.join([str(tmp_path), str(PROJECT_ROOT)])}
    unseen = subprocess.run(
        [sys.executable, "-m", "vnarchive", "crawl", *profiles, "--db", str(unseen_db),
         "--log-level", "INFO", "--base-urls",
         json.dumps({f"unseen_{n}": bases[f"testweb_{n}"] for n in CRAWLED})],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=240)
    assert unseen.returncode == 0, unseen.stderr[-2000:]
    learned = re.findall(r"article region learned: '([^']+)'", unseen.stderr)
    assert sorted(learned) == sorted(["article.detail", "div#mainContent", "article.detail"])
    in_region = re.findall(r"'vnarchive/pages_in_learned_region': (\d+)", unseen.stderr)
    assert sum(map(int, in_region)) == len(rows(unseen_db)) - AGREEING_PAGES * len(CRAWLED)
    # The hand-written profiles' rows: the session's crawl of the test web.
    expected = rows(crawled_archive.db, tuple(f"testweb_{n}" for n in CRAWLED))
    assert len(expected) == sum(len(family_pages(n, 100)) for n in CRAWLED)
    assert rows(unseen_db) == expected
    # Re-processing learns the regions from the stored pages and writes the same rows.
    reprocessed = run_vnarchive("reprocess", "--db", str(unseen_db))
    assert reprocessed.returncode == 0, reprocessed.stderr[-2000:]
    assert rows(unseen_db) == expected


@pytest.mark.timeout(200)
def test_region_benchmark_runs_on_a_few_pages():
    result = subprocess.run([sys.executable, "bench/bench_region.py", "--pages", "20"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "site never seen (learned region)" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("learned region ")


def test_reprocessing_learns_the_region_of_each_template_of_a_site_with_no_selector(
        monkeypatch):
    import archive.reprocess
    import archive.reprocess_task

    class Record:  # what reprocess's task reads of a WARC record
        def __init__(self, url: str):
            self.site, self.url, self.payload_file, self.payload_offset = "unseen", url, url, 0
            self.headers = {"content-type": "text/html; charset=utf-8"}

    # Two templates, one after the other, as a portal's old and new articles.
    pages = dict(family_pages("thanhhoa", 5) + family_pages("lynhan", 5))
    monkeypatch.setattr(archive.reprocess_task, "read_payload", lambda folder, name, _: pages[name])
    regions = SiteRegions({"unseen": None})
    read_in_region = []
    for url in pages:
        request = regions.request("unseen")
        fields, report = archive.reprocess_task.process_stored(".", Record(url), None,
                                                                request)
        assert isinstance(fields, dict), fields
        regions.observe("unseen", report)
        read_in_region.append(report.in_learned_region)
    assert regions.sites["unseen"].learned == ["article.detail", "div#mainContent"]
    # The pages after each template's third are read in its region alone.
    assert read_in_region == [False] * 3 + [True] * 2 + [False] * 3 + [True] * 2
