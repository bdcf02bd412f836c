"""The commands that read the archive: `search` (full text, folded diacritics), `query` (SQL),
`page` (an article's page, decoded), `export` (CSV, JSON Lines, Parquet with a datasheet) and
`serve` (Datasette)."""

from __future__ import annotations

import csv
import itertools
import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from archive.errors import ExportError
from archive.query import connect_read_only, reading
from vnarchive.cli.options import (
    PROJECT_ROOT,
    CommandError,
    NumberRange,
    PositiveInt,
    check_exclusive,
    check_site_in,
    db_option,
    filter_options,
)
from vnarchive.cli.output import print_json, print_table, progress_of_rows

DATASETTE_PLUGINS = PROJECT_ROOT / "archive" / "datasette_plugins"


class DashedQueryCommand(click.Command):
    """A command whose argument may begin with a dash: `search "-hội"` (a word to leave out)
    was refused as "No such option '-ộ'". A word with one leading dash that is none of the
    command's options is read as the argument; options keep working wherever they are."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, dashed_words_as_arguments(self, ctx, args))


def dashed_words_as_arguments(command: click.Command, ctx: click.Context,
                              args: list[str]) -> list[str]:
    """The options (with their values) first, then `--` and the arguments, so click takes
    an argument such as "-hội" as it is. "--x" stays an option (an unknown one is refused)."""
    takes_value = {name: not (param.is_flag or param.count)
                   for param in command.get_params(ctx) if isinstance(param, click.Option)
                   for name in (*param.opts, *param.secondary_opts)}
    options, arguments = [], []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            arguments.extend(rest)
            break
        name = arg.split("=", 1)[0]
        if (arg.startswith("--") and not any(c.isspace() for c in name)) or name in takes_value:
            options.append(arg)
            if takes_value.get(name) and "=" not in arg:
                value = list(itertools.islice(rest, 1))  # its value, even "-x"
                if not value:  # given last without one: click says so
                    return args
                options.extend(value)
        else:
            arguments.append(arg)
    return [*options, "--", *arguments]


@click.command(cls=DashedQueryCommand,
               short_help="full-text search that folds Vietnamese diacritics")
@click.argument("query")
@filter_options
@click.option("--limit", type=PositiveInt(), default=20, show_default=True,
              help="results to print")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@db_option
def search(query, limit, output_format, db, **filters) -> int:
    """Search titles and texts; with or without diacritics, old or new tone marks. QUERY:
    words, "quoted words" for a phrase, OR and NOT to combine terms, -word or -"a phrase" to
    leave out the articles holding it, a trailing * for a prefix; an empty query ("") lists
    what the filters keep, newest first.

    \b
    Example: vnarchive search "" --province "Thanh Hoa" --period 2024-Q2 --meeting-only
    Example: vnarchive search "hội nghị -huyện"
    """
    from archive.filters import only_excludes
    from archive.search import RANKED_MATCHES, search_counted

    if only_excludes(query):  # FTS5 cannot rank "every article but": it found the word
        raise CommandError(f"{query!r} only leaves words out (-word); a search needs a word "
                           "to look for beside them, such as \"hội nghị -huyện\"")
    chosen = researcher_filters(filters)
    with reading_filtered(db, chosen) as connection:
        hits, matched = search_counted(db, query, filters=chosen, limit=limit,
                                       connection=connection)
    capped = matched is not None and matched > RANKED_MATCHES
    if capped:
        print(f"note: more than {RANKED_MATCHES:,} articles match; the best of the "
              f"{RANKED_MATCHES:,} archived last are shown (narrow the search with --from/--to, "
              "--province, --site or --meeting-only to rank all of them)", file=sys.stderr)
    if output_format == "json":
        print_json([hit.__dict__ for hit in hits])
        return 0
    for hit in hits:
        label = "meeting report" if hit.is_meeting_report else "article"
        place = ", ".join(part for part in (hit.locality, hit.province) if part)
        print(f"{hit.title}\n  {hit.site} · {(hit.published or '')[:10]} · {label}"
              f"{' · ' + place if place else ''}"
              f"{' · ' + hit.period_deployed if hit.period_deployed else ''}\n"
              f"  {hit.canonical_url}\n  {hit.snippet}\n")
    print(results_line(len(hits), matched, limit))
    return 0


def results_line(shown: int, matched: int | None, limit: int) -> str:
    """How many results are shown, and of how many: "20 results" alone read as all there
    were when 179 articles matched."""
    from archive.search import RANKED_MATCHES

    results = f"{shown} result{'s' if shown != 1 else ''}"
    if matched is not None and matched > RANKED_MATCHES:
        return f"{results} of more than {RANKED_MATCHES:,} matches (--limit shows more)"
    if matched is not None and matched > shown:
        return f"{results} of {matched:,} matches (--limit shows more)"
    if matched is None and shown == limit:
        return f"{results}, the newest (there may be more: --limit)"
    return results


def researcher_filters(options: dict):
    """The filters of `search` and `export` (archive/filters.py), from their options."""
    from archive.filters import FilterError, Filters

    try:
        return Filters(**options)
    except FilterError as error:
        raise CommandError(str(error)) from None


@contextmanager
def reading_filtered(db: str, chosen) -> Iterator:
    """The archive opened once for a command that reads it through the researcher's filters
    (three opens before): its --site checked, and the province merger noted."""
    with reading(db) as connection:
        check_site_in(connection, chosen.site)
        note_the_merger(connection, chosen.province)
        yield connection


def note_the_merger(connection, province: str | None) -> None:
    """A note on stderr when --province (the province as it was then) names a province that
    took in others on 1 July 2025: "Gia Lai" kept Gia Lai's reports and left out Bình
    Định's, now Gia Lai too, without a word; a province merged away gave none. The provinces
    come from the gazetteer and each is counted on its index: grouping every report by its
    two provinces took 0.12-0.48 s at a million articles, more than the search itself."""
    from archive.filters import place_key
    from archive.query import has_table
    from pipelines.gazetteer import MERGED_INTO_2025

    wanted = place_key(province) if province else None
    merged = [(old, new) for old, new in MERGED_INTO_2025.items()
              if place_key(new) == wanted and place_key(old) != wanted]
    if not merged or not has_table(connection, "meeting_reports"):
        return
    others = [(old, count, new) for old, new in merged
              if (count := connection.execute(
                  "select count(*) from meeting_reports where province = ?",
                  [old]).fetchone()[0])]
    if others:
        today = others[0][2]
        taken = ", ".join(f"{old} ({count} report{'s' if count != 1 else ''})"
                          for old, count, _ in others)
        print(f"note: --province keeps the province as it was then; since the 1 July 2025 "
              f"merger {today} also takes in {taken}, left out here (today's {today}: "
              f"vnarchive export OUT --table reports --where \"province_2025 = '{today}'\")",
              file=sys.stderr)


@click.command(short_help="export a table or query (csv, jsonl, parquet)")
@click.argument("out", metavar="OUT")
@click.option("--format", "output_format", type=click.Choice(["csv", "jsonl", "parquet"]),
              help="default: from OUT's extension")
@click.option("--table", help="a table or view (default: articles; reports has a meeting "
              "report on one row)")
@click.option("--query", help="an SQL query instead of a table")
@click.option("--where", help="an SQL condition on the table's rows")
@click.option("--force", is_flag=True, help="replace OUT if it exists (never the archive, a "
              "WARC file or an SQLite database)")
@click.option("--all-columns", is_flag=True, help="keep the archive's own copies for search "
              "and stories (title_folded, text_folded, story_signature of articles)")
@click.option("--for-spreadsheets", is_flag=True, help="a CSV to open in Excel or "
              "LibreOffice: a text cell that begins with = + - or @ gets an apostrophe before "
              "it, so a site's text is shown, never run as a formula (the datasheet says so), "
              "and the file begins with a byte-order mark, so Excel reads it as UTF-8")
@filter_options
@db_option
def export(out, output_format, table, query, where, force, all_columns, for_spreadsheets, db,
           **filters) -> int:
    """Export a table, a view or a query as CSV, JSON Lines or Parquet (typed), with a
    datasheet beside it (and a dataset card beside Parquet). OUT is the file to write (.csv,
    .jsonl, .parquet), or - for CSV or JSON Lines on standard output; the filters are those
    of `search`.

    \b
    Example: vnarchive export reports.parquet --table reports --province "Bac Kan" --period 2024
    """
    from archive.export import check_arguments
    from archive.export import export as export_rows

    check_exclusive(table=table, query=query)
    chosen = researcher_filters(filters)
    check_arguments(out, output_format, for_spreadsheets)  # before the archive, as before
    try:
        with reading_filtered(db, chosen) as connection:
            # `is None`: an empty --query or --table is refused, not taken as not given.
            result = export_rows(db, out, output_format,
                                 table=None if query is not None else
                                 ("articles" if table is None else table),
                                 query=query, where=where, filters=chosen,
                                 progress=progress_of_rows(), force=force,
                                 all_columns=all_columns, for_spreadsheets=for_spreadsheets,
                                 connection=connection)
    except ExportError:
        raise
    except (TypeError, ValueError) as error:  # a value the format cannot hold (pyarrow's too)
        raise CommandError(f"cannot write the rows as {output_format or 'asked'}: {error}; "
                           f"{out} was left as it was") from None
    from archive.datasheet import counted, unreadable_note

    if result.unreadable:
        note = unreadable_note(result.unreadable)
        print(f"warning: {note[0].lower()}{note[1:]}", file=sys.stderr)
    if result.path is None:
        print(f"wrote {counted(result.rows, 'row')} to standard output", file=sys.stderr)
        return 0
    print(f"wrote {counted(result.rows, 'row')} to {result.path} and its datasheet "
          f"{result.datasheet}"
          f"{' and dataset card ' + str(result.card) if result.card else ''}")
    return 0


@click.command(short_help="run SQL against the archive")
@click.argument("sql")
@click.option("--format", "output_format", type=click.Choice(["table", "csv", "json"]),
              default="table", show_default=True)
@click.option("--timeout", type=NumberRange(min=0), default=30, metavar="SECONDS",
              help="stop the query after this long (default 30; 0: no limit)")
@click.option("--max-rows", type=PositiveInt(), help="print at most N rows")
@db_option
def query(sql, output_format, timeout, max_rows, db) -> int:
    """Run SQL against the archive (read-only) and print the rows as they come.

    \b
    Example: vnarchive query "select site, count(*) from articles group by site"
    """
    from archive.json_rows import json_line
    from archive.query import is_blank, stream_query
    from archive.text_cells import text_cells

    if is_blank(sql):  # it printed an empty table and exited 0
        raise CommandError("the SQL is empty: give a statement, such as "
                           "\"select count(*) from articles\"")

    with stream_query(db, sql, timeout=timeout, max_rows=max_rows) as stream:
        columns, rows = stream.columns, stream.rows
        repeated = sorted({name for name in columns if columns.count(name) > 1})
        if output_format == "json" and repeated:  # a JSON object kept the last one only
            raise CommandError(f"the columns {', '.join(repeated)} appear more than once, "
                               "and a JSON object keeps one of each: name them apart with AS")
        if output_format == "json":  # streamed: one row per line, the whole a JSON array
            # A blob as base64 and infinity as null, as `export` writes them: json.dumps
            # failed on a blob mid-array, and wrote Infinity, which JSON readers refuse.
            print("[", end="")
            for index, row in enumerate(rows):
                print("," if index else "", json_line(dict(zip(columns, row, strict=True))),
                      sep="\n", end="")
            print("\n]")
        elif output_format == "csv":
            writer = csv.writer(sys.stdout)
            writer.writerow(columns)
            writer.writerows(map(text_cells, rows))  # a blob as base64, as `export` writes it
        else:
            print_table(columns, rows)
    if stream.truncated:
        print(f"vnarchive query: stopped at --max-rows {max_rows}; more rows follow",
              file=sys.stderr)
    return 0


@click.command(short_help="print an archived article's page, decoded")
@click.argument("url")
@db_option
def page(url, db) -> int:
    """Print the page an article was extracted from, as UTF-8: its bytes read back from the
    archive's WARC files and decoded as the extraction decoded them (the charset found, NFC).
    Any address of the article will do, or one it moved from.

    \b
    Example: vnarchive page https://baothanhhoa.vn/a-185001.htm > page.html
    """
    from archive.stored_pages import stored_page

    if not url.strip():
        raise CommandError("the URL is empty: give an article's address")
    found = stored_page(db, url)
    sys.stdout.buffer.write(found.html.encode("utf-8", "replace"))
    sys.stdout.flush()
    return 0


@click.command(short_help="browse the archive with Datasette")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--host", default="127.0.0.1",
              help="address to listen on (default 127.0.0.1; others get a warning)")
@click.option("--write-metadata", metavar="FILE", help="write the Datasette metadata "
              "(dashboard, queries, feeds) to FILE (- for standard output) for a plain "
              "`datasette` run, and exit")
@db_option
def serve(port, host, write_metadata, db) -> int:
    """Browse the archive with Datasette: dashboard, metadata, facets, saved queries, feeds.

    \b
    Example: vnarchive serve --port 8001   (then open http://127.0.0.1:8001/-/dashboards/researcher)
    """
    import subprocess
    import tempfile

    from archive.errors import check_readable
    from archive.metadata import DATASETTE_SETTINGS, datasette_metadata

    # `is not None`: an empty name started the server instead, as if none was given.
    if write_metadata is not None:
        from archive.safe_output import check_output, write_text_safely

        if not write_metadata.strip():
            raise CommandError("--write-metadata is empty: give a file name, or - for "
                               "standard output")
        written = json.dumps(datasette_metadata(), ensure_ascii=False, indent=2)
        if write_metadata == "-":  # as `export -`: it wrote a file named "-"
            print(written)
            return 0
        # Checked as an export's file is: a plain write_text wrote over the archive itself
        # when given its name, and waited for ever on a named pipe.
        check_output(Path(write_metadata), db, force=True)
        write_text_safely(Path(write_metadata), written)
        print(f"wrote {write_metadata}; run: datasette serve {db} --metadata {write_metadata}")
        return 0
    check_readable(db)
    check_can_listen(host, port)
    # Opened once before Datasette: a compaction alone with the archive is said and waited
    # for (it sat silent for minutes), and a file that is no SQLite database is refused here.
    connect_read_only(db).close()
    add_views(db)
    warning = off_loopback_warning(host)
    if warning:
        print(warning, file=sys.stderr)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(datasette_metadata(), handle, ensure_ascii=False)
    command = [sys.executable, "-m", "datasette", "serve", str(db), "--metadata",
               handle.name, "--host", host, "--port", str(port),
               "--plugins-dir", str(DATASETTE_PLUGINS)]  # Host-header check (DNS rebinding)
    for name, value in DATASETTE_SETTINGS.items():
        command += ["--setting", name, str(value).lower()]
    print(f"serving {db} at http://{host}:{port}/ (dashboard: "
          f"http://{host}:{port}/-/dashboards/researcher)", flush=True)
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


def check_can_listen(host: str, port: int) -> None:
    """Refuse a port another server holds (or an address that is none of this machine's)
    before saying where the archive is served: Datasette found out only after that line, and
    its error went by among its start-up lines."""
    import socket

    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Datasette's server
            probe.bind(address)
    except OSError as error:
        raise CommandError(f"cannot listen on {host} port {port} ({error.strerror or error}): "
                           "--port or --host names another") from None


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


def add_views(db_path: str) -> None:
    """Bring an archive of an earlier version up to the views the saved queries read, when it
    is writable (a read-only one is served as it is)."""
    from archive.errors import ArchiveError
    from archive.schema import open_database

    try:
        open_database(db_path).close()
    except ArchiveError:
        pass
