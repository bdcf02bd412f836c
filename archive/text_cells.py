"""How a value SQLite holds is written where only text goes: a CSV cell of `vnarchive export`
or `vnarchive query --format csv`, a JSON value. A blob is its bytes in base64 (RFC 4648,
with padding), which every language decodes; Python's csv module wrote `b'...'`, its repr,
which no reader turns back into the bytes."""

from __future__ import annotations

import base64

BLOB_ENCODING = "base64"  # named in the datasheet beside a CSV or JSON Lines export


def blob_text(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def text_cells(row: tuple) -> tuple:
    """A row for csv.writer: its blobs as base64, every other value as it is."""
    if not any(type(value) is bytes for value in row):
        return row
    return tuple(blob_text(value) if type(value) is bytes else value for value in row)
