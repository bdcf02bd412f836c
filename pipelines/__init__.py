"""Item pipelines, in order: clean (decode, extract, clean), label (classify), store.

The work itself is pure functions (process, extract, classify, meetings, ...) that the crawl
and re-processing share; the pipeline modules only adapt them to Scrapy items.
"""
