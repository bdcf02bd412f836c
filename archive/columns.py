"""The type of every exported column, and its values converted to it.

SQLite keeps days, timestamps, yes/no flags and lists as text or integers; an export should
not. A column's type comes from its name where the archive gives that name one meaning
(`published` is a timestamp with its offset, `meeting_date` a day, `is_meeting_report` a
flag, `officials` a list of {name, title}), else from the type the table declares, else from
the first non-empty value of a query's first batch. Parquet gets the Arrow types, JSON Lines
real arrays and booleans, and the datasheet names every column's type.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc

# Timestamps: the sites' own time (+07:00) for publication, UTC for what the crawler did.
LOCAL_TIMESTAMPS = {"published"}
UTC_TIMESTAMPS = {"fetched_at", "first_seen_at", "replaced_at", "started_at", "finished_at",
                  "applied_at"}
DAYS = {"meeting_date", "event_date"}
FLAGS = {"is_meeting_report", "verified"}
STRING_LISTS = {"photo_credits", "warnings", "sites"}
OFFICIAL = pa.struct([("name", pa.string()), ("title", pa.string())])
FIGURE = pa.struct([("label", pa.string()), ("value", pa.float64()), ("total", pa.int64()),
                    ("unit", pa.string()), ("text", pa.string())])
# Milliseconds, though the archive's times have seconds: Parquet has no unit of seconds, and
# pyarrow wrote timestamp[s] as milliseconds, so the dataset card (typed from this schema) said
# timestamp[s] over a file that reads back as timestamp[ms].
NAMED_TYPES: dict[str, pa.DataType] = {
    **{name: pa.timestamp("ms", tz="+07:00") for name in LOCAL_TIMESTAMPS},
    **{name: pa.timestamp("ms", tz="UTC") for name in UTC_TIMESTAMPS},
    **{name: pa.date32() for name in DAYS},
    **{name: pa.bool_() for name in FLAGS},
    **{name: pa.list_(pa.string()) for name in STRING_LISTS},
    "officials": pa.list_(OFFICIAL),
    "figures": pa.list_(FIGURE),
    "errors_by_kind": pa.map_(pa.string(), pa.int64()),
}
DECLARED_TYPES = {"INTEGER": pa.int64(), "INT": pa.int64(), "FLOAT": pa.float64(),
                  "REAL": pa.float64(), "TEXT": pa.string()}
JSON_TYPES = (pa.ListType, pa.MapType)


class ColumnTypeError(ValueError):
    """A value does not fit its column's type; the message names both."""


def arrow_schema(columns: list[str], declared: dict[str, str],
                 first_batch: list[tuple]) -> pa.Schema:
    """One Arrow field per column: by name, by declared type, or by a sample value."""
    fields = []
    for index, name in enumerate(columns):
        values = [row[index] for row in first_batch if row[index] is not None]
        sample = values[0] if values else None
        kind = NAMED_TYPES.get(name)
        # A query's own column that only shares the name: no value fits. (Only the first
        # value was tried: one date a site printed oddly made the whole column text.) A
        # query's flag or list must fit in every value: a count named is_meeting_report
        # would else be read as flags, 1 as true and 2 as NULL.
        if kind is not None and values:
            strict = name not in declared and not is_dated(kind)
            fitting = (_fits(value, kind) for value in values)
            if not (all(fitting) if strict else any(fitting)):
                kind = None
        if kind is None:
            kind = DECLARED_TYPES.get(declared.get(name, "").upper()) or _sampled_type(sample)
            # Integers and reals in one column (a CASE, a coalesce(value, 0)): all reals.
            if kind == pa.int64() and any(type(value) is float for value in values):
                kind = pa.float64()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def unsampled(columns: list[str], declared: dict[str, str], first_batch: list[tuple]) -> list[int]:
    """The columns whose type neither their name, nor their declared type, nor a value of the
    first batch gives: every value there was NULL. `arrow_schema` would make them text."""
    return [index for index, name in enumerate(columns)
            if name not in NAMED_TYPES and declared.get(name, "").upper() not in DECLARED_TYPES
            and all(row[index] is None for row in first_batch)]


