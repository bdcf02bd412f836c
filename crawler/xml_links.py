"""Links read from feeds and sitemaps as careless sites write them.

A bare `&` in a URL (`?id=12&cat=3`, where XML wants `&amp;`) makes libxml2's recovering parser,
which Scrapy's sitemap reader and parsel both use, drop `&cat`; after one such slip it also
drops every later `&amp;` of the file (lxml 6.2, libxml2 2.14): the crawl then asks for other
pages than the site links. Ampersands that begin no reference are escaped before parsing, so
each link reads as written. A few lines of our own: neither Scrapy nor lxml offers it.
"""

from __future__ import annotations

import re

from scrapy.selector import Selector

# An ampersand that starts no character or entity reference.
BARE_AMPERSAND = r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][A-Za-z0-9_.-]*;)"
_BARE_AMPERSAND_TEXT = re.compile(BARE_AMPERSAND)
_BARE_AMPERSAND_BYTES = re.compile(BARE_AMPERSAND.encode("ascii"))


def escape_bare_ampersands(xml: str) -> str:
    return _BARE_AMPERSAND_TEXT.sub("&amp;", xml)


def escape_bare_ampersands_in_bytes(xml: bytes) -> bytes:
    return _BARE_AMPERSAND_BYTES.sub(b"&amp;", xml)


def feed_links(xml: str) -> list[str]:
    """The links of an RSS or Atom feed's items, as written (not yet resolved or checked)."""
    selector = Selector(text=escape_bare_ampersands(xml), type="xml")
    selector.remove_namespaces()
    return selector.xpath("//item/link/text() | //entry/link/@href").getall()
