"""A hostile-content site for the local test web (issue 7, cases 8-11): a SharePoint district
portal whose pages lie about their charset or are broken documents, whose listings hold
crawler traps, some of whose articles turn into soft 404s, and whose articles link
attachments ("File đính kèm").

It serves a dozen of the Lý Nhân articles, each in one hostile form. It is not one of the
demo's sites: tests serve it with `HostileContentWeb` on a free port and crawl it with the
profile `profile_toml` writes.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, timedelta
from html import escape
from itertools import count
from urllib.parse import parse_qs, quote, urlsplit

from pipelines.encodings import encode_tcvn3, encode_vni, encode_windows_1258
from testweb.content import Article, load_articles
from testweb.families import SharePointPortal
from testweb.server import TestWeb

NAME = "hostile_content"
PROFILE_NAME = f"testweb_{NAME}"
LISTING = "/tin-tuc/Pages/default.aspx"
CALENDAR = "/lich-cong-tac/Calendar.aspx"
CALENDAR_START = date(2024, 5, 1)
LAST_PAGE = 99999
MIB = 1024 * 1024
# What IIS and Tomcat accept in a path and ignore: cookieless ASP.NET sessions, jsessionid.
PATH_SESSION = re.compile(r"/\([A-Z]\([^)]*\)\)|;jsessionid=[^/?#]*", re.I)

# The articles, by the hostile form each is served in (indexes into the Lý Nhân articles).
GOOD = ("good_1", "good_2", "soft_404_later", "redirect_later")
ENCODED = ("header_utf8_body_1258", "meta_header_disagree", "tcvn3_undeclared",
           "vni_undeclared", "nul_bytes", "utf16", "html_as_octet_stream", "xml_declaration")
ROLES = (*GOOD, "with_attachments", "fifty_variants", *ENCODED)
# Pages that hold no article, each broken in its own way, at article URLs.
BROKEN = ("html_self_closed", "comment_only", "deep_nesting", "pdf_as_html",
          "zip_as_octet_stream", "soft_404_page", "redirect_home")


def hostile_articles() -> dict[str, Article]:
    """The Lý Nhân articles this site serves, by their role, renamed into this family."""
    source = load_articles("lynhan")
    return {role: replace(article, family=NAME, id=f"{NAME}/{role}")
            for role, article in zip(ROLES, source, strict=False)}


def minimal_pdf(lines: list[str], padding: int = 0,
                unicode_map: dict[str, str] | None = None) -> bytes:
    """A small valid PDF showing `lines` (ASCII) in Helvetica; `padding` bytes of comment
    after the header make it as large as a test needs. `unicode_map` gives the font a ToUnicode
    map: each character of the lines to the UTF-16 code units (hex) a reader takes it for."""
    text = " T* ".join(f"({line}) Tj" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td 14 TL {text} ET".encode("latin-1")
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
        b"/Resources << /Font << /F1 4 0 R >> >> >>",
        font,
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if unicode_map:
        pairs = "\n".join(f"<{ord(code):02X}> <{units}>" for code, units in unicode_map.items())
        cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
                "1 begincodespacerange <00> <FF> endcodespacerange\n"
                f"{len(unicode_map)} beginbfchar\n{pairs}\nendbfchar\n"
                "endcmap CMapName currentdict /CMap defineresource pop end end").encode()
        objects[3] = font.replace(b" >>", b" /ToUnicode 6 0 R >>")
        objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    if padding:
        out += b"%" + b"0" * padding + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def minimal_docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


PDF_LINES = ["Bao cao ket qua thuc hien nhiem vu quy II nam 2024",
             "UBND huyen Ly Nhan"]
DOCX_PARAGRAPHS = ["Kế hoạch triển khai nhiệm vụ quý III năm 2024",
                   "Ủy ban nhân dân huyện Lý Nhân"]
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def attachment_files() -> dict[str, tuple[str, str, bytes]]:
    """Path -> (link text, content type, body) of the attachments of one article."""
    pdf = "application/pdf"
    word = "application/msword"
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return {
        "/Documents/bao-cao-quy-2.pdf": ("Báo cáo kết quả quý II.pdf", pdf,
                                         minimal_pdf(PDF_LINES)),
        "/Documents/ke-hoach-quy-3.docx": ("Kế hoạch quý III.docx", docx,
                                           minimal_docx(DOCX_PARAGRAPHS)),
        "/Documents/to-trinh.doc": ("Tờ trình.doc", word, OLE_MAGIC + bytes(4088)),
        "/Documents/hong.pdf": ("Tài liệu hỏng.pdf", pdf,
                                b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R\n" * 40),
        "/Documents/hong.docx": ("Tài liệu hỏng.docx", docx, b"PK\x03\x04" + bytes(range(256)) * 8),
        # Over the HTML size limit, under the attachments' one; then over both.
        "/Documents/phu-luc-lon.pdf": ("Phụ lục lớn.pdf", pdf,
                                       minimal_pdf(PDF_LINES, padding=10 * MIB)),
        "/Documents/qua-lon.pdf": ("Tài liệu quá lớn.pdf", pdf,
                                   minimal_pdf(PDF_LINES, padding=17 * MIB)),
    }


def fifty_variants(path: str) -> list[str]:
    """Fifty links to one article, as portals print them: session ids in the path or the
    query, SharePoint's Source= return address, tracking parameters, fragments."""
    variants = []
    for n in range(10):
        variants.append(f"{path};jsessionid={n:04X}A9F3C2E1D0B7{n:02d}")
        variants.append(f"/(S(kq{n}x2v45fmn3a{n}zq1b))" + path)
        variants.append(f"{path}?Source={quote(LISTING + f'?page={n + 2}', safe='')}")
        variants.append(f"{path}?utm_source=zalo&utm_medium=share&utm_campaign=c{n}")
    for n in range(5):
        variants.append(f"{path}#binh-luan-{n}")
        variants.append(f"{path}?PHPSESSID=9f{n}c1e8a7b6d5&fbclid=IwAR{n}")
    return variants


