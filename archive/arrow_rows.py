"""An export's rows read straight into Arrow by ADBC's SQLite driver, then given the export's
column types with Arrow's own functions: no Python object per value.

Python's sqlite3 makes an object of every value and Arrow copies each one again; for the
archive's articles (5 KB a row) that thread took 18 of a Parquet export's 31 CPU seconds at
910,000 articles, and bounded its rate. The driver steps the statement in C and copies the
values into Arrow buffers without the GIL, while the previous batch is encoded: 12-14 s.

The driver infers a column's type from the values of its first batch (an all-NULL column
becomes int64, and a later text in it is an error; mixed kinds become text such as
'5.000000e+00'), so the statement starts with one row of the expected storage types, dropped
from the first batch. Anything the driver cannot do the
way Python's sqlite3 does (a function the export registers, a value of another type, an old
SQLite) raises FastReadError, and the export reads the rows with Python instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pyarrow as pa
import pyarrow.compute as pc

from archive.columns import (
    arrow_column,
    convert_or_null,
    parse_timestamps,
    sql_name,
    typed_array,
)
from archive.query import read_only_uri

# How each export type is stored in SQLite, as the driver will return it.
STORED_AS = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(),
             "binary": pa.binary()}
TYPED_ROW_VALUES = {"string": "''", "int": "0", "float": "0.0", "binary": "x''"}


class FastReadError(Exception):
    """The driver cannot read these rows as Python's sqlite3 would; read them with Python."""


def _storage(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return "int"
    if pa.types.is_floating(kind):
        return "float"
    if pa.types.is_binary(kind):
        return "binary"
    return "string"  # texts, and the timestamps, days and JSON lists stored as text


def typed_sql(sql: str, storage: list[tuple[str, str]]) -> str:
    """The export's statement after one row of the expected storage types. Texts are cast to
    text, as SQLite renders a number (Python's path reads them as blobs, the same bytes). A
    real in an integer column is made a text, which the driver refuses: it cut 3000.5 to
    3000 without a word, where Python's path refuses it (columns.arrow_column)."""
    first = ", ".join(f"{TYPED_ROW_VALUES[kind]} as {sql_name(name)}" for name, kind in storage)
    rest = ", ".join(_stored_value(sql_name(name), kind) for name, kind in storage)
    return f"select {first} union all select {rest} from ({sql})"


def _stored_value(name: str, kind: str) -> str:
    if kind == "string":
        return f"cast({name} as text)"
    if kind == "int":
        return f"case when typeof({name}) = 'real' then cast({name} as text) else {name} end"
    return name


def read_batches(db_path: str, sql: str, schema: pa.Schema,
                 rows: int) -> Iterator[pa.RecordBatch]:
    """The statement's rows in batches of `rows`, each column of its storage type (see
    STORED_AS); `sql` must already have run on the export's own read-only connection (its
    authorizer has seen it). Raises FastReadError, before the first batch if it can.

    Only in a process with no other SQLite connection to the archive
    (archive/export_parquet.py runs it in a child): the driver links a copy of SQLite of its
    own, and two copies in one process drop each other's POSIX locks on a file when either
    closes it (SQLite's "How To Corrupt An SQLite Database File", 2.2.1)."""
    import adbc_driver_sqlite.dbapi as adbc

    storage = [(field.name, _storage(field.type)) for field in schema]
    expected = pa.schema([(name, STORED_AS[kind]) for name, kind in storage])
    uri = read_only_uri(db_path)
    try:
        with closing(adbc.connect(uri)) as connection, closing(connection.cursor()) as cursor:
            cursor.execute("PRAGMA query_only = 1")
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(rows)})
            cursor.execute(typed_sql(sql, storage))
            with closing(cursor.fetch_record_batch()) as reader:
                if not reader.schema.equals(expected):
                    raise FastReadError(f"the driver reads {reader.schema}")
                first = True
                for batch in reader:
                    yield batch.slice(1) if first else batch
                    first = False
    except (adbc.Error, OSError) as error:  # a type mismatch comes as OSError
        raise FastReadError(str(error)) from None


def typed_batch(raw: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The stored values as the export's types, the same values `columns.convert` gives."""
    return pa.RecordBatch.from_arrays(
        [_typed_column(raw.column(index), field) for index, field in enumerate(schema)],
        schema=schema)


def _typed_column(stored: pa.Array, field: pa.Field) -> pa.Array:
    kind = field.type
    if stored.type == kind:
        return stored
    if pa.types.is_timestamp(kind):
        texts = pc.if_else(pc.equal(stored, ""), pa.scalar(None, pa.string()), stored)
        try:
            return parse_timestamps(texts, kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return arrow_column(stored.to_pylist(), kind, field.name)  # one by one
    # Flags, days and JSON lists repeat ("[]", 0, 1, a few days): each distinct value is
    # converted once.
    encoded = stored.dictionary_encode()
    values = [convert_or_null(value, kind, field.name)
              for value in encoded.dictionary.to_pylist()]
    return typed_array(values, kind).take(encoded.indices)
