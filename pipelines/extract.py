"""Extract an article from its page: decode the bytes (pipelines.encodings), trafilatura for
the main text, our Vietnamese cleaning (pipelines.boilerplate), the publication date from the
page's own signals (pipelines.dates). Pure: page in, fields out; no Scrapy imports, so the
crawl, `vnarchive extract` and any later re-processing run the same code."""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from copy import copy
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import islice
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector
from trafilatura.settings import Extractor

from pipelines import json_ld
from pipelines.boilerplate import (
    DATELINE_PREFIX,
    LABELLED_BYLINE,
    byline_name,
    clean_lines,
    looks_like_byline,
    normalize_line,
)
from pipelines.dates import publication_date, stamp_under_body
from pipelines.div_paragraphs import mark_div_paragraphs
from pipelines.encodings import vietnamese_score
from pipelines.headline import (
    page_title,
    printed_lead,
    section_names,
    text_without_closing_links,
)
from pipelines.page_task import FALLBACK_WARNING
from pipelines.page_text import page_text
from pipelines.pruning import prune_side_blocks, unwrap_layout_tables
from pipelines.readability_gate import gated
from pipelines.signature import Signature, signature_after, signatures
from pipelines.text_nodes import printing_element
from pipelines.top_byline import byline_above
from pipelines.vietnamese import fold_diacritics

# Bump when extraction changes, so rows made by older code can be found and re-processed.
EXTRACTOR_VERSION = f"vnarchive-extract-7/trafilatura-{trafilatura.__version__}"
# A page whose text opens many lines with link titles, or has no paragraph of prose, is a
# listing, home or menu page: navigation, not an article. Measured on the test web and on 16
# real portal pages (tests/test_extract.py): the test web's articles have no linked line; its
# listings have about half their lines and 15-31% of their characters linked; the real listings
# at least 25% of characters or 30% of lines. An article with a related-news box of four titles
# stays well under both.
NAVIGATION_LINKED_CHARACTERS = 0.25
NAVIGATION_LINKED_LINES = 0.30
PROSE_WORDS = 25
# The share of Vietnamese-only letters (pipelines.encodings.vietnamese_score) above which a
# text is Vietnamese: real Vietnamese prose scores far above it, English text zero.
VIETNAMESE_TEXT_SCORE = 0.05
# The floor under our cleaning (issue 22): when our text holds fewer than
# FLOOR_CHECK_SENTENCES prose sentences, plain trafilatura reads the page too, and its text
# is taken (with our line cleaning) when ours keeps under FLOOR_SHARE of its sentences.
# Measured on the 49 real pages, the 26 hard pages and the test web's articles: where ours
# is right it keeps at least 67% of plain trafilatura's prose sentences (the rest are
# captions and teasers ours drops); where pruning took the article (VnExpress's `sidebar-1`
# column before pruning went by tokens) ours kept none.
FLOOR_CHECK_SENTENCES = 5
FLOOR_MIN_SENTENCES = 3
FLOOR_SHARE = 0.5
# Past this many elements, no plain reading for the floor: plain trafilatura's jusText rescue,
# which a page of our few sentences calls, walks its paragraphs once per paragraph (a page of
# 20,000 list items took 18 s of CPU in it, 5,000 took 2). The largest real page of
# ../shared/real-pages has 3,764 elements, its largest article 1,864.
FLOOR_MAX_ELEMENTS = 6_000
PROSE_SENTENCE_CHARACTERS = 30
# Spaces after a sentence's end, or line breaks: "(?<=[.!?…])\s+|\n+" written to start with one
# class (a space), so only spaces are tried, not every position.
SENTENCE_BREAK = re.compile(r"\s(?:(?<=[.!?…]\s)\s*|(?<=\n)\n*)")
SENTENCE_ENDS = ".!?…\"”)"

