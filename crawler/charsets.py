"""Responses whose declared charset reads no web page.

Scrapy decodes a response with the charset its Content-Type or meta tag names. A name Python
knows but that reads no page ("undefined", which a template with an unset variable writes;
"idna", "utf-7", "base64") made `response.text` raise: every HTML page of such a site failed
in the meta-refresh check before a spider saw it, and each listing page and feed was lost.
Such a response gets the encoding its bytes read as (pipelines.encodings.decode_page).
"""

from __future__ import annotations

from scrapy.http import TextResponse

from pipelines.encodings import declared_charset, decode_page, decodes_web_text


class UsableCharsetMiddleware:
    """Placed between the decompression (590) and the meta-refresh check (580)."""

    def __init__(self, crawler=None):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if not isinstance(response, TextResponse):
            return response
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        declared = declared_charset(content_type, response.body)  # no decoding: a look
        if not declared or decodes_web_text(declared):
            return response
        read_as = decode_page(response.body).encoding
        if self.crawler is not None:
            self.crawler.stats.inc_value("vnarchive/charsets_unusable")
        # The legacy Vietnamese encodings have no Python codec: their markup reads as UTF-8.
        return response.replace(encoding=read_as if decodes_web_text(read_as) else "utf-8")
