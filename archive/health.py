"""Is each site still being archived? Read from the per-site run records (`site_runs`).

A site is unhealthy when its last run
- parsed listing pages but found no article link on them (its layout changed),
- fetched article pages but got text from fewer than half of them (its article layout changed),
- or had errors on more than a set share of its fetches (down, blocking us, or broken).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from archive.query import connect_read_only

ERROR_SHARE_LIMIT = 0.25
EMPTY_TEXT_SHARE_LIMIT = 0.5


@dataclass
class SiteHealth:
    site: str
    last_run: str
    last_success: str | None
    new_articles_recent: int
    error_rate: float
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


def site_health(db_path: str, recent_runs: int = 5,
                error_share_limit: float = ERROR_SHARE_LIMIT) -> list[SiteHealth]:
    with connect_read_only(db_path) as connection:
        connection.row_factory = sqlite3.Row
        # One index seek per site ("loose index scan"), not a read of every run ever made.
        sites = [row[0] for row in connection.execute(
            "with recursive found(site) as (select min(site) from site_runs union all "
            "select (select min(site) from site_runs where site > found.site) from found "
            "where found.site is not null) select site from found where site is not null")]
        report = []
        for site in sites:
            runs = connection.execute(
                "select * from site_runs where site = ? order by started_at desc limit ?",
                [site, recent_runs]).fetchall()
            last = runs[0]
            error_rate = last["errors"] / last["pages"] if last["pages"] else 0.0
            # The latest first, from the (site, finished_at) index: it stops at the first
            # success, where max() read every run of the site.
            latest = connection.execute(
                "select finished_at from site_runs where site = ? and finish_reason = "
                "'finished' and (pages = 0 or 1.0 * errors / pages <= ?) "
                "order by finished_at desc limit 1", [site, error_share_limit]).fetchone()
            success = latest[0] if latest else None
            health = SiteHealth(site, last["finished_at"], success,
                                sum(run["articles_new"] for run in runs), error_rate)
            if last["listing_pages_parsed"] and not last["listing_article_links"]:
                health.problems.append(f"{last['listing_pages_parsed']} listing pages parsed, "
                                       "no article link found on them")
            if last["article_pages"] and (last["pages_without_text"] / last["article_pages"]
                                          > EMPTY_TEXT_SHARE_LIMIT):
                health.problems.append(f"no text extracted from {last['pages_without_text']} "
                                       f"of {last['article_pages']} article pages")
            if error_rate > error_share_limit:
                health.problems.append(f"errors on {error_rate:.0%} of fetches")
            report.append(health)
    return report