def deep_page(article_html: str, depth: int = 100_000) -> str:
    return article_html.replace('<div id="mainContent">',
                                '<div id="mainContent">' + "<div>" * depth, 1)


class HostileContent(SharePointPortal):
    name = NAME
    title = "Cổng thông tin điện tử huyện Lý Nhân (nội dung độc hại)"
    district, province = "Lý Nhân", "Hà Nam"

    def __init__(self, articles: list[Article]):
        self.roles = hostile_articles()
        super().__init__(list(self.roles.values()))
        self.attachments = attachment_files()
        # Paths of good articles that now answer as a soft 404: "page" or "redirect".
        self.gone: dict[str, str] = {}
        self.session_ids = count(1)

    def role_path(self, role: str) -> str:
        if role in self.roles:
            return self.article_path(self.roles[role])
        return f"/tin-tuc/Pages/{role.replace('_', '-')}.aspx"

    # Pages ------------------------------------------------------------------------------
    def listing_html(self, page: int) -> str:
        """Page 1 links every article and case; later pages are empty past-the-end pages that
        always offer a next page and a last page far away (the `?page=99999` trap)."""
        items = ""
        if page == 1:
            links = [self.role_path(role) for role in ROLES if role != "fifty_variants"]
            links += [self.role_path(role) for role in BROKEN]
            links += fifty_variants(self.role_path("fifty_variants"))
            items = "".join(f'<div class="item"><a href="{escape(link)}">Bài {number}</a></div>'
                            for number, link in enumerate(links, start=1))
            items += (f'<div class="calendar"><a href="{CALENDAR}?CalendarDate='
                      f'{CALENDAR_START.isoformat()}">Lịch công tác</a></div>')
        # A cookieless ASP.NET session: every page hands out a fresh id in its links.
        session = f"/(S(s{next(self.session_ids):06d}abcdefgh))"
        paging = (f'<div class="paging"><a class="next" href="{session}{LISTING}?page={page + 1}">'
                  f'Trang sau</a> <a class="last" href="{LISTING}?page={LAST_PAGE}">'
                  "Trang cuối</a></div>")
        return (self.head("Tin tức, sự kiện") + self.navigation()
                + f'<div id="mainContent"><div class="news-list-webpart">{items}{paging}'
                "</div></div></form></body></html>")

    def calendar_html(self, day: date) -> str:
        """A SharePoint calendar: every day links the day before and after and the same day
        of the month before and after, for ever."""
        links = {"Hôm trước": day - timedelta(days=1), "Hôm sau": day + timedelta(days=1),
                 "Tháng trước": day - timedelta(days=30), "Tháng sau": day + timedelta(days=30)}
        anchors = "".join(f'<a href="Calendar.aspx?CalendarDate={target.isoformat()}">'
                          f"{label}</a> " for label, target in links.items())
        return (self.head(f"Lịch công tác ngày {day:%d/%m/%Y}") + self.navigation()
                + f'<div id="mainContent"><p>Không có lịch công tác.</p>{anchors}</div>'
                "</form></body></html>")

    def soft_404_html(self) -> str:
        return (self.head("Không tìm thấy trang") + self.navigation()
                + '<div id="mainContent"><h2>Không tìm thấy trang</h2>'
                "<p>Trang bạn yêu cầu không tồn tại hoặc đã bị xóa.</p>"
                # Enough prose that, taken for an article, it would replace a good copy.
                "<p>Cổng thông tin điện tử huyện Lý Nhân là kênh thông tin chính thức của Ủy "
                "ban nhân dân huyện, nơi đăng tải tin tức, sự kiện, văn bản chỉ đạo điều hành "
                "và thủ tục hành chính phục vụ người dân và doanh nghiệp trên địa bàn; xin quý "
                "vị vui lòng quay lại trang chủ hoặc dùng chức năng tìm kiếm.</p></div>"
                "</form></body></html>")

    def render_article(self, article: Article) -> str:
        html = super().render_article(article)
        if article is self.roles.get("with_attachments"):
            links = "".join(f'<li><a href="{path}">{escape(text)}</a></li>'
                            for path, (text, _, _) in self.attachments.items())
            html = html.replace("</form>", f'<div class="attachments"><b>File đính kèm:</b>'
                                f"<ul>{links}</ul></div></form>", 1)
        return html

    # Routing ----------------------------------------------------------------------------
    def route(self, path: str, base_url: str):
        path = PATH_SESSION.sub("", path)
        parts = urlsplit(path)
        html = "text/html; charset=utf-8"
        if parts.path == LISTING:
            page = int(parse_qs(parts.query).get("page", ["1"])[0])
            return 200, html, self.listing_html(page)
        if parts.path == CALENDAR:
            day = date.fromisoformat(parse_qs(parts.query)["CalendarDate"][0])
            return 200, html, self.calendar_html(day)
        if parts.path in self.attachments:
            _, content_type, body = self.attachments[parts.path]
            return 200, content_type, body
        if parts.path in self.gone:  # articles ignore their query string, as SharePoint does
            return self.soft_404(self.gone[parts.path])
        served = self.serve_case(parts.path)
        if served is not None:
            return served
        return super().route(parts.path, base_url)

    def soft_404(self, how: str):
        if how == "redirect":
            return 302, "text/html; charset=utf-8", "", {"Location": "/"}
        return 200, "text/html; charset=utf-8", self.soft_404_html()

    def serve_case(self, path: str):
        """The hostile form of a case page, or None for an ordinary page."""
        roles = {self.role_path(role): role for role in (*ROLES, *BROKEN)}
        role = roles.get(path)
        if role is None:
            return None
        article = self.roles.get(role)
        page = self.render_article(article) if article else ""
        undeclared = "text/html"
        cases = {
            "header_utf8_body_1258": lambda: ("text/html; charset=utf-8",
                                              encode_windows_1258(page)),
            "meta_header_disagree": lambda: ("text/html; charset=windows-1258", page.replace(
                "<head>", '<head><meta charset="utf-8">', 1).encode("utf-8")),
            "tcvn3_undeclared": lambda: (undeclared, encode_tcvn3(page)),
            "vni_undeclared": lambda: (undeclared, encode_vni(page)),
            "nul_bytes": lambda: ("text/html; charset=utf-8",
                                  page.replace("<p>", "<p>\x00", 3).replace(
                                      "</h3>", "\x00\x00</h3>", 1).encode("utf-8")),
            "utf16": lambda: (undeclared, b"\xff\xfe" + page.encode("utf-16-le")),
            "html_as_octet_stream": lambda: ("application/octet-stream", page.encode("utf-8")),
            "xml_declaration": lambda: ("text/html; charset=windows-1258", (
                '<?xml version="1.0" encoding="utf-8"?>' + page).encode("utf-8")),
            "html_self_closed": lambda: ("text/html; charset=utf-8", b"<html/>"),
            "comment_only": lambda: ("text/html; charset=utf-8", b"<!-- trang trong -->"),
            "deep_nesting": lambda: ("text/html; charset=utf-8", deep_page(
                self.render_article(self.roles["good_1"])).encode("utf-8")),
            "pdf_as_html": lambda: ("text/html; charset=utf-8", minimal_pdf(PDF_LINES)),
            "zip_as_octet_stream": lambda: ("application/octet-stream",
                                            b"PK\x03\x04" + bytes(range(256)) * 16),
            "soft_404_page": lambda: ("text/html; charset=utf-8",
                                      self.soft_404_html().encode("utf-8")),
        }
        if role == "redirect_home":
            return self.soft_404("redirect")
        if role in cases:
            content_type, body = cases[role]()
            return 200, content_type, body
        return 200, "text/html; charset=utf-8", page


