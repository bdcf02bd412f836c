"""Extract an article from its page: decode the bytes (pipelines.encodings), trafilatura for
the main text, our Vietnamese cleaning (pipelines.boilerplate), the publication date from the
page's own signals (pipelines.dates). Pure: page in, fields out; no Scrapy imports, so the
crawl, `vnarchive extract` and any later re-processing run the same code."""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from lxml import html as lxml_html

from pipelines.boilerplate import clean_lines, normalize_line
from pipelines.dates import publication_date
from pipelines.encodings import decode_page, vietnamese_score
from pipelines.vietnamese import UPPERCASE, normalize_text

# Bump when extraction changes, so rows made by older code can be found and re-processed.
EXTRACTOR_VERSION = f"vnarchive-extract-2/trafilatura-{trafilatura.__version__}"
SITE_SUFFIX = re.compile(r"\s+[-|–]\s+[^-|–]{2,60}$")
# A page whose text opens many lines with link titles, or has no paragraph of prose, is a
# listing, home or menu page: navigation, not an article. Measured on the test web and on 16
# real portal pages (tests/test_extract.py): the test web's articles have no linked line; its
# listings have about half their lines and 15-31% of their characters linked; the real listings
# at least 25% of characters or 30% of lines. An article with a related-news box of four titles
# stays well under both.
NAVIGATION_LINKED_CHARACTERS = 0.25
NAVIGATION_LINKED_LINES = 0.30
PROSE_WORDS = 25
MINIMUM_TEXT_WITHOUT_TABLES = 200
# Blocks that news CMSes of the field put beside or inside the article and trafilatura
# sometimes keeps: video boxes with their own captions, related-news and share boxes, tags.
PRUNE_CLASSES = ("video-box", "box-video", "sidebar", "related", "tin-lien-quan",
                 "tinlienquan", "other-news", "share", "social", "google-news", "tags",
                 "comment", "print-bar")
PRUNE_XPATHS = [f"//*[contains(@class, '{name}')]"
                for name in PRUNE_CLASSES]


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
    html: str = ""  # the decoded page, for the raw store
    linked_characters: float = 0.0
    linked_lines: float = 0.0
    extractor_version: str = EXTRACTOR_VERSION

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
            "extractor_version": self.extractor_version,
        }


def _page_language(tree, text: str) -> str | None:
    lang = tree.get("lang") if tree is not None else None
    if lang:
        return lang.split("-")[0].lower()
    return "vi" if vietnamese_score(text) >= 0.05 else None


def _description(tree) -> str | None:
    for xpath in ('//meta[@name="description"]/@content',
                  '//meta[@property="og:description"]/@content'):
        values = tree.xpath(xpath) if tree is not None else []
        if values and normalize_line(values[0]):
            return normalize_line(values[0])
    return None


def _headings(tree) -> set[str]:
    if tree is None:
        return set()
    return {normalize_line(h.text_content()) for h in tree.iter("h1", "h2", "h3")}


def _title(title: str | None, tree) -> str | None:
    """The page title without a " - Site name" suffix, when a heading shows the bare title."""
    if not title:
        return None
    title = normalize_line(title)
    headings = _headings(tree)
    # trafilatura cuts titles at " - ", which Vietnamese titles use ("năm học 2024 - 2025").
    page_title = tree.findtext(".//title") if tree is not None else None
    if page_title and normalize_line(page_title) in headings:
        return normalize_line(page_title)
    if title not in headings and SITE_SUFFIX.search(title):
        bare = SITE_SUFFIX.sub("", title)
        if bare in headings:
            return bare
    return title


def _byline_as_printed(author: str, tree) -> str:
    """trafilatura normalises bylines ("T.Quang" becomes "T Quang", "Trang Hằng (Hà Trung)"
    loses its place, "TRÚC LINH - THẠCH THANH" its second name); find the byline as the page
    prints it, place and second name included."""
    if tree is None:
        return author
    words = [re.escape(word) for word in author.split()]
    second_name = rf"(?:\s+[-–]\s+[{UPPERCASE}][\w.]*(?:\s+[{UPPERCASE}][\w.]*){{0,3}})?"
    printed = re.compile(r"[\s.]*".join(words) + second_name + r"(?:\s*\([^()\n]{2,30}\))?")
    # One text node at a time, so the next block's words never join the byline.
    matches = [found for node in tree.itertext() for found in printed.findall(node)]
    return normalize_line(matches[-1]) if matches else author


def linked_shares(text: str, tree) -> tuple[float, float]:
    """The shares of the text's characters and of its lines that are titles of links on the
    page: lines that open with a link's text (three words or more), as listings print them."""
    if tree is None or not text:
        return 0.0, 0.0
    anchors = {normalize_line(anchor.text_content()) for anchor in tree.iter("a")}
    titles = sorted((a for a in anchors if len(a.split()) >= 3), key=len, reverse=True)
    lines = [line.removeprefix("- ") for line in text.splitlines()]
    linked = [next((len(title) for title in titles if line.startswith(title)), 0)
              for line in lines]
    characters = sum(linked) / max(1, sum(len(line) for line in lines))
    return round(characters, 3), round(sum(1 for n in linked if n) / max(1, len(lines)), 3)


def _trafilatura(html: str, url: str | None):
    """trafilatura's main-content extraction. Old portals lay whole pages out in tables, and
    with tables included trafilatura flattens such a page into one line of cells; so tables
    are left out unless that leaves almost no text (an article that is a table of figures)."""
    if not html.strip():
        return None
    options = {"url": url, "with_metadata": True, "include_comments": False,
               "deduplicate": False, "prune_xpath": PRUNE_XPATHS}
    document = trafilatura.bare_extraction(html, include_tables=False, **options)
    if document is None or len(document.text or "") < MINIMUM_TEXT_WITHOUT_TABLES:
        document = trafilatura.bare_extraction(html, include_tables=True, **options)
    return document


def extract_article(page: bytes | str, url: str | None = None,
                    declared_encoding: str | None = None) -> Extracted:
    """Title, lead, clean text, author, publication date, language and encoding of a page.

    `page` is the body as fetched (bytes, decoded here whatever the charset) or already text.
    """
    if isinstance(page, bytes):
        decoded = decode_page(page, declared_encoding)
        html, encoding, warnings = decoded.text, decoded.encoding, list(decoded.warnings)
    else:
        html, encoding, warnings = page, "unicode", []
    html = normalize_text(html)
    document = _trafilatura(html, url)
    tree = lxml_html.fromstring(html) if html.strip() else None
    raw_text = document.text if document is not None and document.text else ""
    title = _title(document.title if document is not None else None, tree)
    cleaned = clean_lines(raw_text.splitlines(), title=title or "")
    author = cleaned.author
    if not author and document is not None and document.author:
        author = _byline_as_printed(document.author, tree)
    linked = linked_shares(cleaned.text, tree)
    lead = _description(tree)
    if lead and cleaned.paragraphs and cleaned.paragraphs[0] != lead:
        lead = lead if lead in cleaned.text else None
    published = publication_date(tree, url=url, title=title)
    if not cleaned.text:
        warnings.append("no article text found")
    if published is None:
        warnings.append("no publication date found")
    return Extracted(
        url=url,
        title=title,
        lead=lead,
        text=cleaned.text,
        author=author,
        published=published.value if published else None,
        published_source=published.source if published else None,
        language=_page_language(tree, cleaned.text),
        encoding=encoding,
        photo_credits=cleaned.photo_credits,
        warnings=warnings,
        html=html,
        linked_characters=linked[0],
        linked_lines=linked[1],
    )
