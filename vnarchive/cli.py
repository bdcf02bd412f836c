"""The `vnarchive` command: crawl sites into the archive, list profiles, run the demo, query.

Each command is thin: it parses its arguments and calls the project's Python API.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import signal
import sqlite3
import sys
import time
from pathlib import Path

from archive.errors import ArchiveError
from archive.export import ExportError
from archive.lock import ArchiveBusy
from archive.writer import StorageFull
from crawler.profiles import ProfileError, load_profile_file, load_profiles

DEFAULT_DB = Path(__file__).resolve().parent.parent / "archive" / "vnarchive.db"


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
        names.append(load_profile_file(path).name)
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
        profiles = [load_profile_file(args.profile)]
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
    """Per site: last success, new articles lately, error rate, and whether it looks broken.
    Exits 1 when any site is unhealthy, so cron mail or a monitor notices.

    Example: vnarchive status --runs 5
    """
    from archive.health import site_health

    report = site_health(args.db, recent_runs=args.runs, error_share_limit=args.max_errors)
    if not report:
        raise CommandError(f"no crawl of {args.db} has been recorded yet")
    rows = [[h.site, (h.last_success or "never")[:19], h.new_articles_recent,
             f"{h.error_rate:.0%}", "ok" if h.healthy else "UNHEALTHY: " + "; ".join(h.problems)]
            for h in report]
    print_table(["site", "last success (UTC)", f"new in last {args.runs} runs", "errors",
                 "health"], rows)
    unhealthy = [h.site for h in report if not h.healthy]
    if unhealthy:
        print(f"\n{len(unhealthy)} unhealthy site(s): {', '.join(unhealthy)}", file=sys.stderr)
        return 1
    return 0


# schedule -----------------------------------------------------------------------------------
def command_schedule(args: argparse.Namespace) -> int:
    """Crawl on a schedule in the foreground (APScheduler); runs never overlap on one archive.

    Example: vnarchive schedule --every 6h testweb_thanhhoa testweb_lynhan
    """
    from vnarchive.schedule import run_schedule

    if bool(args.every) == bool(args.cron):
        raise CommandError("give either --every (6h, 30m) or --cron (\"0 */6 * * *\")")
    crawl_args = [*args.sites, "--db", str(args.db)]
    for path in args.profile:
        crawl_args += ["--profile", str(Path(path).resolve())]
    if args.base_urls:
        crawl_args += ["--base-urls", args.base_urls]
    if not args.sites and not args.profile:
        raise CommandError("name at least one site to crawl")
    return run_schedule(crawl_args, every=args.every, cron=args.cron, max_runs=args.max_runs)


# export -------------------------------------------------------------------------------------
def command_export(args: argparse.Namespace) -> int:
    """Export a table or a query as CSV, JSON Lines or Parquet, with a datasheet beside it.

    Example: vnarchive export --format parquet --table meeting_reports reports.parquet
    """
    from archive.export import export

    table = None if args.query else (args.table or "articles")
    result = export(args.db, args.out, args.format, table=table, query=args.query,
                    where=args.where, progress=_progress_rows())
    print(f"wrote {result.rows} rows to {result.path} and its datasheet {result.datasheet}")
    return 0


def _progress_rows():
    def report(done: int) -> None:
        if done % 50000 == 0:
            print(f"  {done} rows", file=sys.stderr, flush=True)
    return report


# serve --------------------------------------------------------------------------------------
def command_serve(args: argparse.Namespace) -> int:
    """Browse the archive with Datasette on 127.0.0.1, with metadata, facets, saved queries.

    Example: vnarchive serve --port 8001
    """
    import subprocess
    import tempfile

    from archive.errors import check_readable
    from archive.metadata import datasette_metadata

    check_readable(args.db)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(datasette_metadata(args.db), handle, ensure_ascii=False)
    command = [sys.executable, "-m", "datasette", "serve", str(args.db), "--metadata",
               handle.name, "--host", "127.0.0.1", "--port", str(args.port)]
    print(f"serving {args.db} at http://127.0.0.1:{args.port}/", flush=True)
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


# search -------------------------------------------------------------------------------------
def command_search(args: argparse.Namespace) -> int:
    """Search titles and texts; with or without diacritics, old or new tone marks.

    Example: vnarchive search "trien khai nhiem vu quy II" --province "Thanh Hóa" --meeting-only
    """
    from archive.search import search

    hits = search(args.db, args.query, site=args.site, province=args.province,
                  date_from=args.date_from, date_to=args.date_to,
                  meeting_only=args.meeting_only, limit=args.limit)
    if args.format == "json":
        _print_json([hit.__dict__ for hit in hits])
        return 0
    for hit in hits:
        label = "meeting report" if hit.is_meeting_report else "article"
        print(f"{hit.title}\n  {hit.site} · {(hit.published or '')[:10]} · {label}"
              f"{' · ' + hit.province if hit.province else ''}\n  {hit.canonical_url}\n"
              f"  {hit.snippet}\n")
    print(f"{len(hits)} result{'s' if len(hits) != 1 else ''}")
    return 0


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
                           progress=_progress("articles"))
    print(f"re-processed {result.articles} articles ({result.new} new rows, {result.updated} "
          f"updated, {result.skipped} pages that hold no article)")
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
        text = sys.stdin.read()
    elif Path(args.file).is_file():
        text = Path(args.file).read_text(encoding="utf-8")
    else:
        raise CommandError(f"no such file: {args.file}")
    title = args.title
    if title is None:  # the first line is the title, as in the seed texts
        first, _, rest = text.strip().partition("\n")
        title, text = first.strip(), rest
    profile = _profile(args.site)
    result = classify(title, text, args.published, profile.owner if profile else None)
    _print_json(result.as_json(explain=args.explain))
    return 0


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
    from archive.query import run_query

    columns, rows = run_query(args.db, args.sql)
    if args.format == "json":
        _print_json([dict(zip(columns, row, strict=True)) for row in rows])
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        print_table(columns, rows)
    return 0


# output -------------------------------------------------------------------------------------
def print_table(columns: list[str], rows: list) -> None:
    def cell(value) -> str:
        text = "" if value is None else str(value)
        return text if len(text) <= 60 else text[:57] + "..."

    cells = [[cell(value) for value in row] for row in rows]
    widths = [max([len(str(column))] + [len(row[i]) for row in cells])
              for i, column in enumerate(columns)]
    print("  ".join(str(c).ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
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
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vnarchive", description=__doc__.splitlines()[0])
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

    add("sites", command_sites, "list the site profiles")

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

    status = add("status", command_status, "health of each site, from its recent runs")
    status.add_argument("--runs", type=int, default=5, help="recent runs to sum (default 5)")
    status.add_argument("--max-errors", type=float, default=0.25,
                        help="share of failed fetches that makes a site unhealthy")
    add_db(status)

    schedule = add("schedule", command_schedule, "crawl on a schedule in the foreground")
    schedule.add_argument("sites", nargs="*", metavar="SITE")
    schedule.add_argument("--profile", action="append", default=[], metavar="FILE")
    schedule.add_argument("--base-urls", metavar="JSON",
                          help="serve profiles from other addresses, as for crawl")
    schedule.add_argument("--every", help="an interval: 6h, 30m, 1d")
    schedule.add_argument("--cron", help='a crontab expression: "0 */6 * * *"')
    schedule.add_argument("--max-runs", type=int, help="stop after this many runs")
    add_db(schedule)

    export = add("export", command_export, "export a table or query (csv, jsonl, parquet)")
    export.add_argument("out", metavar="OUT", help="the file to write")
    export.add_argument("--format", choices=["csv", "jsonl", "parquet"], required=True)
    source = export.add_mutually_exclusive_group()
    source.add_argument("--table", help="a table (default: articles)")
    source.add_argument("--query", help="an SQL query instead of a table")
    export.add_argument("--where", help="an SQL condition on the table's rows")
    add_db(export)

    serve = add("serve", command_serve, "browse the archive with Datasette")
    serve.add_argument("--port", type=int, default=8001)
    add_db(serve)

    search = add("search", command_search, "full-text search that folds Vietnamese diacritics")
    search.add_argument("query")
    search.add_argument("--site")
    search.add_argument("--province", help="meeting reports of this province (as it was then)")
    search.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    search.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    search.add_argument("--meeting-only", action="store_true")
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--format", choices=["text", "json"], default="text")
    add_db(search)

    reprocess = add("reprocess", command_reprocess, "re-extract and re-classify from the WARCs")
    reprocess.add_argument("--site", help="only this profile's articles")
    reprocess.add_argument("--since", metavar="YYYY-MM-DD", help="only articles fetched since")
    add_db(reprocess)

    classify = add("classify", command_classify, "classify a plain text as a meeting report")
    classify.add_argument("file", metavar="FILE", help="a UTF-8 text file, or - for stdin")
    classify.add_argument("--title", help="the title (default: the text's first line)")
    classify.add_argument("--published", metavar="YYYY-MM-DD",
                          help="publication date (for the meeting date's year)")
    classify.add_argument("--site", help="the profile the text comes from (its owner gives "
                          "the locality when the text names none)")
    classify.add_argument("--explain", action="store_true", help="print the cues that decided")

    query = add("query", command_query, "run SQL against the archive")
    query.add_argument("sql", help="an SQL statement")
    query.add_argument("--format", choices=["table", "csv", "json"], default="table")
    add_db(query)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.function(args)
    except ArchiveBusy as error:
        print(f"vnarchive {args.command}: {error}; not starting", file=sys.stderr)
        return 3
    except StorageFull as error:
        print(f"vnarchive {args.command}: {error}", file=sys.stderr)
        return EXIT_DISK_FULL
    except (CommandError, ProfileError, ArchiveError, ExportError, sqlite3.Error) as error:
        print(f"vnarchive {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
