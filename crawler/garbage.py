"""The crawl process's cyclic garbage collector, set for a long run (a Scrapy extension, so a
bare `scrapy crawl` gets it as `vnarchive crawl` does).

Python collects its youngest generation after every 700 new container objects, and a crawl
makes that many for each few pages (requests, responses, Deferreds, items), so the collector
ran about 550 times a thousand pages and every fortieth time walked the whole heap, the
imports of Scrapy, Twisted and the archive included: 0.35-0.41 s of the crawl process's 6 s
of CPU on the 1,000-page bench (measured with gc.callbacks). With the threshold at
VNARCHIVE_GC_THRESHOLD (10,000) it runs 18 times, for 0.06 s; the objects of the start-up are
frozen (`gc.freeze`) so that no full collection walks them again. What waits longer to be
collected is at most that many objects in reference cycles: a few megabytes. The workers
(pipelines/pool.py) are left alone: they collect 0.5% of their time.
"""

from __future__ import annotations

import gc

from scrapy import signals
from scrapy.exceptions import NotConfigured

# Crawlers of one process (one per site) share the collector: the first to start sets it, the
# last to stop puts back what it was.
_running = 0
_previous: tuple[int, int, int] | None = None


class SteadyGarbageCollection:
    def __init__(self, threshold: int):
        self.threshold = threshold

    @classmethod
    def from_crawler(cls, crawler):
        threshold = crawler.settings.getint("VNARCHIVE_GC_THRESHOLD")
        if threshold <= 0:
            raise NotConfigured("VNARCHIVE_GC_THRESHOLD is 0: Python's own collector settings")
        extension = cls(threshold)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        global _running, _previous
        _running += 1
        if _running > 1:
            return
        _previous = gc.get_threshold()
        # Frozen with no collection first: at this point a full collection found no garbage
        # among the start-up's 94,000 objects, and cost 0.05-0.08 s of each crawl's start.
        gc.freeze()  # what start-up made lives as long as the process
        gc.set_threshold(max(self.threshold, _previous[0]), *_previous[1:])

    def engine_stopped(self) -> None:
        global _running
        _running = max(0, _running - 1)
        if _running == 0 and _previous is not None:
            gc.set_threshold(*_previous)
            gc.unfreeze()
