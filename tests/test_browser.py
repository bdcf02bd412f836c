"""The researcher's pages in a real browser: `vnarchive serve` on a crawled archive, opened in
headless Chromium (Debian's `chromium`, driven by Playwright through its own executable, never
a downloaded browser). Skips, saying why, where Chromium or Playwright is missing or cannot
start."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import query
from tests.test_research import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
QUARTER_CELLS = ("select count(*) from (select distinct m.province, "
                 "substr(coalesce(m.meeting_date, a.published), 1, 4), "
                 "(cast(substr(coalesce(m.meeting_date, a.published), 6, 2) as integer) + 2) / 3 "
                 "from meeting_reports m join articles a using (canonical_url) "
                 "where m.province is not null)")

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                                  headless=True, timeout=60_000)
        except Exception as error:  # noqa: BLE001 (whatever stops the browser, skip)
            pytest.skip(f"Chromium cannot start here: {str(error).splitlines()[0]}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served(crawled_archive) -> Iterator[str]:
    with serving(crawled_archive.db) as base:
        yield base


def test_the_dashboard_draws_its_charts(browser, served, crawled_archive):
    page = browser.new_page()
    try:
        page.goto(served + "/", timeout=30_000)
        page.click("text=Start here: the dashboard")
        # The plot's own marks, not the legend's gradient (also a rect).
        heat_map = "#chart-reports-by-province-and-quarter g.mark-rect.role-mark path"
        page.wait_for_selector(heat_map, state="attached", timeout=30_000)
        cells = page.locator(heat_map).count()
        assert cells == query(crawled_archive.db, QUARTER_CELLS)[0][0]
        coverage = "#chart-coverage-by-site g.mark-rect.role-mark path"
        page.wait_for_selector(coverage, state="attached", timeout=30_000)
        assert page.locator(coverage).count() == query(
            crawled_archive.db, "select count(distinct site || substr(published, 1, 7)) "
            "from articles where published is not null")[0][0]
    finally:
        page.close()


def test_a_chart_page_draws_a_figure_series(browser, served, crawled_archive):
    page = browser.new_page()
    try:
        page.goto(served + "/-/dashboards/researcher/figure-series?label=thu+ngan+sach"
                  "&unit=t%E1%BB%B7+%C4%91%E1%BB%93ng", timeout=30_000)
        points = "svg g.mark-symbol.role-mark path"
        page.wait_for_selector(points, state="attached", timeout=30_000)
        assert page.locator(points).count() == query(
            crawled_archive.db, "select count(*) from report_figures where unit = 'tỷ đồng' "
            "and period_reviewed is not null and (label like '%thu ngân sách%' or "
            "label like '%Thu ngân sách%')")[0][0]
    finally:
        page.close()


def test_the_search_box_folds_diacritics(browser, served):
    page = browser.new_page()
    try:
        page.goto(served + "/vnarchive/articles", timeout=30_000)
        page.fill("input[name=_search]", "Bac Kan")
        page.press("input[name=_search]", "Enter")
        page.wait_for_selector("table.rows-and-columns tbody tr", timeout=30_000)
        titles = page.locator("table.rows-and-columns td.col-title").all_inner_texts()
        assert titles and any("Bắc Kạn" in title for title in titles)
    finally:
        page.close()
