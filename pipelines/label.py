"""Pipeline step 2: label each article and extract a meeting report's fields
(pipelines.classify through pipelines.process), in the process pool."""

from pipelines import pool
from pipelines.process import classification_fields


class LabelPipeline:
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
        owner = getattr(getattr(self.crawler.spider, "profile", None), "owner", None)
        item.update(await pool.run(self.pool, classification_fields, item.get("title"),
                                   item.get("text"), item.get("published"), owner))
        return item
