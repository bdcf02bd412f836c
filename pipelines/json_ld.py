"""What a page states about its article in JSON-LD (schema.org's `NewsArticle`, `Article`...):
the publication date, the author, the headline and the description, read where a theme's
element names say nothing (the names of a new site's theme are its own; its JSON-LD speaks
schema.org, as search engines ask).

Themes write it carelessly: a trailing comma, an unescaped quote, two objects side by side.
Such a block is searched as text for the value rather than dropped whole.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from functools import lru_cache

from lxml import etree

BLOCKS = etree.XPath('//script[@type="application/ld+json"]/text()')
TEXT_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
# "author": {"@type": "Person", "name": "X"} or "author": "X", in a block JSON cannot read.
TEXT_AUTHOR = re.compile(r'"author"\s*:\s*(?:\[\s*)?(?:\{[^{}]*?"name"\s*:\s*)?"([^"]+)"')
# The keys that mark an object as the article itself, not a comment, a review or the site.
ARTICLE_KEYS = ("headline", "datePublished", "articleBody")
# The types whose "name" is the article's headline: a WebPage's or a BreadcrumbList item's
# names the page or a section, an Organization's the paper.
ARTICLE_TYPE = re.compile(r"(?:Article|BlogPosting)$")


def blocks(tree) -> list[str]:
    return BLOCKS(tree)


def _objects(data) -> Iterator[dict]:
    """Every object of a parsed block, nested ones included, in the order written."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            stack.extend(reversed([v for v in item.values() if isinstance(v, dict | list)]))


# The date reading and the author's both ask for a page's blocks: each is parsed once.
@lru_cache(maxsize=8)
def _parsed(script: str):
    try:
        return json.loads(script)
    except (ValueError, RecursionError):  # careless, or nested past Python's stack (hostile)
        return None


def dates_published(script: str) -> list[str]:
    """Every datePublished of a block."""
    data = _parsed(script)
    if data is None:
        return TEXT_DATE.findall(script)
    return [item["datePublished"] for item in _objects(data)
            if isinstance(item.get("datePublished"), str)]


def _names(author) -> list[str]:
    """The people an `author` value names: a text, a Person, or a list of them. An
    Organization is the paper or the office that publishes the site, not a byline."""
    if isinstance(author, str):
        return [author]
    if isinstance(author, dict):
        if author.get("@type") == "Organization" or not isinstance(author.get("name"), str):
            return []
        return [author["name"]]
    if isinstance(author, list):
        return [name for item in author for name in _names(item)]
    return []


def authors(script: str) -> list[str]:
    """The author names of the block's article objects, in the order written."""
    data = _parsed(script)
    if data is None:
        return TEXT_AUTHOR.findall(script)
    return [name.strip() for item in _objects(data)
            if any(key in item for key in ARTICLE_KEYS) for name in _names(item.get("author"))
            if name.strip()]


def _is_article_type(item: dict) -> bool:
    kinds = item.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(isinstance(kind, str) and ARTICLE_TYPE.search(kind) for kind in kinds)


def _unescaped(value: str) -> str:
    """A value found as text in a block JSON cannot read: its escapes ("\\u1EC3") decoded."""
    try:
        return json.loads(f'"{value}"')
    except ValueError:
        return value


def _article_strings(script: str, key: str, pick) -> list[str]:
    """The strings `pick` takes from each object of the block (a block JSON cannot read: every
    value of `key` found as text, its escapes decoded), entities some themes leave in the value
    ("&quot;") decoded."""
    data = _parsed(script)
    if data is None:
        pattern = re.compile(rf'"{key}"\s*:\s*"((?:[^"\\]|\\.)*)"')
        found = [_unescaped(value) for value in pattern.findall(script)]
    else:
        found = [value for item in _objects(data) if (value := pick(item))]
    return [html.unescape(value).strip() for value in found if value.strip()]


def _string(item: dict, key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


def headlines(script: str) -> list[str]:
    """The headlines the block states for its article objects: "headline", or the "name" of an
    object typed as an article (some themes write only that)."""
    def pick(item: dict) -> str | None:
        headline = _string(item, "headline")
        if headline is not None:
            return headline
        return _string(item, "name") if _is_article_type(item) else None
    return _article_strings(script, "headline", pick)


def descriptions(script: str) -> list[str]:
    """The descriptions the block states for its article objects (the sapo, as the page's
    description meta would give it)."""
    return _article_strings(script, "description", lambda item: _string(item, "description") if (
        any(key in item for key in ARTICLE_KEYS) or _is_article_type(item)) else None)
