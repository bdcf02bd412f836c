"""Cheap checks on a page's bytes before it is parsed, against shapes that make the HTML parser
quadratic.

libxml2 compares each attribute of an element with the ones before it, so one `<div>` with
100,000 attributes (1.4 MB, well under the page size cap) costs minutes of CPU to parse. Real
pages carry at most a few dozen attributes on an element; the guard counts them with two
linear regular expressions on the raw bytes, looking only inside tags long enough to hold
many, so an ordinary page costs one scan. The extraction pool's per-page CPU-time limit
(pipelines/pool.py) is the backstop for whatever shape this misses.
"""

from __future__ import annotations

import re

# News and portal pages are well under this; anything bigger is not an article. A crawl's
# DOWNLOAD_MAXSIZE (crawler/settings.py), which bounds each layer of decompression too, and an
# import's bound on a record's payload (archive/importer.py).
MAX_PAGE_BYTES = 4 * 1024 * 1024
MAX_ATTRIBUTES_PER_ELEMENT = 1000
# A tag shorter than this cannot hold MAX_ATTRIBUTES_PER_ELEMENT attributes (each needs at
# least a space, a letter and "=").
LONG_TAG = 3 * MAX_ATTRIBUTES_PER_ELEMENT
LONG_TAGS = re.compile(rb"<[A-Za-z][^<>]{%d,}" % LONG_TAG)
ATTRIBUTE = re.compile(rb"\s[^\s\"'<>/=]+\s*=")


def quadratic_shape(body: bytes) -> str | None:
    """Why parsing this page would take time out of proportion to its size, or None."""
    if b"\x00" in body[:4096]:  # UTF-16: the guard reads the ASCII half of each character
        body = body.replace(b"\x00", b"")
    for tag in LONG_TAGS.finditer(body):
        attributes = len(ATTRIBUTE.findall(tag.group()))
        if attributes > MAX_ATTRIBUTES_PER_ELEMENT:
            return (f"an element with {attributes} attributes (more than "
                    f"{MAX_ATTRIBUTES_PER_ELEMENT}): parsing it would take minutes")
    return None
