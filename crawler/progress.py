"""Progress a person can read during a crawl: pages, rate, articles, errors.

On a terminal one line per site is rewritten in place every two seconds; otherwise (cron, a
log file) a plain line is printed every thirty seconds, so short crawls stay quiet.
"""

from __future__ import annotations

import sys
import time

from scrapy import signals
from twisted.internet import task

from crawler.archiving import errors_by_kind

TERMINAL_INTERVAL = 2.0
LOG_INTERVAL = 30.0


class CrawlProgress:
    def __init__(self, crawler, stream=None):
        self.crawler = crawler
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty()
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.report)
        interval = TERMINAL_INTERVAL if self.terminal else LOG_INTERVAL
        self.loop.start(interval, now=False)

    def spider_closed(self, spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.terminal:
            self.report()
            self.stream.write("\n")

    def line(self) -> str:
        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        # The errors the site's `site_runs` row will hold, counted once (crawler.archiving).
        errors = sum(errors_by_kind(stats.get_stats()).values())
        return (f"{self.crawler.spider.name}: {pages} pages ({pages / elapsed:.1f}/s), "
                f"{stats.get_value('item_scraped_count', 0)} articles, {errors} errors")

    def report(self) -> None:
        if self.terminal:
            self.stream.write("\r" + self.line().ljust(100))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()
