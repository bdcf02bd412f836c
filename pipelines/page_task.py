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


def process_page(body: bytes, url: str, declared_encoding: str | None, region, owner=None):
    """In a worker: pipelines.process.process_page_in_region (imported here, not at the top,
    so the crawl process that pickles this function by name never imports it)."""
    from pipelines.process import process_page_in_region

    return process_page_in_region(body, url, declared_encoding, region, owner)


def process_fetched_page(body: bytes, url: str, declared_encoding: str | None, region,
                         owner=None):
    """`process_page` for a caller that holds the page's bytes (a crawl): the decoded page
    (`html`) comes back as None when the codec named by the result's `encoding` gives it from
    the bytes alone, and the caller decodes it again (`decoded_page`, 20 us for 60 KB).
    It is most of a result (54 of 64 KB on the bench's pages), and a result that does not fit
    in the pool's pipe (64 KB) kept its worker waiting, idle, until the crawl's process, busy
    with its own work, read it: a fifth of the workers' time (docs/performance-history.md)."""
    fields, report = process_page(body, url, declared_encoding, region, owner)
    if fields["html"] == _by_codec(body, fields["encoding"]):
        fields["html"] = None
    return fields, report


def decoded_page(html: str | None, body: bytes, encoding: str | None) -> str | None:
    """The decoded page of a `process_fetched_page` result."""
    return _by_codec(body, encoding) if html is None else html


def _by_codec(body: bytes, encoding: str | None) -> str | None:
    """The bytes read by Python's own codec of that name, strictly; None when it cannot."""
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None
