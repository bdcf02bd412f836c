"""How long a distributed worker waits, by default, for room in a Redis at its maxmemory
(`crawl --full-timeout`, VNARCHIVE_REDIS_FULL_TIMEOUT; archive/redis_patience.py waits it
out). One number in a module that imports nothing: the settings and the CLI, which every
command loads, take it from here without loading redis (before, it was written out in four
places so as not to)."""

FULL_PATIENCE = 600.0  # seconds
