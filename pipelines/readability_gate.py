"""trafilatura's comparison with readability, skipped where it provably cannot change the text.

After its own extraction, trafilatura runs readability on the whole tree it was given and
takes readability's text only in a few cases (external.compare_extraction: ours empty,
readability's more than twice as long, or ours without paragraph text or made mostly of
tables), and justext only on a short or unclean text. On an article region (a profile's
`article_selector` or a learned one) the region holds little but the article, so readability
cannot find twice the text there: readability keeps a part of the tree's text nodes in their
order (adding at most "VIDEO" per iframe), so its text is never longer than the tree's own
text with its white space collapsed. Where that bound, the paragraphs and the length settle
the choice, this gate returns trafilatura's own result without running readability (about a
fifth of trafilatura's time on a region); anywhere else trafilatura's comparison runs as it
is. The rows are the same either way, by the reasoning above; the readings of the test web's,
hard, CMS and real pages were compared field by field before and after.

Installed over trafilatura.core's name only for the trafilatura release whose comparison this
was read from (GATED_RELEASE): another release runs its own comparison untouched.
"""

from __future__ import annotations

import trafilatura
import trafilatura.core
from trafilatura.external import SANITIZED_XPATH, compare_extraction

GATED_RELEASE = "2.3.1"
# readability writes this into each video iframe it keeps (one more word at most per iframe).
IFRAME_TEXT = len(" VIDEO")


def readability_cannot_win(raw_tree, body, text: str, options) -> bool:
    """Whether trafilatura's comparison would keep `text` (and `body`) as they are, without
    running readability on `raw_tree`: (1) readability's text, at most `raw_tree`'s own with
    its white space collapsed (XPath's normalize-space collapses no more than Python's split,
    so the bound is not too small), cannot be over twice ours; (2) ours has paragraph text and
    no more tables than paragraphs; (3) ours is neither short nor holds an element that
    sends it to justext."""
    if options.focus not in ("balanced", "precision") or not text:
        return False
    bound = (raw_tree.xpath("string-length(normalize-space(.))")
             + IFRAME_TEXT * int(raw_tree.xpath("count(.//iframe)")))
    return (bound <= 2 * len(text)
            and bool(body.xpath(".//p//text()"))
            and len(body.findall(".//table")) <= len(body.findall(".//p"))
            and len(text) >= options.min_extracted_size
            and not body.xpath(SANITIZED_XPATH))


def gated_comparison(cleaned_tree, raw_tree, body, text: str, options):
    """trafilatura's `compare_extraction`, unless its outcome is known beforehand."""
    if readability_cannot_win(raw_tree, body, text, options):
        return body, text
    return compare_extraction(cleaned_tree, raw_tree, body, text, options)


def install() -> bool:
    """Put the gate in front of trafilatura's comparison (GATED_RELEASE only)."""
    if trafilatura.__version__ != GATED_RELEASE:
        return False
    trafilatura.core.compare_extraction = gated_comparison
    return True
