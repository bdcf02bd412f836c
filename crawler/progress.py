"""Progress a person can read during a crawl: pages, rate, articles, errors.

On a terminal one line is rewritten in place every two seconds: the site's, or with several
sites crawled at once their sum ("3 sites: ..."), since each site's own line rewrote the others'
and the line flickered between them; as a site closes its last line is kept on a line of its
own. Otherwise (cron, a log file) a plain line per site is printed every thirty seconds, so
short crawls stay quiet.
"""

from __future__ import annotations

import sys
import time

from scrapy import signals
from twisted.internet import task

from crawler.archiving import errors_by_kind

TERMINAL_INTERVAL = 2.0
LOG_INTERVAL = 30.0


# The crawls of this process now open on a terminal: the first of them writes the line.
_on_terminal: list[CrawlProgress] = []


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
        if self.terminal:
            _on_terminal.append(self)
        self.loop.start(interval, now=False)

    def spider_closed(self, spider) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.terminal:
            if self in _on_terminal:
                _on_terminal.remove(self)
            # Its own last state, kept: the others' sum comes back on the next line.
            self.stream.write("\r" + self.line().ljust(100) + "\n")
            self.stream.flush()

    def counts(self) -> tuple[int, float, int, int]:
        """Pages, pages a second, articles, errors."""
        stats = self.crawler.stats
        pages = stats.get_value("response_received_count", 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        # The errors the site's `site_runs` row will hold, counted once (crawler.archiving).
        errors = sum(errors_by_kind(stats.get_stats()).values())
        return pages, pages / elapsed, stats.get_value("item_scraped_count", 0), errors

    def line(self) -> str:
        return f"{self.crawler.spider.name}: {describe(*self.counts())}"

    def report(self) -> None:
        if self.terminal:
            if _on_terminal and _on_terminal[0] is not self:
                return  # the first site's report writes the line for all
            self.stream.write("\r" + terminal_line(_on_terminal or [self]).ljust(100))
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()


def describe(pages: int, rate: float, articles: int, errors: int) -> str:
    return f"{pages} pages ({rate:.1f}/s), {articles} articles, {errors} errors"


def terminal_line(crawls: list[CrawlProgress]) -> str:
    """The one line of a terminal: the site's own, or the sum of the sites crawled at once."""
    if len(crawls) == 1:
        return crawls[0].line()
    sums = [sum(values) for values in zip(*(crawl.counts() for crawl in crawls), strict=True)]
    return f"{len(crawls)} sites: {describe(*sums)}"
