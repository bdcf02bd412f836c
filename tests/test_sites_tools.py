"""`vnarchive sites check` and `vnarchive sites add`: every profile problem at once, what a
profile makes of listings and articles (saved and live), and profiles written from a home page
that crawl the local test web like the hand-written ones."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from crawler.profiles import profile_problems
from crawler.recognise import cms_family, owner_from_text
from crawler.urlshapes import pagination_pattern, url_pattern
from testweb.content import load_articles
from testweb.families import ARTICLE_FAMILIES, FAMILIES
from testweb.shared import MISSING, real_pages
from vnarchive.siteadd import add_site, profile_name

from .conftest import query, run_vnarchive

needs_real_pages = pytest.mark.skipif(real_pages("listings") is None, reason=MISSING)

BAD_PROFILE = """
name = "Bad Name"
title = ""
kind = "blog"
start_urls = ["/relative"]
allowed_domains = []
article_pattern = "(unclosed"
concurrency = 100
article_selector = "div["
colour = "red"

[owner]
organ = "mayor"
locality = "X"
"""
# Written by hand from BAD_PROFILE above: every field it gets wrong.
BAD_FIELDS = {"name", "title", "kind", "start_urls", "allowed_domains", "article_pattern",
              "concurrency", "article_selector", "colour", "owner.organ", "owner.province"}


def test_every_problem_of_a_profile_is_reported_at_once(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_PROFILE, encoding="utf-8")
    profile, problems = profile_problems(path)
    assert profile is None
    assert {re.search(r"field '([^']+)'", p).group(1) for p in problems} == BAD_FIELDS
    assert len(problems) == len(BAD_FIELDS)


def test_a_good_profile_has_no_problem():
    profile, problems = profile_problems(Path("crawler/sites/testweb_thanhhoa.toml"))
    assert problems == [] and profile.name == "testweb_thanhhoa"


def test_sites_check_prints_every_problem_and_fails(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_PROFILE, encoding="utf-8")
    result = run_vnarchive("sites", "check", str(path))
    assert result.returncode == 1
    assert f"profile problems: {len(BAD_FIELDS)}" in result.stdout
    assert "field 'owner.organ'" in result.stdout and "field 'colour'" in result.stdout


def family_articles(name: str):
    family = FAMILIES[name]([a for a in load_articles() if a.family == name])
    return family, family.articles


@pytest.mark.timeout(120)
def test_sites_check_on_live_pages_shows_links_and_fields(testweb):
    base = testweb.sites["thanhhoa"].base_url
    family, articles = family_articles("thanhhoa")
    listing = base + family.listing_path("chinh-tri", 1)
    article = base + family.article_path(articles[0])
    result = run_vnarchive("sites", "check", "testweb_thanhhoa", "--base-url", base,
                           "--page", listing, "--page", article)
    assert result.returncode == 0, result.stdout + result.stderr
    # The listing's six items and the sidebar's five newest; the print views ("/in-bai/")
    # are kept out by robots.txt.
    listed = [a for a in articles if a.category == "chinh-tri"][:6] + articles[:5]
    assert f"article links: {len({a.id for a in listed})}" in result.stdout
    assert "disallowed by robots.txt: 6" in result.stdout
    assert f"title:     {articles[0].title}" in result.stdout
    assert "meeting report: " in result.stdout and "warnings:  " in result.stdout


@pytest.mark.timeout(120)
def test_sites_check_with_no_page_reads_the_start_urls_and_first_articles(testweb):
    base = testweb.sites["lynhan"].base_url
    result = run_vnarchive("sites", "check", "testweb_lynhan", "--base-url", base)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("\nlisting ") == 1 and result.stdout.count("\narticle ") == 2


@pytest.mark.timeout(120)
def test_a_listing_with_no_article_link_fails_the_check(testweb, tmp_path):
    text = Path("crawler/sites/testweb_backan.toml").read_text(encoding="utf-8")
    path = tmp_path / "wrong.toml"
    path.write_text(re.sub(r"(?m)^article_pattern = .*$", "article_pattern = '/tin/\\\\d+$'",
                           text), encoding="utf-8")
    base = testweb.sites["backan"].base_url
    result = run_vnarchive("sites", "check", str(path), "--page", base + "/chinh-tri.html")
    assert result.returncode == 1
    assert "article links: 0" in result.stdout and "PROBLEM: no link matches" in result.stdout


def test_an_article_with_no_text_fails_the_check(tmp_path):
    from crawler.profiles import find_profile
    from vnarchive.sitecheck import check_page

    page = tmp_path / "empty.html"
    page.write_text("<html><head><title>Tin</title></head><body><nav><a href='/a'>Trang chủ"
                    "</a></nav></body></html>", encoding="utf-8")
    profile = find_profile("testweb_thanhhoa")
    report, _ = check_page(profile, str(page), kind="article")
    assert report.problem.startswith("no article text")
    listing, links = check_page(profile, str(page))  # by its content, a page of links
    assert listing.kind == "listing" and not links and listing.problem


@needs_real_pages
def test_sites_check_on_saved_real_pages():
    listing = real_pages("listings") / "sotttt.hanoi.gov.vn_listing_1.html"
    article = real_pages("articles") / "sotttt.hanoi.gov.vn_1.html"
    result = run_vnarchive("sites", "check", "testweb_sotttt", "--page", str(listing),
                           "--page", str(article))
    assert result.returncode == 0, result.stdout + result.stderr
    links = int(re.search(r"article links: (\d+)", result.stdout).group(1))
    assert links >= 10
    assert "\narticle " in result.stdout and "text:      " in result.stdout


# URL shapes, CMS families and owners, on examples written by hand ---------------------------
def test_the_article_pattern_generalises_the_commonest_shape():
    examples = [f"https://bao.vn/{section}/{slug}-{number}.htm" for section, slug, number in (
        ("chinh-tri", "hoi-nghi-tong-ket-nam", 185001), ("kinh-te", "gia-lua-tang-manh", 185002),
        ("xa-hoi", "khanh-thanh-cau-moi", 185003))] + ["https://bao.vn/lien-he.htm"]
    pattern = re.compile(url_pattern(examples))
    assert pattern.search("https://bao.vn/van-hoa/le-hoi-dua-thuyen-truyen-thong-185999.htm")
    for other in ("https://bao.vn/chinh-tri/trang-2.htm", "https://bao.vn/lien-he.htm",
                  "https://bao.vn/chinh-tri/", "https://bao.vn/in-bai/x-1.htm"):
        assert not pattern.search(other), other


def test_slugs_ending_in_a_year_are_one_shape_with_slugs_that_do_not():
    examples = ["https://a.gov.vn/tin-tuc/Pages/ky-hop-thu-bay-hdnd-huyen.aspx",
                "https://a.gov.vn/tin-tuc/Pages/tong-ket-cong-tac-nam-2023.aspx",
                "https://a.gov.vn/tin-tuc/Pages/ra-quan-trong-cay-xuan-2024.aspx"]
    pattern = re.compile(url_pattern(examples))
    assert all(pattern.search(url) for url in examples)
    assert not pattern.search("https://a.gov.vn/tin-tuc/Pages/default.aspx")


def test_the_pagination_pattern_follows_the_page_number():
    pattern = re.compile(pagination_pattern(
        ["https://a.vn/tin-tuc/Pages/default.aspx?Paged=TRUE&PageFirstRow=7"]))
    assert pattern.search("https://a.vn/tin-tuc/Pages/default.aspx?Paged=TRUE&PageFirstRow=13")
    assert not pattern.search("https://a.vn/tin-tuc/Pages/bai-viet-moi.aspx")


@pytest.mark.parametrize(("html", "family"), [
    ('<link href="/_layouts/15/core.css"><input name="__VIEWSTATE">', "SharePoint"),
    ('<div class="portlet-body"><a href="/web/guest/-/view_content/1-a">x</a></div>', "Liferay"),
    ('<link href="/wp-content/themes/x.css"><script src="/wp-includes/js/a.js">', "WordPress"),
    ('<script src="/DesktopModules/News/x.js"></script><div id="dnn_ctr1">', "DNN (DotNetNuke)"),
    ('<a href="/webcenter/portal/tin">x</a><div class="af_panel">', "Oracle WebCenter"),
    ('<a href="https://ubnd.dcs.vn/tin">x</a>', "*.dcs.vn portal platform"),
    ("<p>Một trang không có dấu hiệu nào</p>", None),
])
def test_cms_families_are_recognised_by_their_marks(html, family):
    assert cms_family(html, None)[0] == family


def test_the_owner_is_read_from_the_sites_own_words():
    portal = owner_from_text("Cổng thông tin điện tử huyện Lý Nhân - tỉnh Hà Nam", "", "portal")
    assert (portal.organ, portal.locality, portal.province, portal.locality_level) == (
        "people_committee", "Lý Nhân", "Hà Nam", "huyện")
    paper = owner_from_text("Báo Thanh Hóa", "", "newspaper")
    assert (paper.organ, paper.locality, paper.locality_level) == ("party_committee",
                                                                   "Thanh Hóa", "tỉnh")
    assert owner_from_text("Tin tức", "Địa chỉ: số 1 phố X, quận Đống Đa", "portal") is None


def test_profile_names_come_from_the_address():
    assert profile_name("https://lynhan.hanam.gov.vn/") == "lynhan_hanam"
    assert profile_name("http://127.0.0.1:8701/") == "site_127_0_0_1"


# sites add on the local test web: the written profile crawls like the hand-written one -------
@pytest.mark.timeout(600)
def test_profiles_written_by_sites_add_crawl_every_family_like_the_hand_written_ones(
        testweb, crawled_archive, tmp_path, capsys):
    # The real portal's pages are in the shared folder (a clean clone has none).
    families = [*ARTICLE_FAMILIES, *(["sotttt"] if real_pages("html") else [])]
    files = []
    for name in families:
        home = testweb.sites[name].base_url + ("/index.html" if name == "sotttt" else "/")
        path = tmp_path / f"added_{name}.toml"
        # The mirror's article links answer 404: the check must say so (exit 1).
        expected = 1 if name == "sotttt" else 0
        code = add_site(home, name=f"added_{name}", out=str(path))
        assert code == expected, capsys.readouterr().out
        assert profile_problems(path)[1] == []
        files += ["--profile", str(path)]
    db = tmp_path / "added.db"
    result = run_vnarchive("crawl", *files, "--db", str(db))
    assert result.returncode == 0, result.stderr[-3000:]
    added = dict(query(db, "SELECT site, count(*) FROM articles GROUP BY site"))
    hand = dict(query(crawled_archive.db, "SELECT site, count(*) FROM articles GROUP BY site"))
    for name in ARTICLE_FAMILIES:
        assert added.get(f"added_{name}", 0) == hand[f"testweb_{name}"], name
    assert added.get("added_sotttt", 0) == 0  # its mirror holds no article (or is absent)


@pytest.mark.timeout(120)
def test_sites_add_command_writes_and_checks_a_profile(testweb, tmp_path):
    out = tmp_path / "lynhan.toml"
    result = run_vnarchive("sites", "add", testweb.sites["lynhan"].base_url + "/",
                           "--name", "lynhan_portal", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"wrote {out}" in result.stdout and "CMS: SharePoint" in out.read_text()
    profile, problems = profile_problems(out)
    assert problems == [] and profile.owner.locality == "Lý Nhân"
    assert "\nok: 0 in the profile" in result.stdout
    # The same --out again: refused without --force (it was replaced without a word), as an
    # export is; with --force, replaced.
    out.write_text("# my own edits\n" + out.read_text())
    edited = out.read_bytes()
    again = run_vnarchive("sites", "add", testweb.sites["lynhan"].base_url + "/",
                          "--name", "lynhan_portal", "--out", str(out))
    assert again.returncode == 2 and "exists: give --force" in again.stderr, again.stderr
    assert out.read_bytes() == edited
    forced = run_vnarchive("sites", "add", testweb.sites["lynhan"].base_url + "/",
                           "--name", "lynhan_portal", "--out", str(out), "--force")
    assert forced.returncode == 0 and not out.read_text().startswith("# my own edits")


def test_sites_add_fetches_each_page_once(testweb, tmp_path, capsys):
    """Finding the site and checking the profile read the same home page, listings and
    articles: the check fetched each again, a second request to the portal for nothing."""
    site = testweb.sites["thanhhoa"]
    before = dict(site.requests)
    assert add_site(site.base_url + "/", name="once", out=str(tmp_path / "once.toml")) == 0
    asked = {path: count - before.get(path, 0) for path, count in site.requests.items()
             if count > before.get(path, 0)}
    checked = capsys.readouterr().out
    assert "\narticle " in checked and "\nlisting " in checked  # the check read pages
    assert len(asked) > 3 and set(asked.values()) == {1}, asked


@needs_real_pages
@pytest.mark.parametrize("page", json.loads(
    (real_pages("listings") / "listings.json").read_text(encoding="utf-8"))
    if real_pages("listings") else [], ids=lambda page: page["file"])
def test_sites_add_on_saved_real_listing_pages(page, tmp_path, capsys):
    # The address of a saved page is its source's (listings.json); Bắc Giang's has none.
    address = page["url"] or f"https://{page['site']}/"
    out = tmp_path / "real.toml"
    code = add_site(str(real_pages("listings") / page["file"]), name="real_site",
                    out=str(out), base_url=address)
    assert code == 0, capsys.readouterr().out
    profile, problems = profile_problems(out)
    assert problems == [] and not profile.verified


@pytest.mark.parametrize("address", ["http://127.0.0.1:99999/", "ftp://127.0.0.1/tin",
                                     "http:///tin"])
def test_sites_add_on_an_address_it_cannot_fetch_says_so(address, tmp_path):
    """Such an address was read as a saved file's name: "No such file or directory"."""
    result = run_vnarchive("sites", "add", address, "--out", str(tmp_path / "x.toml"))
    assert result.returncode == 2 and result.stderr.splitlines() == [
        f"vnarchive sites: error: cannot read the home page: {address}: not an http(s) "
        "address that can be fetched (a scheme other than http or https, a port out of range, "
        "no host?)"]
    assert not (tmp_path / "x.toml").exists()


