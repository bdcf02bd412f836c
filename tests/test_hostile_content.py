"""Hostile content (issue 7, cases 8-11): charset lies and broken documents, crawler traps,
soft 404s and attachments. One crawl of the hostile-content site (testweb/hostile_content.py),
then a second one with --refresh after some good articles turned into soft 404s; the tests
read what the two runs left in the archive and what the server was asked for."""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import random
import signal
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from scrapy import Request

from archive.stored_pages import stored_page
from archive.warc import read_payload
from archive.writer import warc_folder
from bench.hostile_pages import read_variant, variants
from crawler.notfound import is_home_or_listing
from crawler.profiles import ProfileError, load_profile_file
from crawler.traps import CanonicalRequestFingerprinter, url_pattern
from pipelines import pool
from pipelines.attachments import attachment_type, extract_text
from pipelines.encodings import decode_page, encode_windows_1258
from pipelines.extract import MAX_ELEMENTS, extract_article, parse_html
from pipelines.headline import section_names, title_runs
from pipelines.notfound import soft_404_reason
from pipelines.process import (
    RejectedPage,
    SoftNotFound,
    extract_page,
    process_page_in_region,
)
from pipelines.site_region import SiteRegion
from pipelines.urls import canonical_url, clean_url
from tests.conftest import query, run_vnarchive
from testweb.content import load_articles
from testweb.families import FAMILIES
from testweb.hostile_content import (
    CALENDAR,
    DOCX_PARAGRAPHS,
    LISTING,
    PDF_LINES,
    HostileContentWeb,
    fifty_variants,
    minimal_docx,
    minimal_pdf,
    profile_toml,
)

BUDGET = 20
BROKEN_PDF = b"%PDF-1.4\n% the file was replaced by a broken one\n"


@dataclass
class HostileCrawl:
    web: HostileContentWeb
    db: Path
    runs: list[subprocess.CompletedProcess]
    requests: list[Counter]  # per run: raw path -> times served
    first_articles: dict[str, tuple]  # canonical URL -> (text, fetched_at) after run 1
    first_attachments: dict[str, tuple]  # attachment URL -> (sha256, text) after run 1

    def path(self, role: str) -> str:
        return self.web.family.role_path(role)

    def url(self, role: str) -> str:
        return self.web.site.base_url + self.path(role)

    def article(self, role: str) -> tuple | None:
        rows = query(self.db, "select text, encoding, warnings, fetched_at from articles "
                     "where canonical_url = ?", [canonical_url(self.url(role))])
        return rows[0] if rows else None

    def page_errors(self, role: str, run_id: int) -> list[str | None]:
        return [row[0] for row in query(self.db, "select error from pages where url = ? and "
                                        "run_id = ? and kind = 'article'",
                                        [self.url(role), run_id])]


def served_requests(web: HostileContentWeb) -> Counter:
    counts = Counter(web.site.requests)
    web.site.requests.clear()
    return counts


@pytest.fixture(scope="module")
def crawl(tmp_path_factory) -> HostileCrawl:
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "archive.db"
    with HostileContentWeb() as web:
        profile = folder / "testweb_hostile_content.toml"
        profile.write_text(profile_toml(web.site.base_url, url_pattern_budget=BUDGET),
                           encoding="utf-8")
        command = ("crawl", "--profile", str(profile), "--db", str(db))
        first = run_vnarchive(*command)
        assert first.returncode == 0, first.stderr[-3000:]
        requests = [served_requests(web)]
        first_articles = {url: (text, fetched_at) for url, text, fetched_at in query(
            db, "select canonical_url, text, fetched_at from articles")}
        first_attachments = {url: (sha256, text) for url, sha256, text in query(
            db, "select url, sha256, text from attachments")}
        # Two good articles are gone now: one says so with status 200, one sends readers to
        # the home page; and a good attachment is replaced by a broken file.
        family = web.family
        family.gone[family.role_path("soft_404_later")] = "page"
        family.gone[family.role_path("redirect_later")] = "redirect"
        text, content_type, _ = family.attachments["/Documents/bao-cao-quy-2.pdf"]
        family.attachments["/Documents/bao-cao-quy-2.pdf"] = (text, content_type, BROKEN_PDF)
        second = run_vnarchive(*command, "--refresh")
        assert second.returncode == 0, second.stderr[-3000:]
        requests.append(served_requests(web))
        yield HostileCrawl(web, db, [first, second], requests, first_articles,
                           first_attachments)


