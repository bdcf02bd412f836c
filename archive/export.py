"""Export a table, a view or a query of the archive as CSV, JSON Lines or Parquet, streaming,
with a datasheet beside it (and a dataset card beside Parquet).

Rows are read in batches from a read-only connection and written as they come, so memory
stays flat however large the archive (bench/bench_export.py measures it). Columns are typed
by archive/columns.py: Parquet gets timestamps with their zone, days, booleans, integers and
lists of structs; JSON Lines real arrays and booleans. The format is taken from the file's
extension unless given; `-` writes CSV or JSON Lines to standard output. A table export takes
the researcher's filters (archive/filters.py), the same as `vnarchive search`. A Parquet file
is written by archive/export_parquet.py, which reads its rows into Arrow in C where it can.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from archive.columns import (
    STORAGE_SAMPLES,
    ColumnTypeError,
    arrow_schema,
    holds_value,
    json_converters,
    sql_name,
    unsampled,
)
from archive.datasheet import ExportFacts, write_card, write_datasheet
from archive.errors import ExportError
from archive.export_parquet import write_parquet_export
from archive.filters import Filters, filter_sql, register_functions
from archive.json_rows import json_line
from archive.query import is_blank, reading, table_columns
from archive.safe_output import safe_output
from archive.text_cells import text_cells

BATCH_ROWS = 5000
# Memory-mapped reads of the archive: an export reads every page of its rows once, and
# SQLite then neither copies them into its cache nor asks the kernel for each (2 GiB is
# SQLite's default ceiling; the rest of a larger file is read as usual).
EXPORT_MMAP_BYTES = 2**31 - 2**16
FORMATS = ("csv", "jsonl", "parquet")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
              ".pq": "parquet"}
STDOUT = "-"
# The archive's own working copies, left out of a table's export unless asked for: the folded
# title and text exist for the full-text index, the signature for the story finder. They are
# 45% of an articles export's bytes and a quarter of its CPU, and any can be made again from
# the title and text (pipelines/fingerprint.py, pipelines/vietnamese.py).
WORKING_COLUMNS = {"articles": ("title_folded", "text_folded", "story_signature")}


@dataclass
class ExportResult:
    path: Path | None  # None for standard output
    datasheet: Path | None
    rows: int
    columns: list[str]
    card: Path | None = None
    # Per column, the rows whose value did not read as its type (a time or a day not ISO
    # 8601, a list not JSON, a flag not 0 or 1): NULL in Parquet (JSON Lines: lists, flags).
    unreadable: dict[str, int] = field(default_factory=dict)


def export_format(out: str, fmt: str | None) -> str:
    """The format asked for, else the one the file's extension names."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"format must be one of {', '.join(FORMATS)}")
        return fmt
    if out == STDOUT:
        raise ExportError("give --format csv or --format jsonl to write to standard output")
    found = EXTENSIONS.get(Path(out).suffix.lower())
    if found is None:
        raise ExportError(f"cannot tell the format from {out!r}: name the file .csv, .jsonl "
                          "or .parquet, or give --format")
    return found