# A value of each storage class SQLite's typeof() names, as a sample for `arrow_schema`.
STORAGE_SAMPLES = {"integer": 0, "real": 0.0, "text": "", "blob": b""}


def _sampled_type(sample) -> pa.DataType:
    if isinstance(sample, bool):
        return pa.bool_()
    if isinstance(sample, int):
        return pa.int64()
    if isinstance(sample, float):
        return pa.float64()
    if isinstance(sample, bytes):
        return pa.binary()
    return pa.string()


def _fits(sample, kind: pa.DataType) -> bool:
    if sample is None:
        return True
    try:
        convert(sample, kind, "sample")
    except ColumnTypeError:
        return False
    return True


def convert(value, kind: pa.DataType, column: str):
    """A stored value as the Python value of an Arrow type (None stays None)."""
    if value is None or value == "" and not pa.types.is_string(kind):
        return None
    try:
        if pa.types.is_timestamp(kind):
            return _timestamp(value, kind.tz)
        if pa.types.is_date32(kind):
            return date.fromisoformat(str(value)[:10])
        if pa.types.is_boolean(kind):
            if value not in (0, 1, True, False):
                raise ValueError(value)
            return bool(value)
        if isinstance(kind, JSON_TYPES):
            decoded = json.loads(value) if isinstance(value, str) else value
            if isinstance(kind, pa.MapType):
                return list(decoded.items())
            if not isinstance(decoded, list):
                raise ValueError(value)
            return decoded
    except (ValueError, TypeError, AttributeError):
        raise ColumnTypeError(f"column {column!r}: {str(value)[:40]!r} is not "
                              f"{describe(kind)}") from None
    return value


def is_dated(kind: pa.DataType) -> bool:
    """A time or a day: a column whose values a site printed, or a query made, as text."""
    return pa.types.is_timestamp(kind) or pa.types.is_date32(kind)


def is_parsed(kind: pa.DataType) -> bool:
    """A type the stored value is read into (a time, a day, a flag, a list, a map): a stored
    value that does not read so is NULL in a typed export, and counted (`unreadable`)."""
    return is_dated(kind) or pa.types.is_boolean(kind) or isinstance(kind, JSON_TYPES)


def convert_or_null(value, kind: pa.DataType, column: str):
    """`convert`, but a value that does not read as its column's type is None, for the
    export's typed formats to count (`unreadable`): a time or a day that is not ISO 8601
    ("12/05/2024 08:00", "hôm qua"), a list that is not JSON ("Ảnh: X" in photo_credits), a
    flag that is not 0 or 1. One such value failed the whole export, when the row, its other
    columns and the value itself (in the archive, and as stored in CSV) are still worth
    having."""
    try:
        return convert(value, kind, column)
    except ColumnTypeError:
        return None


