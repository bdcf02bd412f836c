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

Put in front of trafilatura.core's name only around our own extraction (`gated()`), and only
for the trafilatura release whose comparison this was read from (GATED_RELEASE): plain
trafilatura elsewhere in the process (the floor check, the evaluations' baselines) and any
other release run their own comparison untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def gated() -> Iterator[None]:
    """trafilatura with the gate in front of its comparison (GATED_RELEASE only), within the
    block; extraction runs one page at a time in each process, so no other call sees it."""
    if trafilatura.__version__ != GATED_RELEASE:
        yield
        return
    trafilatura.core.compare_extraction = gated_comparison
    try:
        yield
    finally:
        trafilatura.core.compare_extraction = compare_extraction