# Hostile documents (issue 7): what is rejected before extraction, with its reason.
# libxml2's HTML parser keeps 255 levels of nesting and silently drops what lies deeper; a
# page that reaches the limit has lost content (and a deeper tree would exhaust trafilatura's
# recursion).
PARSER_DEPTH_LIMIT = 255
# The largest real portal page of the test web has about 700 elements; a page of 50,000 is a
# generated trap, and would take trafilatura many seconds.
MAX_ELEMENTS = 50_000
# An element PARSER_DEPTH_LIMIT deep, by a path of that many child steps: libxml2 walks the
# tree once (an ancestor test on every element walked each one's ancestors, 0.2 ms a page).
DEEPEST_PATH = "boolean(/" + "/".join(["*"] * PARSER_DEPTH_LIMIT) + ")"
BINARY_SIGNATURES = {
    b"%PDF-": "a PDF file", b"PK\x03\x04": "a ZIP archive (DOCX, XLSX, ODT)",
    bytes.fromhex("d0cf11e0a1b11ae1"): "an old MS Office file (DOC, XLS)",
    b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
    b"\x1f\x8b": "gzip data", b"Rar!": "a RAR archive", b"7z\xbc\xaf\x27\x1c": "a 7z archive",
}
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


@dataclass
class Extracted:
    url: str | None
    title: str | None
    lead: str | None
    text: str
    author: str | None
    published: str | None
    published_source: str | None
    language: str | None
    encoding: str
    photo_credits: list[str]
    warnings: list[str]
    html: str = ""  # the decoded page (pipelines/region.py finds the article region in it)
    linked_characters: float = 0.0
    linked_lines: float = 0.0
    extractor_version: str = EXTRACTOR_VERSION
    rejected: str | None = None  # why the document cannot hold an article (broken, binary)
    explanation: list[str] = field(default_factory=list)  # what pruning removed, and why

    @property
    def fell_back(self) -> bool:
        """Whether plain trafilatura's text replaced ours (see plain_text_floor)."""
        return any(warning.startswith(FALLBACK_WARNING) for warning in self.warnings)

    @property
    def is_navigation(self) -> bool:
        """A listing or menu page rather than an article (see NAVIGATION_LINKED_*)."""
        prose = any(len(line.split()) >= PROSE_WORDS for line in self.text.splitlines())
        return (self.linked_characters >= NAVIGATION_LINKED_CHARACTERS
                or self.linked_lines >= NAVIGATION_LINKED_LINES or not prose)

    def as_json(self) -> dict:
        """The fields `vnarchive extract` prints."""
        return {
            "url": self.url, "title": self.title, "lead": self.lead, "text": self.text,
            "author": self.author, "photo_credits": self.photo_credits,
            "published": self.published, "published_source": self.published_source,
            "language": self.language, "encoding": self.encoding, "warnings": self.warnings,
            "extractor_version": self.extractor_version, "rejected": self.rejected,
        }


def _description(tree) -> str | None:
    """The page's description (its sapo, as the theme gives it): the description metas, else
    Dublin Core's, else an article's in JSON-LD (read only where the metas give none)."""
    if tree is None:
        return None
    for xpath in ('//meta[@name="description"]/@content',
                  '//meta[@property="og:description"]/@content',
                  '//meta[@name="DC.Description" or @name="DC.description"'
                  ' or @name="dc.description"]/@content'):
        values = tree.xpath(xpath)
        if values and (described := _described(values[0])):
            return described
    stated = (_described(value) for script in json_ld.blocks(tree)
              for value in json_ld.descriptions(script))
    return next((value for value in stated if value), None)


# A CMS may copy the sapo's markup into the description ("...17/2/2013.<br><a href=...><b>
# &nbsp;>>&nbsp;Công chức ...</b></a>": the sapo's line break and its link to another story).
MARKUP = re.compile(r"<[a-zA-Z/][^<>]*>")


def _described(value: str) -> str:
    """A description's text: where it holds markup, the text that markup prints, without the
    links that end it (pointers to other stories)."""
    if not MARKUP.search(value):
        return normalize_line(value)
    try:
        fragment = lxml_html.fragment_fromstring(value, create_parent="div")
    except (etree.LxmlError, ValueError):
        return normalize_line(MARKUP.sub(" ", value))
    return text_without_closing_links(fragment)