# sites add given an article's page instead of the home page ----------------------------------
SAVED_ARTICLE = """<html><head>
<title>Huyện Kim Bảng sơ kết công tác 6 tháng đầu năm - Thời sự - Báo Hà Nam</title>
<meta property="og:title" content="Huyện Kim Bảng sơ kết công tác 6 tháng đầu năm">
<link rel="canonical" href="https://baohanam.example/thoi-su/huyen-kim-bang-so-ket-6-thang.html">
</head><body><nav><a href="/">Trang chủ</a> <a href="/thoi-su/">Thời sự</a></nav>
<h1>Huyện Kim Bảng sơ kết công tác 6 tháng đầu năm</h1><p>Sáng 5-7, Huyện ủy Kim Bảng tổ chức
hội nghị sơ kết công tác 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm.</p>
<h2>Tin liên quan</h2>
<a href="/thoi-su/tinh-uy-ha-nam-hop-phien-thuong-ky.html">Tỉnh ủy Hà Nam họp phiên thường
kỳ tháng 7</a> <a href="/thoi-su/thanh-pho-phu-ly-trien-khai-nhiem-vu-quy-iii.html">Thành phố
Phủ Lý triển khai nhiệm vụ quý III</a> <a href="/kinh-te/nong-dan-duy-tien-thu-hoach.html">Nông
dân Duy Tiên thu hoạch lúa chiêm xuân</a>
</body></html>"""


