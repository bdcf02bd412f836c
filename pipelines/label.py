"""Pipeline step 2: label each article and extract a meeting report's fields
(pipelines.classify through pipelines.process)."""

from pipelines.process import classification_fields


class LabelPipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        owner = getattr(getattr(self.crawler.spider, "profile", None), "owner", None)
        item.update(classification_fields(item.get("title"), item.get("text"),
                                          item.get("published"), owner))
        return item
