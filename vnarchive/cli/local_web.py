"""The commands of the bundled local test web: `demo` crawls all of it, `testweb` serves it for
`scrapy crawl` and for trying profiles."""

from __future__ import annotations

import sys
import time

import click

from vnarchive.cli.exits import CRAWL_STOPS, run_exit_code
from vnarchive.cli.options import CommandError, crawl_options, db_option
from vnarchive.cli.output import print_summary


@click.command(short_help="crawl the bundled local test web and summarise it")
@click.option("--wayback", is_flag=True, help="close the Lý Nhân portal and take it back from "
              "a local pywb (needs pywb, see README)")
@db_option
@crawl_options
def demo(wayback, db, log_level, refresh, backfill) -> int:
    """Serve the local test web on 127.0.0.1 and crawl all of it into the archive.

    \b
    Example: vnarchive demo --db /tmp/demo.db
    """
    from testweb.families import ARTICLE_FAMILIES
    from testweb.server import DEFAULT_PORTS, TestWeb
    from vnarchive.crawl import crawl_sites

    if wayback:
        return demo_wayback(db, log_level)
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
        result = crawl_sites(names, db_path=db, base_urls=web.base_urls(), log_level=log_level,
                             refresh=refresh, backfill=backfill)
    print_summary(db, result.run_id)
    return run_exit_code("crawl", result.status, CRAWL_STOPS)  # the demo is a crawl


def demo_wayback(db: str, log_level: str) -> int:
    """`demo --wayback`: the Lý Nhân portal closed, taken back from a local pywb."""
    from testweb.pywb_server import PywbUnavailable
    from vnarchive.wayback_demo import DemoFailed, run_wayback_demo

    try:
        run_wayback_demo(db, log_level)
    except (PywbUnavailable, DemoFailed) as error:
        raise CommandError(str(error)) from None
    return 0


@click.command(short_help="serve the local test web on its default ports")
def testweb() -> int:
    """Serve the local test web on its default ports until interrupted (for `scrapy crawl`).

    \b
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
