"""Scrapy's log lines, with an item shown by its URL instead of printed whole: an item carries
the page's raw bytes, megabytes when a site serves a PDF or a broken document as a page."""

from scrapy.logformatter import LogFormatter


def describe(item) -> str:
    kind = type(item).__name__
    try:
        return f"{kind} {item['url']}"
    except (KeyError, TypeError):
        return kind


class ArchiveLogFormatter(LogFormatter):
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
