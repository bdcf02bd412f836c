"""Is each site still being archived? Read from the per-site run records (`site_runs`), the
archived articles and the recorded schedules.

A site is unhealthy when
- it has never had a successful run (finished, errors on at most a set share of fetches),
- its last success is older than the allowed age (twice its recorded schedule's interval, or
  two days, or what the caller says): a dead scheduler or a crawl that keeps failing,
- the last run that parsed listing pages found no article link on them (its layout changed,
  or the profile's `article_pattern` no longer matches),
- its last run fetched article pages but got text from fewer than half of them,
- or its last run had errors on more than a set share of its fetches.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from archive.query import connect_read_only, has_table
from archive.runs import ANSWERED_REFUSALS, NOT_A_CRAWL, NOT_FAILURES, SELF_REFUSALS
from archive.schema import COUNTED_SITES

ERROR_SHARE_LIMIT = 0.25
# A site run's fetches: its `pages` rows but those of requests never sent (a robots.txt or
# URL pattern budget refusal). A host that is down answers no robots.txt and every listing
# is refused: counted as fetches, a dozen refusals made its two errors look like a few and
# the run a success.
FETCHES = ("(pages - (select count(*) from pages where pages.run_id = site_runs.run_id and "
           "pages.site = site_runs.site and pages.error in ({})))").format(
               ", ".join(f"'{reason}'" for reason in NOT_FAILURES))
EMPTY_TEXT_SHARE_LIMIT = 0.5
DEFAULT_MAX_AGE = timedelta(days=2)
SCHEDULE_AGE_FACTOR = 2  # a site may miss one scheduled run, not two


@dataclass
class SiteHealth:
    site: str
    runs: int  # runs recorded for the site
    last_run: str | None  # when the last run ended (UTC)
    last_run_result: str | None  # its finish reason: finished, shutdown, ...
    last_success: str | None
    seconds_since_success: int | None
    max_age_seconds: float
    schedule: str | None  # as recorded by `vnarchive schedule`
    articles: int  # archived now
    new_articles_recent: int
    errors_last_run: int
    error_rate: float
    listing_pages_parsed: int  # by the last run that parsed any
    listing_article_links: int
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_json(self) -> dict:
        return {**asdict(self), "healthy": self.healthy}


def site_health(db_path: str, recent_runs: int = 5,
                error_share_limit: float = ERROR_SHARE_LIMIT,
                max_age: timedelta | None = None,
                now: datetime | None = None) -> list[SiteHealth]:
    """Every site with a recorded run or schedule, judged as the module docstring says."""
    now = now or datetime.now(UTC)
    with connect_read_only(db_path) as connection:
        connection.row_factory = sqlite3.Row
        schedules = _schedules(connection)
        counts = _site_counts(connection)
        unclosed = _runs_never_closed(connection)
        # One index seek per site ("loose index scan"), not a read of every run ever made.
        sites = sorted(({row[0] for row in connection.execute(
            "with recursive found(site) as (select min(site) from site_runs union all "
            "select (select min(site) from site_runs where site > found.site) from found "
            "where found.site is not null) select site from found where site is not null")}
            | set(schedules) | set(unclosed)) - _retired(connection))
        return [_judge(connection, site, recent_runs, error_share_limit,
                       _allowed_age(max_age, schedules.get(site)), schedules.get(site),
                       counts[site]["articles"] if site in counts else 0,
                       counts[site]["runs"] if site in counts else 0, now,
                       unclosed.get(site, 0))
                for site in sites]


def _runs_never_closed(connection: sqlite3.Connection) -> dict[str, int]:
    """Sites with crawl runs but no `site_runs` row at all, and how many: every run of theirs
    was killed (the OOM killer, a second stop signal), stopped before it opened, or is still
    going. They have never succeeded, which `status` must say, not that no crawl was
    recorded."""
    try:
        return dict(connection.execute(
            "select site.value, count(*) from crawl_runs, json_each(crawl_runs.sites) as site "
            "where crawl_runs.status is not 'finished' and not exists "
            "(select 1 from site_runs where site_runs.site = site.value) group by site.value"))
    except sqlite3.OperationalError:  # no crawl_runs yet, or a `sites` that is not JSON
        return {}


def _site_counts(connection: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    """Each site's articles and runs, as the writer's triggers keep them (schema m018):
    counting cost a read of every article. An archive of an earlier version, read before any
    writer upgraded it, is counted."""
    sql = ("select site, articles, runs from site_counts"
           if has_table(connection, "site_counts") else COUNTED_SITES)
    return {row["site"]: row for row in connection.execute(sql)}


def _judge(connection: sqlite3.Connection, site: str, recent_runs: int,
           error_share_limit: float, max_age: timedelta, schedule: sqlite3.Row | None,
           articles: int, runs_recorded: int, now: datetime, unclosed: int) -> SiteHealth:
    # A look at a few pages (`scrapy parse`) is no run of the site's crawl.
    runs = connection.execute(
        f"select *, {FETCHES} as fetches from site_runs where site = ? "
        "and finish_reason is not ? order by started_at desc limit ?",
        [site, NOT_A_CRAWL, recent_runs]).fetchall()
    last = runs[0] if runs else None
    # The latest first, from the (site, finished_at) index: it stops at the first success,
    # where max() read every run of the site. A run's fetches are counted once, in a
    # subquery of their own: written twice in the condition, the count of its pages ran twice.
    latest = connection.execute(
        "select finished_at from site_runs where site = ? and finish_reason = 'finished' "
        "and (select fetches <= 0 or 1.0 * errors / fetches <= ? "
        f"from (select {FETCHES} as fetches)) order by finished_at desc limit 1",
        [site, error_share_limit]).fetchone()
    success = latest[0] if latest else None
    listing_run = connection.execute(
        "select listing_pages_parsed, listing_article_links from site_runs where site = ? "
        "and listing_pages_parsed > 0 and finish_reason is not ? "
        "order by started_at desc limit 1", [site, NOT_A_CRAWL]).fetchone()
    age = round((now - datetime.fromisoformat(success)).total_seconds()) if success else None
    health = SiteHealth(
        site=site,
        runs=runs_recorded,
        last_run=last["finished_at"] if last else None,
        last_run_result=last["finish_reason"] if last else None,
        last_success=success, seconds_since_success=age,
        max_age_seconds=max_age.total_seconds(),
        schedule=schedule["schedule"] if schedule else None, articles=articles,
        new_articles_recent=sum(run["articles_new"] for run in runs),
        errors_last_run=last["errors"] if last else 0,
        error_rate=last["errors"] / last["fetches"] if last and (last["fetches"] or 0) > 0 else 0.0,
        listing_pages_parsed=listing_run[0] if listing_run else 0,
        listing_article_links=listing_run[1] if listing_run else 0,
    )
    health.problems = _problems(health, last, runs, max_age, error_share_limit, unclosed)
    return health


def _problems(health: SiteHealth, last: sqlite3.Row | None, runs: list[sqlite3.Row],
              max_age: timedelta, error_share_limit: float, unclosed: int = 0) -> list[str]:
    problems = []
    if health.last_success is None:
        results = ", ".join(sorted({run["finish_reason"] or "unknown" for run in runs}))
        problems.append("never succeeded: " + (
            f"{health.runs} runs recorded, none finished cleanly"
            + (f" (last runs: {results})" if results else "")
            if health.runs else
            f"{unclosed} runs started, none ended with the site closed (killed, stopped "
            "before it opened, or still running)" if unclosed
            else "no run recorded since the schedule was set"))
    elif health.seconds_since_success > max_age.total_seconds():
        problems.append(f"no successful run for {describe_age(health.seconds_since_success)} "
                        f"(allowed: {describe_age(max_age.total_seconds())}); is the "
                        "scheduler running?")
    if health.listing_pages_parsed and not health.listing_article_links:
        problems.append(f"{health.listing_pages_parsed} listing pages parsed, no article link "
                        "found on them: the layout changed or article_pattern no longer "
                        "matches")
    if last is not None and last["article_pages"] and (
            last["pages_without_text"] / last["article_pages"] > EMPTY_TEXT_SHARE_LIMIT):
        problems.append(f"no text extracted from {last['pages_without_text']} of "
                        f"{last['article_pages']} article pages")
    if health.error_rate > error_share_limit:
        problems.append(f"errors on {health.error_rate:.0%} of fetches in the last run")
    return problems


def sites_without_article_links(db_path: str, run_id: int) -> list[str]:
    """One line per site of a run whose listing pages gave no article link."""
    with connect_read_only(db_path) as connection:
        rows = connection.execute(
            "select site, listing_pages_parsed from site_runs where run_id = ? and "
            "listing_pages_parsed > 0 and listing_article_links = 0 order by site",
            [run_id]).fetchall()
    return [f"{site}: {pages} listing pages parsed, no article link found on them (the layout "
            "changed, or article_pattern no longer matches its links)" for site, pages in rows]


def sites_never_reached(db_path: str, run_id: int) -> list[str]:
    """One line per site of a run that got no HTTP answer at all (every fetch failed before a
    response: the host is down, refuses, or its name does not resolve). Such a run finished
    cleanly and used to exit 0, though `status` flags the site."""
    # Every refusal of the crawl's own is a `pages` row with no status too: a site reached but
    # whose requests were all refused (deferred, too large) was flagged. Now a site needs a
    # failure of the network, and neither an answer nor a refusal that follows one. Refusals
    # that follow an unreachable host (robots.txt unanswered, the breaker open) prove nothing
    # either way. One grouped read of the run's pages, where a subquery per site read them
    # once per site.
    kind = ("(case when instr(error, ':') then substr(error, 1, instr(error, ':') - 1) "
            "else error end)")
    listed = ", ".join(f"'{reason}'" for reason in SELF_REFUSALS)
    answered = ", ".join(f"'{reason}'" for reason in ANSWERED_REFUSALS)
    with connect_read_only(db_path) as connection:
        rows = connection.execute(
            "select site_runs.site, site_runs.pages from site_runs join (select site, "
            f"sum(status is null and {kind} not in ({listed})) as failed, "
            f"sum(status is not null or {kind} in ({answered})) as reached "
            "from pages where run_id = ? group by site) as seen on seen.site = site_runs.site "
            "where site_runs.run_id = ? and seen.failed > 0 and seen.reached = 0 "
            "order by site_runs.site", [run_id, run_id]).fetchall()
    return [f"{site}: no page could be fetched ({pages} requests, none answered): is the site "
            "down, or its address wrong?" for site, pages in rows]


def _retired(connection: sqlite3.Connection) -> set[str]:
    """The sites retired (`retire_site`): not judged any more."""
    try:
        return {row[0] for row in connection.execute(
            "select name from sites where retired_at is not null")}
    except sqlite3.OperationalError:  # an archive older than retiring (schema m025)
        return set()


class UnknownSite(ValueError):
    """The archive has no run, schedule or page of that site."""


def retire_site(db_path: str, site: str, undo: bool = False) -> int:
    """Retire a site dropped from the schedule: its rows all stay, `status` (and its
    Prometheus file) no longer judge it; `undo` brings it back. Returns its articles.
    UnknownSite when the archive holds nothing of it (a typo)."""
    from archive.runs import utc_now
    from archive.schema import open_database

    db = open_database(db_path)
    try:
        known = db.execute(
            "select exists (select 1 from site_runs where site = :site) or exists (select 1 "
            "from schedules where site = :site) or exists (select 1 from pages where site = "
            ":site) or exists (select 1 from sites where name = :site)", {"site": site},
        ).fetchone()[0]
        if not known:
            raise UnknownSite(f"the archive {db_path} holds no run, schedule or page of {site}")
        with db.atomic():
            db["sites"].upsert({"name": site, "retired_at": None if undo else utc_now()},
                               pk="name")
        return db.execute("select count(*) from articles where site = ?",
                          [site]).fetchone()[0]
    finally:
        db.close()


def _schedules(connection: sqlite3.Connection) -> dict[str, sqlite3.Row]:
    try:
        return {row["site"]: row for row in connection.execute("select * from schedules")}
    except sqlite3.OperationalError:  # an archive older than recorded schedules
        return {}


def _allowed_age(max_age: timedelta | None, schedule: sqlite3.Row | None) -> timedelta:
    if max_age is not None:
        return max_age
    if schedule is not None and schedule["interval_seconds"]:
        return timedelta(seconds=SCHEDULE_AGE_FACTOR * schedule["interval_seconds"])
    return DEFAULT_MAX_AGE


def describe_age(seconds: float) -> str:
    """"3d 4h", "5h 12m", "40m", "12s": an age an operator reads at a glance."""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m" if minutes else f"{seconds}s"


def record_schedule(db_path: str, sites: list[str], schedule: str,
                    interval_seconds: float) -> None:
    """Remember what each site is crawled on, so `status` knows when a success is overdue."""
    from archive.runs import utc_now
    from archive.schema import open_database

    db = open_database(db_path)
    try:
        with db.atomic():
            db["schedules"].upsert_all(
                [{"site": site, "schedule": schedule, "interval_seconds": interval_seconds,
                  "recorded_at": utc_now()} for site in sites], pk="site")
    finally:
        db.close()
