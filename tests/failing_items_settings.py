"""Scrapy settings for a crawl whose articles fail in a pipeline (SCRAPY_SETTINGS_MODULE): the
project's settings plus `FailArticles`, which raises on every article as a bug in our own
code would. Its items end in Scrapy's `item_error`, never in the archive."""

from crawler.items import ArticleItem
from crawler.settings import *  # noqa: F403
from crawler.settings import ITEM_PIPELINES

ITEM_PIPELINES = {**ITEM_PIPELINES, "tests.failing_items_settings.FailArticles": 850}


class FailArticles:
    def process_item(self, item):
        if isinstance(item, ArticleItem):
            raise RuntimeError("a bug in a pipeline")
        return item
