"""Size limits on what a response may become once decoded.

Scrapy's compression middleware (2.13.4 and later) already decompresses in chunks and stops
at DOWNLOAD_MAXSIZE, or at a request's `download_maxsize` meta, for gzip, deflate, brotli and
zstd, layer by layer for double encodings. What it does not do: leave a trace in the archive
(it raises IgnoreRequest from `process_response`, which no recorder sees), or refuse a body
in an encoding it cannot decode (it passes the still-encoded bytes on as the page). This
subclass does both.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest

from crawler.refusals import refuse

IDENTITY = {b"", b"identity"}


class BoundedCompressionMiddleware(HttpCompressionMiddleware):
    def __init__(self, stats=None, *, crawler=None):
        super().__init__(stats, crawler=crawler)
        self.crawler = crawler

    def process_response(self, request, response):
        try:
            decoded = super().process_response(request, response)
        except IgnoreRequest:
            limit = request.meta.get("download_maxsize", self._max_size)
            raise refuse(self.crawler, request, "too_large",
                         f"{len(response.body)} compressed bytes decode to more than "
                         f"{limit} bytes") from None
        left = [value.strip().lower() for header in decoded.headers.getlist("Content-Encoding")
                for value in header.split(b",")]
        if any(value not in IDENTITY for value in left):
            raise refuse(self.crawler, request, "unsupported_encoding",
                         b", ".join(left).decode("latin-1")[:100])
        return decoded
