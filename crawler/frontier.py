"""What a re-crawl already has: the archive's own frontier.

Article URLs already archived are not fetched again (unless a refresh is asked for, or the
profile's `refresh_after` has passed, or a sitemap says the page changed since); listing pages,
feeds and sitemaps are fetched with the validators of their last fetch by a run that finished
cleanly, so an unchanged one costs a 304. Because this state lives in the archive, a crawl
killed at any moment (SIGKILL included) resumes from what was committed: nothing archived is
fetched again, its listings are parsed again, and the batch that was in flight is fetched once
more.

Completeness: a listing may stop paging early only where an earlier run walked it to the end.
Each listing (a start URL and the pages reached from it) gets a "walked to the end" mark from a
run that finished cleanly with no fetch failed (`listing_walks`, valid once that run's
`site_runs` row says `finished`). A later walk stops at a page with nothing new only when every
article on it was archived before that mark: the pages behind it were then walked and archived
too. Articles archived by an interrupted, killed or failed run are newer than any mark, so they
never justify a stop, and one clean run after any sequence of broken ones completes the site.
Listing validators (a 304 is a stop too) come only from runs that left a mark.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path

from archive.query import has_table, open_read_only, table_columns
from pipelines.dates import VIETNAM_TIME, parse_dateline, parse_iso_datetime
from pipelines.urls import canonical_url, spelled_otherwise

DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Articles that may have moved (crawler/moves.py): a later article of the same site, with the
# same title and story, first seen after this one was last fetched or asked for. A site that
# moved an article links its new address, which looks new; its old one, no longer linked,
# would never be fetched again to tell the move. Asked once: its answer (a 200, a 404) is
# newer after. (Same-site articles of one story with their own titles, a series written from
# one template, are no hint.)
MAY_HAVE_MOVED = (
    # The site's stories with an article that joined another's, from their partial index
    # (archive/schema.py m028), then those stories' articles: not every row of the site.
    # Every story of two articles or more has one: only its first article's key is its id.
    "select a.url, a.found_via from (select distinct story_id from articles where site = ?1 "
    "and story_id != canonical_url) joined cross join articles a on "
    "a.story_id = joined.story_id and a.site = ?1 where exists (select 1 from "
    # `+b.site`: the story's other articles found by the story index, not the site's by day
    # in its index by site (which holds keys and fetch times since schema m028).
    "articles b where b.story_id = a.story_id and +b.site = ?1 and b.rowid != a.rowid and "
    "b.title = a.title and b.first_seen_at > a.fetched_at and a.published is not null and "
    # A moved article keeps its day: a weekly bulletin of one title and story ("Lịch công
    # tác tuần") is not the move of the last one, which asked every older one again.
    "b.published is not null and substr(b.published, 1, 10) = substr(a.published, 1, 10) "
    "and not exists (select 1 from "
    "pages p where p.site = ?1 and p.url = a.url and p.fetched_at > b.first_seen_at)) "
    "order by a.published, a.rowid")


def parse_duration(text: str) -> timedelta:
    """"6h", "7d", "90m" as a timedelta; ValueError for anything else."""
    match = DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(f"not a duration like 6h, 7d or 90m: {text!r}")
    try:
        return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError:  # past timedelta's 999,999,999 days: a traceback before
        raise ValueError(f"too long a duration: {text!r}") from None


@dataclass
class Frontier:
    archived: dict[str, str] = field(default_factory=dict)  # canonical URL -> fetched_at
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # URL -> headers
    refresh: bool = False
    backfill: bool = False
    refresh_after: timedelta | None = None
    walked: dict[str, str] = field(default_factory=dict)  # listing start URL -> mark time
    sitemaps: list[str] = field(default_factory=list)  # fetched whole by clean runs
    # (URL, found_via) of archived articles that may have moved (crawler.moves): asked again
    moved_checks: list[tuple[str, str | None]] = field(default_factory=list)

    @classmethod
    def from_archive(cls, db_path: str, site: str, **options) -> Frontier:
        frontier = cls(**options)
        if not Path(db_path).exists():
            return frontier
        connection = open_read_only(db_path)  # escapes a `#`, `?` or `%` in the path
        try:
            frontier.archived = {
                # A key written before escapes and letters were folded (pipelines.urls), as
                # today's key: else such an article looked new and was fetched again.
                canonical_url(url) if spelled_otherwise(url) else url: fetched_at
                for url, fetched_at in connection.execute(
                    "select canonical_url, fetched_at from articles where site = ?", [site])}
            if has_table(connection, "article_aliases"):
                # The old addresses of articles that moved (crawler.moves): archived too, else
                # a listing or sitemap still linking one had it fetched again every run.
                # The aliases first (few): else the site's articles were read one by one
                # to look for theirs, 3.4 s for 52,000 out of the page cache and none moved.
                frontier.archived.update(connection.execute(
                    "select x.alias, a.fetched_at from article_aliases x cross join articles a "
                    "on a.canonical_url = x.canonical_url where a.site = ?", [site]))
            frontier.walked = read_walks(connection, site)
            frontier.validators = read_validators(connection, site)
            # Those with validators (a clean run's 200) whose latest answer was still there
            # (SQLite gives the status of the row with max(fetched_at)): a sitemap the site
            # has since removed is not asked for run after run.
            frontier.sitemaps = [url for url, status, _ in connection.execute(
                "select url, status, max(fetched_at) from pages where site = ? and "
                "kind = 'sitemap' group by url", [site])
                if status in (200, 304) and url in frontier.validators]
            frontier.moved_checks = connection.execute(MAY_HAVE_MOVED, [site]).fetchall()
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

    def may_stop_at(self, listing: str, urls: list[str]) -> bool:
        """May the walk of `listing` stop at a page whose article links are `urls`, none of
        them new? Only when an earlier run walked this listing to its end after every one of
        them was archived: the pages behind hold older articles, archived then too."""
        walked_at = self.walked.get(listing)
        if walked_at is None or self.backfill or not urls:
            return False
        mark = datetime.fromisoformat(walked_at)
        return all(canonical_url(url) in self.archived
                   and datetime.fromisoformat(self.archived[canonical_url(url)]) < mark
                   for url in urls)

    def wants_article(self, url: str, lastmod: str | None = None) -> bool:
        """Fetch this article? Yes when new, when refreshing, when older than refresh_after,
        or when a sitemap's lastmod is later than our copy."""
        fetched_at = self.archived.get(canonical_url(url))
        if fetched_at is None or self.refresh:
            return True
        fetched = datetime.fromisoformat(fetched_at)
        if self.refresh_after and datetime.now(UTC) - fetched > self.refresh_after:
            return True
        changed = read_lastmod(lastmod) if lastmod else None
        return changed is not None and changed > fetched

    def conditional_headers(self, url: str) -> dict[str, str]:
        if self.refresh or self.backfill:
            return {}
        return self.validators.get(url, {})


