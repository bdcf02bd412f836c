"""The one interface every archive sink of a crawl implements.

A crawl's components (the fetch recorder, the store, attachment and soft-404 steps) write
through one object per crawler: the local `ArchiveWriter`, or in distributed mode the
`RedisArchiveSink` that sends everything to `vnarchive ingest`. They are found through
`crawler.archiving.writer_for`, so a method missing in one sink would only show mid-crawl as
an `item_error`. Declaring the interface here (as Scrapy declares `FeedStorageProtocol` for its
feed backends) lets one contract test hold both sinks to it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from archive.warc import Exchange, StoredRecord


@runtime_checkable
class ArchiveSink(Protocol):
    """Where a crawler's fetches, pages, articles and attachments go."""

    def add_fetch(self, exchange: Exchange, latency_ms: int | None = None) -> StoredRecord | None:
        """Keep one HTTP exchange (raw, for the WARC files) and its `pages` row."""

    def add_page(self, page: dict) -> None:
        """A `pages` row with no stored response: a failed fetch, a refusal, a trap."""

    def add_article(self, article: dict) -> None:
        """One processed article (the fields pipelines.process derives)."""

    def add_attachment(self, attachment: dict) -> None:
        """One document an article links, with its text (pipelines.attachments)."""

    def mark_pages(self, urls: list[str], error: str) -> None:
        """Say why fetched article pages gave no article (a soft 404, a broken page)."""

    def record_site(self, site: dict) -> None:
        """Keep a profile's facts beside its articles."""

    def close(self, stats: dict | None = None, reason: str = "finished") -> None:
        """The crawler is done: flush and record the site's run."""


def missing_methods(sink: object) -> list[str]:
    """The protocol's methods that `sink` lacks (empty for a complete sink)."""
    wanted = [name for name in vars(ArchiveSink) if not name.startswith("_")
              and callable(getattr(ArchiveSink, name))]
    return [name for name in wanted if not callable(getattr(sink, name, None))]
