"""vnarchive's Datasette plugin (registered as the `vnarchive` entry point, so a plain
`datasette` run with the written metadata gets it too).

It adds the SQL functions of the researcher's filters to every connection (archive/filters.py:
folded place names, periods inside periods, the folded search expression), names the archive's
database `vnarchive` whatever its file is called (so addresses and saved queries do not depend
on the file name), caps the search box of the articles table to the articles archived last
(`capped_search`), and leads the home page with the dashboard and the main tables
(templates/index.html).
"""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.filters import FilterArguments

from archive.filters import (
    FilterError,
    Filters,
    fts_expression,
    only_excludes,
    register_functions,
)
from archive.search import TABLE_SEARCH_MATCHES

PLUGIN = "vnarchive"
SEARCHED_TABLE = "articles"
# The articles table's search box, as this plugin answers it. Not a "_search..." name:
# Datasette's own search reads those, and would add its uncapped condition.
CAPPED_SEARCH = "_newest_matches"
# The box, and Datasette's search of one column of the index (`_search_COLUMN`): all search
# the articles' words. Datasette's own matched the facet tokens (`_search_facets=đr` found
# every meeting report), and kept a word's "đ", which the folded columns (schema m027) spell
# "d": `_search_text_folded=Đảng` found nothing, and `_search_text` no longer has a column.
SEARCH_ARGUMENT = "_search"
# What a researcher opens first, in this order; the other tables are one click away.
MAIN_TABLES = ("reports", "report_figures", "articles", "meeting_reports", "officials",
               "figures", "sites")


@hookimpl
def prepare_connection(conn) -> None:
    register_functions(conn)


class BoxError(sqlite3.OperationalError):
    """A box of a saved query holds what its filter cannot read; the message says which box
    and what it takes. An sqlite3 error, so Datasette shows it above the form (400)."""


# The boxes `vnarchive_filter` reads in the saved queries (archive/filters.py), and the
# command line's option each one's FilterError names.
CHECKED_BOXES = {"organ": "--organ", "level": "--level", "period": "--period",
                 "date_from": "--from", "date_to": "--to"}


def checked_boxes(key: str, request) -> None:
    """The magic parameter `:_vnarchive_boxes` of the saved queries (archive/metadata.py's
    BOXES_CHECKED), bound before the statement runs: each box checked as the command line
    checks its option. A bad box failed inside the SQL function, and SQLite said only
    "user-defined function raised exception", naming neither the box nor what it takes."""
    if key != "boxes":
        raise KeyError(key)
    try:
        Filters(**{name: request.args.get(name) or None for name in CHECKED_BOXES})
    except FilterError as error:
        raise BoxError(box_message(str(error))) from None


def box_message(said: str) -> str:
    """A FilterError's message with the box's name for the option's: '--from: not a date'
    is 'the box "date_from": not a date'."""
    for box, option in CHECKED_BOXES.items():
        said = re.sub(rf"{option}\b", f'the box "{box}"', said)
    return said


@hookimpl
def register_magic_parameters(datasette):
    return [(PLUGIN, checked_boxes)]


@hookimpl
def startup(datasette) -> None:
    """Rename the one archive database to the configured name (`vnarchive`)."""
    name = (datasette.plugin_config(PLUGIN) or {}).get("database_name")
    archives = [db for db in datasette.databases.values()
                if not db.is_memory and db.name != "_internal"]
    if not name or len(archives) != 1 or archives[0].name == name:
        return
    database = archives[0]
    datasette.remove_database(database.name)
    datasette.add_database(database, name=name)


@hookimpl(specname="startup")
def feed_without_entries(datasette) -> None:
    """datasette-atom answers a query with no rows with HTTP 500 (the latest of no entries):
    the feed of a province with no report yet, or a name mistyped, broke feed readers. Such a
    feed is a valid feed with no entries."""
    if "atom" not in datasette.renderers:
        return
    render, can_render = datasette.renderers["atom"]

    def render_atom(datasette, request, sql, columns, rows, database, table, query_name,
                    view_name, data):
        if rows:
            return render(datasette, request, sql, columns, rows, database, table, query_name,
                          view_name, data)
        return empty_feed(datasette, request, database, query_name or sql)

    datasette.renderers["atom"] = (render_atom, can_render)