# Cached: the spider's sitemap filter reads an entry's lastmod to count an unreadable one, and
# `wants_article` reads the same string right after (up to 50,000 entries a sitemap).
@lru_cache(maxsize=1024)
def read_lastmod(text: str) -> datetime | None:
    """A sitemap's `lastmod` as a moment, or None when it reads as no date. Besides the W3C
    format the protocol asks for, portals write "10/05/2024 14:30" (day first), an RFC 822
    date or an ISO time with no offset or a space before it; a time without an offset is the
    site's, Vietnam's (+07:00), as for page dates (pipelines.dates). Before, all but strict ISO
    were unreadable, so such a site's changed articles were never fetched again."""
    text = text.strip()
    month = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", text)  # W3C's coarser forms: 2024, 2024-05
    if month:
        try:
            return datetime(int(month[1]), int(month[2] or 1), 1, tzinfo=VIETNAM_TIME)
        except ValueError:
            return None
    found = parse_iso_datetime(text)
    if found is None and not re.match(r"\d{4}", text):
        try:
            rfc822 = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            found = parse_dateline(text)
        else:
            return rfc822 if rfc822.tzinfo else rfc822.replace(tzinfo=UTC)
    if found is None:
        return None
    moment = datetime.fromisoformat(found)
    # A day alone: its start in Vietnam.
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM_TIME)


def read_walks(connection: sqlite3.Connection, site: str) -> dict[str, str]:
    """Each listing's latest "walked to the end" mark, from runs whose site row says they
    finished (a mark written by a run killed before its row was committed does not count)."""
    try:
        return dict(connection.execute(
            "select listing, max(walked_at) from listing_walks where site = ? and run_id in "
            "(select run_id from site_runs where site = ? and finish_reason = 'finished') "
            "group by listing", [site, site]))
    except sqlite3.OperationalError:  # an archive older than the marks: no listing is walked
        return {}


def read_validators(connection: sqlite3.Connection, site: str) -> dict[str, dict[str, str]]:
    """ETag / Last-Modified of listings, feeds and sitemaps by URL, only from runs that
    finished without an error (a listing seen by a run that was killed, or whose articles
    failed, must be parsed again); a listing's only from runs that walked the listings to the
    end, since a 304 ends the walk there."""
    if not {"etag", "last_modified"} <= set(table_columns(connection, "pages")):
        return {}
    walked_runs = ("(select run_id from listing_walks where site = :site)"
                   if has_table(connection, "listing_walks") else "(select null)")
    validators = {}
    for url, etag, modified in connection.execute(
            "select url, etag, last_modified from pages where site = :site and status = 200 "
            "and (kind in ('feed', 'sitemap') or (kind = 'listing' and run_id in "
            f"{walked_runs})) and run_id in (select run_id from site_runs where site = :site "
            "and finish_reason = 'finished' and errors = 0) order by fetched_at",
            {"site": site}):
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        validators[url] = headers
    return validators


def record_walks(db_path: str, site: str, run_id: int, listings: list[str]) -> None:
    """Mark `listings` as walked to the end by run `run_id`, as of now. The mark counts only
    once the run's site row says it finished (read_walks), so it may be written before the
    last batch is committed."""
    if not listings:
        return
    walked_at = datetime.now(UTC).isoformat(timespec="seconds")
    connection = sqlite3.connect(db_path, timeout=30)
    try:
        with connection:
            connection.executemany(
                "insert into listing_walks (site, listing, run_id, walked_at) "
                "values (?, ?, ?, ?)", [(site, url, run_id, walked_at) for url in listings])
    finally:
        connection.close()
