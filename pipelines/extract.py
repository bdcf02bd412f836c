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


@dataclass
class Extracted:
    title: str | None
    lead: str | None
    text: str
    author: str | None
    published: str | None
    language: str | None
    photo_credits: list[str]
    extractor_version: str = EXTRACTOR_VERSION


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
    )
