"""The Parquet file of an export: its rows read into Arrow (archive/arrow_rows.py, or Python's
sqlite3 where that cannot), typed, and each batch encoded and compressed in a second thread
while the next one is read.

Python's sqlite3 reads the rows only where the fast read cannot: a filtered export (the filters
call functions the export's connection registers), a query calling them, or a value the
driver would read otherwise than Python (archive/arrow_rows.py says which). Either way the
file holds the same values, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from archive.arrow_rows import FastReadError, read_batches, typed_batch
from archive.columns import arrow_column

DICTIONARY_SHARE = 10  # a text column with fewer distinct values than a tenth of its rows


def write_parquet_export(path: Path, db_path: str, schema: pa.Schema, first: list[tuple],
                         python_rows: Callable[[], Iterator[list[tuple]]], sql: str | None,
                         batch_rows: int, tracker) -> Iterator[int]:
    """Write the file; yields the rows written so far after each batch (from 0 again if the
    driver gives up and Python reads the rows from the first). `first` is the batch Python read
    to type the columns, `python_rows()` the rows after it; `sql` is None where only Python
    can read the rows. `tracker` is told each batch (export.py's _Tracker)."""
    dictionary = dictionary_columns(schema, first)
    if sql is not None:
        try:
            stored = read_batches(db_path, sql, schema, batch_rows)
            yield from _write(path, schema, dictionary, _typed(stored, schema, tracker))
            return
        except FastReadError:
            tracker.reset()  # the file is written again from its first row
    rows = _chain(first, python_rows())
    yield from _write(path, schema, dictionary, _from_python(rows, schema, tracker))


def _typed(stored: Iterable[pa.RecordBatch], schema: pa.Schema,
           tracker) -> Iterator[pa.RecordBatch]:
    for batch in stored:
        tracker.add_arrow(batch)
        yield typed_batch(batch, schema)


def _from_python(batches: Iterable[list[tuple]], schema: pa.Schema,
                 tracker) -> Iterator[pa.RecordBatch]:
    for batch in batches:
        tracker.add_rows(batch)
        yield pa.RecordBatch.from_arrays(
            [_parquet_column(values, field)
             for values, field in zip(zip(*batch, strict=True), schema, strict=True)],
            schema=schema)


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
