"""Pipeline step 1: decode, extract and clean each article (pipelines.process), in the
process pool."""

from scrapy.exceptions import DropItem

from pipelines import pool
from pipelines.process import NotAnArticle, extract_fields


class CleanPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.pool = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.pool = pool.acquire(pool.workers_setting(self.crawler.settings))

    def close_spider(self):
        if self.pool is not None:
            pool.release()

    async def process_item(self, item):
        try:
            fields = await pool.run(self.pool, extract_fields, item["body"], item["url"],
                                    item.get("declared_encoding"))
        except NotAnArticle as reason:
            # Counted for `vnarchive status`: a site whose pages come back empty has changed.
            self.crawler.stats.inc_value("vnarchive/pages_without_text")
            raise DropItem(str(reason)) from None
        item.update(fields)
        return item
