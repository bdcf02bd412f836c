"""Pages taken from a web archive (crawler/spiders/wayback_spider.py): keep a capture older
than the archive's copy as an earlier version, and record each capture's provenance row in
the same transaction as its article, so a capture is archived exactly once.

Only the wayback spider enables these two steps (in its own ITEM_PIPELINES); a live crawl
never runs them.
"""

from scrapy import signals
from scrapy.exceptions import DropItem

from archive.captures import (
    CaptureKey,
    CaptureSource,
    archived_copy_time,
    capture_row,
    keep_older_capture,
    record_captures,
)
from crawler.archiving import writer_for


def is_capture(item) -> bool:
    return "capture_digest" in getattr(item, "fields", {})


def _row(item, run_id) -> dict:
    key = CaptureKey(item["url"], item["fetched_at"], item["capture_digest"])
    source = CaptureSource(item["capture_kind"], item["capture_source"])
    return capture_row(key, item["canonical_url"], item["site"], item["status"], source, run_id)


class OlderCapturePipeline:
    """Step 850, before storing: a capture older than the archive's copy of its article
    becomes an earlier version of it instead of replacing the newer text."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if not is_capture(item):
            return item
        writer = writer_for(self.crawler)
        writer.flush()
        current = archived_copy_time(writer.db, item["canonical_url"])
        if current is None or item["fetched_at"] >= current:
            return item
        article = dict(item)
        with writer.db.atomic():
            keep_older_capture(writer.db, article)
            record_captures(writer.db, [_row(item, writer.run_id)])
        self.crawler.stats.inc_value("vnarchive/captures_kept_as_versions")
        raise DropItem(f"an earlier version of {item['canonical_url']}, kept as such")


class CaptureRecordPipeline:
    """Step 950, after storing: the article's batch and its capture row, committed together.
    A capture that held no article gets its row too, so it is not fetched again."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if is_capture(item):
            self.commit(item)
        return item

    def item_dropped(self, item, response, exception, spider) -> None:
        if is_capture(item) and "kept as such" not in str(exception):
            self.commit(item)

    def commit(self, item) -> None:
        writer = writer_for(self.crawler)
        if writer.storage_error is not None:
            return
        with writer.db.atomic():
            writer.flush()
            record_captures(writer.db, [_row(item, writer.run_id)])