def _source_sql(connection, table: str | None, query: str | None, where: str | None,
                filters: Filters | None,
                all_columns: bool = False) -> tuple[str, str, tuple[str, str] | None]:
    """The export's statement, its description, and what to read ahead (_read_ahead)."""
    if (table is None) == (query is None):
        raise ExportError("give either --table or --query")
    # An empty one was taken as not given: `--query ""` exported every article.
    if query is not None and is_blank(query):
        raise ExportError("--query is empty: give the select statement to export")
    if table is not None and not table.strip():
        raise ExportError("--table is empty: name a table or view")
    filtering = _filtering(filters)
    if query is not None:
        if filtering or where:
            raise ExportError(f"{'the filters apply' if filtering else '--where applies'} to "
                              "--table exports; a --query says its own conditions")
        return subquery(query), "the query: " + query, None
    tables = {name: (kind, definition) for name, kind, definition in connection.execute(
        "select name, type, sql from sqlite_master where type in ('table', 'view')")}
    if table not in tables:
        raise ExportError(f"no table {table!r} (tables: {', '.join(sorted(tables))})")
    # In parentheses, on lines of their own: "a or b" stays one condition beside the filters',
    # and a trailing "-- comment" cannot hide what follows it.
    conditions = [f"(\n{where}\n)"] if where else []
    if where:
        _refuse_parameters(connection, table, conditions[0])
    columns = table_columns(connection, table)
    if filtering:
        if "canonical_url" not in columns:
            raise ExportError(f"the filters need articles: {table!r} has no canonical_url")
        conditions.append(
            "canonical_url in (select a.canonical_url from articles a left join "
            f"meeting_reports m on m.canonical_url = a.canonical_url where {filter_sql()})")
    left_out = [] if all_columns else [c for c in WORKING_COLUMNS.get(table, ()) if c in columns]
    selected = (", ".join(sql_name(c) for c in columns if c not in left_out) if left_out
                else "*")
    sql = f'select {selected} from "{table}"' + (f" where {' and '.join(conditions)}"
                                                if conditions else "")
    described = f"the table {table}" + (f" where {where}" if where else "")
    if left_out:
        described += (f" (without {', '.join(left_out)}: the archive's own copies for search "
                      "and stories; --all-columns keeps them)")
    if filtering:
        chosen = {k: v for k, v in filters.parameters().items() if v}
        described += " filtered by " + ", ".join(f"{k} {v}" for k, v in chosen.items())
    return sql, described, None if conditions else _read_ahead(table, *tables[table], columns)


def _refuse_parameters(connection, table: str, condition: str) -> None:
    """Refuse a --where with SQL parameters (:name, ?, @name, $name): they were bound to the
    filters' own values, so `--where ":site is null"` read --site, and nothing can bind
    them otherwise. The condition is compiled with no values: the driver refuses a statement
    that has parameters, so a ':site' inside a quoted text is no parameter."""
    try:
        connection.execute(f'explain select 1 from "{table}" where {condition}')
    except sqlite3.ProgrammingError:
        raise ExportError("--where cannot use SQL parameters (:name, ?): write the value into "
                          "the condition, or use the filters (--site, --province, ...)") from None
    except sqlite3.Error:
        return  # a condition SQLite cannot read: the export's own statement says why


# What may follow a statement's end: semicolons, comments, white space.
STATEMENT_TAIL = re.compile(r"(?:;|\s+|--[^\n]*|/\*.*?(?:\*/|$))*", re.DOTALL)


def subquery(sql: str) -> str:
    """A query that can be read as `(...)` inside another statement (a Parquet export reads
    it so, archive/arrow_rows.py): without the semicolon and comments after its end, and
    ending on a new line, so a "-- comment" on its last line cannot hide the closing
    parenthesis. A second statement after it is kept, for the driver to refuse."""
    for index, char in enumerate(sql):
        if char == ";" and sqlite3.complete_statement(sql[:index + 1]):
            if STATEMENT_TAIL.fullmatch(sql, index):
                return sql[:index] + "\n"
            break
    return sql + "\n"


def _batches(cursor) -> Iterator[list[tuple]]:
    while True:
        rows = cursor.fetchmany(BATCH_ROWS)
        if not rows:
            return
        yield rows


def _refuse_duplicates(columns: list[str]) -> None:
    repeated = sorted(name for name, count in Counter(columns).items() if count > 1)
    if repeated:
        raise ExportError(f"the columns {', '.join(repeated)} appear more than once; name them "
                          "apart with AS (pyarrow and pandas refuse such a file)")


