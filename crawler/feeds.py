"""Scrapy feed exports (`scrapy crawl SITE -o items.jsonl`) as Scrapy users expect them: one
clean record per archived article.

An item carries more than its record: the raw page beside it (crawler.items.RawPage) and the
search keys the archive needs. These exporters (registered for jsonl, json, csv and xml in
FEED_EXPORTERS) write only an article's stored fields, skip attachment items, and give
nested values (the meeting fields, warnings) to CSV as JSON text, where Scrapy would print
Python's repr.
"""

from __future__ import annotations

import json

from scrapy.exporters import (
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    XmlItemExporter,
)

from archive.article_rows import ARTICLE_COLUMNS
from crawler.items import ArticleItem

# What a record holds: the article's columns (not the run it was stored in), and its meeting
# fields when it is a report.
FIELDS = tuple(column for column in ARTICLE_COLUMNS if column != "run_id") + ("meeting",)


def article_record(item) -> dict | None:
    """The exported record of an item; None for an item that is not an article."""
    if not isinstance(item, ArticleItem):
        return None
    record = {field: item.get(field) for field in FIELDS}
    if record["is_meeting_report"] is not None:
        record["is_meeting_report"] = bool(record["is_meeting_report"])
    return record


class _Articles:
    def __init__(self, file, **kwargs):
        kwargs.setdefault("fields_to_export", list(FIELDS))
        super().__init__(file, **kwargs)

    def export_item(self, item):
        record = article_record(item)
        if record is not None:
            super().export_item(self._prepare(record))

    def _prepare(self, record: dict) -> dict:
        return record


class ArticleJsonLinesExporter(_Articles, JsonLinesItemExporter):
    pass


class ArticleJsonExporter(_Articles, JsonItemExporter):
    pass


class ArticleXmlExporter(_Articles, XmlItemExporter):
    pass


class ArticleCsvExporter(_Articles, CsvItemExporter):
    def _prepare(self, record: dict) -> dict:
        return {field: json.dumps(value, ensure_ascii=False)
                if isinstance(value, dict | list) else value for field, value in record.items()}
