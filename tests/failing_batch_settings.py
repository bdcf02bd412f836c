"""Scrapy settings for a crawl whose archive batches fail after the first
(SCRAPY_SETTINGS_MODULE): the project's settings, and `write_articles` replaced in the crawl
process by one that raises from its second batch on, as a broken archive would. The batches
commit on the commit thread, or on the reactor's with FAILING_BATCH_THREAD=0."""

import os

import archive.writer
from crawler.settings import *  # noqa: F403

_write_articles = archive.writer.write_articles
_batches = []


def _fail_after_the_first(db, records):
    _batches.append(len(records))
    if len(_batches) > 1:
        raise RuntimeError("the archive refused a batch")
    return _write_articles(db, records)


archive.writer.write_articles = _fail_after_the_first
VNARCHIVE_COMMIT_THREAD = os.environ.get("FAILING_BATCH_THREAD", "1") == "1"
