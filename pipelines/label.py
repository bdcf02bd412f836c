"""Pipeline step 2: label each article and extract a meeting report's fields
(pipelines.classify through pipelines.process), in the process pool."""

from crawler.items import ArticleItem
from pipelines.pool import PooledPipeline, run
from pipelines.process import classification_fields


class LabelPipeline(PooledPipeline):
    async def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        owner = getattr(getattr(self.crawler.spider, "profile", None), "owner", None)
        item.update(await run(self.pool, classification_fields, item.get("title"),
                              item.get("text"), item.get("published"), owner))
        return item
