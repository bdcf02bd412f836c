"""The commands that fill the archive: `crawl` (alone, or as one worker of a distributed crawl),
`ingest` (the distributed crawl's one writer), `import` (web archive files) and `schedule`."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import click

from archive.redis_waits import FULL_PATIENCE
from archive.safe_output import WARC_SUFFIXES
from crawler.profiles import SkippedProfile, load_extra_profile, load_profiles
from pipelines.guards import MAX_PAGE_BYTES
from pipelines.pool import start_worker_server
from pipelines.urls import fetchable_url
from vnarchive.cli.exits import (
    CRAWL_STOPS,
    EXIT_NO_ARTICLE_LINKS,
    EXIT_UNREACHABLE,
    INGEST_STOPS,
    WORKER_STOPS,
    run_exit_code,
)
from vnarchive.cli.options import (
    CommandError,
    FilterDay,
    NumberRange,
    PositiveInt,
    RedisUrl,
    apply_options,
    base_urls_option,
    check_exclusive,
    crawl_options,
    db_option,
    find_site_profile,
    profile_files_option,
    shown_url,
)
from vnarchive.cli.output import (
    print_summary,
    print_table,
    progress_every,
    progress_of,
    scan_progress,
)

INTERNET_ARCHIVE_CDX = "https://web.archive.org/cdx/search/cdx"

web_archive_options = apply_options(
    click.option("--wayback", is_flag=False, flag_value=INTERNET_ARCHIVE_CDX, default=None,
                 metavar="CDX-URL", help="take the sites from a Wayback CDX server (default: "
                 "the Internet Archive's; a pywb: http://host:port/COLLECTION)"),
    click.option("--commoncrawl", metavar="CRAWL-ID", help="take the sites from a Common "
                 "Crawl crawl (CC-MAIN-2024-33) or an index server's address for it"),
    click.option("--from", "date_from", type=FilterDay(), metavar="YYYY-MM",
                 help="web archives: captures from this month on"),
    click.option("--to", "date_to", type=FilterDay(), metavar="YYYY-MM",
                 help="web archives: captures up to this month"),
    click.option("--archive-delay", type=NumberRange(min=0, max=3600), default=1.0,
                 metavar="SECONDS",
                 help="web archives: seconds between requests to the archive (default 1)"),
)


@click.command(short_help="crawl sites into the archive")
@click.argument("sites", nargs=-1, metavar="[SITE]...")
@profile_files_option
@base_urls_option
@click.option("--batch-size", type=PositiveInt(), metavar="N",
              help="rows per transaction (default 50; smaller loses less on a crash)")
@click.option("--redis", type=RedisUrl(), help="work as one of many distributed workers: "
              "shared frontier in Redis, results to `vnarchive ingest`")
@click.option("--idle-timeout", type=NumberRange(min=0), default=30, metavar="SECONDS",
              help="with --redis: stop once the frontier was empty this long")
@click.option("--worker-timeout", type=click.IntRange(min=1), default=30, metavar="SECONDS",
              help="with --redis: a worker silent this long is dead; its requests go back on "
              "the queue")
@click.option("--full-timeout", type=NumberRange(min=0), default=FULL_PATIENCE,
              metavar="SECONDS", help="with --redis: wait this long for room in a full Redis "
              f"(maxmemory), then stop (default {FULL_PATIENCE:g})")
@web_archive_options
@db_option
@crawl_options
def crawl(sites, profile, base_urls, batch_size, redis, idle_timeout, worker_timeout,
          full_timeout, wayback, commoncrawl, date_from, date_to, archive_delay, db, log_level,
          refresh, backfill) -> int:
    """Crawl sites into the archive. Exits 7 when a site's listing pages gave no article
    link, 10 when a site answered no request at all (down, refusing, or a wrong address):
    the run finished, but `status` flags the site. A worker of a distributed crawl exits 11
    when Redis forgot its round while it crawled.

    \b
    Example: vnarchive crawl testweb_thanhhoa --db /tmp/a.db
    """
    names = list(sites)
    extra_files = [str(Path(path).resolve()) for path in profile]
    for path in extra_files:
        names.append(load_extra_profile(path).name)
    if not names:
        raise CommandError("name at least one site (see `vnarchive sites`) or --profile FILE")
    base_url_of = parse_base_urls(base_urls, names)
    archive_settings = web_archive_settings(wayback, commoncrawl, date_from, date_to,
                                            archive_delay, distributed=bool(redis))
    if redis:
        return crawl_as_worker(names, extra_files, base_url_of, redis=redis,
                               idle_timeout=idle_timeout, worker_timeout=worker_timeout,
                               full_timeout=full_timeout, log_level=log_level,
                               refresh=refresh, backfill=backfill)
    start_worker_server()  # the extraction workers' server loads while Scrapy does
    from vnarchive.crawl import crawl_sites

    result = crawl_sites(names, db_path=db, profile_files=extra_files, base_urls=base_url_of,
                         log_level=log_level, refresh=refresh, backfill=backfill,
                         batch_size=batch_size, extra_settings=archive_settings)
    print_summary(db, result.run_id)
    if result.status == "finished":
        from archive.health import sites_never_reached, sites_without_article_links

        unreached = sites_never_reached(db, result.run_id)
        empty = sites_without_article_links(db, result.run_id)
        for line in unreached + empty:
            print(f"vnarchive crawl: {line}", file=sys.stderr)
        if unreached:  # the worse of the two: nothing of the site was seen at all
            return EXIT_UNREACHABLE
        if empty:
            return EXIT_NO_ARTICLE_LINKS
    return run_exit_code("crawl", result.status, CRAWL_STOPS)


def web_archive_settings(wayback: str | None, commoncrawl: str | None, date_from: str | None,
                         date_to: str | None, archive_delay: float, distributed: bool) -> dict:
    """The settings of `crawl --wayback/--commoncrawl/--from/--to/--archive-delay` (each bound
    a real day, month or year: FilterDay)."""
    from archive.filters import FilterError, read_window

    try:
        read_window(date_from, date_to)
    except FilterError as error:
        raise CommandError(f"{error}: no capture falls between them") from None
    settings = {"VNARCHIVE_WAYBACK_FROM": date_from, "VNARCHIVE_WAYBACK_TO": date_to,
                "VNARCHIVE_WAYBACK_DELAY": archive_delay}
    if wayback or commoncrawl:
        if distributed:
            raise CommandError("--wayback and --commoncrawl crawl on one machine, not --redis")
        settings.update({"VNARCHIVE_FROM_WEB_ARCHIVE": True, "VNARCHIVE_WAYBACK": wayback,
                         "VNARCHIVE_COMMONCRAWL": commoncrawl})
    return settings


def parse_base_urls(text: str | None, names: list[str]) -> dict[str, str]:
    """--base-urls: a JSON object of profile names to the http(s) addresses to crawl them from
    (one object may serve a whole local web, so names beyond the crawl's `names` are allowed).
    A name of no profile (a typo) would leave its site to be crawled from the profile's own
    address, so it is refused, as is an address that is none."""
    if not text:
        return {}
    try:
        base_urls = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"--base-urls is not JSON ({error})") from None
    if not isinstance(base_urls, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in base_urls.items()):
        raise CommandError('--base-urls must be a JSON object of profile names to URLs, '
                           'e.g. \'{"testweb_thanhhoa": "http://127.0.0.1:8701"}\'')
    others = set(base_urls) - set(names)  # the profiles are read only when there are some
    unknown = sorted(others - set(load_profiles(skipped=[]))) if others else []
    if unknown:
        raise CommandError(f"--base-urls names {', '.join(unknown)}, which is no site profile "
                           f"(this crawl's sites: {', '.join(names)})")
    for name, url in base_urls.items():
        if fetchable_url(url, url) is None:
            raise CommandError(f"--base-urls gives {name} {url!r}, which is no http(s) address")
    return base_urls


@contextmanager
def redis_reached(url: str) -> Iterator[None]:
    """A Redis that cannot be reached ends the command with one line that names it, not a
    traceback (redis-py is imported only by the commands that use it)."""
    from redis.exceptions import AuthenticationError, OutOfMemoryError, ResponseError
    from redis.exceptions import ConnectionError as NoConnection
    from redis.exceptions import TimeoutError as NoAnswer

    from archive.redis_policy import EvictingRedis

    shown = shown_url(url)
    try:
        yield
    except EvictingRedis as error:  # the Redis named cannot hold the work: bad input
        raise CommandError(f"Redis at {shown}: {error}") from None
    except AuthenticationError as error:
        failure = CommandError(f"Redis at {shown} refused the password: {error}" if "@" in url
                               else f"Redis at {shown} asks for a password: give it in the "
                               "address, redis://:PASSWORD@HOST:PORT/DB")
        failure.exit_code = 1
        raise failure from None
    except (NoConnection, NoAnswer) as error:
        # A Redis without TLS never answers a TLS handshake: a timeout that names no cause.
        tls = (" (rediss:// speaks TLS: if this Redis does not, give redis://)"
               if url.startswith("rediss://") else "")
        failure = CommandError(f"cannot reach Redis at {shown}: {error}{tls}")
        failure.exit_code = 1  # the command failed; its input was not wrong
        raise failure from None
    except OutOfMemoryError as error:
        failure = CommandError(f"Redis at {shown} is full (maxmemory): {error} Raise its "
                               "maxmemory or free room, then run the same command again")
        failure.exit_code = 1
        raise failure from None
    except ResponseError as error:
        if "DB index is out of range" not in str(error):
            raise
        # Redis has 16 databases unless its `databases` setting says more.
        failure = CommandError(f"Redis at {shown} has no database {urlsplit(url).path[1:]}: "
                               f"{error} (Redis has 0 to 15 unless its `databases` says more)")
        failure.exit_code = 2  # the address names what is not there: bad input
        raise failure from None


def crawl_as_worker(names: list[str], extra_files: list[str], base_urls: dict, redis: str,
                    **options) -> int:
    """`crawl --redis`: one worker of a distributed crawl; what it fetched went to Redis."""
    from vnarchive.crawl import crawl_worker

    with redis_reached(redis):
        result = crawl_worker(names, redis_url=redis, profile_files=extra_files,
                              base_urls=base_urls, **options)
    print(f"Worker {result.status}; sent to {shown_url(redis)} for `vnarchive ingest`:")
    print_table(["site", "pages", "articles", "errors"], result.per_site)
    return run_exit_code("crawl", result.status, WORKER_STOPS)


@click.command(short_help="write what distributed workers sent to Redis")
@click.option("--redis", type=RedisUrl(), required=True, help="the Redis the workers send to")
@click.option("--idle-timeout", type=NumberRange(min=0), default=60, metavar="SECONDS",
              help="stop once no message came for this long (default 60)")
@click.option("--batch-size", type=PositiveInt(), metavar="N",
              help="messages per transaction (default 200)")
@click.option("--batch-mib", type=PositiveInt(), metavar="N",
              help="at most about this many MiB of messages per transaction (default 64)")
@db_option
def ingest(redis, idle_timeout, batch_size, batch_mib, db) -> int:
    """Write what distributed workers sent to Redis into the archive (the single writer).

    \b
    Example: vnarchive ingest --redis redis://crawlhub:6379/0 --db archive/vnarchive.db
    """
    from archive.ingest import ingest as ingest_messages
    from archive.stream import REJECTED_STREAM

    with redis_reached(redis):
        result = ingest_messages(redis, db, idle_timeout=idle_timeout,
                                 batch_size=batch_size or 200,
                                 batch_bytes=batch_mib * 2**20 if batch_mib else None,
                                 progress=progress_every("messages ingested"))
    print(f"ingested {result.messages} messages ({result.skipped} already in the archive)")
    if result.rejected:
        print(f"warning: {result.rejected} messages could not be written; they are kept, with "
              f"the reason, in the Redis stream {REJECTED_STREAM}: `vnarchive rejected "
              f"--redis {shown_url(redis)}` lists them", file=sys.stderr)
    print_summary(db, result.run_id)
    return run_exit_code("ingest", result.status, INGEST_STOPS)


@click.command(short_help="list, put back or delete the messages ingest set aside")
@click.option("--redis", type=RedisUrl(), required=True, help="the Redis the workers send to")
@click.option("--requeue", is_flag=True,
              help="put them back on the workers' stream for the next `ingest`")
@click.option("--delete", is_flag=True, help="delete them for good")
@click.option("--limit", type=click.IntRange(min=1), metavar="N",
              help="only the oldest N (default: all)")
def rejected(redis, requeue, delete, limit) -> int:
    """List the messages `ingest` could not write and set aside, with the reason; put them
    back once the cause is mended (the archive or the writer upgraded), or delete them.

    \b
    Example: vnarchive rejected --redis redis://crawlhub:6379/0
             vnarchive rejected --redis redis://crawlhub:6379/0 --requeue
    """
    from redis import Redis

    from archive import rejected as set_aside

    check_exclusive(requeue=requeue, delete=delete)
    server = Redis.from_url(redis)
    with redis_reached(redis):
        messages = list(set_aside.rejected_messages(server, limit))
        if requeue:
            print(f"{set_aside.requeue(server, messages)} messages put back for "
                  "`vnarchive ingest`")
            return 0
        if delete:
            print(f"{set_aside.delete(server, messages)} messages deleted")
            return 0
    print_table(["id", "kind", "site", "url", "reason"],
                ([m.message_id, m.kind, *m.about(), m.reason] for m in messages), cut=None)
    print(f"{len(messages)} messages set aside")
    return 0


# What `import` takes from a folder it is given.
# The WARC and ARC suffixes the archive knows (archive.safe_output), and WACZ.
WEB_ARCHIVE_SUFFIXES = (*WARC_SUFFIXES, ".wacz")


def web_archive_files(paths: list[Path]) -> list[Path]:
    """Each file given, and the web archive files under each folder given, in name order: a
    backfill's thousands of files need no shell glob (whose argument list has a limit). Links
    to folders are not followed, so a loop of links ends."""
    found, missing = [], []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            inside = sorted(Path(folder) / name for folder, _, names in os.walk(path)
                            for name in names if name.lower().endswith(WEB_ARCHIVE_SUFFIXES))
            if not inside:
                raise CommandError(f"no web archive files ({', '.join(WEB_ARCHIVE_SUFFIXES)}) "
                                   f"in the folder {path}")
            found += inside
        else:
            missing.append(str(path))
    if missing:
        raise CommandError(f"no such file: {', '.join(missing)}")
    return found


@click.command("import", short_help="import web archive files (WARC, ARC, WACZ)")
@click.argument("files", nargs=-1, required=True, metavar="FILE|FOLDER...")
@click.option("--site", help="the profile whose article pages to keep")
@click.option("--profile", metavar="FILE", help="a profile file anywhere")
@click.option("--all", "all_html", is_flag=True,
              help="keep every HTML page, not only a profile's article pages")
@db_option
def import_files(files, site, profile, all_html, db) -> int:
    """Import the article pages of web archive files (WARC, ARC, WACZ) into the archive; a
    folder stands for the web archive files under it.

    \b
    Example: vnarchive import lynhan-2019.warc.gz crawl.wacz --site hanam_lynhan
    """
    from pipelines.pool import start_worker_server

    # The workers' server loads while the command starts and scans, as a crawl's does while
    # Scrapy starts: one file is scanned here, on one core, and several by the workers.
    start_worker_server()
    from archive.errors import check_writable
    from archive.importer import import_files as import_archive_files
    from archive.integrity import check_before_writing, mark_stuck_runs
    from archive.lock import archive_lock

    check_exclusive(site=site, profile=profile)
    paths = web_archive_files([Path(path) for path in files])
    if profile:
        profiles = [load_extra_profile(profile)]
    elif site:
        profiles = [find_site_profile(site)]
    else:
        broken: list[SkippedProfile] = []  # one broken profile file does not stop the import
        profiles = list(load_profiles(skipped=broken).values())
        for problem in broken:
            print(f"vnarchive import: warning: {problem.problem} (that profile's pages are not "
                  "claimed)", file=sys.stderr)
    check_writable(db)
    with archive_lock(db):
        # Checked before anything is written, as a crawl and `ingest` check it: marking stuck
        # runs wrote to a foreign or damaged database before the import refused it.
        check_before_writing(str(db))
        mark_stuck_runs(str(db))  # an import or crawl killed before: no longer `running`
        result = import_archive_files(db, paths, profiles, all_html=all_html,
                                      progress=progress_of("captures"),
                                      scan_progress=scan_progress())
    print(f"import run {result.run_id}: {result.files} archive files, {result.responses} "
          f"responses read, {result.matched} pages imported ({result.articles_new} new "
          f"articles, {result.articles_updated} updated, {result.versions} earlier versions), "
          f"{result.already} already archived, {result.unchanged} unchanged captures, "
          f"{result.not_articles} without article text, {result.corrupt} corrupt records "
          f"skipped, {result.too_large} pages over {MAX_PAGE_BYTES // 2**20} MiB skipped, "
          f"{result.no_original} revisits skipped whose original is in neither the files nor "
          f"the archive, {result.after_closed} captures from after the site closed skipped; "
          f"{result.in_learned_region} pages read in the article region their site's pages "
          "taught")
    for lost in result.lost:
        print(f"vnarchive import: warning: {lost}", file=sys.stderr)
    for failed in result.failed_digests:
        print(f"vnarchive import: warning: {failed}", file=sys.stderr)
    if not (result.matched or result.already or result.unchanged) and result.unclaimed:
        # Nothing taken, yet pages were there: a profile that is not these files' site.
        print(f"vnarchive import: none of the {result.unclaimed} HTML pages in the files is an "
              f"article page of {site or profile or 'any site profile'} (by its "
              "article_pattern); name the site's profile, or keep every HTML page with --all",
              file=sys.stderr)
    return 0


@click.command(short_help="crawl on a schedule in the foreground")
@click.argument("sites", nargs=-1, metavar="[SITE]...")
@profile_files_option
@base_urls_option
@click.option("--every", help="an interval: 6h, 30m, 1d")
@click.option("--cron", help='a crontab expression: "0 */6 * * *"')
@click.option("--max-runs", type=PositiveInt(), help="stop after this many runs")
@click.option("--once", is_flag=True, help="run one crawl now and exit with its code (a "
              "systemd timer or cron runs the schedule); --every/--cron then only record it")
@click.option("--verbose", is_flag=True,
              help="print each crawl's full summary, not one line per site")
@db_option
def schedule(sites, profile, base_urls, every, cron, max_runs, once, verbose, db) -> int:
    """Crawl on a schedule in the foreground (APScheduler); runs never overlap on one archive.
    Every line is timestamped; --once runs one crawl now (for a systemd timer or cron) and
    records the schedule given beside it, so `status` knows when a site is overdue.

    \b
    Example: vnarchive schedule --every 6h testweb_thanhhoa testweb_lynhan
    """
    from archive.health import record_schedule
    from vnarchive.schedule import ScheduleError, build_trigger, interval_of, run_schedule

    if not (once and not (every or cron)):
        try:
            build_trigger(every, cron, max_runs)
        except ScheduleError as error:
            raise CommandError(str(error) + ("" if every or cron else ", or --once")) from None
    crawl_args = [*sites, "--db", str(db)]
    for path in profile:
        crawl_args += ["--profile", str(Path(path).resolve())]
    if base_urls:
        crawl_args += ["--base-urls", base_urls]
    if not sites and not profile:
        raise CommandError("name at least one site to crawl")
    names = [*sites, *(load_extra_profile(path).name for path in profile)]
    parse_base_urls(base_urls, names)  # refused now, not at each run
    if every or cron:
        try:
            described, seconds = interval_of(every, cron)
        except ValueError as error:
            raise CommandError(str(error)) from None
        record_schedule(str(db), names, described, seconds)
    return run_schedule(crawl_args, str(db), every=every, cron=cron, max_runs=max_runs,
                        once=once, verbose=verbose)
