"""One fetched article page in, one archive row out: decode, extract, clean, classify.

The crawl's item pipelines and `vnarchive reprocess` (which reads the pages back from the WARC
files) both call `process_article`, so a re-processed row is the row a crawl would write.
"""

from __future__ import annotations

from pipelines.classify import CLASSIFIER_VERSION, Classification, classify, meeting_json
from pipelines.dates import meeting_date
from pipelines.extract import Extracted
from pipelines.fingerprint import encode, signature
from pipelines.guards import quadratic_shape
from pipelines.notfound import soft_404_reason
from pipelines.page_task import TEASER_LIST_WARNING, NotAnArticle, RejectedPage, SoftNotFound
from pipelines.region import extract_with_region
from pipelines.site_region import RegionReport, RegionRequest
from pipelines.vietnamese import fold_diacritics

EXTRACTED_FIELDS = ("title", "lead", "text", "author", "published", "published_source",
                    "language", "encoding", "warnings", "photo_credits", "html",
                    "extractor_version")


def extract_page(body: bytes, url: str, declared_encoding: str | None,
                 article_selector: str | None = None) -> dict:
    """The article's text and metadata; NotAnArticle when the page has none.
    `article_selector` is the site profile's CSS for its article element, if it has one."""
    return extract_page_in_region(body, url, declared_encoding,
                                  RegionRequest(article_selector))[0]


def extract_page_in_region(body: bytes, url: str, declared_encoding: str | None,
                           region: RegionRequest) -> tuple[dict, RegionReport]:
    """`extract_page` reading the article region the crawl asks for (the profile's or a
    learned one, pipelines.region), with what the page taught about that region."""
    shape = quadratic_shape(body)  # before the parser meets it
    if shape:
        raise RejectedPage(shape)
    extracted, report = extract_with_region(body, url, declared_encoding, region)
    return _fields(extracted, url), report


def _fields(extracted: Extracted, url: str) -> dict:
    if extracted.rejected:
        raise RejectedPage(extracted.rejected)
    title_folded = fold_diacritics(extracted.title or "")
    text_folded = fold_diacritics(extracted.text or "")
    not_found = soft_404_reason(extracted.title, extracted.text, title_folded, text_folded)
    if not_found:
        raise SoftNotFound(not_found)
    if not extracted.text:
        raise NotAnArticle(f"no article text found in {url}")
    if extracted.is_navigation:
        raise NotAnArticle(f"a navigation page, not an article: {url} "
                           f"({extracted.linked_lines:.0%} of its lines are link titles)")
    fields = {name: getattr(extracted, name) for name in EXTRACTED_FIELDS}
    fields["event_date"] = meeting_date(extracted.text, extracted.published)
    # The keys search and story grouping need, computed here, where it runs in parallel.
    fields["title_folded"] = title_folded
    fields["text_folded"] = text_folded
    fields["story_signature"] = encode(signature(fields["text_folded"]))
    return fields


def classification_fields(result: Classification) -> dict:
    """The meeting-report label, its confidence and, for a report, its fields."""
    return {
        "is_meeting_report": result.is_meeting_report,
        "confidence": round(result.confidence, 3),
        "meeting": meeting_json(result.meeting) if result.meeting else None,
        "classifier_version": CLASSIFIER_VERSION,
    }


def process_article(body: bytes, url: str, declared_encoding: str | None, owner=None,
                    article_selector: str | None = None,
                    region: RegionRequest | None = None) -> dict:
    """Every field a crawl derives from one article page (read in `region` when given: a
    learned one, pipelines.region)."""
    return process_page_in_region(body, url, declared_encoding,
                                  region or RegionRequest(article_selector), owner)[0]


def process_page_in_region(body: bytes, url: str, declared_encoding: str | None,
                           region: RegionRequest, owner=None) -> tuple[dict, RegionReport]:
    """`process_article` with what the page taught about its region: the crawl's one task
    per page in the pool (the page's text never travels back to be classified)."""
    fields, report = extract_page_in_region(body, url, declared_encoding, region)
    result = classify(fields["title"], fields["text"], fields["published"], owner)
    fields.update(classification_fields(result))
    if result.is_listing:
        fields["warnings"] = [*(fields.get("warnings") or []), f"{TEASER_LIST_WARNING}: the text "
                              "reads as a list of teasers, not one story"]
    return fields, report