class _Tracker:
    """Counts rows per site, and the range of publication dates, as batches go by."""

    def __init__(self, connection, columns: list[str]):
        self.connection, self.columns = connection, columns
        self.sites: Counter[str] = Counter()
        self.unreadable: Counter[str] = Counter()
        self.low = self.high = None

    @property
    def traceable(self) -> bool:
        return "site" in self.columns or "canonical_url" in self.columns

    def reset(self) -> None:
        self.sites.clear()
        self.unreadable.clear()
        self.low = self.high = None

    def add_unreadable(self, column: str, rows: pa.Array) -> None:
        """The rows (a boolean per row) whose `column` was written as NULL, not ISO 8601."""
        count = pc.sum(rows).as_py()
        if count:
            self.unreadable[column] += count

    def add_rows(self, batch: list[tuple]) -> None:
        # A Parquet export read by Python reads its texts as bytes (_read_as_bytes).
        # Counted and compared as read, then the few results decoded: decoding each row's
        # values cost a tenth of an export.
        def column(name: str):
            return map(itemgetter(self.columns.index(name)), batch)

        if "site" in self.columns:
            self._add_sites(Counter(column("site")))
        elif "canonical_url" in self.columns:
            self._add_urls([_text(url) for url in column("canonical_url")])
        if "published" in self.columns:
            days = [day for day in column("published") if day]
            if days:
                low, high = min(days), max(days)
                if not (_is_day(low) and _is_day(high)):  # rare: a date a site printed oddly
                    days = [day for day in days if _is_day(day)]
                    low, high = (min(days), max(days)) if days else (None, None)
                if low is not None:
                    self._add_days(low, high)

    def add_arrow(self, batch: pa.RecordBatch) -> None:
        """The same from a batch of stored values in Arrow (archive/arrow_rows.py)."""
        if "site" in self.columns:
            counted = pc.value_counts(batch.column("site")).to_pylist()
            self._add_sites({pair["values"]: pair["counts"] for pair in counted})
        elif "canonical_url" in self.columns:
            self._add_urls(batch.column("canonical_url").to_pylist())
        if "published" in self.columns:
            days = batch.column("published")
            if pa.types.is_string(days.type):
                days = days.filter(pc.match_substring_regex(days, ISO_DAY.pattern))
            low, high = pc.min_max(days).values()
            if low.is_valid:
                self._add_days(low.as_py(), high.as_py())

    def _add_sites(self, counted) -> None:
        for site, count in counted.items():
            if site:
                self.sites[_text(site)] += count

    def _add_urls(self, urls: list[str]) -> None:
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            self.sites.update(dict(self.connection.execute(
                f"select site, count(*) from articles where canonical_url in "
                f"({','.join('?' * len(chunk))}) group by site", chunk).fetchall()))

    def _add_days(self, low, high) -> None:
        low, high = _text(low), _text(high)
        self.low = min(low, self.low or low)
        self.high = max(high, self.high or high)


# The start of a date the datasheet's range may show: "12/05/2024" (not ISO 8601, NULL in
# Parquet) sorted before every "2019-..." and became the first publication date.
ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_day(value) -> bool:
    return bool(ISO_DAY.match(_text(value)))


# What makes a spreadsheet take a cell for a formula (OWASP's list): a title a site wrote as
# =HYPERLINK(...) would run when a journalist opens the CSV in Excel or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A text that a spreadsheet would run as a formula, with an apostrophe before it (shown
    as text); other values as they are (a number stays a number)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def check_arguments(out: str, fmt: str | None, for_spreadsheets: bool = False) -> str:
    """The export's format, once OUT and the options are found usable together (before the
    archive is opened: a bad OUT is named whatever the archive)."""
    if not out.strip():  # it failed on "PosixPath('.') has an empty name"
        raise ExportError("OUT is empty: name the file to write, or - for standard output")
    fmt = export_format(out, fmt)
    if for_spreadsheets and fmt != "csv":
        raise ExportError("--for-spreadsheets is for CSV: JSON Lines and Parquet keep each "
                          "value as it is")
    if out == STDOUT and fmt == "parquet":
        raise ExportError("Parquet cannot go to standard output; name a .parquet file")
    return fmt


def export(db_path: str, out: str, fmt: str | None = None, table: str | None = None,
           query: str | None = None, where: str | None = None, filters: Filters | None = None,
           progress: Callable[[int], None] | None = None, force: bool = False,
           all_columns: bool = False, for_spreadsheets: bool = False,
           connection: sqlite3.Connection | None = None) -> ExportResult:
    """Write the export; an existing OUT is replaced only with `force`, and only once the
    export is complete (archive/safe_output.py refuses the archive and other databases).
    A table's WORKING_COLUMNS are left out unless `all_columns`; `for_spreadsheets` writes
    each CSV text cell through `spreadsheet_cell`. `connection`: the caller's read-only one
    to the archive (`vnarchive export` reads it before), else one is opened."""
    fmt = check_arguments(out, fmt, for_spreadsheets)
    with reading(db_path, connection) as connection:
        # The source is checked before the output, so a bad table is named even when OUT exists.
        source = _source(connection, table, query, where, filters, all_columns)
        if out == STDOUT:
            return _export(connection, db_path, None, None, fmt, table, filters, source,
                           progress, for_spreadsheets)
        final = Path(out)
        with safe_output(final, db_path, force, datasheet_path(final)) as path:
            return _export(connection, db_path, path, final, fmt, table, filters, source,
                           progress, for_spreadsheets)


