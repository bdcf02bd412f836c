"""Extract an article from its HTML: trafilatura for the main text and metadata, then our
Vietnamese cleaning (pipelines.boilerplate). Pure: HTML in, fields out; no Scrapy imports, so
the crawl and any later re-processing run the same code."""

from __future__ import annotations

import re
from dataclasses import dataclass

import trafilatura
from lxml import html as lxml_html

from pipelines.boilerplate import clean_lines, normalize_line

# Bump when extraction changes, so rows made by older code can be found and re-processed.
EXTRACTOR_VERSION = f"vnarchive-extract-1/trafilatura-{trafilatura.__version__}"
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


@dataclass
class Extracted:
    title: str | None
    lead: str | None
    text: str
    author: str | None
    published: str | None
    language: str | None
    photo_credits: list[str]
    linked_characters: float = 0.0
    linked_lines: float = 0.0
    extractor_version: str = EXTRACTOR_VERSION

    @property
    def is_navigation(self) -> bool:
        """A listing or menu page rather than an article (see NAVIGATION_LINKED_*)."""
        prose = any(len(line.split()) >= PROSE_WORDS for line in self.text.splitlines())
        return (self.linked_characters >= NAVIGATION_LINKED_CHARACTERS
                or self.linked_lines >= NAVIGATION_LINKED_LINES or not prose)


def _page_language(tree) -> str | None:
    lang = tree.get("lang") if tree is not None else None
    return lang.split("-")[0].lower() if lang else None


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
    loses its place); find the byline as the page prints it, place included."""
    if tree is None:
        return author
    words = [re.escape(word) for word in author.split()]
    printed = re.compile(r"[\s.]*".join(words) + r"(?:\s*\([^()\n]{2,30}\))?")
    matches = printed.findall(normalize_line(tree.text_content()))
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


def extract_article(html: str, url: str | None = None) -> Extracted:
    """Title, lead, clean text, author, publication date and language of one article page."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        deduplicate=False,
    )
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
    return Extracted(
        title=title,
        lead=lead,
        text=cleaned.text,
        author=author,
        published=document.date if document is not None else None,
        language=_page_language(tree) or (document.language if document is not None else None),
        photo_credits=cleaned.photo_credits,
        linked_characters=linked[0],
        linked_lines=linked[1],
    )