def empty_feed(datasette, request, database: str, query_name: str):
    """An Atom feed with no entries, titled as datasette-atom titles a saved query's."""
    from datetime import UTC, datetime

    from datasette.utils.asgi import Response
    from feedgen.feed import FeedGenerator

    queries = datasette.metadata("queries", database=database) or {}
    feed = FeedGenerator()
    feed.id(request.url)
    feed.link(href=request.url, rel="self")
    feed.title((queries.get(query_name) or {}).get("title") or query_name)
    feed.updated(datetime.now(UTC))
    return Response(feed.atom_str(pretty=True), content_type="application/xml; charset=utf-8",
                    status=200)


@hookimpl
def extra_template_vars(template, datasette) -> dict:
    if template != "index.html":
        return {}
    name = (datasette.plugin_config(PLUGIN) or {}).get("database_name")
    if not name or name not in datasette.databases:
        return {}
    tables = datasette.metadata("tables", database=name) or {}
    queries = datasette.metadata("queries", database=name) or {}
    return {"vnarchive_home": {
        "database": name,
        "tables": [(table, tables.get(table, {}).get("description", ""))
                   for table in MAIN_TABLES],
        "queries": [(query, spec.get("title", query)) for query, spec in queries.items()],
    }}


def is_search(argument: str) -> bool:
    """Whether a query-string argument is Datasette's search, of the box or of one column."""
    return argument == SEARCH_ARGUMENT or argument.startswith(SEARCH_ARGUMENT + "_")


def capped_search(app, database: str):
    """The articles table's `?_search=` handed to `filters_from_request` below under another
    name. Datasette's own condition, `rowid in (every match)`, made SQLite read and sort
    every matching article by date, and count and facet them all: past 100,000 articles it
    ran out of Datasette's time limit (HTTP 400) for common words (bench/bench_scale.py)."""
    page = re.compile(rf"^/{re.escape(database)}/{SEARCHED_TABLE}(?:\.\w+)?$")

    async def wrapped(scope, receive, send):
        if scope.get("type") == "http" and page.match(scope.get("path", "")):
            arguments = parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                  keep_blank_values=True)
            if any(is_search(name) for name, _ in arguments):
                renamed = [(CAPPED_SEARCH if is_search(name) else name, value)
                           for name, value in arguments]
                scope = {**scope, "query_string": urlencode(renamed).encode("latin-1")}
        await app(scope, receive, send)
    return wrapped


@hookimpl
def asgi_wrapper(datasette):
    name = (datasette.plugin_config(PLUGIN) or {}).get("database_name")
    return (lambda app: capped_search(app, name)) if name else None


@hookimpl
def filters_from_request(request, database, table, datasette):
    """The search box of articles: the words matched as `vnarchive search` matches them
    (archive/filters.py's `fts_expression`: folded, in the titles and texts only), among the
    TABLE_SEARCH_MATCHES articles archived last that match (as `vnarchive search` ranks the
    matches archived last); then sorted, counted and faceted as the page asks, which costs
    the same at any size. Datasette's own `escape_fts` kept "đ": "đr" matched the index's
    facet token of every meeting report (archive/facets.py), and "đs..." a site's."""
    terms = request.args.get(CAPPED_SEARCH, "")
    if table != SEARCHED_TABLE or not terms.strip():
        return None
    expression = fts_expression(terms)
    if not expression:  # no word to match (quotes alone), where FTS5 saw a syntax error
        why = ("only words left out (-word): add a word to look for, such as "
               '"hội nghị -huyện"' if only_excludes(terms) else "no words")
        return FilterArguments(["0"], {}, [f'search matches "{terms}" ({why}: nothing)'],
                               {"search": terms, "supports_search": True})
    return FilterArguments(
        [f"rowid in (select rowid from articles_fts where articles_fts match "
         f":newest_matches order by rowid desc limit {TABLE_SEARCH_MATCHES})"],
        {"newest_matches": expression},
        [f'search matches "{terms}" (among the {TABLE_SEARCH_MATCHES:,} matches archived '
         'last)'],
        {"search": terms, "supports_search": True})