# Elements a theme marks as the author ("tacgia" is "tác giả", author, in Vietnamese themes).
# Found from their attribute nodes up: libxml2 then tests only the elements that have one (a
# quarter of the cost of testing @itemprop, @rel and @class on every element, 1 ms a page of
# a portal); the union comes in page order.
AUTHOR_XPATH = ('(//@itemprop[. = "author"] | //@rel[. = "author"] | //@class[contains(., '
                '"author") or contains(., "byline") or contains(., "tacgia") or '
                'contains(., "tac-gia")])/..')
# The text of every link of the page, one a line, written by libxslt in one pass over the
# tree: a text_content() per <a> from Python cost 3.5 ms a page of a portal's 400-link menus.
LINK_TEXTS = etree.XSLT(etree.XML(
    '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
    '<xsl:output method="text" encoding="UTF-8"/><xsl:template match="/">'
    '<xsl:for-each select="//a"><xsl:value-of select="normalize-space(.)"/>'
    '<xsl:text>&#10;</xsl:text></xsl:for-each></xsl:template></xsl:stylesheet>'))


def _author_element(texts: list[str]) -> str | None:
    """The byline from the elements the page marks as its author (their `texts`), as printed
    (with its place or second name: "Trang Hằng (Hà Trung)", "TRÚC LINH - THẠCH THANH"),
    skipping the CMS's own credit line ("admin admin", the department; see byline_name)."""
    names = [byline_name(text) for text in texts]
    names = [name for name in names if name]
    # The element holding just the name before one holding the name, a date and a reading
    # time (Ghost's "article-byline" around "author-name"). An element named so that reads
    # as no byline names no one: a bar printing the day and a share button ("19:41 |
    # 07/09/2026 Chia sẻ"), a section's tag; the signature is then looked for elsewhere.
    return next((name for name in names if looks_like_byline(name)), None)


# A byline printed with its label beside the body, in an element no theme name marks
# ("<span><b>Tác giả:</b></span> An Khương - Sở GDĐT AG"): the label's text nodes; the block
# around each is then read in Python. libxml2 copies each text node to test it (a quarter of a
# millisecond a page), so the page's source is searched for the label's end first ("giả"
# alone is in "độc giả", reader, on most pages; each search of a page's source costs 30 µs).
BYLINE_LABEL_WORDS = ("giả:", "GIẢ:")
BYLINE_LABEL_TEXTS = etree.XPath('//body//text()[contains(., "giả:") or contains(., "GIẢ:")]')
# The label's own <b>, the <span> around it, the byline's block: no further up.
BYLINE_LABEL_LEVELS = 3
BYLINE_BLOCK_CHARACTERS = 80


def _labelled_author(tree, html: str) -> str | None:
    """The name of the first labelled byline printed on the page (LABELLED_BYLINE on the
    smallest block around the label that holds more than the label), skipping a label whose
    name is a CMS credit (the school owning the site) or no name (a comment form's fields)."""
    if not any(word in html for word in BYLINE_LABEL_WORDS):
        return None
    for label in BYLINE_LABEL_TEXTS(tree):
        element = printing_element(label)
        for _ in range(BYLINE_LABEL_LEVELS):
            if element is None:
                break
            text = normalize_line(" ".join(element.itertext()))
            if len(text) > BYLINE_BLOCK_CHARACTERS:
                break
            if LABELLED_BYLINE.match(text):
                name = byline_name(text)
                if name and looks_like_byline(name):  # not a form's labels ("Email: ...")
                    return name
                break
            element = element.getparent()
    return None


# Named in the page's head: a theme that marks no byline element may still state it there.
META_AUTHORS = etree.XPath('//meta[@name="author" or @property="article:author"]/@content')
SITE_NAMES = etree.XPath('//meta[@property="og:site_name" or @name="application-name"]/@content')
# Themes put the outlet in the author field too, even typed as a Person: "Báo Lào Cai",
# "Báo điện tử VTC News", "Cổng thông tin điện tử huyện", "Ban biên tập"; or the company or
# the technology behind the site ("Công nghệ ChannelVN", on every VCCorp paper's pages).
OUTLET = re.compile(r"^(?:báo|tạp chí|đài|cổng thông tin|trang thông tin|trang tin|truyền hình|"
                    r"thông tấn|tòa soạn|toà soạn|ban biên tập|bbt|ttxvn|vtv|vov|công ty|"
                    r"công nghệ|tập đoàn)\b", re.I)


