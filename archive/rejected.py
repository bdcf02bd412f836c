"""The messages `ingest` set aside (archive/stream.py REJECTED_STREAM), for a person to read,
then to put back on the workers' stream once the cause is mended (an archive migrated to the
worker's version, a writer that reads what a newer worker sends) or to delete.

Putting a message back moves it whole, as the worker sent it, in one transaction: it is on one
of the two streams at every moment, never on both and never on neither. `ingest` checks it
again like any other message, so one that still cannot be written is set aside once more.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from redis import Redis

from archive.stream import REJECTED_STREAM, STREAM

PAGE = 500  # entries read from Redis at a time
ADDED_FIELDS = (b"reason", b"message_id")  # what `ingest` adds to a message it sets aside


@dataclass(frozen=True)
class RejectedMessage:
    entry_id: bytes  # its id in the rejected stream
    fields: dict[bytes, bytes]  # as `ingest` kept it: the message whole, its reason and id

    @property
    def reason(self) -> str:
        return _text(self.fields.get(b"reason"))

    @property
    def message_id(self) -> str:
        """Its id on the workers' stream when it was sent."""
        return _text(self.fields.get(b"message_id"))

    @property
    def kind(self) -> str:
        return _text(self.fields.get(b"kind"))

    @property
    def original(self) -> dict[bytes, bytes]:
        """The message as the worker sent it."""
        return {key: value for key, value in self.fields.items() if key not in ADDED_FIELDS}

    def about(self) -> tuple[str | None, str | None]:
        """The site and the URL the message is about, when its data still says so (a message
        cut or garbled may say neither)."""
        try:
            data = json.loads(self.fields.get(b"data") or b"")
        except ValueError:
            return None, None
        if not isinstance(data, dict):
            return None, None
        page = data.get("page") if isinstance(data.get("page"), dict) else {}
        exchange = data.get("exchange") if isinstance(data.get("exchange"), dict) else {}
        site = data.get("site") or data.get("name") or page.get("site") or exchange.get("site")
        url = data.get("canonical_url") or data.get("url") or page.get("url") or exchange.get(
            "url")
        return _short(site), _short(url)


def rejected_messages(server: Redis, limit: int | None = None) -> Iterator[RejectedMessage]:
    """The set-aside messages, oldest first (at most `limit`), read a page at a time."""
    start, given = "-", 0
    while limit is None or given < limit:
        count = PAGE if limit is None else min(PAGE, limit - given)
        entries = server.xrange(REJECTED_STREAM, min=start, count=count)
        for entry_id, fields in entries:
            yield RejectedMessage(entry_id, fields)
        given += len(entries)
        if len(entries) < count:
            return
        start = "(" + entries[-1][0].decode()  # the next page starts after the last entry


def requeue(server: Redis, messages: list[RejectedMessage]) -> int:
    """Put the messages back on the workers' stream, as they were sent, for `ingest`."""
    for first in range(0, len(messages), PAGE):
        pipe = server.pipeline(transaction=True)
        for message in messages[first:first + PAGE]:
            pipe.xadd(STREAM, message.original)
            pipe.xdel(REJECTED_STREAM, message.entry_id)
        pipe.execute()
    return len(messages)


def delete(server: Redis, messages: list[RejectedMessage]) -> int:
    """Delete the messages for good."""
    for first in range(0, len(messages), PAGE):
        server.xdel(REJECTED_STREAM, *[m.entry_id for m in messages[first:first + PAGE]])
    return len(messages)


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", errors="replace") if value else ""


def _short(value) -> str | None:
    """A value to print: text as it is, anything else (another version's shape) as JSON."""
    if value is None or value == "":
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:200]
    return text.encode("utf-8", errors="replace").decode("utf-8")  # half a UTF-16 pair: "?"
