"""Pipeline step 3: write each article to the archive (through the crawler's batch writer)."""

from archive.runs import site_row
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
        if profile is not None:
            # A crawl of a retired site (`vnarchive sites retire`) brings it back: left
            # retired, the site crawled again stayed hidden from `status`. An import of old
            # captures (archive/importer.py) is no crawl, and leaves it as it was.
            writer_for(self.crawler).record_site({**site_row(profile), "retired_at": None})

    def process_item(self, item):
        if not isinstance(item, ArticleItem):
            return item
        article = {field: value for field, value in item.items() if field != "page"}
        article["is_meeting_report"] = int(bool(article.get("is_meeting_report")))
        writer_for(self.crawler).add_article(article)
        return item
