"""The `vnarchive` command: crawl sites into the archive, list profiles, run the demo, query.

Each command is thin: it parses its arguments and calls the project's Python API.

Exit codes, the same for every command (README, "Crashes, stops and bad input"):
  0  done
  1  failed (a crawl), or a site is unhealthy (status)
  2  bad input: one line names the problem (a bad argument, profile, file or SQL statement, an
     output that may not be written, a file that is not an archive); nothing was written
  3  another run holds the archive's lock: not started
  4  stopped by one SIGTERM or Ctrl-C (a crawl finishes its pages in flight; a query stops)
  5  stopped at once by a second SIGTERM or Ctrl-C
  6  disk full
  7  a crawl finished, but a site's listing pages gave no article link (one line per site)
  8  a query ran past its --timeout
  9  the archive is damaged (it fails SQLite's quick_check): refused, nothing written
"""

from __future__ import annotations

import argparse
import codecs
import csv
import itertools
import json
import os
import re
import signal
import sqlite3
import sys
import time
from datetime import date
from pathlib import Path

from archive.errors import ArchiveError
from archive.export import ExportError
from archive.lock import ArchiveBusy
from archive.writer import StorageFull
from crawler.profiles import (
    ProfileError,
    archive_profiles,
    load_extra_profile,
    load_profiles,
)

DEFAULT_DB = Path(__file__).resolve().parent.parent / "archive" / "vnarchive.db"
DATASETTE_PLUGINS = Path(__file__).resolve().parent.parent / "archive" / "datasette_plugins"


class CommandError(Exception):
    """A command cannot run as asked; the message says why."""


# crawl --------------------------------------------------------------------------------------
def command_crawl(args: argparse.Namespace) -> int:
    """Crawl sites into the archive.

    Example: vnarchive crawl testweb_thanhhoa --db /tmp/a.db
    """
    from vnarchive.crawl import crawl_sites

    names = list(args.sites)
    extra_files = [str(Path(path).resolve()) for path in args.profile]
    for path in extra_files:
        names.append(load_extra_profile(path).name)
    if not names:
        raise CommandError("name at least one site (see `vnarchive sites`) or --profile FILE")
    base_urls = parse_base_urls(args.base_urls)
    archive_settings = web_archive_settings(args)
    if args.redis:
        return _crawl_as_worker(args, names, extra_files, base_urls)
    result = crawl_sites(names, db_path=args.db, profile_files=extra_files, base_urls=base_urls,
                         log_level=args.log_level, refresh=args.refresh, backfill=args.backfill,
                         batch_size=args.batch_size, extra_settings=archive_settings)
    print_summary(args.db, result.run_id)
    if result.status == "finished":
        from archive.health import sites_without_article_links

        empty = sites_without_article_links(args.db, result.run_id)
        for line in empty:
            print(f"vnarchive crawl: {line}", file=sys.stderr)
        if empty:
            return EXIT_NO_ARTICLE_LINKS
    return crawl_exit_code(result.status)


def web_archive_settings(args: argparse.Namespace) -> dict:
    """The settings of `crawl --wayback/--commoncrawl/--from/--to/--archive-delay`."""
    for bound in (args.date_from, args.date_to):
        if bound and not re.fullmatch(r"\d{4}(-\d{2}){0,2}", bound):
            raise CommandError(f"--from/--to take YYYY, YYYY-MM or YYYY-MM-DD, not {bound!r}")
    settings = {"VNARCHIVE_WAYBACK_FROM": args.date_from, "VNARCHIVE_WAYBACK_TO": args.date_to,
                "VNARCHIVE_WAYBACK_DELAY": args.archive_delay}
    if args.wayback or args.commoncrawl:
        if args.redis:
            raise CommandError("--wayback and --commoncrawl crawl on one machine, not --redis")
        settings.update({"VNARCHIVE_FROM_WEB_ARCHIVE": True, "VNARCHIVE_WAYBACK": args.wayback,
                         "VNARCHIVE_COMMONCRAWL": args.commoncrawl})
    return settings


def parse_base_urls(text: str | None) -> dict[str, str]:
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
    return base_urls


# Exit codes of a crawl besides 0 (finished), 2 (bad input) and 3 (archive busy).
EXIT_FAILED, EXIT_INTERRUPTED, EXIT_KILLED, EXIT_DISK_FULL = 1, 4, 5, 6
EXIT_NO_ARTICLE_LINKS = 7  # finished, but a site's listing pages gave no article link
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe
STOP_MESSAGES = {
    "interrupted": "interrupted: the pages in flight were archived; run the same command "
                   "again to go on",
    "killed": "stopped at once (second stop signal): pages in flight were dropped, the archive "
              "is intact; run the same command again to go on",
}


def crawl_exit_code(status: str) -> int:
    if status in STOP_MESSAGES:
        print(f"vnarchive crawl: {STOP_MESSAGES[status]}", file=sys.stderr)
    return {"finished": 0, "interrupted": EXIT_INTERRUPTED,
            "killed": EXIT_KILLED}.get(status, EXIT_FAILED)