def typed_array(values: list, kind: pa.DataType) -> pa.Array:
    """Converted values as an Arrow array; a value JSON gave another shape than the type's
    ('[1]' for a list of texts, an official's name a number) is None, as `convert_or_null`
    makes a value that is not JSON (Arrow refused the whole batch). Each value is tried
    alone only when the batch is refused."""
    try:
        return pa.array(values, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([_fitting(value, kind) for value in values], type=kind)


def _fitting(value, kind: pa.DataType):
    try:
        pa.scalar(value, type=kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, RecursionError):
        return None
    return value


def holds_value(stored) -> bool:
    """Whether a stored value is one to type (not NULL, not an empty text or blob): one that
    then reads as NULL is counted as unreadable."""
    return stored is not None and stored != "" and stored != b""


def unreadable(stored: pa.Array | list, typed: pa.Array) -> pa.Array:
    """Per row, whether a stored value (`holds_value`) was typed as NULL by
    `convert_or_null`."""
    if not isinstance(stored, pa.Array):
        present = [holds_value(value) for value in stored]
        return pc.and_(pa.array(present, pa.bool_()), pc.is_null(typed))
    if pa.types.is_string(stored.type) or pa.types.is_binary(stored.type):
        empty = pc.equal(pc.binary_length(stored), 0)
    else:
        empty = pa.array([False] * len(stored))
    present = pc.and_(pc.is_valid(stored), pc.invert(pc.fill_null(empty, True)))
    return pc.and_(present, pc.is_null(typed))


def _timestamp(value, tz: str) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:  # a day without a time, or a naive time: the column's zone
        offset = datetime.fromisoformat("2000-01-01T00:00:00" + ("+00:00" if tz == "UTC"
                                                                 else tz)).tzinfo
        moment = moment.replace(tzinfo=offset)
    return moment.astimezone(UTC)


def sql_name(name: str) -> str:
    """A column's name as an SQL identifier: `a"b` is "a""b" (quoted bare, a query's column
    named so broke every statement the export wraps around the query)."""
    return '"' + name.replace('"', '""') + '"'


def arrow_column(values: list, kind: pa.DataType, column: str) -> pa.Array:
    if pa.types.is_integer(kind):
        # Arrow's checked cast: pa.array(type=int64) cut a float (3000.5 to 3000) silently.
        try:
            return pa.array(values).cast(kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            odd = next(value for value in values if value is not None
                       and not (isinstance(value, int) or isinstance(value, float)
                                and value.is_integer()))
            raise ColumnTypeError(
                f"column {column!r}: {str(odd)[:40]!r} among integers; write cast(... as real) "
                "or cast(... as text) in the query to type the whole column") from None
    if pa.types.is_string(kind) or pa.types.is_floating(kind):
        return pa.array(values, type=kind)
    if pa.types.is_timestamp(kind):
        try:
            return _cast_timestamps(values, kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # a value Arrow cannot read: convert one by one
    # Flags, days and lists repeat ("[]", 0, 1, a few days): each distinct value is
    # converted once, not once a row.
    converted = {value: convert_or_null(value, kind, column) for value in set(values)}
    return typed_array([converted[value] for value in values], kind)


def _cast_timestamps(values: list, kind: pa.DataType) -> pa.Array:
    return parse_timestamps(pa.array([value or None for value in values], type=pa.string()),
                            kind)


def parse_timestamps(texts: pa.Array, kind: pa.DataType) -> pa.Array:
    """ISO texts (no empty ones) parsed by Arrow in one call (the export's hot path), a bare
    day or a time without a zone first given the column's zone, as `_timestamp` does one by
    one."""
    zone = "+00:00" if kind.tz == "UTC" else kind.tz
    length = pc.utf8_length(texts)
    texts = pc.if_else(pc.equal(length, 10), pc.binary_join_element_wise(
        texts, f"T00:00:00{zone}", ""), texts)
    texts = pc.if_else(pc.equal(length, 19), pc.binary_join_element_wise(texts, zone, ""),
                       texts)
    return texts.cast(kind)


def json_converters(schema: pa.Schema) -> list:
    """Per column, what JSON Lines writes for a stored value: arrays and objects for list
    columns, booleans for flags (None: the value as stored; JSON has no day or time type).
    A value that does not read as its type is null, as in Parquet (`convert_or_null`)."""
    def converter(kind: pa.DataType, column: str):
        def to_json(value):
            converted = convert_or_null(value, kind, column)
            # JSON of another shape ('[1]' for a list of texts) is null, as Parquet writes
            # it (`typed_array`): Arrow's own check, for the lists that have items.
            if converted and _fitting(converted, kind) is None:
                return None
            return dict(converted) if isinstance(kind, pa.MapType) and converted is not None \
                else converted
        return to_json

    return [converter(f.type, f.name) if isinstance(f.type, JSON_TYPES)
            or pa.types.is_boolean(f.type) else None for f in schema]


def describe(kind: pa.DataType) -> str:
    """The type in words for a datasheet."""
    if pa.types.is_timestamp(kind):
        return f"timestamp ({kind.tz})"
    if pa.types.is_date32(kind):
        return "date (day)"
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind):
        return "float"
    if isinstance(kind, pa.MapType):
        return "map of text to integer (JSON object)"
    if isinstance(kind, pa.ListType):
        item = kind.value_type
        if isinstance(item, pa.StructType):
            fields = ", ".join(f"{item.field(i).name}: {describe(item.field(i).type)}"
                               for i in range(item.num_fields))
            return f"list of {{{fields}}}"
        return f"list of {describe(item)}"
    return "binary" if pa.types.is_binary(kind) else "text"
