"""Pipeline step 3: write each article to the archive (through the crawler's batch writer)."""

from archive.writer import record_site
from crawler.archiving import writer_for
from crawler.items import ArticleItem


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        spider = self.crawler.spider
        profile = getattr(spider, "profile", None)
        writer = writer_for(self.crawler)
        if profile is not None:
            record_site(writer.db, profile)

    def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        article = dict(item)
        article["is_meeting_report"] = int(bool(article.get("is_meeting_report")))
        writer_for(self.crawler).add_article(article)
        return item
