"""What a `vnarchive` command is given: argument types that refuse bad input in one line, the
options several commands share (named the same everywhere), and the error of bad input."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_ROOT / "archive" / "vnarchive.db"


class CommandError(Exception):
    """A command cannot run as asked; the message says why."""


class PositiveInt(click.ParamType):
    """A whole number of 1 or more (a count of runs, rows or results)."""

    name = "N"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        try:
            number = int(value)
        except ValueError:
            self.fail(f"not a whole number: {value!r}", param, ctx)
        if number < 1:
            self.fail(f"must be 1 or more, not {number}", param, ctx)
        return number


class NumberRange(click.FloatRange):
    """click's FloatRange, refusing nan too (no comparison with a bound catches it)."""

    def convert(self, value, param, ctx) -> float:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail("not a number: nan", param, ctx)
        return number


class RedisUrl(click.ParamType):
    """The address of a Redis server: redis://, rediss:// or unix:// (redis-py's schemes)."""

    name = "URL"

    def convert(self, value, param, ctx) -> str:
        if not str(value).startswith(("redis://", "rediss://", "unix://")):
            self.fail(f"not a Redis address: {value!r} (redis://host:6379/0)", param, ctx)
        # redis-py takes a database it cannot read as a number (redis://hub:6379/l) for 0,
        # without a word: the workers and the writer would meet on another database.
        if str(value).startswith(("redis://", "rediss://")):
            database = urlsplit(value).path.lstrip("/")
            if database and not database.isdigit():
                self.fail(f"not a Redis database number: {database!r} in {shown_url(value)} "
                          "(redis://host:6379/0)", param, ctx)
        return value


def shown_url(url: str) -> str:
    """A Redis address to print: its password hidden (a cron mail or a log keeps it)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{parts.netloc.rsplit('@', 1)[1]}"))


class IsoDay(click.ParamType):
    """A day written YYYY-MM-DD, and nothing else."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> str:
        try:
            if len(value) == 10:
                return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        self.fail(f"not a date YYYY-MM-DD: {value!r}", param, ctx)


class FilterDay(click.ParamType):
    """--from/--to of the researcher's filters: a day, a month or a year, checked as the
    filters read it (archive/filters.py), so a bad one is a usage error of one line."""

    name = "DAY"

    def convert(self, value, param, ctx) -> str:
        from archive.filters import FilterError, read_day

        option = param.opts[0] if param else "--from"
        try:
            read_day(value, option, end=option == "--to")
        except FilterError as error:
            self.fail(str(error).removeprefix(f"{option}: "), param, ctx)
        return value


def apply_options(*decorators: Callable) -> Callable:
    """Several click options as one decorator, listed in the order their help shows them."""
    def decorate(function: Callable) -> Callable:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function
    return decorate


db_option = click.option("--db", default=str(DEFAULT_DB), metavar="PATH",
                         help=f"archive database file (default: {DEFAULT_DB})")

crawl_options = apply_options(
    click.option("--log-level", default="WARNING", metavar="LEVEL",
                 type=click.Choice(["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"],
                                   case_sensitive=False),
                 help="Scrapy log level (default: WARNING)"),
    click.option("--refresh", is_flag=True, help="fetch articles already archived again"),
    click.option("--backfill", is_flag=True,
                 help="walk every listing page, even past those with nothing new"),
)

profile_files_option = click.option("--profile", multiple=True, metavar="FILE",
                                    help="a profile file anywhere (repeatable)")

base_urls_option = click.option(
    "--base-urls", metavar="JSON",
    help='serve profiles from other addresses: {"name": "http://..."}')

# Filters without SQL, folded ("Bac Kan" is "Bắc Kạn"), for `search` and `export`; the
# parameters are named as archive.filters.Filters' fields.
filter_options = apply_options(
    click.option("--site", help="a site profile name"),
    click.option("--province", help="meeting reports of this province (as it was then)"),
    click.option("--district", help="meeting reports of this district (huyện level)"),
    click.option("--commune", help="meeting reports of this commune (xã level)"),
    click.option("--organ", help="party_committee, people_committee, people_council, front "
                 "or other"),
    click.option("--level", help="tỉnh, huyện or xã (province, district, commune)"),
    click.option("--period", help="reports deploying a period inside this one: 2024, 2024-H1, "
                 "2024-Q2 or 2024-06"),
    click.option("--from", "date_from", type=FilterDay(),
                 help="published on or after (2024-04-01, 2024-04 or 2024)"),
    click.option("--to", "date_to", type=FilterDay(),
                 help="published on or before (2024-06-30, 2024-06 or 2024)"),
    click.option("--meeting-only", is_flag=True, help="meeting reports only"),
)


def check_exclusive(**given) -> None:
    """Refuse two options of which only one may be given (argparse's exclusive groups)."""
    named = [f"--{name.replace('_', '-')}" for name, value in given.items() if value]
    if len(named) > 1:
        raise click.UsageError(f"{' and '.join(named)} cannot be given together")


def find_site_profile(site: str | None):
    """The profile named by --site, or None."""
    from crawler.profiles import find_profile

    return find_profile(site) if site else None


def check_site_archived(db: str, site: str | None) -> None:
    """Refuse a --site of which the archive holds nothing (a typo gave "0 results", or
    "re-processed 0 articles", read as a site with nothing to say), naming the sites it holds.
    Both lookups go through an index on `site`: the sites are named from the small `sites`
    table (a distinct over articles read every article)."""
    from archive.query import reading

    if not site:
        return
    with reading(db) as connection:
        check_site_in(connection, site)


def check_site_in(connection, site: str | None) -> None:
    """`check_site_archived` on a connection the command has open."""
    from archive.query import has_table

    if not site:
        return
    # pages for a crawled site (with or without articles); articles for an archive filled
    # without fetches (bench/fill_archive.py).
    for table in ("pages", "articles"):
        if has_table(connection, table) and connection.execute(
                f"select 1 from {table} where site = ? limit 1", [site]).fetchone():
            return
    known = [row[0] for row in connection.execute("select name from sites order by name")
             ] if has_table(connection, "sites") else []
    raise CommandError(f"--site {site}: the archive holds no page of that site"
                       + (f" (its sites: {', '.join(known)})" if known
                          else " (nothing was crawled into it)"))