# An account's handle stated as the author ("baodantridientu"): one word of small ASCII letters.
ACCOUNT_HANDLE = re.compile(r"^[a-z0-9._-]+$")
# An address stated as the author ("VCCorp.vn", "genk.vn"): the publisher, no writer.
DOMAIN_NAME = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org|info|gov|edu|tv)$", re.I)


def _stated_author(tree, url: str | None) -> str | None:
    """The author the page states for search engines (JSON-LD, then its <meta> tags), when
    it is a person's name: not a profile's address, a CMS account, the site's office or the
    outlet itself (its name, or its host's: "VnExpress" on vnexpress.net)."""
    stated = [name for script in json_ld.blocks(tree) for name in json_ld.authors(script)]
    stated += META_AUTHORS(tree)
    if not stated:
        return None
    outlet = {normalize_line(name).casefold() for name in SITE_NAMES(tree)}
    host = _host(url)
    for text in stated:
        name = (byline_name(text) if "/" not in text and len(text) <= 60
                and not DOMAIN_NAME.match(text) and not ACCOUNT_HANDLE.match(text) else None)
        if name and not _names_outlet(name, outlet, host):
            return name
    return None


def _host(url: str | None) -> str:
    try:
        return (urlsplit(url).hostname or "") if url else ""
    except ValueError:  # a malformed address ("http://[::1"): no host to compare
        return ""


# What an outlet's name adds to its host's: "VietNamNet News" on vietnamnet.vn, "Thanh Niên
# Online" on thanhnien.vn (folded, spaces taken out).
OUTLET_SUFFIXES = ("", "news", "online", "dientu", "plus", "media", "tv", "vn")
HOST_PREFIXES = ("www", "m", "amp", "mobile")


def _names_outlet(name: str, outlet: set[str], host: str) -> bool:
    squashed = name.casefold().replace(" ", "")
    return (bool(OUTLET.match(name)) or name.casefold() in outlet
            or (len(squashed) >= 4 and squashed in host.replace(".", "").replace("-", ""))
            or _host_name_with_suffix(name, host))


def _host_name_with_suffix(name: str, host: str) -> bool:
    """Whether the name is the host's own name (its first label past "www") and a word
    outlets add to it. Only at its start and with such a word: a host is often a place, and
    people bear places' names ("Nguyễn Thanh Hoa" on thanhhoa.gov.vn)."""
    labels = [label for label in host.split(".") if label not in HOST_PREFIXES]
    own = labels[0].replace("-", "") if labels else ""
    folded = fold_diacritics(name).replace(" ", "")
    return len(own) >= 4 and folded.startswith(own) and folded[len(own):] in OUTLET_SUFFIXES


def _author_texts(tree) -> list[str]:
    """The texts of the elements the page marks as its author, in page order."""
    texts = (normalize_line(" ".join(e.itertext())) for e in tree.xpath(AUTHOR_XPATH))
    return [text for text in texts if text and len(text) <= 80]


def link_titles(tree) -> set[str]:
    """The texts of the page's links of three words or more."""
    titles = {_link_title(line) for line in str(LINK_TEXTS(tree)).split("\n")}
    titles.discard(None)
    return titles


@lru_cache(maxsize=16384)
def _link_title(line: str) -> str | None:
    """A link's text, normalized, when it has three words or more. Cached: a site's menus
    print the same few hundred links on every page."""
    title = normalize_line(line)
    return title if len(title.split()) >= 3 else None


@lru_cache(maxsize=16384)
def _word_count(title: str) -> int:
    """Cached with the link titles (the same menus on every page of a site)."""
    return len(title.split())