pytestmark = pytest.mark.timeout(300)


def test_the_crawls_finish_despite_everything(crawl):
    runs = query(crawl.db, "select id, status from crawl_runs order by id")
    assert runs == [(1, "finished"), (2, "finished")]
    assert "Traceback" not in crawl.runs[0].stderr + crawl.runs[1].stderr


# Case 8: charset lies and malformed documents ---------------------------------------------
@pytest.mark.parametrize("role, encoding", [
    ("header_utf8_body_1258", "windows-1258"),
    ("meta_header_disagree", "utf-8"),
    ("tcvn3_undeclared", "tcvn3"),
    ("vni_undeclared", "vni"),
    ("nul_bytes", "utf-8"),
    ("utf16", "utf-16-le"),
    ("html_as_octet_stream", "utf-8"),
    ("xml_declaration", "utf-8"),
])
def test_lying_or_missing_charsets_are_decoded_right(crawl, role, encoding):
    row = crawl.article(role)
    assert row is not None, f"{role} was not archived"
    text, stored_encoding, _, _ = row
    assert stored_encoding == encoding
    article = crawl.web.family.roles[role]
    missing = [p[:50] for p in article.paragraphs if p not in text]
    assert missing == []
    assert "\x00" not in text and "\ufffd" not in text


@pytest.mark.parametrize("role", ["header_utf8_body_1258", "meta_header_disagree",
                                  "tcvn3_undeclared", "vni_undeclared", "utf16", "xml_declaration",
                                  "nul_bytes"])
def test_the_archived_page_is_the_page_decoded(crawl, role):
    """`vnarchive page` gives the page as the workers decoded it, read back from the WARC
    record the crawl wrote: the archive keeps no second, decoded copy of it."""
    key = canonical_url(crawl.url(role))
    assert query(crawl.db, "select html from article_sources where canonical_url = ?",
                 [key]) == []
    [(encoding,)] = query(crawl.db, "select encoding from articles where canonical_url = ?",
                          [key])
    stored = stored_page(str(crawl.db), crawl.url(role))
    assert stored.source != "article_sources"
    assert stored.encoding == encoding
    article, page = crawl.web.family.roles[role], html.unescape(stored.html)
    assert [p[:50] for p in article.paragraphs if p not in page] == []
    assert "\ufffd" not in page and "\x00" not in page


def test_a_lying_charset_leaves_a_warning(crawl):
    warnings = json.loads(crawl.article("header_utf8_body_1258")[2])
    assert warnings == ["page claims utf-8 but its bytes read as windows-1258"]
    assert json.loads(crawl.article("nul_bytes")[2]) == ["removed 5 NUL or control characters"]


@pytest.mark.parametrize("role, reason", [
    ("html_self_closed", "rejected: an empty document"),
    ("comment_only", "rejected: no HTML document in the page"),
    ("deep_nesting", "rejected: elements nested 255 levels deep"),
    ("pdf_as_html", "rejected: a PDF file, not a web page"),
    ("zip_as_octet_stream", "rejected: a ZIP archive"),
])
def test_broken_documents_are_rejected_with_their_reason(crawl, role, reason):
    assert crawl.article(role) is None
    errors = crawl.page_errors(role, run_id=1)
    assert len(errors) == 1 and errors[0].startswith(reason), errors
    assert f"Dropped: {reason}" in crawl.runs[0].stderr


def test_dropped_items_are_logged_without_their_bytes(crawl):
    assert "%PDF-1.4" not in crawl.runs[0].stderr


