"""One row as a line of strict JSON, for `vnarchive export` (JSON Lines) and `vnarchive query
--format json`: a blob as its bytes in base64, and a float JSON has no word for (infinity, NaN)
as null, where Python would write `Infinity`, which strict readers refuse."""

from __future__ import annotations

import json
import math

from archive.text_cells import blob_text


def json_value(value):
    """A blob: its bytes as base64 text (json.dumps's `default`)."""
    if isinstance(value, bytes):
        return blob_text(value)
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def json_line(record: dict) -> str:
    """The record as strict JSON on one line. Only a rare row with a non-finite float (an
    archive of an older version may hold infinity as a figure's value) is looked at twice."""
    try:
        return json.dumps(record, ensure_ascii=False, default=json_value, allow_nan=False)
    except ValueError:
        finite = {name: None if isinstance(value, float) and not math.isfinite(value) else value
                  for name, value in record.items()}
        return json.dumps(finite, ensure_ascii=False, default=json_value)
