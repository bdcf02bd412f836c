"""The crawl process's garbage collector (crawler/garbage.py): set for the run by the crawler's
own signals, put back when the last crawler of the process stops."""

from __future__ import annotations

import gc

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.spiders import Spider
from scrapy.utils.test import get_crawler

from crawler.garbage import SteadyGarbageCollection
from crawler.settings import EXTENSIONS


@pytest.fixture
def collector_as_python_sets_it():
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)
    gc.unfreeze()


def test_a_crawl_raises_the_threshold_and_puts_it_back(collector_as_python_sets_it):
    before = collector_as_python_sets_it
    crawlers = [get_crawler(Spider, {"VNARCHIVE_GC_THRESHOLD": 12_345}) for _ in range(2)]
    # Held as Scrapy's extension manager holds them (signals keep weak references).
    extensions = [SteadyGarbageCollection.from_crawler(crawler) for crawler in crawlers]
    assert len(extensions) == 2
    for crawler in crawlers:  # two sites' crawlers in one process
        crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold() == (12_345, *before[1:])
    assert gc.get_freeze_count() > 0  # the start-up's objects are left out of collections
    crawlers[0].signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold()[0] == 12_345  # the other crawler still runs
    crawlers[1].signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_threshold_of_zero_leaves_the_collector_alone():
    with pytest.raises(NotConfigured):
        SteadyGarbageCollection.from_crawler(get_crawler(Spider, {"VNARCHIVE_GC_THRESHOLD": 0}))


def test_every_crawl_gets_it():
    assert "crawler.garbage.SteadyGarbageCollection" in EXTENSIONS
