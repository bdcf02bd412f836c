"""The Parquet file of an export: its rows read into Arrow (archive/arrow_rows.py, or Python's
sqlite3 where that cannot), typed, and each batch encoded and compressed in a second thread
while the next one is read.

Python's sqlite3 reads the rows only where the fast read cannot: a filtered export (the filters
call functions the export's connection registers), a query calling them, or a value the
driver would read otherwise than Python (archive/arrow_rows.py says which). Either way the
file holds the same values, in the same order.

The fast read runs in a child process, which writes the file and sends back only the columns
the export's datasheet counts (site, canonical_url, published): the driver links a copy of
SQLite of its own, which must never share a process with the export's connection or a writer
(archive/arrow_rows.py says why).
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from archive.arrow_rows import FastReadError, read_batches, typed_batch
from archive.columns import arrow_column, is_parsed, unreadable
from archive.read_ahead import ReadAhead

DICTIONARY_SHARE = 10  # a text column with fewer distinct values than a tenth of its rows
COUNTED_COLUMNS = ("site", "canonical_url", "published")  # what export.py's _Tracker reads
# The child also sends, per time, day, flag or list column, which rows' values did not read
# as its type and were written as NULL (columns.convert_or_null), under this prefix and the
# column's name.
UNREADABLE = "unreadable "


def write_parquet_export(path: Path, db_path: str, schema: pa.Schema, first: list[tuple],
                         python_rows: Callable[[], Iterator[list[tuple]]], sql: str | None,
                         batch_rows: int, tracker,
                         read_ahead: tuple[str, str] | None = None) -> Iterator[int]:
    """Write the file; yields the rows written so far after each batch (from 0 again if the
    driver gives up and Python reads the rows from the first). `first` is the batch Python read
    to type the columns, `python_rows()` the rows after it; `sql` is None where only Python
    can read the rows. `tracker` is told each batch (export.py's _Tracker). `read_ahead`, the
    table and its last column, where `sql` reads a whole rowid table in rowid order
    (archive/read_ahead.py)."""
    dictionary = dictionary_columns(schema, first)
    if sql is not None:
        try:
            yield from _written_by_driver(
                write_in_child(path, db_path, sql, schema, dictionary, batch_rows, read_ahead),
                tracker)
            return
        except FastReadError:
            tracker.reset()  # the file is written again from its first row
    rows = _chain(first, python_rows())
    yield from _write(path, schema, dictionary, _from_python(rows, schema, tracker))


def _written_by_driver(counted: Iterable[pa.RecordBatch], tracker) -> Iterator[int]:
    rows = 0
    for batch in counted:
        names = batch.schema.names
        for index, name in enumerate(names):
            if name.startswith(UNREADABLE):
                tracker.add_unreadable(name[len(UNREADABLE):], batch.column(index))
        tracker.add_arrow(batch.select([n for n in names if not n.startswith(UNREADABLE)]))
        rows += batch.num_rows
        yield rows


def write_in_child(path: Path, db_path: str, sql: str, schema: pa.Schema,
                   dictionary: list[str], batch_rows: int,
                   read_ahead: tuple[str, str] | None = None) -> Iterator[pa.RecordBatch]:
    """Have a child process read the rows with the driver and write the file; yields, for
    each batch written, its counted columns as stored (one null column when it has none).
    Raises FastReadError when the driver cannot, before the first batch if it can."""
    request = pickle.dumps({"path": str(path), "db": db_path, "sql": sql, "schema": schema,
                            "dictionary": dictionary, "rows": batch_rows,
                            "read_ahead": read_ahead})
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen([sys.executable, "-m", "archive.export_parquet"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors)
        try:
            child.stdin.write(request)
            child.stdin.close()
            try:
                with pa.ipc.open_stream(child.stdout) as reader:
                    yield from reader
            except (pa.ArrowInvalid, OSError):
                pass  # the child's exit status and message say why
            if child.wait() != 0:
                errors.seek(0)
                said = errors.read().decode(errors="replace").strip().splitlines()
                raise FastReadError(said[-1] if said else f"exit {child.returncode}")
        finally:
            if child.poll() is None:  # the export stopped reading: a failure downstream
                child.kill()
            child.wait()
            child.stdout.close()


def _serve_child() -> int:
    """The child's side of write_in_child: the request (pickled, from the parent) on stdin,
    the counted columns as an Arrow stream on stdout, a reason on stderr and exit 3 when the
    driver cannot read the rows."""
    request = pickle.loads(sys.stdin.buffer.read())
    schema = request["schema"]
    counted = [name for name in COUNTED_COLUMNS if name in schema.names]
    parsed = [field.name for field in schema if is_parsed(field.type)]
    stream, rows = None, 0
    ahead = ReadAhead(request["db"], *request["read_ahead"]).start() \
        if request.get("read_ahead") else None

    def typed(stored: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        nonlocal stream, rows
        for batch in stored:
            rows += batch.num_rows
            if ahead is not None:
                ahead.passed(rows)
            converted = typed_batch(batch, schema)
            kept = batch.select(counted) if counted else pa.record_batch(
                [pa.nulls(batch.num_rows)], names=["rows"])
            for name in parsed:
                kept = kept.append_column(UNREADABLE + name, unreadable(
                    batch.column(name), converted.column(name)))
            if stream is None:
                stream = pa.ipc.new_stream(sys.stdout.buffer, kept.schema)
            stream.write_batch(kept)
            yield converted

    try:
        stored = read_batches(request["db"], request["sql"], schema, request["rows"])
        for _ in _write(Path(request["path"]), schema, request["dictionary"], typed(stored)):
            pass
    except FastReadError as error:
        print(f"fast read refused: {error}", file=sys.stderr)
        return 3
    finally:
        if ahead is not None:
            ahead.close()
    if stream is not None:
        stream.close()
    return 0


def _from_python(batches: Iterable[list[tuple]], schema: pa.Schema,
                 tracker) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        tracker.add_rows(batch)
        stored = list(zip(*batch, strict=True))
        typed = [_parquet_column(values, field)
                 for values, field in zip(stored, schema, strict=True)]
        for values, column, field in zip(stored, typed, schema, strict=True):
            if is_parsed(field.type):
                tracker.add_unreadable(field.name, unreadable(values, column))
        yield pa.RecordBatch.from_arrays(typed, schema=schema)


def _parquet_column(values: tuple, field: pa.Field) -> pa.Array:
    if pa.types.is_string(field.type):  # bytes but in the first batch (export._read_as_bytes)
        return pa.array(values, type=pa.binary()).view(pa.string())
    return arrow_column(values, field.type, field.name)


def _chain(first: list[tuple], rest: Iterator[list[tuple]]) -> Iterator[list[tuple]]:
    if first:
        yield first
    yield from rest


def dictionary_columns(schema: pa.Schema, first: list[tuple]) -> list[str]:
    """The columns worth a dictionary: every column but texts whose values mostly differ in
    the first batch (Parquet's writer would hash each text, then give its dictionary up)."""
    def repeats(index: int) -> bool:
        values = [row[index] for row in first]
        return len(set(values)) <= max(1, len(values) // DICTIONARY_SHARE)

    return [field.name for index, field in enumerate(schema)
            if not pa.types.is_string(field.type) or repeats(index)]


def _write(path: Path, schema: pa.Schema, dictionary: list[str],
           batches: Iterable[pa.RecordBatch]) -> Iterator[int]:
    """Each batch is encoded and compressed in a thread of its own (pyarrow releases the GIL
    there) while the next one is read: 45% of the export's CPU, overlapped. zstd at its
    fastest level costs what snappy did and makes files of texts a third of snappy's size."""
    with pq.ParquetWriter(path, schema, compression="zstd", compression_level=1,
                          use_dictionary=dictionary) as writer, \
            ThreadPoolExecutor(1) as encoder:
        pending, rows = None, 0
        for batch in batches:
            if not batch.num_rows:
                continue
            if pending is not None:
                pending.result()
            pending = encoder.submit(writer.write_batch, batch)
            rows += batch.num_rows
            yield rows
        if pending is not None:
            pending.result()


if __name__ == "__main__":
    sys.exit(_serve_child())
