"""Links read from feeds and sitemaps as careless sites write them.

A bare `&` in a URL (`?id=12&cat=3`, where XML wants `&amp;`) makes libxml2's recovering parser,
which Scrapy's sitemap reader and parsel both use, drop `&cat`; after one such slip it also
drops every later `&amp;` of the file (lxml 6.2, libxml2 2.14): the crawl then asks for other
pages than the site links. Ampersands that begin no reference are escaped before parsing, so
each link reads as written.

A reference to half a UTF-16 pair (`&#xD800;`) is no XML character: libxml2 keeps its bytes,
and lxml then fails to decode the text of the whole file, so every link of the feed or sitemap
was lost. It becomes U+FFFD, as HTML parsers read it. A few lines of our own: neither Scrapy
nor lxml offers either.
"""

from __future__ import annotations

import re

from scrapy.selector import Selector
from w3lib.encoding import html_to_unicode

# An ampersand that starts no character or entity reference.
BARE_AMPERSAND = r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z_][A-Za-z0-9_.-]*;)"
_BARE_AMPERSAND_TEXT = re.compile(BARE_AMPERSAND)
_BARE_AMPERSAND_BYTES = re.compile(BARE_AMPERSAND.encode("ascii"))


# References that may name a surrogate (U+D800-U+DFFF: decimal 55296-57343); checked by value.
SURROGATE_REFERENCE = r"&#(?:0*(5[5-7][0-9]{3})|[xX]0*([dD][89a-fA-F][0-9a-fA-F]{2}));"
_SURROGATE_REFERENCE_TEXT = re.compile(SURROGATE_REFERENCE)
_SURROGATE_REFERENCE_BYTES = re.compile(SURROGATE_REFERENCE.encode("ascii"))
REPLACEMENT_REFERENCE = "&#xFFFD;"


def escape_bare_ampersands(xml: str) -> str:
    return _BARE_AMPERSAND_TEXT.sub("&amp;", xml)


def escape_bare_ampersands_in_bytes(xml: bytes) -> bytes:
    return _BARE_AMPERSAND_BYTES.sub(b"&amp;", xml)


def _replace_surrogate(match: re.Match):
    code = int(match[1]) if match[1] else int(match[2], 16)
    if not 0xD800 <= code <= 0xDFFF:
        return match[0]
    return REPLACEMENT_REFERENCE if isinstance(match[0], str) else REPLACEMENT_REFERENCE.encode()


def xml_to_parse(xml: str) -> str:
    """A feed's or sitemap's text as lxml can read every link of it (see above)."""
    if "&#" in xml:
        xml = _SURROGATE_REFERENCE_TEXT.sub(_replace_surrogate, xml)
    return escape_bare_ampersands(xml)


def xml_bytes_to_parse(xml: bytes) -> bytes:
    """The same, for a body not yet decoded."""
    if b"&#" in xml:
        xml = _SURROGATE_REFERENCE_BYTES.sub(_replace_surrogate, xml)
    return escape_bare_ampersands_in_bytes(xml)


def feed_text(body: bytes, charset: str | None) -> str:
    """A feed's text, for the crawl and for `sites add` alike. Bytes that read as UTF-8 are
    UTF-8, whatever the header says: a feed served as "charset=iso-8859-1" or "utf-16" lost
    every link, or got them garbled ("tin-tá»©c"), and asked for pages the site does not have.
    Other bytes are read as Scrapy reads a response's text: a BOM, then `charset` (the
    header's), then the feed's own XML declaration."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return html_to_unicode(f"charset={charset}" if charset else None, body)[1]


def feed_links(xml: str) -> list[str]:
    """The links of an RSS or Atom feed's items, as written (not yet resolved or checked)."""
    selector = Selector(text=xml_to_parse(xml), type="xml")
    selector.remove_namespaces()
    # RSS 2.0 lets an item give its address only as a permalink guid, without a <link>.
    return selector.xpath("//item/link/text() | //entry/link/@href | "
                          "//item[not(normalize-space(link))]"
                          "/guid[not(@isPermaLink = 'false')]/text()").getall()
