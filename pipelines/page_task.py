"""The workers' task for one article page as the crawl's own process sees it: the task, by a
name it can hand to the pool, and what the task may raise or warn.

The crawl process imports only this module; the task's code (pipelines.process: extraction,
classification, trafilatura, htmldate) is imported in the workers, which preload it. Importing
it in the crawl process too cost every crawl about 0.15 s of CPU to name one function.
"""

from __future__ import annotations

from dataclasses import dataclass

# The warning a page carries when plain trafilatura's text replaced ours
# (pipelines.extract.plain_text_floor).
FALLBACK_WARNING = "trafilatura_fallback"
# The warning on a page whose text reads as a list of teasers (a tag, section or digest page at
# an article's URL): kept, since such a test can be wrong, never labelled a report, and counted
# for the crawl's stats (`vnarchive/teaser_lists`): an article pattern that matches listings.
TEASER_LIST_WARNING = "teaser_list"


@dataclass
class NotAnArticle(Exception):
    """The page holds no article (no text, or only navigation); `reason` says which."""

    reason: str

    def __str__(self) -> str:
        return self.reason


class RejectedPage(NotAnArticle):
    """The page is broken or not a web page at all (binary content, an empty or unparseable
    document, a pathological tree): its `pages` row records why."""

    error_kind = "rejected"


class SoftNotFound(NotAnArticle):
    """The page answers 200 but says it does not exist: a soft 404, recorded as not found;
    an archived copy of the article is kept as it was."""

    error_kind = "soft_404"


def process_archived_page(body: bytes, url: str, declared_encoding: str | None, region,
                          owner=None):
    """In a worker: pipelines.process.process_page_in_region (imported here, not at the top,
    so the crawl process that pickles this function by name never imports it), for a page
    the archive keeps in a WARC record (a crawl's, an import's, `reprocess`'s), without its
    decoded page: the archive keeps no decoded copy of such a page (archive/article_rows.py
    kept_page), and it was most of a result (54 of 64 KB on the bench's pages). A result that
    did not fit in the pool's pipe (64 KB) kept its worker waiting, idle, until the busy
    process that reads the results read it: a fifth of the crawl's workers' time
    (docs/performance-history.md)."""
    from pipelines.process import process_page_in_region

    fields, report = process_page_in_region(body, url, declared_encoding, region, owner)
    fields["html"] = None
    return fields, report