def test_page_guards_reject_before_lxml_or_trafilatura_choke():
    assert extract_article(b"<html/>").rejected == "an empty document (no text at all)"
    assert extract_article(b"<!-- -->").rejected.startswith("no HTML document")
    for comment_in_a_body in (b"<body><!", b"<body><!-- x -->"):  # lxml gives the comment
        assert extract_article(comment_in_a_body).rejected == "an empty document (no text at all)"
    wide = b"<html><body>" + b"<i>x</i>" * (MAX_ELEMENTS + 1) + b"</body></html>"
    assert "too many for an article page" in extract_article(wide).rejected
    with pytest.raises(RejectedPage, match="a PDF file"):
        extract_page(minimal_pdf(PDF_LINES), "http://a.vn/x.aspx", "utf-8")


@pytest.mark.timeout(60)
def test_a_title_of_dozens_of_parts_is_not_cut_into_runs():
    """A page whose </title> is missing holds the rest of the page in its title, and a
    keyword-stuffed title is as long: every run of its parts was tried as the section name
    or the headline, quadratic in their number (a real listing page without its closing
    slashes took 76 s of CPU). Such a title is one part; a CMS title is still cut."""
    stuffed = "Tin tức" + "".join(f" - Mục {number}" for number in range(60))  # 600 characters
    page = (f"<html><head><title>{stuffed}</title></head><body><h1>Huyện ủy triển khai "
            "nhiệm vụ quý III</h1><p>" + "Huyện ủy triển khai nhiệm vụ quý III năm 2024. " * 20
            + "</p></body></html>")
    tree = parse_html(page)
    assert section_names(tree, None) == {stuffed.casefold()}
    assert title_runs(stuffed) == [stuffed]
    assert set(
        title_runs("Tin A - Chính trị - Báo X")) == {"Tin A - Chính trị - Báo X", "Tin A",
                                                     "Báo X", "Tin A - Chính trị",
                                                     "Chính trị - Báo X"}
    assert extract_article(page.encode(), url="http://a.vn/tin-1.html").title == (
        "Huyện ủy triển khai nhiệm vụ quý III")


def test_a_title_of_a_whole_page_is_no_title():
    """A <title> or og:title of thousands of characters (a page whose </title> is missing, a
    keyword-stuffed meta tag) is not the article's title, nor compared with every text of
    the page: the <h1> is the headline."""
    stuffed = "Hội nghị triển khai nhiệm vụ " * 400
    page = (f"<html><head><title>{stuffed}</title><meta property='og:title' content='{stuffed}'>"
            "</head><body><h1>Huyện ủy triển khai nhiệm vụ quý III</h1><p>"
            + "Huyện ủy triển khai nhiệm vụ quý III năm 2024 tại hội trường huyện. " * 20
            + "</p></body></html>")
    extracted = extract_article(page.encode(), url="http://a.vn/tin-1.html")
    assert extracted.title == "Huyện ủy triển khai nhiệm vụ quý III"
    assert len(extracted.text) < len(stuffed)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("family_name", ["thanhhoa", "lynhan", "nghean"])
def test_careless_and_hostile_variants_of_a_page_end_in_a_reading(family_name):
    """bench/hostile_pages.py's variants (cut, re-encoded, nested, repeated, slashless, huge
    attributes and titles...), smaller: each reading gives fields or NotAnArticle."""
    family = FAMILIES[family_name]([a for a in load_articles() if a.family == family_name])
    body = family.render_article(family.articles[0]).encode()
    problems = [problem for name, data in variants(body, random.Random(7), scale=20)
                for problem in read_variant(name, data)[0]]
    assert problems == []


