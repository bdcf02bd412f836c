"""Stop signals a crawl gets outside Scrapy's own handlers, which exist only while its reactor
runs: before (loading the project, opening the archive) and after (writing the run's end and
the summary). They are noted, never raised as a KeyboardInterrupt in the middle of an import
or a write: a stop noted before the reactor runs is replayed to Scrapy as soon as it does, so
a Ctrl-C at any moment ends the crawl as `interrupted` (exit 4), or `killed` after two (5)."""

from __future__ import annotations

import signal

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class NotedStops:
    def __init__(self) -> None:
        self.signals: list[int] = []

    def install(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.note)

    def note(self, signum: int, _frame) -> None:
        self.signals.append(signum)

    @property
    def count(self) -> int:
        return len(self.signals)


noted_stops = NotedStops()
