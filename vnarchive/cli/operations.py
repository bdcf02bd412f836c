"""The commands of an archive's upkeep: `status` (is each site still crawled well?),
`reprocess` (extraction and classification run again over the stored pages) and `compact`
(each table's pages together again, archive/compact.py)."""

from __future__ import annotations

import contextlib
import sys

import click

from crawler.profiles import archive_profiles
from vnarchive.cli.options import (
    CommandError,
    IsoDay,
    NumberRange,
    PositiveInt,
    check_site_archived,
    db_option,
)
from vnarchive.cli.output import print_json, print_table, progress_of


@click.command(short_help="health of each site, from its recent runs")
@click.option("--runs", type=PositiveInt(), default=5, help="recent runs to sum (default 5)")
@click.option("--max-errors", type=NumberRange(min=0, max=1), default=0.25,
              help="share of failed fetches that makes a site unhealthy (default 0.25)")
@click.option("--max-age", metavar="DURATION", help="a site whose last success is older is "
              "unhealthy (default: twice its recorded schedule's interval, else 2d)")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]),
              default="table", show_default=True)
@click.option("--prometheus", metavar="FILE",
              help="also write the health as a node-exporter textfile (*.prom)")
@db_option
def status(runs, max_errors, max_age, output_format, prometheus, db) -> int:
    """Per site: last success, new articles lately, error rate, and whether it looks broken
    (never succeeded, no success within --max-age, listings without article links, pages
    without text, too many errors). Exits 0 when every site is healthy, 1 when one is not,
    2 on bad input, so cron mail or a monitor notices.

    \b
    Example: vnarchive status --max-age 1d --format json --prometheus /srv/prom/vnarchive.prom
    """
    from archive.health import site_health
    from archive.metrics import write_prometheus
    from crawler.frontier import parse_duration

    try:
        oldest = parse_duration(max_age) if max_age else None
    except ValueError as error:
        raise CommandError(f"--max-age: {error}") from None
    report = site_health(db, recent_runs=runs, error_share_limit=max_errors, max_age=oldest)
    if not report:
        raise CommandError(f"no crawl of {db} has been recorded yet")
    if prometheus:
        try:
            write_prometheus(report, prometheus, db)
        except OSError as error:
            raise CommandError(f"cannot write {prometheus}: {error}") from None
    unhealthy = [h.site for h in report if not h.healthy]
    if output_format == "json":
        print_json({"healthy": not unhealthy, "sites": [h.as_json() for h in report]})
        return 1 if unhealthy else 0
    rows = [[h.site, (h.last_success or "never")[:19], h.new_articles_recent,
             f"{h.error_rate:.0%}", "ok" if h.healthy else "UNHEALTHY: " + "; ".join(h.problems)]
            for h in report]
    print_table(["site", "last success (UTC)", f"new in last {runs} runs", "errors", "health"],
                rows, cut=None)
    if unhealthy:
        print(f"\n{len(unhealthy)} unhealthy site(s): {', '.join(unhealthy)}", file=sys.stderr)
        return 1
    return 0


@click.command(short_help="re-extract and re-classify from the WARCs")
@click.option("--site", help="only this profile's articles")
@click.option("--since", type=IsoDay(), help="only articles fetched since")
@db_option
def reprocess(site, since, db) -> int:
    """Re-run extraction and classification from the archive's WARC files, with no network.

    \b
    Example: vnarchive reprocess --site testweb_lynhan --since 2024-01-01
    """
    from pipelines.pool import start_worker_server

    # The workers' server loads while the archive and its WARCs are read.
    start_worker_server("archive.reprocess_task")
    from archive.errors import check_readable, check_writable
    from archive.lock import archive_lock
    from archive.reprocess import reprocess as reprocess_archive
    from archive.warc_folders import OWNER_FILE, marked_for_another, warc_folder

    check_readable(db)
    check_writable(db)
    if not warc_folder(db).is_dir():
        # The folder a user would look in first, when it is another archive's: say whose.
        other = marked_for_another(db)
        beside = (f" ({other[0]} is marked in its {OWNER_FILE} file as the WARC folder of "
                  f"another archive, {other[1]})" if other else "")
        raise CommandError(f"no WARC files at {warc_folder(db)}{beside}")
    if site:
        check_site_archived(db, site)
    with archive_lock(db):  # never beside a crawl of the same archive
        result = reprocess_archive(db, site=site, since=since, profiles=archive_profiles(db),
                                   progress=progress_of("articles"))
    print(f"re-processed {result.articles} articles ({result.new} new rows, {result.updated} "
          f"updated, {result.skipped} pages that hold no article)")
    if result.shared_with:
        print(f"vnarchive reprocess: warning: {warc_folder(db)} also holds the WARC files of "
              f"{', '.join(result.shared_with)} (archives made before each had a WARC folder "
              f"of its own): only the files {db}'s rows name were read", file=sys.stderr)
    for problem in result.warc_problems:
        print(f"vnarchive reprocess: warning: {problem}", file=sys.stderr)
    for page in result.crashed:  # its row is left as it was
        print(f"vnarchive reprocess: warning: a worker crashed on {page}", file=sys.stderr)
    if result.warc_problems or result.unreadable:
        print(f"vnarchive reprocess: {len(result.warc_problems)} damaged WARC files, "
              f"{result.unreadable} articles whose page could not be read back; every "
              "readable article was re-processed", file=sys.stderr)
    return 0


@click.command(short_help="rewrite the archive with each table's pages together")
@db_option
def compact(db) -> int:
    """VACUUM the archive, so each table's pages lie together again: a cold export of a large
    archive then reads about half as much of the file, and a cold search reads its full-text
    index in fewer, larger reads. Needs about twice the archive's size free and holds the
    archive's lock (no crawl meanwhile): 12 s at 100,000 articles, about 2 minutes for 14 GB
    when nothing else has the archive open (a reader that opens it meanwhile waits for the
    end), about 3.5 minutes beside an open reader (a Datasette server), which reads on.

    \b
    Example: vnarchive compact --db archive/vnarchive.db
    """
    from archive.compact import compact as compact_archive
    from archive.errors import ArchiveUnusable, check_readable, check_writable
    from archive.integrity import check_ours, mark_stuck_runs
    from archive.lock import archive_lock

    check_readable(db)
    check_writable(db)
    with archive_lock(db):  # never beside a crawl of the same archive
        # A run killed before (SIGKILL) stayed `running` until the next crawl: marked as a
        # crawl's start marks it, in an archive of ours only (compact VACUUMs any SQLite file).
        with contextlib.suppress(ArchiveUnusable):
            check_ours(db)
            mark_stuck_runs(db)
        result = compact_archive(db, progress=compact_progress, notice=lambda text: print(
            f"vnarchive compact: {text}", file=sys.stderr, flush=True))
    print(f"compacted {db}: {result.bytes_before / 2**20:,.0f} MB to "
          f"{result.bytes_after / 2**20:,.0f} MB in {result.seconds:.0f} s")
    if result.wal_pending:
        print(f"vnarchive compact: a reader still holds the archive as it was, so the "
              f"compacted pages wait in {db}-wal ({result.wal_pending / 2**20:,.0f} MB); the "
              "file shrinks once that reader closes and the next crawl or compact "
              "checkpoints it", file=sys.stderr)
    return 0


def compact_progress(written: int, expected: int, seconds: float) -> None:
    print(f"  {written / 2**20:,.0f} MB of about {expected / 2**20:,.0f} MB written, "
          f"{seconds:.0f} s", file=sys.stderr, flush=True)