@pytest.mark.parametrize("reference", ["&#11;", "&#x2;", "&#2", "&#xFFFE;", "&#65535;"])
def test_a_reference_to_a_control_character_is_a_space(reference):
    """A Word line break pasted into a CMS (&#11;) or junk reference in the title and the
    headline: libxml2 turned it into the character after the page's control characters were
    removed, and lxml refused the title as an XPath value: the whole page failed."""
    page = (f"<html><head><title>Huyện ủy{reference}họp - Cổng</title></head><body><h1>Huyện "
            f"ủy{reference}họp</h1><p>{'Huyện ủy triển khai nhiệm vụ quý III năm 2024. ' * 12}"
            "</p><p>Giá trị &#9;tab, &#10;dòng, &#233; và &#x1EA1; giữ nguyên.</p></body></html>")
    fields, _ = process_page_in_region(page.encode(), "http://a.vn/tin-1.html", None,
                                       SiteRegion().request())
    assert fields["title"] == "Huyện ủy họp"
    assert "é và ạ giữ nguyên" in fields["text"]


def test_utf16_without_a_byte_order_mark_is_recognised():
    html = "<html><body><p>Huyện ủy triển khai nhiệm vụ quý III năm 2024.</p></body></html>"
    decoded = decode_page(html.encode("utf-16-le"), None)
    assert (decoded.encoding, decoded.text) == ("utf-16-le", html)
    windows = decode_page(encode_windows_1258(html), "utf-8")
    assert windows.encoding == "windows-1258"


def crash_this_worker(_: int) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def square(number: int) -> int:
    return number * number


@pytest.mark.timeout(120)
def test_a_crashed_worker_fails_its_task_only_and_the_pool_recovers():
    import asyncio

    async def scenario():
        shared = pool.acquire(1)
        try:
            with pytest.raises(pool.WorkerCrashed):
                await pool.run(shared, crash_this_worker, 1)
            return await pool.run(shared, square, 7)  # the pool was replaced, not left broken
        finally:
            pool.release()

    assert asyncio.run(scenario()) == 49


# Case 9: crawler traps ------------------------------------------------------------------------
def served_like(requests: Counter, path: str, query_name: str | None = None) -> dict[str, int]:
    """Paths served (session ids removed) whose path is `path` and whose query has
    `query_name`."""
    from testweb.hostile_content import PATH_SESSION

    counts: Counter = Counter()
    for raw, times in requests.items():
        clean = PATH_SESSION.sub("", raw)
        if clean.split("?")[0] == path and (query_name is None or f"{query_name}=" in clean):
            counts[clean] += times
    return dict(counts)


def test_an_endless_calendar_stops_at_its_pattern_budget(crawl):
    days = served_like(crawl.requests[0], CALENDAR, "CalendarDate")
    assert len(days) == BUDGET and set(days.values()) == {1}
    skipped = query(crawl.db, "select count(*), min(kind) from pages where run_id = 1 and "
                    "error = 'url_pattern_budget' and url like '%Calendar.aspx%'")[0]
    assert skipped[0] > 0 and skipped[1] == "listing"
    assert "lich-cong-tac/calendar.aspx?calendardate used up its budget of 20" in (
        crawl.runs[0].stderr)


def test_pagination_past_the_end_stops_at_its_pattern_budget(crawl):
    pages = served_like(crawl.requests[0], LISTING, "page")
    assert len(pages) == BUDGET and set(pages.values()) == {1}
    assert f"?page={99999}" in "".join(pages)  # the "last page" link was followed, once


def test_skipped_trap_urls_are_not_counted_as_errors(crawl):
    errors_by_kind = json.loads(query(crawl.db, "select errors_by_kind from site_runs "
                                      "where run_id = 1")[0][0])
    assert "url_pattern_budget" not in errors_by_kind


def test_session_ids_in_listing_links_do_not_make_new_pages(crawl):
    # Every listing page hands out a fresh /(S(...))/ session id in its "next" link.
    sessions = [raw for raw in crawl.requests[0] if "(S(" in raw]
    assert sessions == []


def test_fifty_variants_of_one_article_are_one_fetch_and_one_row(crawl):
    path = crawl.path("fifty_variants")
    fetched = sum(times for raw, times in crawl.requests[0].items() if path in raw)
    assert fetched == 1
    rows = query(crawl.db, "select count(*) from articles where url like ?", [f"%{path}%"])
    assert rows == [(1,)]


