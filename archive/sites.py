"""What the store reads of a site's profile.

Profiles are loaded and checked by the Scrapy side (crawler/profiles.py); the store only reads
a few of their facts, to write a `sites` row, to re-process or import a site's pages as its
crawl would. Declaring those facts here keeps the store below the crawler (docs/
architecture.md): the callers hand the profiles in.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Protocol


class SiteFacts(Protocol):
    name: str
    title: str
    kind: str
    base_url: str | None
    verified: bool
    source: Path
    owner: object | None  # organ, locality, province
    allowed_domains: list[str]
    article_pattern: object  # with .search(url), as the crawl matches article URLs
    article_selector: str | None
    closed: date | None  # the day the site closed: what is captured from then on is not its page
