"""The workers' messages, read and checked before `vnarchive ingest` writes any of a batch.

A message another version of the worker sent, or one cut or garbled on its way, would otherwise
fail its whole batch half-way, and the next `ingest` would claim the same batch and fail again:
the stream would never drain. A message that fails these checks is set aside instead (the
rejected stream, archive/stream.py), whole, with the reason, for a person to look at.

The checks are the shapes the writer relies on (archive/writer.py, article_rows.py,
attachments.py): the keys it reads, columns that exist, values SQLite can bind. Written by hand
because they are this archive's own shapes; a schema library would add a dependency to say the
same in another notation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import datetime

from archive.article_rows import JSON_COLUMNS, MEETING_COLUMNS
from archive.attachments import ATTACHMENT_COLUMNS
from archive.stream import ARTICLE_KEYS
from archive.warc import Exchange

# What SQLite binds as it is (bool is an int).
SCALARS = (str, int, float, type(None))
EXCHANGE_KEYS = {field.name for field in dataclass_fields(Exchange)} - {"body"}
EXCHANGE_TEXTS = ("url", "fetched_at", "method", "reason", "site", "kind")
ARTICLE_NUMBERS = ("is_meeting_report", "confidence", "status", "run_id", "warc_offset")
ARTICLE_TEXTS = tuple(key for key in ARTICLE_KEYS
                      if key not in (*ARTICLE_NUMBERS, *JSON_COLUMNS, "meeting", "moved_from"))


# JSON's escape of a UTF-16 surrogate: json.loads makes a lone one a str that SQLite refuses.
LONE_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class UnreadableMessage(ValueError):
    """A message the writer cannot take; the text says why."""


@dataclass(frozen=True)
class Message:
    kind: str
    data: dict
    body: bytes


def read_message(fields: dict[bytes, bytes] | None, columns: dict[str, set[str]]) -> Message:
    """A stream entry's kind, data and body, checked; `columns` are the archive's tables'
    column names (`pages`, `sites`). Raises UnreadableMessage."""
    if not fields:  # an entry deleted from the stream while it was pending
        raise UnreadableMessage("the message has no fields")
    try:
        kind = fields[b"kind"].decode("ascii")
    except (KeyError, UnicodeDecodeError):
        raise UnreadableMessage("the message names no kind") from None
    check = CHECKS.get(kind)
    if check is None:
        raise UnreadableMessage(f"unknown kind {kind[:40]!r}")
    try:
        data = json.loads(fields[b"data"])
    except (KeyError, ValueError):  # UnicodeDecodeError is a ValueError
        raise UnreadableMessage(f"the {kind} message's data is not JSON") from None
    if not isinstance(data, dict):
        raise UnreadableMessage(f"the {kind} message's data is not an object")
    if LONE_SURROGATE_ESCAPE.search(fields[b"data"]) and _has_lone_surrogate(data):
        raise UnreadableMessage(f"the {kind} message holds half a UTF-16 pair, which no "
                                "text column can store")
    try:
        check(data, columns)
    except UnreadableMessage as error:
        raise UnreadableMessage(f"{kind}: {error}") from None
    return Message(kind, data, fields.get(b"body", b""))


def _has_lone_surrogate(data) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# The checks of each kind --------------------------------------------------------------------
def _texts(data: dict, *keys: str) -> None:
    for key in keys:
        if not isinstance(data.get(key), str):
            raise UnreadableMessage(f"{key} is not text")


def _object(data: dict, key: str, optional: bool = False) -> dict:
    value = data.get(key)
    if optional and value is None:
        return {}
    if not isinstance(value, dict):
        raise UnreadableMessage(f"{key} is not an object")
    return value


def _row(row: dict, allowed: set[str] | tuple[str, ...], what: str,
         json_keys: tuple[str, ...] = ()) -> None:
    """Keys that are columns, values SQLite can bind (`json_keys` are stored as JSON text)."""
    unknown = sorted(set(row) - set(allowed))
    if unknown:
        raise UnreadableMessage(f"{what} has no column {unknown[0][:40]!r}")
    for key, value in row.items():
        if key not in json_keys and not isinstance(value, SCALARS):
            raise UnreadableMessage(f"{what}'s {key} is a {type(value).__name__}")


def _moment(value: str, key: str) -> None:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise UnreadableMessage(f"{key} {value[:40]!r} is no ISO date") from None


def _list_of(value, kind, what: str) -> list:
    if not isinstance(value, list) or not all(isinstance(item, kind) for item in value):
        raise UnreadableMessage(f"{what} is not a list of {kind.__name__}")
    return value


def check_fetch(data: dict, columns: dict[str, set[str]]) -> None:
    _texts(data, "fetch_id")
    exchange = _object(data, "exchange")
    missing = sorted(EXCHANGE_KEYS - {"found_via", "run_id"} - set(exchange))
    if missing:
        raise UnreadableMessage(f"the exchange has no {missing[0]}")
    _row(exchange, EXCHANGE_KEYS, "the exchange", json_keys=(
        "request_headers", "response_headers"))
    _texts(exchange, *EXCHANGE_TEXTS)
    if not isinstance(exchange.get("found_via"), str | None):  # a WARC header
        raise UnreadableMessage("found_via is not text")
    _moment(exchange["fetched_at"], "fetched_at")
    if not isinstance(exchange["status"], int):
        raise UnreadableMessage("the status is not a number")
    for name in ("request_headers", "response_headers"):
        for pair in _list_of(exchange[name], list, name):
            if len(pair) != 2 or not all(isinstance(part, str) for part in pair):
                raise UnreadableMessage(f"{name} holds a pair that is not two texts")
    if "latency_ms" not in data or not isinstance(data["latency_ms"], int | None):
        raise UnreadableMessage("latency_ms is not a number")


def check_page(data: dict, columns: dict[str, set[str]]) -> None:
    _texts(data, "fetch_id")
    page = _object(data, "page")
    _texts(page, "site", "url")
    _row(page, columns["pages"] - {"id"}, "the page")


def check_article(data: dict, columns: dict[str, set[str]]) -> None:
    _texts(data, "canonical_url", "url", "site", "fetched_at")
    _moment(data["fetched_at"], "fetched_at")
    _row(data, ARTICLE_KEYS, "the article", json_keys=(*JSON_COLUMNS, "meeting", "moved_from"))
    _list_of(data.get("moved_from") or [], str, "moved_from")
    for key in ARTICLE_TEXTS:  # read as text (folded for search, hashed) before they are stored
        if not isinstance(data.get(key), str | None):
            raise UnreadableMessage(f"{key} is not text")
    meeting = _object(data, "meeting", optional=True)
    _row({key: meeting.get(key) for key in MEETING_COLUMNS}, MEETING_COLUMNS, "the meeting")
    for person in _list_of(meeting.get("officials", []), dict, "officials"):
        _texts(person, "name", "title")
    for figure in _list_of(meeting.get("figures", []), dict, "figures"):
        _texts(figure, "text")
        missing = sorted({"value", "unit", "label"} - set(figure))  # read as figure[key]
        if missing:
            raise UnreadableMessage(f"a figure has no {missing[0]}")
        _row({key: figure.get(key) for key in ("value", "total", "unit", "label")},
             ("value", "total", "unit", "label"), "a figure")


def check_attachment(data: dict, columns: dict[str, set[str]]) -> None:
    _texts(data, "canonical_url", "url", "site")
    _row(data, (*ATTACHMENT_COLUMNS, "site"), "the attachment")
    if data.get("fetched_at") is not None:
        _texts(data, "fetched_at")
        _moment(data["fetched_at"], "fetched_at")


def check_mark(data: dict, columns: dict[str, set[str]]) -> None:
    _texts(data, "site", "error")
    _list_of(data.get("urls"), str, "urls")


def check_site(data: dict, columns: dict[str, set[str]]) -> None:
    _texts(data, "name")
    _row(data, columns["sites"], "the site")


def check_closed(data: dict, columns: dict[str, set[str]]) -> None:
    _texts(data, "site", "reason")
    for key in ("stats", "errors_by_kind"):
        counts = _object(data, key)
        if not all(isinstance(count, int) for count in counts.values()):
            raise UnreadableMessage(f"{key} holds a count that is not a number")


CHECKS = {"fetch": check_fetch, "page": check_page, "article": check_article,
          "attachment": check_attachment, "mark": check_mark, "site": check_site,
          "closed": check_closed}
