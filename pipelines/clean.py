"""Pipeline step 1: decode, extract and clean each article (pipelines.process), in the
process pool."""

from scrapy.exceptions import DropItem

from pipelines.pool import PooledPipeline, run
from pipelines.process import NotAnArticle, extract_fields


class CleanPipeline(PooledPipeline):
    async def process_item(self, item):
        try:
            fields = await run(self.pool, extract_fields, item["body"], item["url"],
                               item.get("declared_encoding"))
        except NotAnArticle as reason:
            # Counted for `vnarchive status`: a site whose pages come back empty has changed.
            self.crawler.stats.inc_value("vnarchive/pages_without_text")
            raise DropItem(str(reason)) from None
        item.update(fields)
        return item
