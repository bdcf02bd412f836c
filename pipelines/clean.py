"""Pipeline step 1: decode, extract and clean each article (pipelines.process)."""

from scrapy.exceptions import DropItem

from pipelines.process import NotAnArticle, extract_fields


class CleanPipeline:
    def process_item(self, item):
        try:
            item.update(extract_fields(item["body"], item["url"], item.get("declared_encoding")))
        except NotAnArticle as reason:
            raise DropItem(str(reason)) from None
        return item