def _source(connection, table, query, where, filters,
            all_columns) -> tuple[str, str, tuple[str, str] | None]:
    register_functions(connection)
    connection.execute(f"PRAGMA mmap_size = {EXPORT_MMAP_BYTES}")
    return _source_sql(connection, table, query, where, filters, all_columns)


def _read_ahead(table: str, kind: str, definition: str | None,
                columns: list[str]) -> tuple[str, str] | None:
    """A whole rowid table is read in rowid order: the table and its last column, for
    archive/read_ahead.py; None for a view or a table without rowid."""
    if kind != "table" or "without rowid" in (definition or "").lower() or not columns:
        return None
    return table, columns[-1]


def _export(connection, db_path: str, path: Path | None, final: Path | None, fmt: str,
            table, filters, source: tuple[str, str, tuple[str, str] | None],
            progress, for_spreadsheets: bool = False) -> ExportResult:
    """Write to `path` (None: standard output); the datasheet and card name `final`."""
    sql, described, read_ahead = source
    parameters = filters.parameters() if filters and table else {}
    try:
        cursor = connection.execute(sql, parameters)
    except sqlite3.ProgrammingError as error:
        if table or "binding" not in str(error).lower():
            raise
        # The driver said "You did not supply a value for binding parameter :site."
        raise ExportError("--query cannot use SQL parameters (:name, ?): nothing binds them; "
                          "write the values into the query") from None
    if cursor.description is None:
        raise ExportError("the query returns no rows to export (it is not a select)")
    columns = [d[0] for d in cursor.description]
    _refuse_duplicates(columns)
    declared = ({row[1]: row[2] for row in connection.execute(
        f'pragma table_info("{table}")')} if table else {})
    tracker = _Tracker(connection, columns)
    batches = _batches(cursor)
    first = next(batches, [])
    schema = arrow_schema(columns, declared, first + _later_samples(
        connection, sql, parameters, columns, declared, first))
    if fmt == "parquet":
        def python_rows() -> Iterator[list[tuple]]:
            if len(first) < BATCH_ROWS:
                return batches
            return _read_as_bytes(connection, sql, parameters, schema, len(first))

        # The filters call functions only this connection has (archive/filters.py). Rows
        # that all came in the first batch are written from it: a child process would start
        # and read them again (half a second for a few rows).
        fast_sql = None if _filtering(filters) or len(first) < BATCH_ROWS else sql
        written = write_parquet_export(path, db_path, schema, first, python_rows, fast_sql,
                                       BATCH_ROWS, tracker, read_ahead)
    else:
        rows_in = _chain(first, batches)
        written = _tracked(_write_csv(path, schema, rows_in, for_spreadsheets) if fmt == "csv"
                           else _write_jsonl(path, schema, rows_in, tracker.unreadable),
                           tracker)
    rows = 0
    try:
        for rows in written:
            if progress:
                progress(rows)
    except ColumnTypeError as error:
        raise ExportError(f"cannot write the rows as {fmt}: {error}") from None
    unreadable = dict(tracker.unreadable)
    if final is None:  # JSON Lines on standard output nulls and counts them too
        return ExportResult(None, None, rows, columns, unreadable=unreadable)
    facts = ExportFacts(final, fmt, described, table, schema, rows, dict(tracker.sites),
                        tracker.traceable, (tracker.low, tracker.high), for_spreadsheets,
                        unreadable)
    datasheet = write_datasheet(connection, facts)
    card = write_card(facts) if fmt == "parquet" else None
    return ExportResult(final, datasheet, rows, columns, card, unreadable)