def _linked_prefix(line: str, titles: set[str], longest: int) -> int:
    """Length of the longest link title the line opens with (0 if none): a set lookup per
    word count, not a scan of every title."""
    words = line.split()
    for count in range(min(longest, len(words)), 2, -1):
        prefix = " ".join(words[:count])
        if prefix in titles:
            return len(prefix)
    return 0


def linked_shares(text: str, titles: set[str]) -> tuple[float, float]:
    """The shares of the text's characters and of its lines that are titles of links on the
    page (`titles`, of three words or more): lines that open with one, as listings print
    them."""
    if not text:
        return 0.0, 0.0
    longest = max(map(_word_count, titles), default=0)
    lines = [line.removeprefix("- ") for line in text.splitlines()]
    linked = [_linked_prefix(line, titles, longest) for line in lines]
    characters = sum(linked) / max(1, sum(len(line) for line in lines))
    return round(characters, 3), round(sum(1 for n in linked if n) / max(1, len(lines)), 3)


def _trafilatura(tree, url: str | None):
    """trafilatura's main-content extraction on the page with its side blocks removed and
    its layout tables turned into blocks (pipelines.pruning); tables of figures are kept
    and come out row by row. Returns the document and what was removed, for --explain."""
    removed = prune_side_blocks(tree)
    unwrap_layout_tables(tree)
    mark_div_paragraphs(tree)
    # trafilatura's readability comparison, skipped where it cannot change the text.
    with gated():
        document = trafilatura.bare_extraction(tree, options=_extraction_options(url))
    return document, removed


@cache
def _options_template() -> Extractor:
    return Extractor(output_format="python", comments=False, tables=True, dedup=False,
                     with_metadata=False)


def _extraction_options(url: str | None) -> Extractor:
    """The options of `bare_extraction(tree, url=url, with_metadata=False,
    include_comments=False, deduplicate=False, include_tables=True)`. trafilatura builds
    them anew from its configuration on each call when given keywords (0.15 ms a page, a
    tenth of its own work on a learned region); built once here, each page's copy gets its
    URL. trafilatura copies them before changing any (its retry for recall)."""
    options = copy(_options_template())
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


def with_lead(text: str, lead: str | None) -> list[str]:
    """The text's lines with the printed lead first when the text lacks it (kept once: not
    added when the text holds it, or opens with it whole or cut short)."""
    lines = text.splitlines()
    if not lead:
        return lines
    squashed, key = " ".join(text.split()), " ".join(lead.split()).rstrip(".… ")
    if key[:120] in squashed:
        return lines
    return [lead, *lines]


def prose_sentences(text: str) -> Iterator[str]:
    """The sentences of a text that are prose, in order: long enough and ended by a full stop
    (menus, labels and teaser titles are shorter or end without one)."""
    pieces = (" ".join(piece.split()) for piece in SENTENCE_BREAK.split(text))
    return (piece for piece in pieces
            if len(piece) >= PROSE_SENTENCE_CHARACTERS and piece[-1] in SENTENCE_ENDS)


def plain_text_floor(html: str, url: str | None, text: str, elements: int) -> str | None:
    """Plain trafilatura's text of the page when ours keeps much less of the article (under
    FLOOR_SHARE of its prose sentences), else None. Checked only when ours holds few
    sentences: where our pruning or a template went wrong, ours is a menu, a cookie banner
    or nothing, so a full page of ours never pays for a second extraction; and not on a page
    of more than FLOOR_MAX_ELEMENTS `elements`, whose plain reading would cost seconds."""
    # Counted up to FLOOR_CHECK_SENTENCES only: a full article's text is not split whole.
    if (elements > FLOOR_MAX_ELEMENTS or len(list(islice(
            prose_sentences(text), FLOOR_CHECK_SENTENCES))) >= FLOOR_CHECK_SENTENCES):
        return None
    plain = trafilatura.extract(html, url=url, include_tables=True, deduplicate=False) or ""
    theirs = list(prose_sentences(plain))
    if len(theirs) < FLOOR_MIN_SENTENCES:
        return None
    ours = " ".join(text.split())
    kept = sum(sentence in ours for sentence in theirs) / len(theirs)
    return plain if kept < FLOOR_SHARE else None