def _crawl_as_worker(args: argparse.Namespace, names: list[str], extra_files: list[str],
                     base_urls: dict) -> int:
    from vnarchive.crawl import crawl_worker

    result = crawl_worker(names, redis_url=args.redis, profile_files=extra_files,
                          base_urls=base_urls, log_level=args.log_level, refresh=args.refresh,
                          backfill=args.backfill, idle_timeout=args.idle_timeout,
                          worker_timeout=args.worker_timeout)
    print(f"Worker {result.status}; sent to {args.redis} for `vnarchive ingest`:")
    print_table(["site", "pages", "articles", "errors"], result.per_site)
    return 0 if result.status == "finished" else 1


# ingest -------------------------------------------------------------------------------------
def command_ingest(args: argparse.Namespace) -> int:
    """Write what distributed workers sent to Redis into the archive (the single writer).

    Example: vnarchive ingest --redis redis://crawlhub:6379/0 --db archive/vnarchive.db
    """
    from archive.ingest import ingest

    result = ingest(args.redis, args.db, idle_timeout=args.idle_timeout,
                    batch_size=args.batch_size or 200)
    print(f"ingested {result.messages} messages ({result.skipped} already in the archive)")
    print_summary(args.db, result.run_id)
    return 0 if result.status == "finished" else 1


# import -------------------------------------------------------------------------------------
def command_import(args: argparse.Namespace) -> int:
    """Import the article pages of web archive files (WARC, ARC, WACZ) into the archive.

    Example: vnarchive import lynhan-2019.warc.gz crawl.wacz --site hanam_lynhan
    """
    from archive.errors import check_writable
    from archive.importer import import_files
    from archive.lock import archive_lock

    paths = [Path(path) for path in args.files]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise CommandError(f"no such file: {', '.join(missing)}")
    if args.profile:
        profiles = [load_extra_profile(args.profile)]
    elif args.site:
        profiles = [_profile(args.site)]
    else:
        profiles = list(load_profiles().values())
    check_writable(args.db)
    with archive_lock(args.db):
        result = import_files(args.db, paths, profiles, all_html=args.all,
                              progress=_progress("captures"))
    print(f"import run {result.run_id}: {result.files} archive files, {result.responses} "
          f"responses read, {result.matched} pages imported ({result.articles_new} new "
          f"articles, {result.articles_updated} updated, {result.versions} earlier versions), "
          f"{result.already} already archived, {result.unchanged} unchanged captures, "
          f"{result.not_articles} without article text, {result.corrupt} corrupt records "
          "skipped")
    return 0


# sites --------------------------------------------------------------------------------------
def command_sites(args: argparse.Namespace) -> int:
    """List the site profiles.

    Example: vnarchive sites
    """
    profiles = load_profiles()
    rows = [
        [p.name, p.kind, "yes" if p.verified else "no (offline)", p.title,
         p.owner.locality if p.owner else ""]
        for p in profiles.values()
    ]
    print_table(["name", "kind", "verified", "title", "owner locality"], rows)
    return 0


def command_sites_check(args: argparse.Namespace) -> int:
    """Check a site profile: every problem at once, the links a listing gives, the fields an
    article gives. Exit 1 when a listing yields no article link or an article no text.

    Example: vnarchive sites check mysite.toml --page saved-listing.html --page https://...
    """
    from vnarchive.sitecheck import check_site

    report = check_site(args.profile, args.page, base_url=args.base_url)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def command_sites_add(args: argparse.Namespace) -> int:
    """Write a profile for a site from its home page (live or saved), then check it.

    Example: vnarchive sites add https://baothanhhoa.vn/ --name thanhhoa_baothanhhoa
    """
    from vnarchive.siteadd import add_site

    return add_site(args.home, name=args.name, out=args.out, base_url=args.base_url)


# demo ---------------------------------------------------------------------------------------
def command_demo(args: argparse.Namespace) -> int:
    """Serve the local test web on 127.0.0.1 and crawl all of it into the archive.

    Example: vnarchive demo --db /tmp/demo.db
    """
    from testweb.families import ARTICLE_FAMILIES
    from testweb.server import DEFAULT_PORTS, TestWeb
    from vnarchive.crawl import crawl_sites

    if args.wayback:
        return _demo_wayback(args)
    families = list(ARTICLE_FAMILIES)
    # The same ports each time keep the same article URLs, so a second demo updates the rows
    # of the first instead of adding copies under new addresses.
    try:
        web = TestWeb(families, ports=DEFAULT_PORTS).start()
    except OSError:
        print("warning: the test web's default ports are busy; serving on free ports, so "
              "this demo's URLs differ from earlier demos'", file=sys.stderr)
        web = TestWeb(families).start()
    with web:
        print(f"local test web: {len(web.sites)} sites on 127.0.0.1 "
              f"({', '.join(site.base_url for site in web.sites.values())})", flush=True)
        names = sorted(web.base_urls())
        result = crawl_sites(names, db_path=args.db, base_urls=web.base_urls(),
                             log_level=args.log_level, refresh=args.refresh,
                             backfill=args.backfill)
    print_summary(args.db, result.run_id)
    return crawl_exit_code(result.status)