def _later_samples(connection, sql: str, parameters: dict, columns: list[str],
                   declared: dict[str, str], first: list[tuple]) -> list[tuple]:
    """A row of samples, past the first batch, for the columns that were NULL all through it
    (none, or [] where the first batch holds every row): a query's column that was NULL in
    its first 5,000 rows became text for the whole file, its numbers written as texts. The
    storage class of each one's first value is read (typeof reads no text or blob), in one
    statement that stops once each has one; a column NULL to the end is read to the end."""
    unknown = unsampled(columns, declared, first) if len(first) >= BATCH_ROWS else []
    if not unknown:
        return []
    names = [sql_name(columns[index]) for index in unknown]
    found: dict[int, str] = {}
    cursor = connection.execute(
        f"select {', '.join(f'typeof({name})' for name in names)} from ({sql}) where "
        + " or ".join(f"{name} is not null" for name in names), parameters)
    for kinds in cursor:
        for index, kind in zip(unknown, kinds, strict=True):
            if kind != "null":
                found.setdefault(index, kind)
        if len(found) == len(unknown):
            break
    cursor.close()
    return [tuple(STORAGE_SAMPLES.get(found.get(index)) for index in range(len(columns)))]


def _tracked(batches: Iterator[list[tuple]], tracker: _Tracker) -> Iterator[int]:
    """The rows written so far, after each batch."""
    rows = 0
    for batch in batches:
        tracker.add_rows(batch)
        rows += len(batch)
        yield rows


def _filtering(filters: Filters | None) -> bool:
    return filters is not None and filters != Filters()


def datasheet_path(path: Path) -> Path:
    return path.with_name(path.name + ".datasheet.md")


def _chain(first: list[tuple], rest: Iterator[list[tuple]]) -> Iterator[list[tuple]]:
    if first:
        yield first
    yield from rest


def _open_text(path: Path | None, newline: str | None = None):
    if path is None:
        return _Unclosed(sys.stdout)
    return path.open("w", encoding="utf-8", newline=newline)


class _Unclosed:
    """Standard output in a `with` block, left open at its end."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *_):
        self.stream.flush()


def _write_csv(path, schema: pa.Schema, batches,
               for_spreadsheets: bool = False) -> Iterator[list[tuple]]:
    with _open_text(path, newline="") as handle:
        if for_spreadsheets:
            # UTF-8's byte-order mark: without it Excel reads the file in the machine's
            # legacy code page, and every Vietnamese letter comes out garbled.
            handle.write("\ufeff")
        writer = csv.writer(handle)
        writer.writerow(schema.names)
        for batch in batches:
            rows = map(text_cells, batch)  # a blob as base64, not Python's b'...'
            writer.writerows([tuple(map(spreadsheet_cell, row)) for row in rows]
                             if for_spreadsheets else rows)
            yield batch


def _write_jsonl(path, schema: pa.Schema, batches,
                 nulled: Counter[str]) -> Iterator[list[tuple]]:
    """`nulled` counts, per column, the stored values written as null: a list or a flag that
    does not read as one (columns.convert_or_null)."""
    names, converters = schema.names, json_converters(schema)
    typed = [(index, convert) for index, convert in enumerate(converters) if convert]
    with _open_text(path) as handle:
        for batch in batches:
            for row in batch:
                record = dict(zip(names, row, strict=True))
                for index, convert in typed:
                    value = convert(row[index])
                    if value is None and holds_value(row[index]):
                        nulled[names[index]] += 1
                    record[names[index]] = value
                handle.write(json_line(record) + "\n")
            yield batch


def _read_as_bytes(connection, sql: str, parameters: dict, schema: pa.Schema,
                   skip: int) -> Iterator[list[tuple]]:
    """The export's rows after the first `skip` (the batch that gave the schema) with every
    text column as its UTF-8 bytes: Python then neither decodes the texts nor Arrow encodes
    them back, two thirds of a Parquet export's time for articles of several kilobytes. The
    first statement is still open, so the second reads the same snapshot, in the same order."""
    names = [f"cast({sql_name(f.name)} as blob) as {sql_name(f.name)}"
             if pa.types.is_string(f.type) else sql_name(f.name) for f in schema]
    cursor = connection.execute(f"select {', '.join(names)} from ({sql}) limit -1 offset {skip}",
                                parameters)
    return _batches(cursor)
