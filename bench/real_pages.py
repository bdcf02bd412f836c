"""The hand-labelled real page sets (shared folder, never copied into the project) scored for
vnarchive, plain trafilatura and htmldate side by side.

    python bench/real_pages.py            # one table per set
    python bench/real_pages.py --pages    # and every page where ours is empty or worse
    python bench/real_pages.py --folder DIR  # a labelled folder of your own, scored the same way

Beside each page as it is, rewrites of it are read by all three, each a kind of site the
labelled ones are not:
- "names hidden": every class and id renamed to an opaque token (the same name, the same
  token): a new site's theme that names nothing the way the sites we know do (hashed
  CSS-module names, another language's words);
- "site's title": the <title> only the site's name (the title's last part) and no og:title or
  twitter:title, as an old portal prints every page: the headline must be found on the page;
- "headline - site": the <title> without the section's name between them, as most themes
  print it: the section's label printed above the headline is then named nowhere else;
- "hidden, site's title": both the names hidden and the site's title, an old portal with a
  theme that names nothing: the headline is found by where it is printed alone;
- "<br> paragraphs" (and "hidden, <br> paragraphs"): no <p>, each paragraph's text ended by
  two <br>s, as old portals and some editors print an article;
- "no headings, hidden, site's title": the names hidden, the site's title, and each <h1>-<h3>
  a <div>, as themes print the headline in a styled div: only the page's words, its layout
  and what it states for machines (JSON-LD, Dublin Core) tell the headline;
- "hidden, no description": the names hidden and no description meta: the sapo is told by
  where it is printed or what the page states in JSON-LD or Dublin Core.
Then the publication day alone, with every machine-readable date taken out and the printed
date in each form other sites print ("printed dates": year first, in Vietnamese or English
words), read by vnarchive and htmldate; and the author alone, the page's byline taken out and
the name signed under the body in each form other sites print ("signed"), or printed in a bar
under the headline with no name in the markup, read by vnarchive and plain trafilatura; and
the text with a box other sites print inside the body ("boxes": a "Tin liên quan" list, "Xem
thêm:" links, an advertisement's label) or under it (readers' comments, the form to write
one, a tool bar, a rating's question), read by both.

Labels (`labels.json` of each set) are written by hand from the pages: title as displayed,
published day, printed byline, first and last sentence of the body, strings outside the body.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import htmldate
import lxml.html
import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.boilerplate import ELLIPSES  # noqa: E402
from pipelines.extract import extract_article  # noqa: E402
from pipelines.headline import TITLE_SEPARATOR  # noqa: E402
from pipelines.region import extract_with_region  # noqa: E402
from pipelines.site_region import SiteRegions  # noqa: E402
from testweb.shared import real_pages, shared_folder  # noqa: E402

REAL_SETS = ("articles", "more")
# "(CTO) - ", "TT - ": the agency prefix of a lead, which a clean text may leave out.
AGENCY_PREFIX = re.compile(r"^(?:\([^()]{1,12}\)|[A-ZĐ]{2,8})\s*[-–]\s*")
# A class or id attribute, its value quoted or bare.
NAMED = re.compile(rb"""(\s(?:class|id)\s*=\s*)(?:(["'])(.*?)\2|([^\s"'>]+))""", re.I | re.S)
FIELDS = ("title", "published", "author", "body_first", "body_last", "lead_once", "clean")


@dataclass
class RealPage:
    name: str
    page: bytes
    label: dict


@dataclass
class Reading:
    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None


@dataclass
class RealScores:
    hits: dict[str, list[bool]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    misses: dict[str, list[str]] = field(default_factory=dict)  # page -> fields missed
    empty: list[str] = field(default_factory=list)

    def count(self, name: str) -> int:
        return sum(self.hits[name])


def squash(text: str | None) -> str:
    """NFC and one space for any run of white space: how labels and outputs are compared."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


# Labelled folders named on the command line (--folder), scored beside the shared sets.
OWN_FOLDERS: dict[str, Path] = {}


def load_real_pages(set_name: str) -> list[RealPage]:
    folder = OWN_FOLDERS.get(set_name) or real_pages(set_name)
    if folder is None:
        return []
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return [RealPage(label["file"], (folder / label["file"]).read_bytes(), label)
            for label in labels]


def hide_names(html: bytes) -> bytes:
    """The page with each class and id name replaced by a token made from it."""
    def rename(match: re.Match) -> bytes:
        quote = match.group(2) or b""
        names = (match.group(3) if match.group(2) else match.group(4)).split()
        tokens = b" ".join(b"n" + hashlib.sha1(name).hexdigest()[:8].encode() for name in names)
        return match.group(1) + quote + tokens + quote
    return NAMED.sub(rename, html)


DOCUMENT_TITLE = re.compile(rb"(<title\b[^>]*>)(.*?)(</title>)", re.I | re.S)
SOCIAL_TITLE = re.compile(rb"<meta\b[^>]*(?:og:title|twitter:title)[^>]*>", re.I)


def site_title(html: bytes) -> bytes:
    """The page with its <title> cut to its last part, the site's name ("Headline - Section -
    Sở Thông Tin Và Truyền Thông" gives the last), and no og:title or twitter:title."""
    def cut(match: re.Match) -> bytes:
        site = TITLE_SEPARATOR.split(match.group(2).decode("utf-8", "replace").strip())[-1]
        return match.group(1) + site.encode() + match.group(3)
    return SOCIAL_TITLE.sub(b"", DOCUMENT_TITLE.sub(cut, html, count=1))


def headline_and_site(html: bytes) -> bytes:
    """The page with its <title> cut to its first and last parts ("Headline - Site": no
    section named), as most themes print it; og:title kept."""
    def cut(match: re.Match) -> bytes:
        parts = TITLE_SEPARATOR.split(match.group(2).decode("utf-8", "replace").strip())
        kept = parts[0] + (f" - {parts[-1]}" if len(parts) > 1 else "")
        return match.group(1) + kept.encode() + match.group(3)
    return DOCUMENT_TITLE.sub(cut, html, count=1)


PARAGRAPH_OPENING = re.compile(rb"<p\b[^>]*>", re.I)
PARAGRAPH_CLOSING = re.compile(rb"</p\s*>", re.I)


def paragraphs_in_breaks(html: bytes) -> bytes:
    """The page with no <p>: each paragraph's text followed by two <br>s, as old portals and
    some editors print an article (the sapo then a bare run of text after the headline)."""
    return PARAGRAPH_CLOSING.sub(b"<br><br>", PARAGRAPH_OPENING.sub(b"", html))


HEADING_OPENING = re.compile(rb"<h[1-3](?=[\s>])", re.I)
HEADING_CLOSING = re.compile(rb"</h[1-3]\s*>", re.I)


def headings_as_divs(html: bytes) -> bytes:
    """The page with each <h1>, <h2> and <h3> a <div> (its attributes kept), as themes print a
    headline in a styled div or span: no heading tells the headline from the rest."""
    return HEADING_CLOSING.sub(b"</div>", HEADING_OPENING.sub(b"<div", html))


def bare_headline(html: bytes) -> bytes:
    """The page with nothing but its words and its statements for machines to tell the
    headline by: names hidden, the <title> the site's name, no heading elements."""
    return headings_as_divs(site_title(hide_names(html)))


DESCRIPTIONS = re.compile(rb"<meta\b[^>]*(?:name|property)\s*=\s*[\"']"
                          rb"(?:description|og:description|twitter:description)[\"'][^>]*>", re.I)


def without_description(html: bytes) -> bytes:
    """The page with no description meta (name, og: or twitter:), as many old portals print
    it: the sapo is then told by where and how it is printed, or by what else the page states
    for machines (JSON-LD, Dublin Core)."""
    return DESCRIPTIONS.sub(b"", html)


# Each rewrite, by the name of its columns.
REWRITES = {"names hidden": hide_names, "site's title": site_title,
            "headline - site": headline_and_site,
            "hidden, site's title": lambda html: site_title(hide_names(html)),
            "<br> paragraphs": paragraphs_in_breaks,
            "hidden, <br> paragraphs": lambda html: paragraphs_in_breaks(hide_names(html)),
            "no headings, hidden, site's title": bare_headline,
            "hidden, no description": lambda html: without_description(hide_names(html))}

# The "printed dates" reading: every machine-readable date taken out of the page (date and
# time metas, JSON-LD, <time datetime>, ISO values in content attributes) and the labelled
# day, wherever the page prints it in figures, printed in one form of another site's theme.
# The publication day must then be read from the printed date alone.
MACHINE_DATES = (
    re.compile(rb"<meta\b[^>]*(?:date|time|published|modified|pubdate)[^>]*>", re.I),
    re.compile(rb"<script[^>]*ld\+json[^>]*>.*?</script>", re.I | re.S),
    re.compile(rb"\sdatetime\s*=\s*\"[^\"]*\"", re.I),
    re.compile(rb"\scontent\s*=\s*\"\d{4}-\d\d-\d\d[^\"]*\"", re.I),
)
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")
VIETNAMESE_MONTHS = ("Một", "Hai", "Ba", "Tư", "Năm", "Sáu", "Bảy", "Tám", "Chín", "Mười",
                     "Mười Một", "Mười Hai")
PRINTED_FORMS = {
    "dd/mm/yyyy": lambda y, m, d: f"{d:02d}/{m:02d}/{y}",
    "yyyy-mm-dd": lambda y, m, d: f"{y}-{m:02d}-{d:02d}",
    "ngày d tháng m năm y": lambda y, m, d: f"Ngày {d} tháng {m} năm {y}",
    "dd Tháng Mười Hai, y": lambda y, m, d: f"{d:02d} Tháng {VIETNAMESE_MONTHS[m - 1]}, {y}",
    "dd Tháng mm yyyy": lambda y, m, d: f"{d:02d} Tháng {m:02d} {y}",
    "Month d, yyyy": lambda y, m, d: f"{ENGLISH_MONTHS[m - 1]} {d}, {y}",
    "dd Mon yyyy": lambda y, m, d: f"{d:02d} {ENGLISH_MONTHS[m - 1][:3]} {y}",
}


def undated(page: RealPage) -> tuple[bytes, tuple[int, int, int], re.Pattern[bytes]]:
    """The page's bytes without its machine-readable dates, its labelled day (year, month,
    day), and the pattern of that day as the page prints it in figures."""
    year, month, day = (int(part) for part in page.label["published"].split("-"))
    printed = re.compile(rb"(?<!\d)0?%d\s*[/.-]\s*0?%d\s*[/.-]\s*%d(?!\d)" % (day, month, year))
    html = page.page
    for pattern in MACHINE_DATES:
        html = pattern.sub(b"", html)
    return html, (year, month, day), printed


def printed_date(form: str) -> Callable[[RealPage], RealPage]:
    """The page without its machine-readable dates, its labelled day printed in `form`."""
    def rewrite(page: RealPage) -> RealPage:
        html, day, printed = undated(page)
        html = printed.sub(PRINTED_FORMS[form](*day).encode(), html)
        return RealPage(page.name, html, page.label)
    return rewrite


# The "signed" reading: the page's own byline taken out (every text naming the labelled
# author, its label left alone with it, the author metas and JSON-LD) and the author signed
# under the body's last paragraph in one form of another site's theme. Pages with no author
# or whose last paragraph is not found are left out.
SIGNED_FORMS = {
    "<p> right, bold": '<p style="text-align: right;"><strong>{}</strong></p>',
    "<p> right, italic": '<p style="text-align:right"><em>{}</em></p>',
    "<p> Bài và ảnh: bold": "<p><strong>Bài và ảnh: {}</strong></p>",
    "<p> plain": "<p>{}</p>",
    "<div> right, bold": '<div align="right"><b>{}</b></div>',
}
AUTHOR_STATEMENTS = ('//meta[contains(@name, "author") or contains(@property, "author")]'
                     ' | //script[contains(@type, "ld+json")]')
BYLINE_LABEL_LEFT = re.compile(r"^\W*(?:tác giả|(?:tin|bài)(?:,\s*|\s+và\s+)ảnh|tin|bài|by)"
                               r"\s*:?\W*$", re.I)


def block_printing(tree, sentence: str, last: bool):
    """The paragraph-like block printing a labelled sentence's first words (its last
    occurrence, or its first), or None where the page prints them nowhere whole or in no
    block below the page's root (nothing can be printed beside the root)."""
    opening = squash(sentence)[:25]
    printing = [node.getparent() for node in tree.xpath("//body//text()")
                if opening in " ".join(str(node).split())]
    if not printing:
        return None
    block = printing[-1] if last else printing[0]
    while block.tag not in ("p", "div", "td", "li") and block.getparent() is not None:
        block = block.getparent()
    return block if block.getparent() is not None else None


def with_tree(page: RealPage, tree) -> RealPage:
    """The page rewritten: its labels, `tree`'s bytes."""
    return RealPage(page.name, lxml.html.tostring(tree, encoding="utf-8"), page.label)


def printed_beside(page: RealPage, tree, sentence: str, fragment: str) -> RealPage | None:
    """The page (its `tree`) with `fragment` printed right after the block printing its
    labelled `sentence` ("body_first": its first occurrence; "body_last": its last); None
    where the page prints the sentence nowhere whole."""
    block = block_printing(tree, page.label[sentence], last=sentence == "body_last")
    if block is None:
        return None
    block.addnext(lxml.html.fragment_fromstring(fragment))
    return with_tree(page, tree)


def unsigned(page: RealPage):
    """The page's tree with its byline taken out (its author statements for machines, and the
    labelled name wherever printed, with a byline's label left alone), or None where the page
    names no author."""
    name = page.label.get("author")
    if not name:
        return None
    tree = lxml.html.fromstring(page.page)
    for element in tree.xpath(AUTHOR_STATEMENTS):
        element.getparent().remove(element)
    for node in tree.xpath("//text()[contains(., $name)]", name=name):
        owner = node.getparent()
        left = str(node).replace(name, "")
        left = "" if BYLINE_LABEL_LEFT.match(left) else left
        if node.is_text:
            owner.text = left
        else:
            owner.tail = left
    return tree


def signed(form: str) -> Callable[[RealPage], RealPage | None]:
    def rewrite(page: RealPage) -> RealPage | None:
        tree = unsigned(page)
        if tree is None:
            return None
        return printed_beside(page, tree, "body_last",
                              SIGNED_FORMS[form].format(page.label["author"]))
    return rewrite


# The "bylines under the headline" reading: the page's byline taken out, the name printed in a
# bar right under the headline, with the day or alone, as many themes print it, with no name
# in the markup saying so.
HEADLINE_BARS = {
    "name | day clock": ('<div class="bl-x"><span>{n}</span> | <span>{d:02d}/{m:02d}/{y} 08:30'
                         '</span></div>'),
    "weekday, day - name": '<div class="bl-x">Thứ Hai, {d:02d}/{m:02d}/{y} - {n}</div>',
    "<p><strong>name": "<p><strong>{n}</strong></p>",
    "Bài, ảnh: name": "<p><em>Bài, ảnh: {n}</em></p>",
}


def barred(form: str) -> Callable[[RealPage], RealPage | None]:
    def rewrite(page: RealPage) -> RealPage | None:
        tree = unsigned(page)
        if tree is None:
            return None
        year, month, day = (int(part) for part in page.label["published"].split("-"))
        bar = HEADLINE_BARS[form].format(n=page.label["author"], y=year, m=month, d=day)
        return printed_under_headline(page, tree, bar)
    return rewrite


def printed_under_headline(page: RealPage, tree, fragment: str) -> RealPage | None:
    """The page (its `tree`) with `fragment` right after the element printing the labelled
    headline whole, the last such before the body's first sentence (no link, no <title>);
    None where the page prints it nowhere whole before the body."""
    first = block_printing(tree, page.label["body_first"], last=False)
    body = tree.find("body")
    if first is None or body is None:
        return None
    headline, printing = squash(page.label["title"]), None
    for element in body.iter():
        if element is first:
            break
        if (isinstance(element.tag, str) and element.tag != "a"
                and not any(above.tag == "a" for above in element.iterancestors())
                and squash(element.text_content()) == headline):
            printing = element
    if printing is None:
        return None
    printing.addnext(lxml.html.fragment_fromstring(fragment))
    return with_tree(page, tree)


def score_signed(pages: list[RealPage], bars: bool = False
                 ) -> dict[str, tuple[RealScores, RealScores]]:
    """For each signed form (with `bars`, each bar under the headline), vnarchive's and plain
    trafilatura's readings of the pages."""
    scores = {}
    for form in HEADLINE_BARS if bars else SIGNED_FORMS:
        rewrite = barred(form) if bars else signed(form)
        rewritten_pages = [found for found in map(rewrite, pages) if found is not None]
        scores[form] = (score_real(rewritten_pages, read_vnarchive),
                        score_real(rewritten_pages, read_trafilatura))
    return scores


# The "boxes" reading: a box other sites print inside the body, put after its first
# paragraph: the box's texts must stay out of the text, and the body must stay whole.
OTHER_STORY = "Hà Nội trồng mới năm trăm cây xanh trên các tuyến phố nội đô"
SECOND_STORY = "Thủ tướng chỉ đạo đẩy nhanh tiến độ giải ngân vốn đầu tư công"
INSIDE_BOXES = {
    "Xem thêm: <a>": (f'<p><strong>Xem thêm:</strong> <a href="/tin/1.html">{OTHER_STORY}</a></p>',
                      (OTHER_STORY, "Xem thêm")),
    ">> Đọc thêm: <a>": (f'<p>&gt;&gt; Đọc thêm: <a href="/tin/1.html">{OTHER_STORY}</a></p>',
                         (OTHER_STORY, "Đọc thêm")),
    "Tin liên quan + <ul>": (
        f'<div class="box-x"><p><b>Tin liên quan</b></p><ul><li><a href="/tin/1.html">'
        f'{OTHER_STORY}</a></li><li><a href="/tin/2.html">{SECOND_STORY}</a></li></ul></div>',
        (OTHER_STORY, SECOND_STORY, "Tin liên quan")),
    "<table> photo + link": (
        f'<table class="tbl-x" align="right"><tr><td><a href="/tin/1.html"><img src="/a.jpg">'
        f'</a></td></tr><tr><td><a href="/tin/1.html">{OTHER_STORY}</a></td></tr></table>',
        (OTHER_STORY,)),
    "Quảng cáo": ('<div class="adv-x"><p>Quảng cáo</p></div>', ("Quảng cáo",)),
    "<ul> of links, no heading": (
        f'<ul><li><a href="/tin/1.html">{OTHER_STORY}</a></li><li><a href="/tin/2.html">'
        f'{SECOND_STORY}</a></li></ul>', (OTHER_STORY, SECOND_STORY)),
}


# And what sites print under the article, put at the end of the element holding its last
# paragraph (after the signature printed there): it must stay out of the text, and the body and
# the byline must stay whole. Readers' comments under their heading, as a list or as divs, the
# form to write one, the tool bar, the rating's question.
COMMENT = ("Bài viết rất hay, mong chính quyền địa phương tiếp tục quan tâm hơn nữa đến đời sống "
           "người dân vùng sâu.")
SECOND_COMMENT = "Tôi đồng ý với ý kiến trên, cần kiểm tra việc thực hiện ở từng xã."
AFTER_BOXES = {
    "comments, <h3> and <ul>": (
        f'<div class="cm-x"><h3>Ý kiến bạn đọc (2)</h3><ul><li><b>Nguyễn Văn Nam</b> <span>'
        f'09/01/2026 09:15</span><p>{COMMENT}</p></li><li><b>Trần Thị Hoa</b> <span>09/01/2026 '
        f'10:02</span><p>{SECOND_COMMENT}</p></li></ul></div>', (COMMENT, SECOND_COMMENT)),
    "comments, <div>s": (
        f'<div class="cm-x"><div>BÌNH LUẬN</div><div><div><strong>Nguyễn Văn Nam</strong> - '
        f'09/01/2026</div><div>{COMMENT}</div></div><div><div><strong>Trần Thị Hoa</strong> - '
        f'09/01/2026</div><div>{SECOND_COMMENT}</div></div></div>', (COMMENT, SECOND_COMMENT)),
    "the form to comment": (
        '<div class="cf-x"><p>Gửi bình luận của bạn</p><form><input name="n" placeholder="Họ và '
        'tên"><textarea>Nội dung</textarea><button>Gửi</button></form><p>Ý kiến của bạn sẽ được '
        'biên tập trước khi đăng.</p></div>', ("Gửi bình luận", "biên tập trước khi đăng")),
    "a tool bar, piped": (
        '<div class="tb-x"><a href="#">In bài viết</a> | <a href="#">Gửi email</a> | <a href="#'
        'top">Về đầu trang</a> | <a href="/">Quay lại</a></div>', ("In bài viết", "Về đầu trang")),
    "the rating's question": (
        '<div class="rt-x"><p>Bạn đánh giá bài viết này thế nào?</p><a href="#">Hay</a> <a href='
        '"#">Không hay</a></div>', ("Bạn đánh giá bài viết",)),
}


def boxed(form: str) -> Callable[[RealPage], RealPage | None]:
    def rewrite(page: RealPage) -> RealPage | None:
        if form in AFTER_BOXES:
            return printed_after_body(page, AFTER_BOXES[form][0])
        return printed_beside(page, lxml.html.fromstring(page.page), "body_first",
                              INSIDE_BOXES[form][0])
    return rewrite


def printed_after_body(page: RealPage, fragment: str) -> RealPage | None:
    """The page with `fragment` at the end of the element holding the block that prints its
    labelled last sentence (past the wrappers that hold that block alone); None where the page
    prints it nowhere whole."""
    tree = lxml.html.fromstring(page.page)
    block = block_printing(tree, page.label["body_last"], last=True)
    if block is None or block.getparent() is None:
        return None
    holder = block.getparent()
    while len(holder) == 1 and holder.getparent() is not None:
        holder = holder.getparent()
    holder.append(lxml.html.fragment_fromstring(fragment))
    return with_tree(page, tree)


@dataclass
class BoxScores:
    pages: int = 0
    clean: dict[str, int] = field(default_factory=dict)  # reader -> pages free of the box
    whole: dict[str, int] = field(default_factory=dict)  # reader -> pages with first and last
    author: dict[str, int] = field(default_factory=dict)  # reader -> pages with their author


def score_boxes(pages: list[RealPage], boxes: dict | None = None) -> dict[str, BoxScores]:
    """For each box (INSIDE_BOXES, or `boxes`), vnarchive's and plain trafilatura's readings
    of the pages holding it."""
    readers = {"vnarchive": read_vnarchive, "trafilatura": read_trafilatura}
    scores = {}
    for form, (_, printed) in (INSIDE_BOXES if boxes is None else boxes).items():
        score = scores[form] = BoxScores()
        for page in filter(None, map(boxed(form), pages)):
            score.pages += 1
            for name, reader in readers.items():
                reading = reader(page)
                text = squash(reading.text)
                clean = not any(squash(part) in text for part in printed)
                whole = all(squash(page.label[end]) in text for end in ("body_first", "body_last"))
                score.clean[name] = score.clean.get(name, 0) + clean
                score.whole[name] = score.whole.get(name, 0) + whole
                score.author[name] = score.author.get(name, 0) + judge(page, reading)["author"]
    return scores


# The same, the day printed under the body's last paragraph instead, where some portals stamp
# an article: with its label, or alone (pages whose last paragraph the rewrite finds).
STAMPED_FORMS = {
    "under: Ngày đăng: dd/mm/yyyy": "<p>Ngày đăng: {d:02d}/{m:02d}/{y}</p>",
    "under: (dd/mm/yyyy)": '<p style="text-align:right"><em>({d:02d}/{m:02d}/{y})</em></p>',
    "under: dd/mm/yyyy hh:mm": "<div>{d:02d}/{m:02d}/{y} 08:30</div>",
}


def stamped_under_body(form: str) -> Callable[[RealPage], RealPage | None]:
    """The page without its machine-readable dates nor its printed day, the day printed
    under the body's last paragraph in `form`; None where the last paragraph is not found."""
    def rewrite(page: RealPage) -> RealPage | None:
        html, (year, month, day), printed = undated(page)
        tree = lxml.html.fromstring(printed.sub(b"", html))
        return printed_beside(page, tree, "body_last",
                              STAMPED_FORMS[form].format(y=year, m=month, d=day))
    return rewrite


def score_printed_dates(pages: list[RealPage]) -> dict[str, tuple[RealScores, RealScores]]:
    """For each printed form, vnarchive's and htmldate's readings of the rewritten pages."""
    scores = {}
    for form in PRINTED_FORMS:
        printed = [printed_date(form)(page) for page in pages]
        scores[form] = (score_real(printed, read_vnarchive), score_real(printed, read_htmldate))
    for form in STAMPED_FORMS:
        stamped = [found for found in map(stamped_under_body(form), pages) if found is not None]
        scores[form] = (score_real(stamped, read_vnarchive), score_real(stamped, read_htmldate))
    return scores


def rewritten(reader: Callable[[RealPage], Reading],
              rewrite: Callable[[bytes], bytes]) -> Callable[[RealPage], Reading]:
    return lambda page: reader(RealPage(page.name, rewrite(page.page), page.label))


def read_vnarchive(page: RealPage) -> Reading:
    found = extract_article(page.page, url=page.label.get("url"))
    return Reading(found.text, found.title, found.author, found.published)


def crawl_reader() -> Callable[[RealPage], Reading]:
    """vnarchive as a crawl (or an import) of each site reads its pages: one after the other,
    each in the article region the site's pages before it taught (pipelines/site_region.py),
    since a user's profile of a new site names none. The pages' order in the labels stands
    for the crawl's."""
    regions = SiteRegions({})

    def read(page: RealPage) -> Reading:
        site = page.name.rsplit("_", 1)[0]  # "sotttt.hanoi.gov.vn_7.html": the site's host
        found, report = extract_with_region(page.page, page.label.get("url"), None,
                                            regions.request(site))
        regions.observe(site, report)
        return Reading(found.text, found.title, found.author, found.published)

    return read


def read_trafilatura(page: RealPage) -> Reading:
    """Plain trafilatura with its defaults on the bytes, as a naive pipeline would use it."""
    url = page.label.get("url")
    text = trafilatura.extract(page.page, url=url) or ""
    metadata = trafilatura.extract_metadata(page.page, default_url=url)
    if metadata is None:
        return Reading(text)
    return Reading(text, metadata.title, metadata.author, metadata.date)


def read_htmldate(page: RealPage) -> Reading:
    html = page.page.decode("utf-8", errors="replace")
    return Reading("", published=htmldate.find_date(html, original_date=True,
                                                    url=page.label.get("url")))


LEAD_KEY = 60  # characters of the sapo that find its copies
# A copy goes on as the sapo for this share of it (a label's last words may differ from the
# page's), or to an ellipsis (ELLIPSES: one cut short).
COPY_SHARE = 0.9


def lead_copies(text: str, lead: str) -> int:
    """How many copies of the sapo the text holds: its first LEAD_KEY characters going on as
    the sapo does, nearly to its end or to an ellipsis. A sentence of the body that opens with
    the sapo's words and goes on otherwise is no copy."""
    copies, at = 0, text.find(lead[:LEAD_KEY])
    while at >= 0:
        same = len(os.path.commonprefix([text[at:at + len(lead)], lead]))
        if same >= COPY_SHARE * len(lead) or text[at + same:].lstrip().startswith(ELLIPSES):
            copies += 1
        at = text.find(lead[:LEAD_KEY], at + 1)
    return copies


def judge(page: RealPage, reading: Reading) -> dict[str, bool]:
    """Each labelled field right or wrong for one page."""
    label, text = page.label, squash(reading.text)
    return {
        "title": squash(reading.title) == squash(label["title"]),
        "published": (reading.published or "")[:10] == label["published"],
        "author": squash(reading.author) == squash(label["author"]),
        "body_first": squash(label["body_first"]) in text,
        "body_last": squash(label["body_last"]) in text,
        "lead_once": not label.get("lead") or lead_copies(
            text, AGENCY_PREFIX.sub("", squash(label["lead"]))) == 1,
        "clean": bool(text) and not any(squash(s) in text for s in label["boilerplate"]),
    }


def score_real(pages: list[RealPage], reader: Callable[[RealPage], Reading]) -> RealScores:
    scores = RealScores()
    for page in pages:
        reading = reader(page)
        verdict = judge(page, reading)
        for name, right in verdict.items():
            scores.hits[name].append(right)
        scores.misses[page.name] = [name for name, right in verdict.items() if not right]
        if not reading.text.strip():
            scores.empty.append(page.name)
    return scores


# Each of our readings and the plain ones it must not be worse than, pages read the same way.
# The pages with <br> paragraphs read as a crawl reads them too: in the region the site's
# pages before taught, which may leave the signature outside trafilatura's text.
CRAWLED_BREAKS = "as crawled, <br> paragraphs"
COMPARED = (("vnarchive", ("trafilatura", "htmldate")), ("as crawled", ("trafilatura", "htmldate")),
            *((name, (f"trafilatura, {name}", f"htmldate, {name}")) for name in REWRITES),
            (CRAWLED_BREAKS, ("trafilatura, <br> paragraphs", "htmldate, <br> paragraphs")))


def worse_pages(ours: RealScores, theirs: RealScores, dates: RealScores) -> list[str]:
    """Pages where ours is empty while trafilatura has text, or misses a field that plain
    trafilatura (text fields) or htmldate (the day) gets right."""
    lines = []
    for page, missed in ours.misses.items():
        worse = [name for name in missed if name != "published" and name not in
                 theirs.misses[page]]
        if "published" in missed and "published" not in dates.misses[page]:
            worse.append("published")
        if page in ours.empty and page not in theirs.empty:
            worse.insert(0, "EMPTY")
        if worse:
            lines.append(f"{page}: {', '.join(worse)}")
    return lines


def evaluate_set(set_name: str) -> dict[str, RealScores] | None:
    pages = load_real_pages(set_name)
    if not pages:
        return None
    results = {"vnarchive": score_real(pages, read_vnarchive),
               "as crawled": score_real(pages, crawl_reader()),
               "trafilatura": score_real(pages, read_trafilatura),
               "htmldate": score_real(pages, read_htmldate)}
    for name, rewrite in REWRITES.items():
        results[name] = score_real(pages, rewritten(read_vnarchive, rewrite))
        results[f"trafilatura, {name}"] = score_real(pages, rewritten(read_trafilatura, rewrite))
        results[f"htmldate, {name}"] = score_real(pages, rewritten(read_htmldate, rewrite))
    results[CRAWLED_BREAKS] = score_real(pages, rewritten(crawl_reader(), paragraphs_in_breaks))
    return results


def print_set(set_name: str, results: dict[str, RealScores], pages: bool) -> None:
    """One set's table: vnarchive on each page alone and as a crawl reads a site's pages (the
    region learned) beside plain trafilatura and htmldate, then each rewrite of the pages read
    by vnarchive and trafilatura."""
    total = len(results["vnarchive"].hits["title"])
    print(f"\nreal pages: {set_name} ({total} pages)")
    print(f"{'':<16}{'vnarchive':>10}{'as crawled':>11}{'trafilatura':>12}{'htmldate':>9}"
          + "".join(f"   {name}: {'vnarchive':>9}{'trafilatura':>12}" for name in REWRITES))
    for name in FIELDS:
        date_cell = f"{results['htmldate'].count(name)}" if name == "published" else ""
        print(f"{name:<16}{results['vnarchive'].count(name):>10}"
              f"{results['as crawled'].count(name):>11}"
              f"{results['trafilatura'].count(name):>12}{date_cell:>9}"
              + "".join(f"{'':>{len(rewrite) + 5}}{results[rewrite].count(name):>9}"
                        f"{results[f'trafilatura, {rewrite}'].count(name):>12}"
                        for rewrite in REWRITES))
    print(f"{'empty text':<16}{len(results['vnarchive'].empty):>10}"
          f"{len(results['as crawled'].empty):>11}{len(results['trafilatura'].empty):>12}{'':>9}"
          + "".join(f"{'':>{len(rewrite) + 5}}{len(results[rewrite].empty):>9}"
                    f"{len(results[f'trafilatura, {rewrite}'].empty):>12}"
                    for rewrite in REWRITES))
    if pages:
        for ours, theirs in COMPARED:
            worse = worse_pages(results[ours], results[theirs[0]], results[theirs[1]])
            print(f"pages where {ours} is empty or worse:", *(worse or ["none"]), sep="\n  ")
            for page, missed in results[ours].misses.items():
                if missed:
                    print(f"  ({ours} misses) {page}: {', '.join(missed)}")


def print_printed_dates(set_name: str, pages: bool) -> None:
    """The publication day read from the printed date alone, in each form, beside htmldate."""
    scores = score_printed_dates(load_real_pages(set_name))
    print(f"\nprinted dates, {set_name}: the day with no machine-readable date, printed as")
    print(f"{'':<24}{'vnarchive':>10}{'htmldate':>9}")
    for form, (ours, dates) in scores.items():
        print(f"  {form:<22}{ours.count('published'):>10}{dates.count('published'):>9}")
        if pages:
            for page, missed in ours.misses.items():
                if "published" in missed:
                    worse = "published" not in dates.misses[page]
                    print(f"    (misses{', htmldate right' if worse else ''}) {page}")


def print_signed(set_name: str, pages: bool) -> None:
    """The author signed under the body in each form, and printed in a bar under the headline,
    beside plain trafilatura."""
    for bars, where in ((False, "signed under the body"), (True, "printed under the headline")):
        scores = score_signed(load_real_pages(set_name), bars)
        print(f"\nsigned, {set_name}: the page's byline taken out, the author {where} as")
        print(f"{'':<24}{'pages':>6}{'vnarchive':>10}{'trafilatura':>12}{'body last':>10}")
        for form, (ours, plain) in scores.items():
            print(f"  {form:<22}{len(ours.hits['author']):>6}{ours.count('author'):>10}"
                  f"{plain.count('author'):>12}{ours.count('body_last'):>10}")
            if pages:
                for page, missed in ours.misses.items():
                    if "author" in missed:
                        print(f"    (misses) {page}")


def print_boxes(set_name: str) -> None:
    """Each box inside the body and after it: pages free of it, pages with the body whole,
    pages with their author."""
    pages = load_real_pages(set_name)
    for where, boxes in (("after the body's first paragraph", INSIDE_BOXES),
                         ("at the end of the body's element", AFTER_BOXES)):
        scores = score_boxes(pages, boxes)
        print(f"\nboxes, {set_name}: a box printed {where}")
        print(f"{'':<30}{'pages':>6}{'free of it: vnarchive':>23}{'trafilatura':>12}"
              f"{'whole body: vnarchive':>23}{'trafilatura':>12}{'author: vnarchive':>19}")
        for form, score in scores.items():
            print(f"  {form:<28}{score.pages:>6}{score.clean['vnarchive']:>23}"
                  f"{score.clean['trafilatura']:>12}{score.whole['vnarchive']:>23}"
                  f"{score.whole['trafilatura']:>12}{score.author['vnarchive']:>19}")


def print_real_sets(pages: bool) -> None:
    """Every real set's table (and with `pages`, the pages where ours is empty or worse)."""
    set_names = list(OWN_FOLDERS)
    if shared_folder() is None:
        print("no shared folder (set VNARCHIVE_SHARED): the shared real sets skipped")
    else:
        set_names = [*REAL_SETS, *set_names]
    for set_name in set_names:
        results = evaluate_set(set_name)
        if results:
            print_set(set_name, results, pages)
            print_printed_dates(set_name, pages)
            print_signed(set_name, pages)
            print_boxes(set_name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", action="store_true",
                        help="list the pages where ours is empty or worse")
    parser.add_argument("--folder", action="append", type=Path, default=[],
                        help="a folder of pages and their labels.json (the shared sets' "
                             "format), scored beside the shared sets; may be repeated")
    args = parser.parse_args()
    for folder in args.folder:
        if not (folder / "labels.json").is_file():
            parser.error(f"{folder}: no labels.json in it")
        OWN_FOLDERS[str(folder)] = folder
    print_real_sets(args.pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