@lru_cache(maxsize=256)
def _compiled(selector: str) -> CSSSelector:
    return CSSSelector(selector)


def article_region(tree, selector: str | None):
    """The element the site's profile names as its article (`article_selector`), moved out of
    the page into a document of its own, or None when there is no selector or it matches
    nothing. trafilatura then reads a few kilobytes instead of a portal page whose menus,
    tickers and link lists make up most of its 50-70 KB: the same text, about four times
    faster. The page's tree loses the element: read its own facts first. Moved, not written
    out and parsed again: the same tree, without a second parse."""
    if not selector:
        return None
    matches = _compiled(selector)(tree)
    if not matches:
        return None
    element = matches[0]
    if element.tag in ("html", "body"):  # the whole page's content already
        return tree
    element.tail = None  # the text after it belongs to the page, not the article
    document, body = lxml_html.Element("html"), lxml_html.Element("body")
    document.append(body)
    body.append(element)
    return document


@dataclass
class PageFacts:
    """What is read off the page itself, before trafilatura takes the tree apart."""

    title: str | None
    author: str | None
    description: str | None
    published: object
    language: str | None
    link_titles: set[str]
    section_names: set[str]
    labels_above: Container[str]
    signatures: list[Signature]
    byline_above: str | None = None  # the name printed under the headline, with no label


def _page_facts(tree, url: str | None, html: str) -> PageFacts:
    title, heading, labels, above = page_title(tree)
    lang = tree.get("lang")
    author_texts = _author_texts(tree)
    author = (_author_element(author_texts) or _labelled_author(tree, html)
              or _stated_author(tree, url))
    names = section_names(tree, title) | labels
    # Read before the page is pruned, and only where no author is named otherwise.
    above_byline = byline_above(heading, names) if author is None else None
    return PageFacts(
        title=title, author=author,
        description=printed_lead(tree, _description(tree), heading),
        published=publication_date(tree, url=url, title=title, heading=heading),
        language=lang.split("-")[0].lower() if lang else None,
        link_titles=link_titles(tree),
        # The section and site names, the author elements' text and the name printed under the
        # headline: metadata, not body lines.
        section_names=names | {t.casefold() for t in (*author_texts, above_byline or "") if t},
        labels_above=above,
        signatures=signatures(tree),
        byline_above=above_byline,
    )


def text_language(text: str, declared: str | None) -> str | None:
    """The language of the article's text: Vietnamese when its letters say so, whatever the
    theme's `lang` (an English interface, `lang="en-US"`, around Vietnamese articles is
    common); else the declared language, unless it claims Vietnamese for a text with no
    Vietnamese letters."""
    if vietnamese_score(text) >= VIETNAMESE_TEXT_SCORE:
        return "vi"
    return declared if declared != "vi" and text.strip() else None


def binary_content(body: bytes) -> str | None:
    """What a body is when it is a known binary file rather than a page (by its first
    bytes), else None."""
    start = body.lstrip()[:8]
    return next((kind for magic, kind in BINARY_SIGNATURES.items() if start.startswith(magic)),
                None)


def parse_html(html: str):
    """The page's tree, or None when libxml2 finds no document in it (only a comment, say).
    An XML declaration is dropped first: lxml refuses one in a decoded string."""
    try:
        tree = lxml_html.fromstring(XML_DECLARATION.sub("", html, count=1))
    except (etree.ParserError, ValueError):
        return None
    if not isinstance(tree.tag, str):  # a lone comment in a body ("<body><!--"): its document
        tree = tree.getroottree().getroot()
    return tree


def element_count(tree) -> int:
    """Counted by libxml2's XPath: a walk in Python costs a millisecond a page."""
    return int(tree.xpath("count(//*)"))


