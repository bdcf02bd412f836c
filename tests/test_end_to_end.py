"""End to end: crawl the local test web into a temporary archive, then check it against the
test web's own article sources and hand labels."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

import pytest

from tests.archive_checks import archived_articles, article_problems
from tests.conftest import PROJECT_ROOT, query, run_vnarchive
from testweb.content import load_articles, load_labels
from testweb.families import ARTICLE_FAMILIES, FAMILIES
from testweb.shared import MISSING, real_pages

pytestmark = pytest.mark.timeout(300)


def expected_keys():
    """(profile name, URL path) of every article the test web serves."""
    keys = {}
    for article in load_articles():
        family = FAMILIES[article.family]([article])
        keys[(f"testweb_{article.family}", family.article_path(article))] = article
    return keys



def test_every_article_is_archived_and_right(crawled_archive):
    rows = archived_articles(str(crawled_archive.db))
    expected = expected_keys()
    missing = sorted(article.id for key, article in expected.items() if key not in rows)
    assert missing == []
    assert len(rows) == len(expected), "the archive holds articles the test web does not serve"
    problems = {article.id: article_problems(article, rows[key])
                for key, article in expected.items()}
    assert {article_id: found for article_id, found in problems.items() if found} == {}


def test_no_navigation_page_becomes_an_article(crawled_archive):
    urls = [row[0] for row in query(crawled_archive.db, "select url from articles")]
    assert not [url for url in urls if "default.aspx" in url or url.endswith("/")]


def test_crawl_is_polite_and_fetches_nothing_twice(crawled_archive):
    for family, requests in crawled_archive.requests.items():
        disallowed = FAMILIES[family].robots_disallow
        assert not [path for path in requests if path.startswith(disallowed)], (
            f"{family}: a path robots.txt disallows was fetched")
        repeated = {path: count for path, count in requests.items()
                    if count > 1 and path != "/robots.txt"}
        assert repeated == {}, f"{family}: fetched more than once: {repeated}"
        assert requests["/robots.txt"] >= 1
    assert len(crawled_archive.user_agents) == 1
    assert next(iter(crawled_archive.user_agents)).startswith("vnarchive/")


def test_requests_robots_txt_refuses_are_recorded_not_fetched(crawled_archive):
    refused = query(crawled_archive.db, "select site, url, status from pages "
                    "where error = 'robots_disallowed' order by url")
    thanhhoa = FAMILIES["thanhhoa"](load_articles("thanhhoa"))
    expected = sorted(thanhhoa.print_path(article) for article in thanhhoa.articles)
    assert [url.split("/", 3)[3] for _, url, _ in refused] == [p[1:] for p in expected]
    assert {(site, status) for site, _, status in refused} == {("testweb_thanhhoa", None)}


def test_pages_and_run_are_recorded(crawled_archive):
    pages = query(crawled_archive.db, "select count(*), sum(status = 200) from pages "
                  "where error is null")[0]
    served = sum(sum(counter.values()) for counter in crawled_archive.requests.values())
    assert pages[0] == served  # one pages row per response the test web sent
    assert pages[1] == pages[0]
    run = query(crawled_archive.db, "select status, pages_fetched, articles_new, errors, "
                "meeting_reports from crawl_runs")
    total_articles = len(load_articles())
    assert len(run) == 1
    status, fetched, new, errors, reports = run[0]
    refused = len(load_articles("thanhhoa"))  # print views, refused by robots.txt
    assert (status, fetched, new, errors) == ("finished", pages[0] + refused, total_articles, 0)
    assert reports == query(crawled_archive.db,
                            "select count(*) from articles where is_meeting_report")[0][0]
    assert f"articles stored:  {total_articles} new" in crawled_archive.output


def test_sites_table_keeps_the_portal_owner(crawled_archive):
    rows = query(crawled_archive.db, "select name, kind, owner_locality, owner_province "
                 "from sites where name = 'testweb_lynhan'")
    assert rows == [("testweb_lynhan", "portal", "Lý Nhân", "Hà Nam")]


def test_demo_twice_adds_no_duplicates(default_ports, tmp_path):
    db = tmp_path / "demo.db"
    first = run_vnarchive("demo", "--db", str(db))
    assert first.returncode == 0, first.stderr[-3000:]
    total = len(load_articles())
    assert f"articles stored:  {total} new, 0 updated" in first.stdout
    second = run_vnarchive("demo", "--db", str(db))  # incremental: nothing new to fetch
    assert second.returncode == 0, second.stderr[-3000:]
    assert "articles stored:  0 new, 0 updated" in second.stdout
    third = run_vnarchive("demo", "--db", str(db), "--refresh")  # fetch every article again
    assert third.returncode == 0, third.stderr[-3000:]
    assert f"articles stored:  0 new, {total} updated" in third.stdout
    assert query(db, "select count(*), count(distinct canonical_url) from articles") == [
        (total, total)]
    runs = query(db, "select articles_new, articles_updated from crawl_runs order by id")
    assert runs == [(total, 0), (0, 0), (0, total)]
    summary = query(db, "select site, count(*) from articles group by site order by site")
    per_family = {f"testweb_{name}": len(load_articles(name)) for name in ARTICLE_FAMILIES}
    assert dict(summary) == per_family


def test_scrapy_crawl_works_from_the_project_root(testweb, tmp_path):
    db = tmp_path / "scrapy.db"
    site = testweb.sites["thanhhoa"]
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "testweb_thanhhoa",
         "-s", f"VNARCHIVE_DB={db}",
         "-s", "VNARCHIVE_BASE_URLS=" + json.dumps({"testweb_thanhhoa": site.base_url}),
         "-s", "LOG_LEVEL=INFO"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    count = query(db, "select count(*) from articles where site = 'testweb_thanhhoa'")[0][0]
    assert count == len(load_articles("thanhhoa"))
    runs = query(db, "select status, sites, articles_new from crawl_runs")
    assert runs == [("finished", '["testweb_thanhhoa"]', count)]


def test_crawl_a_profile_file_from_anywhere(testweb, tmp_path):
    source = (PROJECT_ROOT / "crawler" / "sites" / "testweb_backan.toml").read_text()
    profile = tmp_path / "my_site.toml"
    profile.write_text(source.replace('name = "testweb_backan"', 'name = "my_backan_copy"')
                       .replace("127.0.0.1:8703", testweb.sites["backan"].base_url[7:]))
    db = tmp_path / "profile.db"
    result = run_vnarchive("crawl", "--profile", str(profile), "--db", str(db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    count = query(db, "select count(*) from articles where site = 'my_backan_copy'")[0][0]
    assert count == len(load_articles("backan"))


@pytest.mark.skipif(real_pages("html") is None, reason=MISSING)
def test_real_portal_pages_are_crawled_cleanly_and_store_nothing(testweb, tmp_path):
    site = testweb.sites["sotttt"]
    site.requests.clear()
    db = tmp_path / "real.db"
    result = run_vnarchive("crawl", "testweb_sotttt", "--db", str(db), "--log-level", "INFO",
                           "--base-urls", json.dumps({"testweb_sotttt": site.base_url}))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr and "ERROR" not in result.stderr
    assert set(site.family.files) <= set(site.requests)  # every real page was crawled
    ok = query(db, "select count(*) from pages where status = 200 and url not like '%robots%'")
    assert ok == [(len(site.family.files),)]
    missing = query(db, "select count(*) from pages where status = 404")[0][0]
    assert missing == sum(count for path, count in site.requests.items() if "view_content" in path)
    assert query(db, "select count(*) from articles") == [(0,)]
    assert query(db, "select status, articles_new, meeting_reports from crawl_runs") == [
        ("finished", 0, 0)]


def test_meeting_reports_per_province_and_period_match_the_labels(crawled_archive):
    labels = load_labels()
    expected = Counter(
        (row["province"], row["period_deployed"]) for article_id, row in labels.items()
        if row["is_meeting_report"] == "1" and article_id.split("/")[0] in ARTICLE_FAMILIES)
    result = run_vnarchive(
        "query", "select province, period_deployed, count(*) as reports from meeting_reports "
        "group by province, period_deployed", "--db", str(crawled_archive.db), "--format", "json")
    assert result.returncode == 0, result.stderr
    found = Counter({(row["province"], row["period_deployed"]): row["reports"]
                     for row in json.loads(result.stdout)})
    assert found == expected


def test_officials_and_figures_are_linked_to_reports(crawled_archive):
    rows = query(crawled_archive.db,
                 "select count(distinct o.canonical_url), count(distinct f.canonical_url), "
                 "(select count(*) from meeting_reports) from officials o "
                 "join meeting_reports m using (canonical_url) "
                 "left join figures f using (canonical_url)")
    with_officials, with_figures, reports = rows[0]
    assert reports > 70 and with_officials > reports // 2 and with_figures > reports // 2
    seed = query(crawled_archive.db,
                 "select f.value, f.unit from figures f join articles a using (canonical_url) "
                 "where a.title = 'Huyện ủy Thuận Bắc triển khai nhiệm vụ quý II năm 2024' "
                 "and f.text = '3.204 tỷ đồng'")
    assert seed == [(3204.0, "tỷ đồng")]


def test_only_http_is_ever_fetched(tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("<html><body><p>" + "bí mật " * 60 + "</p></body></html>")
    profile = tmp_path / "local_files.toml"
    profile.write_text(
        'name = "local_files"\ntitle = "Local files"\nkind = "portal"\n'
        f'start_urls = ["{secret.as_uri()}", "data:text/html,<p>x</p>"]\n'
        'allowed_domains = ["127.0.0.1"]\n'
        "article_pattern = '\\.html$'\n", encoding="utf-8")
    db = tmp_path / "files.db"
    result = run_vnarchive("crawl", "--profile", str(profile), "--db", str(db))
    # Refused when the profile loads (issue 20: it used to be dropped with "errors: 0").
    assert result.returncode == 2 and "only http and https" in result.stderr, result.stderr
    assert not db.exists()
    # The handlers themselves are switched off behind that.
    from crawler import settings

    assert all(settings.DOWNLOAD_HANDLERS[scheme] is None
               for scheme in ("file", "data", "ftp", "s3"))
