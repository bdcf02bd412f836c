"""A page's bytes as the extraction reads them: decoded (pipelines.encodings), normalised to
NFC, and without the characters no HTML may hold. A module apart from pipelines.extract so
that `vnarchive page`, which decodes a stored page again, does not load trafilatura.
"""

from __future__ import annotations

import re

from pipelines.encodings import decode_page
from pipelines.vietnamese import normalize_text

# Characters no HTML may hold (NUL and the C0 controls but tab, line feed and carriage
# return): libxml2 refuses or mangles them. The noncharacters U+FFFE and U+FFFF go with them:
# lxml refuses a text that holds one as an XPath value, and a headline with one failed the page.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# The same characters written as references ("&#11;", a Word line break pasted into a CMS;
# "&#2" without its semicolon, which parsers read too): libxml2 turns them into the
# characters after the removal above, and one in a title failed the whole page (lxml takes
# no such string as an XPath value). Each becomes a space: a line break between two words
# must not join them.
CONTROL_REFERENCES = re.compile(
    r"&#(?:0*(?:[1-8]|1[124-9]|2[0-9]|3[01]|127|6553[45])(?![0-9])"
    r"|[xX]0*(?:[1-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[fF]{3}[eEfF])(?![0-9a-fA-F]));?")
CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # the same, as bytes
NONCHARACTERS_UTF8 = ("\ufffe".encode(), "\uffff".encode())


def page_text(page: bytes | str, declared_encoding: str | None = None,
              ) -> tuple[str, str, list[str]]:
    """The page as text, the encoding its bytes were read in ("unicode" for a text given),
    and warnings on what the reading found (a charset the bytes do not have, characters
    taken out)."""
    if isinstance(page, bytes):
        decoded = decode_page(page, declared_encoding)
        html, encoding, warnings = decoded.text, decoded.encoding, list(decoded.warnings)
    else:
        html, encoding, warnings = page, "unicode", []
    if (encoding == "utf-8" and len(page.translate(None, CONTROL_BYTES)) == len(page)
            and not any(noncharacter in page for noncharacter in NONCHARACTERS_UTF8)):
        # UTF-8 writes a control character as that one byte and no other character with it
        # (and each noncharacter as its own three): bytes without them (a deletion and two
        # searches in C) decode to text without them, and the scan of the whole text for them
        # (a quarter of a millisecond a page) is spared.
        html, removed = normalize_text(html), 0
    else:
        html, removed = CONTROL_CHARACTERS.subn("", normalize_text(html))
    if "&#" in html:
        html, references = CONTROL_REFERENCES.subn(" ", html)
        removed += references
    if removed:
        warnings.append(f"removed {removed} NUL or control characters")
    return html, encoding, warnings