class HostileContentWeb(TestWeb):
    """The hostile-content site, served alone on a free port of 127.0.0.1."""

    family_classes = {NAME: HostileContent}

    def __init__(self, port: int = 0):
        super().__init__([NAME], {NAME: port} if port else None, articles=[])

    @property
    def site(self):
        return self.sites[NAME]

    @property
    def family(self) -> HostileContent:
        return self.site.family

    def requests_for(self, path: str) -> int:
        """How many requests the server answered for `path`, whatever session ids, query
        or fragment they carried."""
        return sum(times for raw, times in self.site.requests.items()
                   if urlsplit(PATH_SESSION.sub("", raw)).path == path)


def profile_toml(base_url: str, url_pattern_budget: int = 20) -> str:
    """The profile a crawl of the site needs (write it to a file, pass `--profile FILE`)."""
    return f"""\
name = "{PROFILE_NAME}"
title = "{HostileContent.title} (local test web)"
kind = "portal"
base_url = "{base_url.rstrip('/')}/"
start_urls = ["{LISTING}"]
allowed_domains = ["127.0.0.1"]
article_pattern = '/tin-tuc/Pages/(?!default\\.aspx)[^/?;#]+\\.aspx'
next_page = ".paging a"
listing_pattern = 'Calendar\\.aspx\\?CalendarDate='
download_delay = 0
concurrency = 4
url_pattern_budget = {url_pattern_budget}

[owner]
organ = "people_committee"
locality = "Lý Nhân"
province = "Hà Nam"
"""
