"""Export a table or a query of the archive as CSV, JSON Lines or Parquet, streaming, with a
datasheet beside it.

Rows are read in batches from a read-only connection and written as they come, so memory
stays flat however large the archive (bench/bench_export.py measures it). Parquet columns get
the types the schema declares (integers, floats, text); a query's columns are typed from its
first batch.
"""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from archive.metadata import LICENCE_NOTE, TABLES
from archive.query import connect_read_only
from archive.safe_output import safe_output, write_text_safely

BATCH_ROWS = 5000
FORMATS = ("csv", "jsonl", "parquet")
DATE_COLUMNS = {"meeting_date", "event_date"}  # ISO days: Parquet date32, not text
SQLITE_TO_ARROW = {"INTEGER": pa.int64(), "INT": pa.int64(), "FLOAT": pa.float64(),
                   "REAL": pa.float64(), "TEXT": pa.string(), "": pa.string()}


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why."""


@dataclass
class ExportResult:
    path: Path
    datasheet: Path
    rows: int
    columns: list[str]


def _source_sql(connection, table: str | None, query: str | None,
                where: str | None) -> tuple[str, str]:
    if bool(table) == bool(query):
        raise ExportError("give either --table or --query")
    if query:
        return query, "the query: " + query
    tables = {row[0] for row in connection.execute(
        "select name from sqlite_master where type in ('table', 'view')")}
    if table not in tables:
        raise ExportError(f"no table {table!r} (tables: {', '.join(sorted(tables))})")
    sql = f'select * from "{table}"' + (f" where {where}" if where else "")
    return sql, f"the table {table}" + (f" where {where}" if where else "")


def _arrow_schema(connection, table: str | None, columns: list[str],
                  first_batch: list[tuple]) -> pa.Schema:
    declared = {}
    if table:
        declared = {row[1]: SQLITE_TO_ARROW.get(row[2].upper(), pa.string())
                    for row in connection.execute(f'pragma table_info("{table}")')}
    fields = []
    for index, name in enumerate(columns):
        kind = pa.date32() if name in DATE_COLUMNS else declared.get(name)
        if kind is None:
            sample = next((row[index] for row in first_batch if row[index] is not None), None)
            kind = (pa.int64() if isinstance(sample, int) else pa.float64()
                    if isinstance(sample, float) else pa.binary()
                    if isinstance(sample, bytes) else pa.string())
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _column(batch: list[tuple], index: int, kind: pa.DataType) -> pa.Array:
    values = [row[index] for row in batch]
    if kind == pa.date32():
        return pa.array(values, type=pa.string()).cast(pa.date32())
    return pa.array(values, type=kind)


def _batches(cursor) -> Iterator[list[tuple]]:
    while True:
        rows = cursor.fetchmany(BATCH_ROWS)
        if not rows:
            return
        yield rows


def export(db_path: str, out: str, fmt: str, table: str | None = None,
           query: str | None = None, where: str | None = None,
           progress: Callable[[int], None] | None = None, force: bool = False) -> ExportResult:
    if fmt not in FORMATS:
        raise ExportError(f"format must be one of {', '.join(FORMATS)}")
    final = Path(out)  # written as `path`, a temporary file renamed onto it once complete
    rows = 0
    # The source is checked before the output, so a bad table is named even when OUT exists.
    with connect_read_only(db_path) as connection, \
            nullcontext(_source_sql(connection, table, query, where)) as (sql, described), \
            safe_output(final, db_path, force, datasheet_path(final)) as path:
        cursor = connection.execute(sql)
        if cursor.description is None:
            raise ExportError("the query returns no rows to export (it is not a select)")
        columns = [d[0] for d in cursor.description]
        if fmt == "csv":
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                for batch in _batches(cursor):
                    writer.writerows(batch)
                    rows += len(batch)
                    if progress:
                        progress(rows)
        elif fmt == "jsonl":
            with path.open("w", encoding="utf-8") as handle:
                for batch in _batches(cursor):
                    handle.writelines(json.dumps(dict(zip(columns, row, strict=True)),
                                                 ensure_ascii=False, default=_json_value)
                                      + "\n" for row in batch)
                    rows += len(batch)
                    if progress:
                        progress(rows)
        else:
            writer = None
            for batch in _batches(cursor):
                if writer is None:
                    schema = _arrow_schema(connection, table, columns, batch)
                    writer = pq.ParquetWriter(path, schema)
                arrays = [_column(batch, i, schema.field(i).type) for i in range(len(columns))]
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
                rows += len(batch)
                if progress:
                    progress(rows)
            if writer is None:
                schema = _arrow_schema(connection, table, columns, [])
                writer = pq.ParquetWriter(path, schema)
            writer.close()
        datasheet = write_datasheet(connection, final, fmt, described, table, columns, rows)
    return ExportResult(final, datasheet, rows, columns)


def _json_value(value):
    """A blob in JSON Lines: its bytes as base64 text."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def datasheet_path(path: Path) -> Path:
    return path.with_name(path.name + ".datasheet.md")


def write_datasheet(connection, path: Path, fmt: str, described: str, table: str | None,
                    columns: list[str], rows: int) -> Path:
    """What the export holds, from where, under which terms, and its schema."""
    lines = [f"# Datasheet: {path.name}", "",
             f"Exported from a vnarchive archive on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: "
             f"{described}, {rows} rows, as {fmt}.", ""]
    if "published" in columns and table:
        low, high = connection.execute(
            f'select min(published), max(published) from "{table}"').fetchone()
        lines += [f"Publication dates: {low or 'none'} to {high or 'none'}.", ""]
    sites = connection.execute(
        "select s.name, s.title, s.base_url, count(a.canonical_url) from sites s left join "
        "articles a on a.site = s.name group by s.name order by s.name").fetchall()
    if sites:
        lines += ["## Sources", "", "| site | title | address | articles in the archive |",
                  "|---|---|---|---|"]
        lines += [f"| {name} | {title} | {url or ''} | {count} |"
                  for name, title, url, count in sites]
        lines.append("")
    lines += ["## Licence and attribution", "", LICENCE_NOTE, "", "## Schema", "",
              "| column | description |", "|---|---|"]
    descriptions = TABLES.get(table or "", {}).get("columns", {})
    lines += [f"| {column} | {descriptions.get(column, '')} |" for column in columns]
    datasheet = datasheet_path(path)
    write_text_safely(datasheet, "\n".join(lines) + "\n")
    return datasheet