def document_problem(tree, elements: int) -> str | None:
    """Why a parsed document of `elements` elements cannot be extracted safely, or None."""
    if tree is None:
        return "no HTML document in the page (unparseable or empty)"
    if elements > MAX_ELEMENTS:
        return f"{elements} elements: too many for an article page"
    if tree.xpath(DEEPEST_PATH):
        return (f"elements nested {PARSER_DEPTH_LIMIT} levels deep or more: the HTML parser "
                "drops what lies deeper")
    if not any(text.strip() for text in tree.itertext()):  # stops at the first word
        return "an empty document (no text at all)"
    return None


def _rejection(url, encoding, warnings, html, reason) -> Extracted:
    return Extracted(url, None, None, "", None, None, None, None, encoding, [],
                     [*warnings, reason], html, rejected=reason)


def extract_article(page: bytes | str, url: str | None = None,
                    declared_encoding: str | None = None,
                    article_selector: str | None = None) -> Extracted:
    """Title, lead, clean text, author, publication date, language and encoding of a page.

    `page` is the body as fetched (bytes, decoded here whatever the charset) or already text.
    The page is parsed once: its own facts (title, dates, byline, links) are read first, then
    the tree goes to trafilatura. A document that cannot hold an article (a binary file, an
    empty or unparseable one, a pathological tree) comes back with `rejected` set.
    """
    if isinstance(page, bytes):
        binary = binary_content(page)
        if binary:
            return _rejection(url, "binary", [], "", f"{binary}, not a web page")
    html, encoding, warnings = page_text(page, declared_encoding)
    if not html.strip():
        return _rejection(url, encoding, warnings, html, "an empty page")
    tree = parse_html(html)
    elements = element_count(tree) if tree is not None else 0  # before pruning takes any out
    problem = document_problem(tree, elements)
    if problem:
        return _rejection(url, encoding, warnings, html, problem)
    facts = _page_facts(tree, url, html)
    region = article_region(tree, article_selector)
    if article_selector and region is None:
        warnings.append(f"the profile's article_selector {article_selector!r} matched nothing; "
                        "the whole page was read")
    document, removed = _trafilatura(region if region is not None else tree, url)
    raw_text = document.text if document is not None and document.text else ""
    cleaned = clean_lines(with_lead(raw_text, facts.description), title=facts.title or "",
                          page_labels=facts.section_names, top_labels=facts.labels_above)
    plain = plain_text_floor(html, url, cleaned.text, elements)
    if plain is not None:
        cleaned = clean_lines(with_lead(plain, facts.description), title=facts.title or "",
                              page_labels=facts.section_names, top_labels=facts.labels_above)
        warnings.append(f"{FALLBACK_WARNING}: our cleaning kept under {FLOOR_SHARE:.0%} of "
                        "the sentences plain trafilatura finds; its text was used")
    linked = linked_shares(cleaned.text, facts.link_titles)
    lead = facts.description
    if lead and cleaned.paragraphs and cleaned.paragraphs[0] != lead:
        # The text's first line loses an agency's prefix ("(NLĐO) - "): the lead as the text
        # prints it.
        bare = DATELINE_PREFIX.sub("", lead)
        lead = lead if lead in cleaned.text else bare if bare and bare in cleaned.text else None
    reading_root = tree if region is None else region
    published = facts.published
    if published is None or published.source == "htmldate":
        published = stamp_under_body(reading_root, cleaned.paragraphs) or published
    if not cleaned.text:
        warnings.append("no article text found")
    if published is None:
        warnings.append("no publication date found")
    return Extracted(
        url=url,
        title=facts.title,
        lead=lead,
        text=cleaned.text,
        author=(cleaned.author or facts.author
                or signature_after(reading_root, facts.signatures, cleaned.paragraphs)
                or facts.byline_above),
        published=published.value if published else None,
        published_source=published.source if published else None,
        language=text_language(cleaned.text, facts.language),
        encoding=encoding,
        photo_credits=cleaned.photo_credits,
        warnings=warnings,
        html=html,
        linked_characters=linked[0],
        linked_lines=linked[1],
        explanation=[*(f"removed {block}" for block in removed),
                     f"title: {facts.title!r}",
                     f"date: {published.source if published else 'none'}"],
    )
