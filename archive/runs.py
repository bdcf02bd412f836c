"""A crawl run's rows: `crawl_runs` (one per run), `site_runs` (one per site crawled in it) and
`sites` (a profile's facts), and the counts they hold.

What counts as an error, and of which kind, is decided here once (`page_error`), for every
way pages reach the archive: a crawl, an import, an ingest of distributed workers.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

# `pages.error` values that record a request deliberately not sent, not a failure.
NOT_FAILURES = ("robots_disallowed", "url_pattern_budget")
# Refusals by the crawl itself (crawler/refusals.py, "KIND: detail") that follow an answer of
# the site: a Retry-After too long, a body too large or in an unknown encoding, a redirect
# refused. Such a row proves the site was reached though it has no answered (`status`) row.
ANSWERED_REFUSALS = ("deferred", "too_large", "unsupported_encoding", "redirect_loop",
                     "offsite_redirect", "redirect_limit")
# Every kind of request the crawl refused or dropped by its own decision, sent or not: no
# failure of the network. robots.txt and circuit_open refusals follow an unreachable host
# (robots.txt unanswered: complete disallow; failures in a row: the breaker opens), so they
# prove no answer; neither do refused addresses or schemes.
SELF_REFUSALS = (*NOT_FAILURES, *ANSWERED_REFUSALS, "circuit_open", "refused_address",
                 "refused_scheme")
# The finish reason of a run that sent a few requests of its own in place of the spider's
# (`scrapy parse`, `fetch`, `check`): what it fetched is archived, but it crawled no site, so
# `status` counts it neither as a success nor as the site's last run.
NOT_A_CRAWL = "not_a_crawl"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunCounts:
    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    meeting_reports: int = 0
    errors: int = 0
    bytes: int = 0
    not_modified: int = 0
    article_pages: int = 0
    errors_by_kind: Counter = field(default_factory=Counter)

    def count_error(self, kind: str) -> None:
        self.errors += 1
        self.errors_by_kind[kind] += 1


def page_error(page: dict) -> str | None:
    """The error kind a `pages` row counts as, or None when it is no error: a failed fetch
    (its error's kind), an HTTP error status (`http_404`), a soft 404 or broken page marked
    later (`soft_404`, `rejected`). A refusal by rule (robots.txt, a URL pattern budget) and a
    missing robots.txt are not errors."""
    error = page.get("error")
    if error not in (None, *NOT_FAILURES):
        return error_kind(error)
    status = page.get("status") or 0
    if status >= 400 and not _robots_missing(page):
        return f"http_{status}"
    return None


def error_kind(error: str) -> str:
    """The kind of an error text `KIND: detail`."""
    return error.split(":")[0]


def item_error_kind(exception_name: str) -> str:
    """The kind of a page fetched but not archived because our own code failed on it."""
    return f"item_error: {exception_name}"


def _robots_missing(page: dict) -> bool:
    """A robots.txt answered 4xx (but 429) is "no rules" (RFC 9309 2.3.1.3): the site has
    none, which is no error (crawler/robots.py)."""
    return page.get("kind") == "robots" and 400 <= page["status"] < 500 and page["status"] != 429


def start_run(db, sites: list[str]) -> int:
    """A new crawl_runs row; returns its id."""
    with db.atomic():
        table = db["crawl_runs"].insert(
            {"started_at": utc_now(), "status": "running", "sites": json.dumps(sites)}
        )
    return table.last_pk


def finish_run(db, run_id: int, status: str) -> None:
    with db.atomic():
        db["crawl_runs"].update(run_id, {"finished_at": utc_now(), "status": status})


def record_site_run(db, run_id: int, site: str, started_at: str, counts: RunCounts,
                    stats: dict, reason: str) -> None:
    """One site's `site_runs` row, its counts added to its run's `crawl_runs` row."""
    finished_at = utc_now()
    with db.atomic():
        db["site_runs"].insert({
            "run_id": run_id, "site": site, "started_at": started_at,
            "finished_at": finished_at, "finish_reason": reason,
            "pages": counts.pages_fetched, "bytes": counts.bytes,
            "not_modified": counts.not_modified,
            "article_pages": counts.article_pages,
            "listing_pages_parsed": stats.get("vnarchive/listing_pages_parsed", 0),
            "listing_article_links": stats.get("vnarchive/listing_article_links", 0),
            "articles_new": counts.articles_new,
            "articles_updated": counts.articles_updated,
            "meeting_reports": counts.meeting_reports,
            "pages_without_text": stats.get("vnarchive/pages_without_text", 0),
            "errors": counts.errors,
            "errors_by_kind": json.dumps(dict(counts.errors_by_kind)),
            "duration_seconds": (datetime.fromisoformat(finished_at)
                                 - datetime.fromisoformat(started_at)).total_seconds(),
        })
        db.execute(
            "update crawl_runs set pages_fetched = pages_fetched + ?, "
            "articles_new = articles_new + ?, articles_updated = articles_updated + ?, "
            "meeting_reports = meeting_reports + ?, errors = errors + ? where id = ?",
            [counts.pages_fetched, counts.articles_new, counts.articles_updated,
             counts.meeting_reports, counts.errors, run_id],
        )


def site_row(profile) -> dict:
    """The `sites` row of a profile."""
    owner = profile.owner
    return {
        "name": profile.name,
        "title": profile.title,
        "kind": profile.kind,
        "base_url": profile.base_url or None,
        "verified": int(profile.verified),
        "owner_organ": owner.organ if owner else None,
        "owner_locality": owner.locality if owner else None,
        "owner_province": owner.province if owner else None,
        "profile_file": str(profile.source),
    }


def record_site(db, site: dict) -> None:
    """Keep the profile's facts beside its articles, so SQL can join on the owner."""
    with db.atomic():
        db["sites"].upsert(site, pk="name")