@pytest.mark.parametrize("variant", fifty_variants("/tin-tuc/Pages/hoi-nghi.aspx"))
def test_every_variant_has_the_one_canonical_url(variant):
    assert canonical_url("http://a.gov.vn" + variant) == "https://a.gov.vn/tin-tuc/Pages/hoi-nghi.aspx"


def test_request_fingerprints_are_of_the_canonical_url():
    fingerprinter = CanonicalRequestFingerprinter()
    prints = {fingerprinter.fingerprint(Request(url)) for url in (
        "http://a.gov.vn/tin/Pages/a.aspx", "https://www.a.gov.vn/tin/Pages/a.aspx/",
        "http://a.gov.vn/(S(x1y2))/tin/Pages/a.aspx;jsessionid=9?utm_source=zalo#top")}
    assert len(prints) == 1
    assert fingerprinter.fingerprint(Request("http://a.gov.vn/tin/Pages/b.aspx")) not in prints


def test_url_patterns_fold_numbers_and_query_values():
    assert url_pattern("http://a.vn/Lich/Calendar.aspx?CalendarDate=2024-05-01") == (
        "a.vn/lich/calendar.aspx?calendardate")
    assert url_pattern("http://a.vn/tin/?page=99999") == url_pattern("http://a.vn/tin/?page=2")
    assert url_pattern("http://a.vn/tin/trang-2.htm") == url_pattern("http://a.vn/tin/trang-7.htm")
    assert url_pattern("http://a.vn/tin/?page=2") != url_pattern("http://a.vn/tin/?id=2")


def test_aspnet_cookieless_sessions_are_removed_from_urls():
    assert clean_url("http://a.vn/(S(kq2x2v45fmn3))/Pages/a.aspx") == "http://a.vn/Pages/a.aspx"
    assert clean_url("http://a.vn/(A(xyz)S(abc)F(q))/Pages/a.aspx") == "http://a.vn/Pages/a.aspx"
    assert clean_url("http://a.vn/%28S%28abc%29%29/Pages/a.aspx") == "http://a.vn/Pages/a.aspx"
    assert clean_url("http://a.vn/Pages/(tin)/a.aspx") == "http://a.vn/Pages/%28tin%29/a.aspx"


