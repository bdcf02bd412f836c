"""The article item: the contract between the spider and the pipelines.

An item holds only what the archive stores about its article; the page it came from, as
fetched, rides beside in a typed side record (`RawPage`), which no feed export shows.
"""

from dataclasses import dataclass

import scrapy


@dataclass
class RawPage:
    """An article's page as fetched (kept in the WARC files, read by pipelines.clean)."""

    body: bytes
    declared_encoding: str | None  # what the headers or meta tag claim, if anything


class ArticleItem(scrapy.Item):
    # Set by the spider from the response.
    url = scrapy.Field()
    canonical_url = scrapy.Field()
    site = scrapy.Field()
    fetched_at = scrapy.Field()  # ISO 8601, UTC
    status = scrapy.Field()
    page = scrapy.Field()  # the RawPage: not stored as such
    found_via = scrapy.Field()  # listing, sitemap or feed
    warc_file = scrapy.Field()  # where the raw response is stored
    warc_offset = scrapy.Field()
    moved_from = scrapy.Field()  # the keys it was permanently redirected from (crawler.moves)
    # Set by pipelines.clean.
    encoding = scrapy.Field()  # what the bytes turned out to be
    warnings = scrapy.Field()
    photo_credits = scrapy.Field()
    published_source = scrapy.Field()
    event_date = scrapy.Field()  # the day the reported event (a meeting) took place
    title_folded = scrapy.Field()  # search keys and the story fingerprint
    text_folded = scrapy.Field()
    story_signature = scrapy.Field()
    title = scrapy.Field()
    lead = scrapy.Field()
    text = scrapy.Field()
    author = scrapy.Field()
    published = scrapy.Field()
    language = scrapy.Field()
    extractor_version = scrapy.Field()
    # Set by pipelines.clean too (the same task in the pool).
    is_meeting_report = scrapy.Field()
    confidence = scrapy.Field()
    meeting = scrapy.Field()  # the fields of a meeting report (pipelines.meetings), or None
    classifier_version = scrapy.Field()


class AttachmentItem(scrapy.Item):
    """A document an article links (PDF, DOC, DOCX): set by the spider, its text added by
    pipelines.attachments."""

    url = scrapy.Field()
    article_url = scrapy.Field()  # the canonical URL of the article that links it
    site = scrapy.Field()
    link_text = scrapy.Field()
    content_type = scrapy.Field()
    body = scrapy.Field()
    status = scrapy.Field()
    fetched_at = scrapy.Field()
    warc_file = scrapy.Field()
    warc_offset = scrapy.Field()
    error = scrapy.Field()  # why it could not be fetched or read
