"""Pipeline step 1: decode, extract and clean each article (pipelines.process)."""

from scrapy.exceptions import DropItem

from pipelines.process import NotAnArticle, extract_fields


class CleanPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        try:
            item.update(extract_fields(item["body"], item["url"], item.get("declared_encoding")))
        except NotAnArticle as reason:
            # Counted for `vnarchive status`: a site whose pages come back empty has changed.
            self.crawler.stats.inc_value("vnarchive/pages_without_text")
            raise DropItem(str(reason)) from None
        return item
