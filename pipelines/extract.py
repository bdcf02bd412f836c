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


def extract_article(html: str, url: str | None = None) -> Extracted:
    """Title, lead, clean text, author, publication date and language of one article page."""
    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        deduplicate=False,
    )
    tree = lxml_html.fromstring(html) if html.strip() else None
    raw_text = document.text if document is not None and document.text else ""
    title = normalize_line(document.title) if document is not None and document.title else None
    if title and SITE_SUFFIX.search(title) and tree is not None and not tree.xpath(
            '//meta[@property="og:title"]'):
        title = SITE_SUFFIX.sub("", title)
    cleaned = clean_lines(raw_text.splitlines(), title=title or "")
    author = cleaned.author or (document.author if document is not None else None)
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
