"""Scrapy's log lines, with an item shown by its URL instead of printed whole: an item carries
the page's raw bytes, megabytes when a site serves a PDF or a broken document as a page; and a
network failure in one line, not with its traceback."""

import logging

from scrapy.logformatter import LogFormatter
from scrapy.utils.misc import load_object

# Scrapy's loggers that log a fetch with no errback of ours (a robots.txt, a sitemap) that
# failed, with the network error's whole traceback.
FETCH_ERROR_LOGGERS = ("scrapy.core.scraper", "scrapy.downloadermiddlewares.robotstxt")


def describe(item) -> str:
    kind = type(item).__name__
    try:
        return f"{kind} {item['url']}"
    except (KeyError, TypeError):
        return kind


class ArchiveLogFormatter(LogFormatter):
    @classmethod
    def from_crawler(cls, crawler):
        log_network_failures_in_one_line(crawler.settings)
        return super().from_crawler(crawler)

    def scraped(self, item, response, spider):
        result = super().scraped(item, response, spider)
        result["args"]["item"] = describe(item)
        return result

    def dropped(self, item, exception, response, spider):
        result = super().dropped(item, exception, response, spider)
        result["args"]["item"] = describe(item)
        return result

    def item_error(self, item, exception, response, spider):
        result = super().item_error(item, exception, response, spider)
        result["args"]["item"] = describe(item)
        return result


class NetworkFailureInOneLine(logging.Filter):
    """A host that is down cost two tracebacks of a refused connection per crawl, sixty lines
    in the cron mail of each run; the line before them says it all ("Error downloading <GET
    .../robots.txt>: Connection was refused"). A failure of our own code keeps its traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.network_errors: tuple[type, ...] = ()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], self.network_errors):
            record.exc_info, record.exc_text = None, None
        return True


network_failures_in_one_line = NetworkFailureInOneLine()


def log_network_failures_in_one_line(settings) -> None:
    """The network errors are those Scrapy retries (RETRY_EXCEPTIONS)."""
    network_failures_in_one_line.network_errors = tuple(
        error for error in map(load_object, settings.getlist("RETRY_EXCEPTIONS"))
        if isinstance(error, type))
    for name in FETCH_ERROR_LOGGERS:
        logging.getLogger(name).addFilter(network_failures_in_one_line)  # once: a set