def test_sites_add_on_a_saved_article_page_keeps_its_headline_out_of_the_profile(tmp_path,
                                                                                   capsys):
    """Given an article's page, the profile took its headline for the site's title and read
    the owner from it (a district, "Huyện Kim Bảng", for a provincial paper)."""
    page = tmp_path / "article.html"
    page.write_text(SAVED_ARTICLE, encoding="utf-8")
    out = tmp_path / "hanam.toml"
    add_site(str(page), name="baohanam", out=str(out), base_url="https://baohanam.example/")
    printed = capsys.readouterr().out
    profile, problems = profile_problems(out)
    assert problems == [] and profile.title == "Báo Hà Nam"
    assert (profile.owner.locality, profile.owner.locality_level) == ("Hà Nam", "tỉnh")
    assert "the page given is an article (https://baohanam.example/thoi-su/" in printed


@pytest.mark.timeout(120)
def test_sites_add_on_an_article_address_starts_from_the_sites_home_page(testweb, tmp_path,
                                                                         capsys):
    """Given an article's address, the profile started its crawl there and was titled with
    the headline; it is now the one the home page gives, with a note."""
    base = testweb.sites["thanhhoa"].base_url
    family, articles = family_articles("thanhhoa")
    from_home, from_article = tmp_path / "home.toml", tmp_path / "article.toml"
    add_site(base + "/", name="added", out=str(from_home))
    add_site(base + family.article_path(articles[0]), name="added", out=str(from_article))
    printed = capsys.readouterr().out
    assert f"the page given is an article ({base}{family.article_path(articles[0])})" in printed
    home_profile, _ = profile_problems(from_home)
    article_profile, problems = profile_problems(from_article)
    assert problems == []
    assert dataclasses.replace(article_profile, source=None) == dataclasses.replace(
        home_profile, source=None)
    assert articles[0].title not in article_profile.title
