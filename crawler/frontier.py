"""What a re-crawl already has: the archive's own frontier.

Article URLs already archived are not fetched again (unless a refresh is asked for, or the
profile's `refresh_after` has passed, or a sitemap says the page changed since); listing pages,
feeds and sitemaps are fetched with the validators of their last fetch by a run that finished
cleanly, so an unchanged one costs a 304. Because this state lives in the archive, a crawl
killed at any moment (SIGKILL included) resumes from what was committed: nothing archived is
fetched again, its listings are parsed again, and the batch that was in flight is fetched once
more.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crawler.urls import canonical_url

DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """"6h", "7d", "90m" as a timedelta; ValueError for anything else."""
    match = DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(f"not a duration like 6h, 7d or 90m: {text!r}")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


@dataclass
class Frontier:
    archived: dict[str, str] = field(default_factory=dict)  # canonical URL -> fetched_at
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # URL -> headers
    refresh: bool = False
    backfill: bool = False
    refresh_after: timedelta | None = None

    @classmethod
    def from_archive(cls, db_path: str, site: str, **options) -> Frontier:
        frontier = cls(**options)
        if not Path(db_path).exists():
            return frontier
        connection = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)
        try:
            frontier.archived = dict(connection.execute(
                "select canonical_url, fetched_at from articles where site = ?", [site]))
            columns = {row[1] for row in connection.execute("pragma table_info(pages)")}
            if {"etag", "last_modified"} <= columns:
                # Only validators of runs that finished without an error: a listing seen by a
                # run that was killed, or whose articles failed, must be parsed again.
                for url, etag, modified in connection.execute(
                        "select url, etag, last_modified from pages where site = ? and "
                        "status = 200 and kind in ('listing', 'feed', 'sitemap') and run_id in "
                        "(select run_id from site_runs where site = ? and finish_reason = "
                        "'finished' and errors = 0) order by fetched_at", [site, site]):
                    headers = {}
                    if etag:
                        headers["If-None-Match"] = etag
                    if modified:
                        headers["If-Modified-Since"] = modified
                    frontier.validators[url] = headers
        except sqlite3.OperationalError:
            pass  # an archive older than these tables: everything is new
        finally:
            connection.close()
        return frontier

    @classmethod
    def from_settings(cls, settings, site: str, **options) -> Frontier:
        """The archive's frontier; in distributed mode, which has no archive on the worker,
        the archived articles the ingest writer publishes in Redis (no validators: listings
        are fetched in full)."""
        redis_url = settings.get("VNARCHIVE_REDIS_URL")
        if redis_url:
            from crawler.distributed import archived_urls

            return cls(archived=archived_urls(redis_url, site), **options)
        return cls.from_archive(settings.get("VNARCHIVE_DB"), site, **options)

    def is_archived(self, url: str) -> bool:
        return canonical_url(url) in self.archived

    def wants_article(self, url: str, lastmod: str | None = None) -> bool:
        """Fetch this article? Yes when new, when refreshing, when older than refresh_after,
        or when a sitemap's lastmod is later than our copy."""
        fetched_at = self.archived.get(canonical_url(url))
        if fetched_at is None or self.refresh:
            return True
        fetched = datetime.fromisoformat(fetched_at)
        if self.refresh_after and datetime.now(UTC) - fetched > self.refresh_after:
            return True
        if lastmod:
            try:
                changed = datetime.fromisoformat(lastmod.replace("Z", "+00:00"))
            except ValueError:
                return False
            if changed.tzinfo is None:
                changed = changed.replace(tzinfo=UTC)
            return changed > fetched
        return False

    def conditional_headers(self, url: str) -> dict[str, str]:
        if self.refresh or self.backfill:
            return {}
        return self.validators.get(url, {})