def _demo_wayback(args: argparse.Namespace) -> int:
    """`demo --wayback`: the Lý Nhân portal closed, taken back from a local pywb."""
    from testweb.pywb_server import PywbUnavailable
    from vnarchive.wayback_demo import DemoFailed, run_wayback_demo

    try:
        run_wayback_demo(args.db, args.log_level)
    except (PywbUnavailable, DemoFailed) as error:
        raise CommandError(str(error)) from None
    return 0


# testweb ------------------------------------------------------------------------------------
def command_testweb(args: argparse.Namespace) -> int:
    """Serve the local test web on its default ports until interrupted (for `scrapy crawl`).

    Example: vnarchive testweb   (then, in another shell: scrapy crawl testweb_thanhhoa)
    """
    from testweb.server import DEFAULT_PORTS, TestWeb

    try:
        web = TestWeb(ports=DEFAULT_PORTS).start()
    except OSError as error:
        raise CommandError(f"cannot serve the test web on its default ports: {error}") from None
    for site in web.sites.values():
        print(f"{site.profile_name:<20} {site.base_url}/")
    print("serving; press Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        web.stop()
    return 0


# status -------------------------------------------------------------------------------------
def command_status(args: argparse.Namespace) -> int:
    """Per site: last success, new articles lately, error rate, and whether it looks broken
    (never succeeded, no success within --max-age, listings without article links, pages
    without text, too many errors). Exits 0 when every site is healthy, 1 when one is not,
    2 on bad input, so cron mail or a monitor notices.

    Example: vnarchive status --max-age 1d --format json --prometheus /srv/prom/vnarchive.prom
    """
    from archive.health import site_health
    from archive.metrics import write_prometheus
    from crawler.frontier import parse_duration

    try:
        max_age = parse_duration(args.max_age) if args.max_age else None
    except ValueError as error:
        raise CommandError(f"--max-age: {error}") from None
    report = site_health(args.db, recent_runs=args.runs, error_share_limit=args.max_errors,
                         max_age=max_age)
    if not report:
        raise CommandError(f"no crawl of {args.db} has been recorded yet")
    if args.prometheus:
        try:
            write_prometheus(report, args.prometheus)
        except OSError as error:
            raise CommandError(f"cannot write {args.prometheus}: {error}") from None
    unhealthy = [h.site for h in report if not h.healthy]
    if args.format == "json":
        _print_json({"healthy": not unhealthy, "sites": [h.as_json() for h in report]})
        return 1 if unhealthy else 0
    rows = [[h.site, (h.last_success or "never")[:19], h.new_articles_recent,
             f"{h.error_rate:.0%}", "ok" if h.healthy else "UNHEALTHY: " + "; ".join(h.problems)]
            for h in report]
    print_table(["site", "last success (UTC)", f"new in last {args.runs} runs", "errors",
                 "health"], rows, cut=None)
    if unhealthy:
        print(f"\n{len(unhealthy)} unhealthy site(s): {', '.join(unhealthy)}", file=sys.stderr)
        return 1
    return 0


# schedule -----------------------------------------------------------------------------------
def command_schedule(args: argparse.Namespace) -> int:
    """Crawl on a schedule in the foreground (APScheduler); runs never overlap on one archive.
    Every line is timestamped; --once runs one crawl now (for a systemd timer or cron) and
    records the schedule given beside it, so `status` knows when a site is overdue.

    Example: vnarchive schedule --every 6h testweb_thanhhoa testweb_lynhan
    """
    from archive.health import record_schedule
    from vnarchive.schedule import ScheduleError, build_trigger, interval_of, run_schedule

    if not (args.once and not (args.every or args.cron)):
        try:
            build_trigger(args.every, args.cron, args.max_runs)
        except ScheduleError as error:
            raise CommandError(str(error) + ("" if args.every or args.cron else ", or --once")
                               ) from None
    crawl_args = [*args.sites, "--db", str(args.db)]
    for path in args.profile:
        crawl_args += ["--profile", str(Path(path).resolve())]
    if args.base_urls:
        crawl_args += ["--base-urls", args.base_urls]
    if not args.sites and not args.profile:
        raise CommandError("name at least one site to crawl")
    if args.every or args.cron:
        try:
            described, seconds = interval_of(args.every, args.cron)
        except ValueError as error:
            raise CommandError(str(error)) from None
        names = [*args.sites, *(load_extra_profile(path).name for path in args.profile)]
        record_schedule(str(args.db), names, described, seconds)
    return run_schedule(crawl_args, str(args.db), every=args.every, cron=args.cron,
                        max_runs=args.max_runs, once=args.once, verbose=args.verbose)


# export -------------------------------------------------------------------------------------
def command_export(args: argparse.Namespace) -> int:
    """Export a table, a view or a query as CSV, JSON Lines or Parquet (typed), with a datasheet
    beside it (and a dataset card beside Parquet); the format comes from the extension, `-`
    writes CSV or JSON Lines to standard output; the filters are those of `search`.

    Example: vnarchive export reports.parquet --table reports --province "Bac Kan" --period 2024
    """
    from archive.export import export

    table = None if args.query else (args.table or "articles")
    filters = _filters(args)
    try:
        result = export(args.db, args.out, args.format, table=table, query=args.query,
                        where=args.where, filters=filters, progress=_progress_rows(),
                        force=args.force)
    except BrokenPipeError:  # `export - | head`: the reader had enough
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (Python flushes stdout at exit)
        return 0
    except ExportError:
        raise
    except (TypeError, ValueError) as error:  # a value the format cannot hold (pyarrow's too)
        raise CommandError(f"cannot write the rows as {args.format or 'asked'}: {error}; "
                           f"{args.out} was left as it was") from None
    if result.path is None:
        print(f"wrote {result.rows} rows to standard output", file=sys.stderr)
        return 0
    print(f"wrote {result.rows} rows to {result.path} and its datasheet {result.datasheet}"
          f"{' and dataset card ' + str(result.card) if result.card else ''}")
    return 0


def _progress_rows():
    def report(done: int) -> None:
        if done % 50000 == 0:
            print(f"  {done} rows", file=sys.stderr, flush=True)
    return report


# serve --------------------------------------------------------------------------------------
def off_loopback_warning(host: str) -> str | None:
    """A warning when Datasette would listen beyond this machine."""
    import ipaddress

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return None
    return (f"warning: serving on {host}, not loopback: anyone who can reach this machine "
            "can read the archive")


def command_serve(args: argparse.Namespace) -> int:
    """Browse the archive with Datasette: dashboard, metadata, facets, saved queries, feeds.

    Example: vnarchive serve --port 8001   (then open http://127.0.0.1:8001/-/dashboards/researcher)
    """
    import subprocess
    import tempfile

    from archive.errors import check_readable
    from archive.metadata import DATASETTE_SETTINGS, datasette_metadata

    if args.write_metadata:
        Path(args.write_metadata).write_text(json.dumps(datasette_metadata(), ensure_ascii=False,
                                                        indent=2), encoding="utf-8")
        print(f"wrote {args.write_metadata}; run: datasette serve {args.db} --metadata "
              f"{args.write_metadata}")
        return 0
    check_readable(args.db)
    _add_views(args.db)
    warning = off_loopback_warning(args.host)
    if warning:
        print(warning, file=sys.stderr)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(datasette_metadata(), handle, ensure_ascii=False)
    command = [sys.executable, "-m", "datasette", "serve", str(args.db), "--metadata",
               handle.name, "--host", args.host, "--port", str(args.port),
               "--plugins-dir", str(DATASETTE_PLUGINS)]  # Host-header check (DNS rebinding)
    for name, value in DATASETTE_SETTINGS.items():
        command += ["--setting", name, str(value).lower()]
    print(f"serving {args.db} at http://{args.host}:{args.port}/ (dashboard: "
          f"http://{args.host}:{args.port}/-/dashboards/researcher)", flush=True)
    datasette = subprocess.Popen(command)
    # Stopping `vnarchive serve` (SIGTERM, Ctrl-C) stops Datasette too, never leaving it behind.
    signal.signal(signal.SIGTERM, lambda *_: datasette.terminate())
    try:
        return datasette.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if datasette.poll() is None:
            datasette.terminate()
            datasette.wait(timeout=10)
        Path(handle.name).unlink(missing_ok=True)


def _add_views(db_path: str) -> None:
    """Bring an archive of an earlier version up to the views the saved queries read, when it
    is writable (a read-only one is served as it is)."""
    from archive.errors import ArchiveError
    from archive.schema import open_database

    try:
        open_database(db_path).close()
    except ArchiveError:
        pass


# search -------------------------------------------------------------------------------------
def command_search(args: argparse.Namespace) -> int:
    """Search titles and texts; with or without diacritics, old or new tone marks. "quoted
    words" are a phrase, OR and NOT combine terms, a trailing * is a prefix; an empty query
    lists what the filters keep, newest first.

    Example: vnarchive search "" --province "Thanh Hoa" --period 2024-Q2 --meeting-only
    """
    from archive.search import search

    hits = search(args.db, args.query, filters=_filters(args), limit=args.limit)
    if args.format == "json":
        _print_json([hit.__dict__ for hit in hits])
        return 0
    for hit in hits:
        label = "meeting report" if hit.is_meeting_report else "article"
        place = ", ".join(part for part in (hit.locality, hit.province) if part)
        print(f"{hit.title}\n  {hit.site} · {(hit.published or '')[:10]} · {label}"
              f"{' · ' + place if place else ''}"
              f"{' · ' + hit.period_deployed if hit.period_deployed else ''}\n"
              f"  {hit.canonical_url}\n  {hit.snippet}\n")
    print(f"{len(hits)} result{'s' if len(hits) != 1 else ''}")
    return 0


def _filters(args: argparse.Namespace):
    """The researcher's filters of `search` and `export` (archive/filters.py)."""
    from archive.filters import FilterError, Filters

    try:
        return Filters(site=args.site, province=args.province, district=args.district,
                       commune=args.commune, organ=args.organ, level=args.level,
                       period=args.period, date_from=args.date_from, date_to=args.date_to,
                       meeting_only=args.meeting_only)
    except FilterError as error:
        raise CommandError(str(error)) from None


def filter_day(option: str):
    """An argparse type for --from/--to: a day, a month or a year, checked as the filters
    read it, so a bad one is a usage error of one line."""
    from archive.filters import FilterError, read_day

    def check(text: str) -> str:
        try:
            read_day(text, option, end=option == "--to")
        except FilterError as error:
            raise argparse.ArgumentTypeError(str(error).removeprefix(f"{option}: ")) from None
        return text
    return check


def add_filter_options(sub: argparse.ArgumentParser) -> None:
    """Filters without SQL, folded ("Bac Kan" is "Bắc Kạn"), for `search` and `export`."""
    sub.add_argument("--site", help="a site profile name")
    sub.add_argument("--province", help="meeting reports of this province (as it was then)")
    sub.add_argument("--district", help="meeting reports of this district (huyện level)")
    sub.add_argument("--commune", help="meeting reports of this commune (xã level)")
    sub.add_argument("--organ", help="party_committee, people_committee, people_council, "
                     "front or other")
    sub.add_argument("--level", help="tỉnh, huyện or xã (province, district, commune)")
    sub.add_argument("--period", help="reports deploying a period inside this one: 2024, "
                     "2024-H1, 2024-Q2 or 2024-06")
    sub.add_argument("--from", dest="date_from", metavar="DAY", type=filter_day("--from"),
                     help="published on or after (2024-04-01, 2024-04 or 2024)")
    sub.add_argument("--to", dest="date_to", metavar="DAY", type=filter_day("--to"),
                     help="published on or before (2024-06-30, 2024-06 or 2024)")
    sub.add_argument("--meeting-only", action="store_true", help="meeting reports only")


# reprocess ----------------------------------------------------------------------------------
def command_reprocess(args: argparse.Namespace) -> int:
    """Re-run extraction and classification from the archive's WARC files, with no network.

    Example: vnarchive reprocess --site testweb_lynhan --since 2024-01-01
    """
    from archive.errors import check_readable, check_writable
    from archive.lock import archive_lock
    from archive.reprocess import reprocess
    from archive.writer import warc_folder

    check_readable(args.db)
    check_writable(args.db)
    if not warc_folder(args.db).is_dir():
        raise CommandError(f"no WARC files at {warc_folder(args.db)}")
    with archive_lock(args.db):  # never beside a crawl of the same archive
        result = reprocess(args.db, site=args.site, since=args.since,
                           profiles=archive_profiles(args.db),
                           progress=_progress("articles"))
    print(f"re-processed {result.articles} articles ({result.new} new rows, {result.updated} "
          f"updated, {result.skipped} pages that hold no article)")
    for problem in result.warc_problems:
        print(f"vnarchive reprocess: warning: {problem}", file=sys.stderr)
    if result.warc_problems or result.unreadable:
        print(f"vnarchive reprocess: {len(result.warc_problems)} damaged WARC files, "
              f"{result.unreadable} articles whose page could not be read back; every "
              "readable article was re-processed", file=sys.stderr)
    return 0


def _progress(unit: str):
    """A progress line every 100 items (or on the last), on stderr."""
    def report(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"  {done}/{total} {unit}", file=sys.stderr, flush=True)
    return report


# extract ------------------------------------------------------------------------------------
def command_extract(args: argparse.Namespace) -> int:
    """Extract one saved page as the crawl would, and print the fields as JSON.

    Example: vnarchive extract page.html --url https://baothanhhoa.vn/a-185001.htm
    """
    from pipelines.classify import classify
    from pipelines.dates import meeting_date
    from pipelines.extract import extract_article

    path = Path(args.page)
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    profile = _profile(args.site)
    url = args.url or (profile.absolute(profile.start_urls)[0] if profile else None)
    extracted = extract_article(path.read_bytes(), url=url, declared_encoding=args.encoding,
                                article_selector=profile.article_selector if profile else None)
    result = extracted.as_json()
    result["event_date"] = meeting_date(extracted.text, extracted.published)
    result["is_navigation"] = extracted.is_navigation
    if args.explain:  # which rule removed which block, which signal gave the date
        result["explanation"] = extracted.explanation
    result.update(classify(extracted.title, extracted.text, extracted.published,
                           profile.owner if profile else None).as_json())
    _print_json(result)
    return 0


# classify -----------------------------------------------------------------------------------
def command_classify(args: argparse.Namespace) -> int:
    """Classify a plain text: is it a meeting report, and of which meeting?

    Example: vnarchive classify report.txt --title "Huyện ủy X triển khai nhiệm vụ quý II/2024"
    """
    from pipelines.classify import classify

    if args.file == "-":
        data = sys.stdin.buffer.read(MAX_CLASSIFY_CHARACTERS * 4 + 1)
    elif Path(args.file).is_file():
        with Path(args.file).open("rb") as handle:
            data = handle.read(MAX_CLASSIFY_CHARACTERS * 4 + 1)  # 4 bytes: UTF-8's longest
    else:
        raise CommandError(f"no such file: {args.file}")
    text = _plain_text(data, args.file)
    title = args.title
    if title is None:  # the first line is the title, as in the seed texts
        first, _, rest = text.strip().partition("\n")
        title, text = first.strip(), rest
    if len(title) > MAX_TITLE_CHARACTERS:  # the classifier's title cues cost its square
        raise CommandError(f"the title is {len(title)} characters; a title has at most "
                           f"{MAX_TITLE_CHARACTERS} (give --title, or a text whose first line "
                           "is its title)")
    profile = _profile(args.site)
    result = classify(title, text, args.published, profile.owner if profile else None)
    _print_json(result.as_json(explain=args.explain))
    return 0


MAX_CLASSIFY_CHARACTERS = 1_000_000  # an article is under 50,000
MAX_TITLE_CHARACTERS = 1000


def _plain_text(data: bytes, name: str) -> str:
    """The text of `classify`'s input: UTF-8 (with or without a byte-order mark) or UTF-16
    with one; anything else, or a text past the size bound, is refused with one line."""
    if len(data) > MAX_CLASSIFY_CHARACTERS * 4:
        raise CommandError(f"{name} is larger than classify reads ({MAX_CLASSIFY_CHARACTERS} "
                           "characters): give one article")
    try:
        text = (data.decode("utf-16") if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
                else data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise CommandError(f"{name} is not UTF-8 text (byte {error.start}); convert it first, "
                           "e.g. iconv -f windows-1258 -t utf-8") from None
    if len(text) > MAX_CLASSIFY_CHARACTERS:
        raise CommandError(f"{name} has {len(text)} characters, more than classify reads "
                           f"({MAX_CLASSIFY_CHARACTERS}): give one article")
    return text


def _profile(site: str | None):
    from crawler.profiles import find_profile

    return find_profile(site) if site else None


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    print()


# query --------------------------------------------------------------------------------------
def command_query(args: argparse.Namespace) -> int:
    """Run SQL against the archive and print the rows.

    Example: vnarchive query "select site, count(*) from articles group by site"
    """
    from archive.query import stream_query

    with stream_query(args.db, args.sql, timeout=args.timeout, max_rows=args.max_rows) as stream:
        columns, rows = stream.columns, stream.rows
        if args.format == "json":  # streamed: one row per line, the whole a JSON array
            print("[", end="")
            for index, row in enumerate(rows):
                print("," if index else "", json.dumps(dict(zip(columns, row, strict=True)),
                                                       ensure_ascii=False), sep="\n", end="")
            print("\n]")
        elif args.format == "csv":
            writer = csv.writer(sys.stdout)
            writer.writerow(columns)
            writer.writerows(rows)
        else:
            print_table(columns, rows)
    if stream.truncated:
        print(f"vnarchive query: stopped at --max-rows {args.max_rows}; more rows follow",
              file=sys.stderr)
    return 0


# output -------------------------------------------------------------------------------------
def print_table(columns: list[str], rows, cut: int | None = 60) -> None:
    """Rows as aligned columns, cells cut at `cut` characters (None: whole); widths come from
    the first 1,000 rows, so a stream of any length prints as it comes."""
    def cell(value) -> str:
        text = "" if value is None else str(value)
        return text if cut is None or len(text) <= cut else text[:cut - 3] + "..."

    rows = iter(rows)
    cells = [[cell(value) for value in row] for row in itertools.islice(rows, 1000)]
    widths = [max([len(str(column))] + [len(row[i]) for row in cells])
              for i, column in enumerate(columns)]
    print("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in itertools.chain(cells, ([cell(value) for value in row] for row in rows)):
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def print_summary(db_path: str, run_id: int) -> None:
    from archive.query import run_summary

    summary = run_summary(db_path, run_id)
    print()
    print(f"Crawl run {run_id}: {summary['status']} in {summary['duration']}")
    print(f"  archive:          {db_path}")
    print(f"  sites:            {summary['sites']}")
    print(f"  pages fetched:    {summary['pages_fetched']}")
    print(f"  articles stored:  {summary['articles_new']} new, "
          f"{summary['articles_updated']} updated")
    print(f"  meeting reports:  {summary['meeting_reports']}")
    print(f"  errors:           {summary['errors']}")
    print()
    print("Archive now holds:")
    print_table(*summary["per_site"])


# parser -------------------------------------------------------------------------------------
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def iso_day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else _bad_day(text)
    except ValueError:
        return _bad_day(text)


def _bad_day(text: str) -> str:
    raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}")


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a bad argument told in one line (argparse prints the usage too)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="vnarchive", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, function, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=function.__doc__)
        sub.set_defaults(function=function)
        return sub

    def add_db(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--db", default=str(DEFAULT_DB),
                         help=f"archive database file (default: {DEFAULT_DB})")

    def add_log_level(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--log-level", default="WARNING",
                         help="Scrapy log level (default: WARNING)")
        sub.add_argument("--refresh", action="store_true",
                         help="fetch articles already archived again")
        sub.add_argument("--backfill", action="store_true",
                         help="walk every listing page, even past those with nothing new")

    crawl = add("crawl", command_crawl, "crawl sites into the archive")
    crawl.add_argument("sites", nargs="*", metavar="SITE", help="profile names")
    crawl.add_argument("--profile", action="append", default=[], metavar="FILE",
                       help="a profile file anywhere (repeatable)")
    crawl.add_argument("--base-urls", metavar="JSON",
                       help='serve profiles from other addresses: {"name": "http://..."}')
    crawl.add_argument("--batch-size", type=int,
                       help="rows per transaction (default 50; smaller loses less on a crash)")
    crawl.add_argument("--redis", metavar="URL", help="work as one of many distributed workers: "
                       "shared frontier in Redis, results to `vnarchive ingest`")
    crawl.add_argument("--idle-timeout", type=float, default=30, metavar="SECONDS",
                       help="with --redis: stop once the frontier was empty this long")
    crawl.add_argument("--worker-timeout", type=int, default=30, metavar="SECONDS",
                       help="with --redis: a worker silent this long is dead; its requests "
                       "go back on the queue")
    crawl.add_argument("--wayback", nargs="?", const="https://web.archive.org/cdx/search/cdx",
                       metavar="CDX-URL", help="take the sites from a Wayback CDX server "
                       "(default: the Internet Archive's; a pywb: http://host:port/COLLECTION)")
    crawl.add_argument("--commoncrawl", metavar="CRAWL-ID",
                       help="take the sites from a Common Crawl crawl (CC-MAIN-2024-33) or an "
                       "index server's address for it")
    crawl.add_argument("--from", dest="date_from", metavar="YYYY-MM",
                       help="web archives: captures from this month on")
    crawl.add_argument("--to", dest="date_to", metavar="YYYY-MM",
                       help="web archives: captures up to this month")
    crawl.add_argument("--archive-delay", type=float, default=1.0, metavar="SECONDS",
                       help="web archives: seconds between requests to the archive (default 1)")
    add_db(crawl)
    add_log_level(crawl)

    ingest = add("ingest", command_ingest, "write what distributed workers sent to Redis")
    ingest.add_argument("--redis", metavar="URL", required=True)
    ingest.add_argument("--idle-timeout", type=float, default=60, metavar="SECONDS",
                        help="stop once no message came for this long (default 60)")
    ingest.add_argument("--batch-size", type=int, help="messages per transaction (default 200)")
    add_db(ingest)

    imports = add("import", command_import, "import web archive files (WARC, ARC, WACZ)")
    imports.add_argument("files", nargs="+", metavar="FILE", help="WARC, ARC or WACZ files")
    chosen = imports.add_mutually_exclusive_group()
    chosen.add_argument("--site", help="the profile whose article pages to keep")
    chosen.add_argument("--profile", metavar="FILE", help="a profile file anywhere")
    imports.add_argument("--all", action="store_true",
                         help="keep every HTML page, not only a profile's article pages")
    add_db(imports)


    sites = add("sites", command_sites, "list the site profiles; check or add one")
    site_tools = sites.add_subparsers(dest="action", metavar="ACTION")
    check = site_tools.add_parser("check", help="check a profile on pages (files or URLs)",
                                  description=command_sites_check.__doc__)
    check.set_defaults(function=command_sites_check)
    check.add_argument("profile", metavar="PROFILE|NAME", help="a profile file or name")
    check.add_argument("--page", action="append", default=[], metavar="FILE|URL",
                       help="a saved page or a URL (repeatable; default: the start URLs "
                       "and the first articles they link)")
    check.add_argument("--base-url", help="serve the profile from this address instead")
    add_site = site_tools.add_parser("add", help="write a profile from a site's home page",
                                     description=command_sites_add.__doc__)
    add_site.set_defaults(function=command_sites_add)
    add_site.add_argument("home", metavar="URL|FILE", help="the home page, live or saved")
    add_site.add_argument("--name", help="the profile's name (default: from the address)")
    add_site.add_argument("--out", metavar="FILE",
                          help="where to write it (default: crawler/sites/NAME.toml)")
    add_site.add_argument("--base-url", help="for a saved home page: the site's address")

    demo = add("demo", command_demo, "crawl the bundled local test web and summarise it")
    demo.add_argument("--wayback", action="store_true", help="close the Lý Nhân portal and "
                      "take it back from a local pywb (needs pywb, see README)")
    add_db(demo)
    add_log_level(demo)

    add("testweb", command_testweb, "serve the local test web on its default ports")

    extract = add("extract", command_extract, "extract one saved page and print it as JSON")
    extract.add_argument("page", metavar="PAGE.html", help="a saved page (any encoding)")
    extract.add_argument("--url", help="the page's address (helps dates and links)")
    extract.add_argument("--site", help="the profile the page comes from")
    extract.add_argument("--encoding", help="the charset the server claimed, if known")
    extract.add_argument("--explain", action="store_true",
                         help="add what pruning removed and why, and which signal gave the date")

    status = add("status", command_status, "health of each site, from its recent runs")
    status.add_argument("--runs", type=positive_int, default=5,
                        help="recent runs to sum (default 5)")
    status.add_argument("--max-errors", type=float, default=0.25,
                        help="share of failed fetches that makes a site unhealthy")
    status.add_argument("--max-age", metavar="DURATION",
                        help="a site whose last success is older is unhealthy (default: twice "
                        "its recorded schedule's interval, else 2d)")
    status.add_argument("--format", choices=["table", "json"], default="table")
    status.add_argument("--prometheus", metavar="FILE",
                        help="also write the health as a node-exporter textfile (*.prom)")
    add_db(status)

    schedule = add("schedule", command_schedule, "crawl on a schedule in the foreground")
    schedule.add_argument("sites", nargs="*", metavar="SITE")
    schedule.add_argument("--profile", action="append", default=[], metavar="FILE")
    schedule.add_argument("--base-urls", metavar="JSON",
                          help="serve profiles from other addresses, as for crawl")
    schedule.add_argument("--every", help="an interval: 6h, 30m, 1d")
    schedule.add_argument("--cron", help='a crontab expression: "0 */6 * * *"')
    schedule.add_argument("--max-runs", type=positive_int, help="stop after this many runs")
    schedule.add_argument("--once", action="store_true",
                          help="run one crawl now and exit with its code (a systemd timer or "
                          "cron runs the schedule); --every/--cron then only record it")
    schedule.add_argument("--verbose", action="store_true",
                          help="print each crawl's full summary, not one line per site")
    add_db(schedule)

    export = add("export", command_export, "export a table or query (csv, jsonl, parquet)")
    export.add_argument("out", metavar="OUT", help="the file to write (.csv, .jsonl, .parquet), "
                        "or - for standard output (csv, jsonl)")
    export.add_argument("--format", choices=["csv", "jsonl", "parquet"],
                        help="default: from OUT's extension")
    source = export.add_mutually_exclusive_group()
    source.add_argument("--table", help="a table or view (default: articles; reports has a "
                        "meeting report on one row)")
    source.add_argument("--query", help="an SQL query instead of a table")
    export.add_argument("--where", help="an SQL condition on the table's rows")
    export.add_argument("--force", action="store_true",
                        help="replace OUT if it exists (never the archive, a WARC file or "
                        "an SQLite database)")
    add_filter_options(export)
    add_db(export)

    serve = add("serve", command_serve, "browse the archive with Datasette")
    serve.add_argument("--port", type=int, default=8001)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; others get a warning)")
    serve.add_argument("--write-metadata", metavar="FILE",
                       help="write the Datasette metadata (dashboard, queries, feeds) to FILE "
                       "for a plain `datasette` run, and exit")
    add_db(serve)

    search = add("search", command_search, "full-text search that folds Vietnamese diacritics")
    search.add_argument("query", help='words, "a phrase", a OR b, NOT a, prefix*; "" for none')
    add_filter_options(search)
    search.add_argument("--limit", type=positive_int, default=20)
    search.add_argument("--format", choices=["text", "json"], default="text")
    add_db(search)

    reprocess = add("reprocess", command_reprocess, "re-extract and re-classify from the WARCs")
    reprocess.add_argument("--site", help="only this profile's articles")
    reprocess.add_argument("--since", metavar="YYYY-MM-DD", type=iso_day,
                           help="only articles fetched since")
    add_db(reprocess)

    classify = add("classify", command_classify, "classify a plain text as a meeting report")
    classify.add_argument("file", metavar="FILE", help="a UTF-8 text file, or - for stdin")
    classify.add_argument("--title", help="the title (default: the text's first line)")
    classify.add_argument("--published", metavar="YYYY-MM-DD", type=iso_day,
                          help="publication date (for the meeting date's year)")
    classify.add_argument("--site", help="the profile the text comes from (its owner gives "
                          "the locality when the text names none)")
    classify.add_argument("--explain", action="store_true", help="print the cues that decided")

    query = add("query", command_query, "run SQL against the archive")
    query.add_argument("sql", help="an SQL statement")
    query.add_argument("--format", choices=["table", "csv", "json"], default="table")
    query.add_argument("--timeout", type=float, default=30, metavar="SECONDS",
                       help="stop the query after this long (default 30; 0: no limit)")
    query.add_argument("--max-rows", type=positive_int, metavar="N",
                       help="print at most N rows")
    add_db(query)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _take_over_stop_signals(args.command)
    try:
        return args.function(args)
    except KeyboardInterrupt:
        print(f"vnarchive {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _stdout_closed()
    except ArchiveBusy as error:
        print(f"vnarchive {args.command}: {error}; not starting", file=sys.stderr)
        return 3
    except StorageFull as error:
        print(f"vnarchive {args.command}: {error}", file=sys.stderr)
        return EXIT_DISK_FULL
    except (CommandError, ProfileError, ArchiveError, ExportError, sqlite3.Error) as error:
        print(f"vnarchive {args.command}: error: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)  # 7 for a damaged archive, 4 and 8 for query


def _take_over_stop_signals(command: str) -> None:
    """A crawl notes stop signals until Scrapy takes them (vnarchive.interrupts); every other
    command gets Python's KeyboardInterrupt back (after the quiet one of loading)."""
    if command in ("crawl", "demo"):
        from vnarchive.interrupts import noted_stops

        noted_stops.install()
    else:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _stdout_closed() -> int:
    """The reader of our output went away (`vnarchive status | head`): stop quietly, as a
    process killed by SIGPIPE would (exit 141), with stdout sent nowhere so that the flush at
    exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
