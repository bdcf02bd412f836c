"""The article item: the contract between the spider and the pipelines."""

import scrapy


class ArticleItem(scrapy.Item):
    # Set by the spider from the response.
    url = scrapy.Field()
    canonical_url = scrapy.Field()
    site = scrapy.Field()
    fetched_at = scrapy.Field()  # ISO 8601, UTC
    status = scrapy.Field()
    html = scrapy.Field()  # the raw body, decoded; kept for the raw store
    encoding = scrapy.Field()
    found_via = scrapy.Field()  # listing, sitemap or feed
    # Set by pipelines.clean.
    title = scrapy.Field()
    lead = scrapy.Field()
    text = scrapy.Field()
    author = scrapy.Field()
    published = scrapy.Field()
    language = scrapy.Field()
    extractor_version = scrapy.Field()
    # Set by pipelines.classify.
    is_meeting_report = scrapy.Field()
    classifier_version = scrapy.Field()
