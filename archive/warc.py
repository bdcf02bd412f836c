"""The raw store: every HTTP exchange of a crawl, kept in WARC files (warcio).

Each response is a gzip-compressed `response` record followed by its `request` record; a
payload already stored (same SHA-1 digest) becomes a `revisit` record that points to the
first copy instead of storing it again. Files rotate by size. Extension fields
(`WARC-Vnarchive-*`) keep what the crawl knew about each fetch (site, kind of page, how it was
found, run), so `vnarchive reprocess` can rebuild the tables from the files alone.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
GZIP_LEVEL = 3
SITE, KIND, FOUND_VIA, RUN = ("WARC-Vnarchive-Site", "WARC-Vnarchive-Kind",
                              "WARC-Vnarchive-Found-Via", "WARC-Vnarchive-Run")
# Scrapy hands over bodies already de-chunked: the stored headers must not promise chunks.
DROPPED_HEADERS = {"transfer-encoding"}


@dataclass(frozen=True)
class StoredRecord:
    file: str  # relative to the WARC folder
    offset: int
    length: int
    digest: str
    record_type: str  # response or revisit


@dataclass(frozen=True)
class Exchange:
    """One fetch as the crawl saw it."""

    url: str
    fetched_at: str  # ISO 8601, UTC
    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes
    site: str
    kind: str
    found_via: str | None = None
    run_id: int | None = None


PRINTABLE_ASCII = "".join(map(chr, range(0x20, 0x7F)))


def _ascii(text: str) -> str:
    """A status line, request method or header name as the ASCII HTTP wants: warcio writes them
    as ASCII and raises on anything else (it percent-encodes only header values). A record
    imported from another archive may carry a reason phrase or header name in another script."""
    return text if text.isascii() else text.encode("ascii", "backslashreplace").decode("ascii")


def _ascii_values(headers: StatusAndHeaders) -> None:
    """warcio percent-encodes a header value that is not ASCII as RFC 8187 says, but misses
    some (`text/html; chaÏset=utf-8`: the odd letter in no parameter's value), and writing then
    raises. Those are percent-encoded letter by letter, the rest of the value kept."""
    if all(value.isascii() for _, value in headers.headers):
        return
    written = list(headers.headers)
    try:
        headers.to_ascii_bytes()  # warcio's own encoding, where it works
    except UnicodeEncodeError:  # what warcio changed before it gave up is undone
        headers.headers = [(name, quote(value, safe=PRINTABLE_ASCII)) for name, value
                           in written]


def payload_digest(body: bytes) -> str:
    """The digest WARC uses for a payload: "sha1:" and the base32 SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _gzip_member(buffer: io.BytesIO) -> bytes:
    """The buffer's record as one gzip member, and the buffer emptied. Level 3, not warcio's 9:
    HTML still shrinks about fivefold, several times faster."""
    member = gzip.compress(buffer.getvalue(), compresslevel=GZIP_LEVEL, mtime=0)
    buffer.seek(0)
    buffer.truncate()
    return member


class WarcStore:
    """Append exchanges to rotating WARC files in one folder."""

    def __init__(self, directory: Path, prefix: str,
                 find_original: Callable[[str], tuple[str, str] | None],
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.find_original = find_original  # digest -> (uri, WARC-Date) of its first copy
        self.max_file_bytes = max_file_bytes
        self.seen: dict[str, tuple[str, str]] = {}
        self._handle = None
        self._name = ""
        self._serial = 0

    def _file(self):
        if self._handle is None or self._handle.tell() >= self.max_file_bytes:
            self.close()
            stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
            # Always a new file: never append after a record torn by a crash or a full disk,
            # which would hide every later record from a reader going through the file.
            while True:
                self._serial += 1
                self._name = f"{self.prefix}-{stamp}-{self._serial:05d}.warc.gz"
                try:
                    self._handle = open(self.directory / self._name, "xb")  # noqa: SIM115
                    break
                except FileExistsError:
                    continue
        return self._handle

    def write(self, exchange: Exchange) -> StoredRecord:
        """Write the response (or revisit) and its request, each as its own gzip member."""
        handle = self._file()
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=False)
        digest = payload_digest(exchange.body)
        original = self.seen.get(digest) or self.find_original(digest)
        headers = [(_ascii(k), v) for k, v in exchange.response_headers
                   if k.lower() not in DROPPED_HEADERS]
        http_headers = StatusAndHeaders(_ascii(f"{exchange.status} {exchange.reason}".strip()),
                                        headers, protocol="HTTP/1.1")
        _ascii_values(http_headers)
        extra = {SITE: exchange.site, KIND: exchange.kind, "WARC-Date": warc_date(
            exchange.fetched_at)}
        if exchange.found_via:
            extra[FOUND_VIA] = exchange.found_via
        if exchange.run_id is not None:
            extra[RUN] = str(exchange.run_id)
        offset = handle.tell()
        if original is not None:
            record = writer.create_revisit_record(
                exchange.url, digest, original[0], original[1], http_headers=http_headers,
                warc_headers_dict=extra)
            record_type = "revisit"
        else:
            # The payload's digest and length given: warcio would otherwise hash the body again
            # and copy it through a temporary file to learn its length.
            record = writer.create_warc_record(
                exchange.url, "response", payload=io.BytesIO(exchange.body),
                length=len(exchange.body), http_headers=http_headers,
                warc_headers_dict={**extra, "WARC-Payload-Digest": digest})
            record_type = "response"
            self.seen[digest] = (exchange.url, extra["WARC-Date"])
        writer.write_record(record)
        handle.write(_gzip_member(buffer))
        length = handle.tell() - offset
        request_line = _ascii(f"{exchange.method} {safe_url_string(exchange.url)} HTTP/1.1")
        request_headers = StatusAndHeaders(
            request_line, [(_ascii(k), v) for k, v in exchange.request_headers],
            is_http_request=True)
        _ascii_values(request_headers)
        request = writer.create_warc_record(
            exchange.url, "request", http_headers=request_headers,
            warc_headers_dict={"WARC-Concurrent-To": record.rec_headers.get_header(
                "WARC-Record-ID"), "WARC-Date": extra["WARC-Date"]})
        writer.write_record(request)
        handle.write(_gzip_member(buffer))
        handle.flush()
        return StoredRecord(self._name, offset, length, digest, record_type)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


@dataclass
class ReadRecord:
    url: str
    fetched_at: str  # ISO 8601 UTC, as the crawl recorded it
    status: int
    headers: dict[str, str]
    body: bytes  # content-encoding undone, as the crawl's pipelines saw it
    site: str | None
    kind: str | None
    found_via: str | None
    run_id: int | None
    file: str
    offset: int
    payload_file: str = ""  # where the payload is: the record itself, or a revisit's original
    payload_offset: int = 0


def _iso(warc_date_value: str) -> str:
    return datetime.strptime(warc_date_value, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=UTC).isoformat(timespec="seconds")


class PayloadIndex(Protocol):
    """Where the first response with each payload digest is, for the revisits that name it
    (a dict by default; archive/latest_fetches.py keeps one on disk)."""

    def setdefault(self, digest: str, place: tuple[Path, int]) -> object: ...

    def get(self, digest: str) -> tuple[Path, int] | None: ...


def read_records(directory: Path, with_bodies: bool = True,
                 problems: list[str] | None = None,
                 names: set[str] | None = None,
                 payloads: PayloadIndex | None = None) -> Iterator[ReadRecord]:
    """Every response and revisit of the folder, oldest file first, with revisits given the
    payload of the record they point to. Without bodies, each record only says where its
    payload is (`read_payload` fetches it), so no page is held; with a `payloads` index on
    disk as well, a large archive is scanned in flat memory.

    With a `problems` list, a file that is empty, garbled or ends in a torn record is noted
    there (one line each) and the reading goes on with what can be read; without one, a
    garbled file raises. With `names`, only those files are read (a folder shared with another
    archive: archive/warc_folders.py). `payloads` holds where each payload is (one entry a
    response): by default a dict, about 200 bytes a response."""
    payloads = {} if payloads is None else payloads
    for path in sorted(Path(directory).glob("*.warc.gz")):
        if names is not None and path.name not in names:
            continue
        if problems is not None and path.stat().st_size == 0:
            problems.append(f"{path.name}: empty")
            continue
        ends: list[int] = []
        try:
            yield from _file_records(path, payloads, with_bodies, ends)
        except Exception as error:  # warcio fails on garbage in many ways (AttributeError too)
            if problems is None:
                raise
            problems.append(f"{path.name}: garbled after {len(ends)} records "
                            f"({type(error).__name__}); the rest of the file was skipped")
            continue
        if problems is not None and _torn_end(path, ends[-1] if ends else 0):
            problems.append(f"{path.name}: ends in a torn record (a crawl stopped while "
                            "writing it); the records before it were read")


def _file_records(path: Path, payloads: PayloadIndex, with_bodies: bool,
                  ends: list[int]) -> Iterator[ReadRecord]:
    """The responses and revisits of one WARC file; `ends` gets each record's offset."""
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            kind = record.rec_type
            if kind not in ("response", "revisit"):
                ends.append(iterator.get_record_offset())
                continue
            headers = record.rec_headers
            digest = headers.get_header("WARC-Payload-Digest")
            # The body first: asking for the offset reads the record to its end.
            reading = with_bodies and kind == "response"
            body = record.content_stream().read() if reading else b""
            offset = iterator.get_record_offset()
            ends.append(offset)
            if kind == "response":
                payloads.setdefault(digest, (path, offset))
            source = (path, offset) if kind == "response" else payloads.get(digest)
            if with_bodies and kind == "revisit":
                body = _payload_at(*source) if source else b""
            run = headers.get_header(RUN)
            yield ReadRecord(
                url=headers.get_header("WARC-Target-URI"),
                fetched_at=_iso(headers.get_header("WARC-Date")),
                status=int(record.http_headers.get_statuscode()),
                headers={k.lower(): v for k, v in record.http_headers.headers},
                body=body, site=headers.get_header(SITE), kind=headers.get_header(KIND),
                found_via=headers.get_header(FOUND_VIA),
                run_id=int(run) if run else None, file=path.name, offset=offset,
                payload_file=source[0].name if source else "",
                payload_offset=source[1] if source else 0,
            )


def _torn_end(path: Path, last_offset: int) -> bool:
    """Whether the gzip members from the last record read to the end of the file are cut
    short."""
    with path.open("rb") as handle:
        handle.seek(last_offset)
        return not gzip_members_whole(handle.read())


class TornGzip(ValueError):
    """Gzip members cut short or damaged."""


def inflate_gzip_members(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The inflated bytes of the gzip members the chunks hold, one after another; TornGzip
    after the last good bytes when a member is damaged or cut short (warcio reads a torn
    record to where it ends without a word)."""
    member = zlib.decompressobj(wbits=31)
    started = False
    for chunk in chunks:
        while chunk:
            started = True
            before = member.copy()
            try:
                yield member.decompress(chunk)
            except zlib.error:
                # Python drops all a call inflated when it meets the fault: the records of a
                # file gzipped as a whole before it were lost with it. Again from before the
                # chunk, a byte at a time (once, at the fault), up to the fault.
                yield from _inflated_up_to_fault(before, chunk)
                raise TornGzip("a damaged gzip member") from None
            chunk = b""
            if member.eof:  # the next member, if any, starts in what is left over
                chunk, member, started = member.unused_data, zlib.decompressobj(wbits=31), False
    if started:
        raise TornGzip("a gzip member cut short")


def _inflated_up_to_fault(member, chunk: bytes) -> Iterator[bytes]:
    for position in range(len(chunk)):
        try:
            yield member.decompress(chunk[position:position + 1])
        except zlib.error:
            return
        if member.eof:
            return


def gzip_members_whole(data: bytes) -> bool:
    """Whether these bytes are gzip members none of which is cut short or damaged."""
    try:
        for _ in inflate_gzip_members([data]):
            pass
    except TornGzip:
        return False
    return True


def read_payload(directory: Path, file: str, offset: int) -> bytes:
    """The payload of the response record at `offset` of `file`, content-encoding undone."""
    return _payload_at(Path(directory) / file, offset)


@dataclass
class StoredResponse:
    record_type: str  # "response", or "revisit" (its payload is an earlier record's)
    digest: str | None  # WARC-Payload-Digest
    content_type: str | None  # the HTTP header, as the server sent it
    body: bytes  # the payload, content-encoding undone (none in a revisit)


def response_at(path: Path, offset: int) -> StoredResponse:
    """The record at `offset` of a WARC file, with its payload."""
    with path.open("rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)))
        headers = record.http_headers
        return StoredResponse(record.rec_type,
                              record.rec_headers.get_header("WARC-Payload-Digest"),
                              headers.get_header("content-type") if headers else None,
                              record.content_stream().read())


def _payload_at(path: Path, offset: int) -> bytes:
    return response_at(path, offset).body