def test_the_budget_is_a_profile_setting(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(profile_toml("http://127.0.0.1:1/", url_pattern_budget=7), encoding="utf-8")
    assert load_profile_file(path).url_pattern_budget == 7
    path.write_text(profile_toml("http://127.0.0.1:1/").replace("= 20", "= 0"),
                    encoding="utf-8")
    with pytest.raises(ProfileError, match="url_pattern_budget"):
        load_profile_file(path)


# Case 10: soft 404s -----------------------------------------------------------------------------
def test_a_not_found_page_served_as_200_is_recorded_as_not_found(crawl):
    assert crawl.article("soft_404_page") is None
    assert crawl.page_errors("soft_404_page", 1) == [
        "soft_404: its title says 'Không tìm thấy trang'"]


def test_a_redirect_to_the_home_page_is_recorded_as_not_found(crawl):
    assert crawl.article("redirect_home") is None
    errors = crawl.page_errors("redirect_home", 1)
    assert errors == ["soft_404: redirected to the home page or a listing: "
                      f"{crawl.web.site.base_url}/"]


@pytest.mark.parametrize("role", ["soft_404_later", "redirect_later"])
def test_a_good_copy_is_never_overwritten_by_a_soft_404(crawl, role):
    key = canonical_url(crawl.url(role))
    text, _, _, fetched_at = crawl.article(role)
    assert (text, fetched_at) == crawl.first_articles[key]  # the refresh left it as it was
    assert crawl.requests[1][crawl.path(role)] == 1  # it was fetched again
    assert [e.split(":")[0] for e in crawl.page_errors(role, 2)] == ["soft_404"]
    assert query(crawl.db, "select count(*) from article_versions where canonical_url = ?",
                 [key]) == [(0,)]
    # The articles that did not change were refreshed as usual.
    assert query(crawl.db, "select run_id from articles where canonical_url = ?",
                 [canonical_url(crawl.url("good_1"))]) == [(2,)]


def test_only_redirects_to_the_home_page_or_a_listing_are_soft_404s(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(profile_toml("http://a.gov.vn/"), encoding="utf-8")
    profile = load_profile_file(path)
    gone = ["http://a.gov.vn/", "http://a.gov.vn", "http://a.gov.vn/Pages/default.aspx",
            "http://a.gov.vn/trang-chu.html", "http://a.gov.vn" + LISTING]
    moved = ["http://a.gov.vn/tin-tuc/Pages/bai-moi.aspx", "http://a.gov.vn/news/123.html",
             "http://a.gov.vn/Login.aspx", "http://a.gov.vn/tin-moi/bai-viet/"]
    assert [is_home_or_listing(url, profile) for url in gone] == [True] * len(gone)
    assert [is_home_or_listing(url, profile) for url in moved] == [False] * len(moved)


def test_soft_404_wording():
    assert soft_404_reason("Không tìm thấy trang", "") is not None
    assert soft_404_reason("Lỗi 404", "") is not None
    assert soft_404_reason("Thông báo", "Trang bạn yêu cầu không tồn tại hoặc đã bị xóa.")
    long_text = ("Huyện ủy tổ chức hội nghị triển khai nhiệm vụ. " * 20
                 + "Người dân phản ánh trang không tồn tại trên cổng dịch vụ công.")
    assert soft_404_reason("Huyện ủy triển khai nhiệm vụ quý III", long_text) is None
    page = ("<html><head><title>Không tìm thấy trang</title></head><body><h1>Không tìm thấy "
            "trang</h1><p>Trang bạn yêu cầu không tồn tại.</p></body></html>")
    with pytest.raises(SoftNotFound):
        extract_page(page.encode(), "http://a.vn/x.aspx", "utf-8")


# Case 11: attachments ---------------------------------------------------------------------------
def attachment(crawl, name: str) -> dict:
    rows = query(crawl.db, "select canonical_url, url, link_text, type, size, sha256, text, "
                 "error, warc_file, warc_offset, run_id from attachments where url like ?",
                 [f"%/Documents/{name}"])
    assert len(rows) == 1, rows
    columns = ("canonical_url", "url", "link_text", "type", "size", "sha256", "text", "error",
               "warc_file", "warc_offset", "run_id")
    return dict(zip(columns, rows[0], strict=True))


def test_attachments_are_rows_linked_to_their_article(crawl):
    article = canonical_url(crawl.url("with_attachments"))
    pdf = attachment(crawl, "bao-cao-quy-2.pdf")
    served = minimal_pdf(PDF_LINES)
    assert (pdf["canonical_url"], pdf["link_text"], pdf["type"], pdf["size"], pdf["sha256"]) == (
        article, "Báo cáo kết quả quý II.pdf", "pdf", len(served),
        hashlib.sha256(served).hexdigest())
    assert pdf["text"].splitlines() == PDF_LINES and pdf["error"] is None
    docx = attachment(crawl, "ke-hoach-quy-3.docx")
    assert (docx["canonical_url"], docx["type"], docx["error"]) == (article, "docx", None)
    assert docx["text"].splitlines() == DOCX_PARAGRAPHS
    linked = query(crawl.db, "select count(*) from attachments join articles "
                   "using (canonical_url)")
    assert linked == [(7,)]


def test_malformed_and_legacy_attachments_get_a_reason_not_a_crash(crawl):
    assert attachment(crawl, "hong.pdf")["error"].startswith("malformed pdf: ")
    assert attachment(crawl, "hong.docx")["error"].startswith("malformed docx: ")
    legacy = attachment(crawl, "to-trinh.doc")
    assert (legacy["type"], legacy["size"], legacy["text"]) == ("doc", 4096, None)
    assert legacy["error"].startswith("legacy Word .doc: kept without text")


def test_a_pdf_glyph_read_as_half_a_utf16_pair_keeps_the_files_text():
    """pypdf reads a font's Unicode map with surrogatepass: a glyph mapped to half of a
    UTF-16 pair became a lone surrogate that the extraction's answer could not encode, and the
    whole text was lost as "exit status 1 (out of memory?)". A pair still makes its character."""
    pdf = minimal_pdf(["ABCD"], unicode_map={"A": "0048", "B": "D800", "C": "0069",
                                             "D": "D83DDE00"})
    assert extract_text(pdf, "pdf", timeout=20, memory_mb=512) == ("H\ufffdi\U0001f600", None)


def test_attachments_have_their_own_size_limit(crawl):
    large = attachment(crawl, "phu-luc-lon.pdf")  # over the 8 MiB of pages, under 16 MiB
    assert large["size"] > 10 * 1024 * 1024 and large["text"].splitlines() == PDF_LINES
    too_large = attachment(crawl, "qua-lon.pdf")
    assert too_large["size"] is None and "larger than download max size" in too_large["error"]
    assert query(crawl.db, "select count(*) from pages where kind = 'attachment' and url like "
                 "'%qua-lon.pdf' and error like '%download max size%'") == [(2,)]  # both runs


def test_attachment_responses_are_kept_in_the_warc_files(crawl):
    docx = attachment(crawl, "ke-hoach-quy-3.docx")
    records = query(crawl.db, "select warc_file, warc_offset, warc_type from pages where url = ? "
                    "and kind = 'attachment' order by run_id", [docx["url"]])
    # The second run fetched the same bytes: a revisit record pointing to the first.
    assert [record[2] for record in records] == ["response", "revisit"]
    assert records[1][:2] == (docx["warc_file"], docx["warc_offset"])
    payload = read_payload(warc_folder(str(crawl.db)), *records[0][:2])
    assert hashlib.sha256(payload).hexdigest() == docx["sha256"]


def test_a_broken_refetch_does_not_replace_a_good_attachment(crawl):
    pdf = attachment(crawl, "bao-cao-quy-2.pdf")
    assert (pdf["sha256"], pdf["text"]) == crawl.first_attachments[pdf["url"]]
    assert pdf["run_id"] == 1
    assert attachment(crawl, "ke-hoach-quy-3.docx")["run_id"] == 2  # good ones are refreshed


def test_attachment_types_come_from_their_bytes_first():
    assert attachment_type(b"%PDF-1.7", "application/octet-stream", "http://a/x.bin") == "pdf"
    assert attachment_type(b"PK\x03\x04", None, "http://a/x.docx") == "docx"
    assert attachment_type(bytes.fromhex("d0cf11e0a1b11ae1"), None, "http://a/x") == "doc"
    assert attachment_type(b"<html>", "text/html", "http://a/x.pdf") == "pdf"  # by name


def slow_pdf() -> bytes:
    """A valid PDF whose one page shows 200,000 strings: seconds of pypdf's time."""
    return minimal_pdf([f"x{number}" for number in range(200_000)])


def docx_bomb() -> bytes:
    """A DOCX of under a megabyte whose document.xml inflates to 300 MB."""
    source = zipfile.ZipFile(io.BytesIO(minimal_docx(["a"])))
    out = io.BytesIO()
    paragraph = b"<w:p><w:r><w:t>" + b"a" * 1000 + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + paragraph * 300_000)
            bomb.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.timeout(60)
def test_text_extraction_stops_at_its_time_limit():
    text, error = extract_text(slow_pdf(), "pdf", timeout=1, memory_mb=512)
    assert (text, error) == (None, "text extraction died: SIGXCPU (time limit)")


@pytest.mark.timeout(60)
def test_text_extraction_stops_at_its_memory_limit():
    text, error = extract_text(docx_bomb(), "docx", timeout=30, memory_mb=256)
    assert text is None and "memory" in error
    text, error = extract_text(minimal_docx(["Tờ trình"]), "docx", timeout=30, memory_mb=256)
    assert (text, error) == ("Tờ trình", None)
