"""Fixes from a review of the crawler side: each test failed on the code before its fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import crawler.profiles as profiles
import vnarchive.sitecheck as sitecheck
from crawler.profiles import SITES_DIR, ProfileError, load_extra_profile, load_profiles
from vnarchive.cli import main


# 1. Two profile files claiming one site name ------------------------------------------------
@pytest.fixture
def sites_folder(tmp_path, monkeypatch) -> Path:
    """The shipped profiles copied to a folder of the test's own, used in their place."""
    folder = tmp_path / "sites"
    folder.mkdir()
    for name in ("testweb_lynhan", "testweb_thanhhoa"):
        shutil.copy(SITES_DIR / f"{name}.toml", folder)
    monkeypatch.setattr(profiles, "SITES_DIR", folder)
    monkeypatch.setattr(sitecheck, "SITES_DIR", folder)
    return folder


def _copy_of_lynhan(folder: Path, file_name: str, broken: bool = False) -> Path:
    text = (folder / "testweb_lynhan.toml").read_text(encoding="utf-8")
    if broken:
        text = text.replace("article_pattern", "# article_pattern")
    path = folder / file_name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("broken", [False, True], ids=["both good", "one broken"])
def test_a_crawl_of_a_name_two_files_claim_fails_naming_both(sites_folder, tmp_path, capsys,
                                                               broken):
    # The first file by sort order (testweb_lynhan.toml) used to win, the other left out.
    other = _copy_of_lynhan(sites_folder, "zz_lynhan.toml", broken=broken)
    code = main(["crawl", "testweb_lynhan", "--db", str(tmp_path / "a.db")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    named = [line for line in err if "testweb_lynhan.toml" in line and str(other) in line]
    assert named, err
    assert not (tmp_path / "a.db").exists()
    # The other sites are still listed; the contested one is not, and `sites` says why.
    assert "testweb_thanhhoa" in load_profiles(skipped=[])
    assert "testweb_lynhan" not in load_profiles(skipped=[])


def test_sites_check_of_a_name_two_files_claim_fails_naming_both(sites_folder, capsys):
    other = _copy_of_lynhan(sites_folder, "zz_lynhan.toml")
    code = main(["sites", "check", "testweb_lynhan"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "testweb_lynhan.toml" in err and str(other) in err


def test_a_profile_file_taking_the_name_of_a_broken_bundled_file_is_refused(sites_folder,
                                                                            tmp_path):
    bundled = _copy_of_lynhan(sites_folder, "testweb_lynhan.toml", broken=True)
    extra = tmp_path / "mine.toml"
    shutil.copy(SITES_DIR / "testweb_lynhan.toml", extra)
    with pytest.raises(ProfileError, match="bundled site") as error:
        load_extra_profile(extra)
    assert str(bundled) in str(error.value)


def test_a_bundled_file_given_as_profile_file_is_still_accepted(sites_folder):
    assert load_extra_profile(sites_folder / "testweb_lynhan.toml").name == "testweb_lynhan"


# 2. A "www." domain stands for its bare and mobile hosts, not every subdomain ----------------
def test_a_www_domain_does_not_take_in_the_bare_domains_other_subdomains(tmp_path):
    """www.hanam.gov.vn (the province) folded to hanam.gov.vn with all its subdomains: an
    import gave the district portals' pages to the province's profile, and the web archives
    were asked for the whole domain."""
    from crawler.cdx import site_prefixes
    from crawler.profiles import profile_problems
    from pipelines.urls import is_on_site

    path = tmp_path / "hanam.toml"
    path.write_text("""name = "hanam_province"
title = "Cổng TTĐT tỉnh Hà Nam"
kind = "portal"
start_urls = ["https://www.hanam.gov.vn/"]
allowed_domains = ["www.hanam.gov.vn"]
article_pattern = '/tin/[0-9]+\\\\.html$'
""", encoding="utf-8")
    profile, problems = profile_problems(path)
    assert problems == []
    domains = profile.allowed_domains
    for host in ("www.hanam.gov.vn", "hanam.gov.vn", "m.hanam.gov.vn"):
        assert is_on_site(host, domains), host
    assert not is_on_site("lynhan.hanam.gov.vn", domains)
    assert not is_on_site("duytien.hanam.gov.vn", domains)
    queries = site_prefixes(profile)
    assert ("hanam.gov.vn", "domain") not in queries
    assert set(queries) == {("www.hanam.gov.vn", "host"), ("hanam.gov.vn", "host"),
                            ("m.hanam.gov.vn", "host")}
    # A bare domain keeps its subdomains, as before.
    assert is_on_site("lynhan.hanam.gov.vn", ["hanam.gov.vn"])


# 3. Same-title bulletins of one story are not moved articles ---------------------------------
def test_weekly_bulletins_of_one_title_are_not_asked_again_as_moved(tmp_path):
    from archive.article_rows import article_record, write_articles
    from archive.schema import open_database
    from crawler.frontier import Frontier

    db_path = str(tmp_path / "a.db")
    db = open_database(db_path)

    def fetched(key: str, title: str, published: str | None, day: int) -> None:
        record = article_record({
            "canonical_url": key, "url": key, "site": "p", "title": title, "text": "Lịch",
            "published": published, "fetched_at": f"2024-05-{day:02}T00:00:00+00:00"}, None)
        with db.atomic():
            write_articles(db, [record])
        db.execute("update articles set story_id = 'one story' where canonical_url = ?",
                   [key])

    for week in range(3):  # three weeks' bulletins, each archived the week it came out
        fetched(f"https://p.vn/lich-{week}", "Lịch công tác tuần",
                f"2024-05-{1 + 7 * week:02}T08:00:00+07:00", 1 + 7 * week)
    fetched("https://p.vn/cu", "Huyện ủy họp", "2024-05-02T08:00:00+07:00", 2)
    fetched("https://p.vn/moi", "Huyện ủy họp", "2024-05-02T09:00:00+07:00", 20)  # moved
    fetched("https://p.vn/khong-ngay", "Tin vắn", None, 3)
    fetched("https://p.vn/khong-ngay-2", "Tin vắn", None, 21)
    db.conn.commit()
    db.close()
    asked = Frontier.from_archive(db_path, "p").moved_checks
    assert [url for url, _ in asked] == ["https://p.vn/cu"]


# 4. `vnarchive sites` with a broken profile file: exit 2 (a bad profile), not 1 -------------
def test_the_site_listing_exits_2_when_a_profile_file_is_broken(sites_folder, capsys):
    _copy_of_lynhan(sites_folder, "zz_half_done.toml", broken=True)
    code = main(["sites"])
    out, err = capsys.readouterr()
    assert code == 2, err
    assert "testweb_thanhhoa" in out and "zz_half_done.toml" in err


# 5. The site tools' body read ends at its deadline, not a socket TIMEOUT past it -------------
def test_a_body_that_stops_coming_is_given_up_at_the_deadline(monkeypatch):
    """`read1` waited up to the socket's TIMEOUT (20 s) past the deadline, while the
    docstring said the reading thread ends at the deadline."""
    import time

    from crawler import pages
    from testweb.hostile import HostileSite

    monkeypatch.setattr(pages, "TIMEOUT", 8)
    with HostileSite() as site:
        site.set_phase("hostile")
        url = f"http://127.0.0.1:{site.port}/article/hang-after-headers"
        started = time.monotonic()
        with pytest.raises(pages.PageUnavailable):
            pages._get_now(url, time.monotonic() + 1)
        elapsed = time.monotonic() - started
    assert elapsed < 4, elapsed  # the old read waited the whole TIMEOUT (8 s here)


# 6. `sites check` makes its spider's crawler with Scrapy's API, not its test helpers ---------
CHECK_LISTING = """
import sys
from crawler.pages import Page
from crawler.profiles import find_profile
from vnarchive.sitecheck import check_listing
html = (b'<html><body><a href="/tin-tuc/Pages/bai-1.aspx">a</a>'
        b'<a href="/tin-tuc/Pages/default.aspx?page=2">2</a>'
        b'<a href="javascript:__doPostBack(&#39;pager&#39;,&#39;2&#39;)">3</a>'
        b'<a href="http://[bad/x">4</a>'
        b'<div class=paging><a class=next href="/tin-tuc/Pages/default.aspx?p=2">next</a>'
        b'</div></body></html>')
report, _ = check_listing(find_profile("testweb_lynhan"), Page(
    "saved.html", "http://127.0.0.1:8705/tin-tuc/Pages/default.aspx", html))
print(report.lines)
print(report.problem)
print("scrapy.utils.test" in sys.modules)
"""


def test_sites_check_makes_its_crawler_without_scrapys_test_helpers():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", CHECK_LISTING], capture_output=True,
                            text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    lines, problem, used_test_helpers = result.stdout.strip().splitlines()
    assert lines == repr([  # as before: the postback and the address that is none are counted
        "article links: 1", "  http://127.0.0.1:8705/tin-tuc/Pages/bai-1.aspx",
        "listing links: 1", "  http://127.0.0.1:8705/tin-tuc/Pages/default.aspx?p=2",
        "ignored links: 1", "  http://127.0.0.1:8705/tin-tuc/Pages/default.aspx?page=2"])
    assert problem == "None"
    assert used_test_helpers == "False"
