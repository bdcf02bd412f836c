"""Where records start in a web archive file, and a large WARC file cut into pieces there
that workers scan side by side.

A Common Crawl file is a gigabyte, and an import of a few of them scanned each on one core
while the other cores waited. A WARC file gzipped record by record (as Common Crawl, Heritrix
and warcio write them) can be entered at any record: each record is a gzip member of its own.
So can an uncompressed WARC file (`wget --no-warc-compression`, a file inflated by hand): its
records follow one another, each after the blank lines that end the one before. So the file
is cut every PIECE_BYTES at the first record that starts there or after, each piece is
scanned by a worker up to the next piece's first record, and the pieces' indexes, put end to
end, are the file's.

Where a record starts is found as a scan finds the next record after a damaged one
(`next_record_start`), then checked: a whole gzip member must start there and inflate to a
WARC record's first line; in an uncompressed file, a WARC header must follow a blank line
there, and its Content-Length must end where a blank line and the next record (or the file's
end) follow. Compressed data rarely holds gzip's magic bytes, but a member stored inside
another record's payload would pass that check, as would a WARC file stored in an
uncompressed one. So the cut is checked after the scan as well: each piece must have read its
way, record after record, to exactly where the next begins (archive/archive_files.py
`scan_files`), else the file is scanned again whole, in one piece.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_MAGIC = b"WARC/1."
ARC_MAGIC = b"filedesc://"  # an ARC file's first record, the file's own description
# An ARC record has no magic bytes: its header is a line after the newline that ends the
# record before, "URL IP DATE MIME LENGTH" (version 1), or with result code, checksum,
# location, offset and file name before the length (version 2). A date of 14 digits and a
# length that ends the line single it out; a line in a page that looks like one is read as a
# record, fails, and the search goes on after it.
ARC_HEADER = re.compile(rb"\n(?=(?:https?|ftp|dns|whois|filedesc):[^ \r\n]{1,8192} [^ \r\n]{1,64} "
                        rb"\d{14} [^ \r\n]{1,256}(?:(?: [^ \r\n]{1,8192}){5})? \d{1,12}\r?\n)")
ARC_HEADER_MAX = 8192 + 64 + 14 + 256 + 5 * 8193 + 20  # carried over between chunks
SCAN_CHUNK = 1 << 20
PIECE_BYTES = 64 * 2**20
# A record's member is inflated this far to check it is whole: a page's record is kilobytes;
# one this large is a file gzipped as a whole, which cannot be entered in the middle.
MEMBER_CHECK_BYTES = 16 * 2**20
MEMBER_INFLATED_BYTES = 64 * 2**20
CANDIDATES = 64  # places that look like a member's start, checked after a cut at most
# An uncompressed WARC record: the blank line that ends the record before (or the file's
# start), its header block up to the blank line that ends it, read at most this far.
RECORD_SEPARATOR = b"\r\n\r\n"
HEADER_BLOCK_MAX = 64 * 1024
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d{1,15})[ \t]*\r\n", re.IGNORECASE)


def piece_starts(path: str, piece_bytes: int | None = None) -> list[int]:
    """Where each piece of the file starts (its first record's offset): [0] for a file that is
    small, an ARC file, or a WARC file neither gzipped record by record nor uncompressed."""
    with open(path, "rb") as handle:
        return piece_starts_in(handle, Path(path).stat().st_size, piece_bytes)


def piece_starts_in(handle: IO[bytes], size: int, piece_bytes: int | None = None) -> list[int]:
    """`piece_starts` of what a seekable handle reads, `size` bytes (a file, or a WACZ's
    member stored in place)."""
    piece_bytes = piece_bytes or PIECE_BYTES
    if size <= piece_bytes:
        return [0]
    if is_record_member(handle, 0):
        record_at_or_after = record_member_at_or_after
    elif is_plain_record(handle, 0):
        record_at_or_after = plain_record_at_or_after
    else:
        return [0]
    starts = [0]
    for boundary in range(piece_bytes, size, piece_bytes):
        if boundary <= starts[-1]:  # a record longer than a piece: already inside it
            continue
        start = record_at_or_after(handle, boundary, piece_bytes)
        if start is None:  # none found, or not soon enough: the rest is one piece
            break
        if start > starts[-1]:
            starts.append(start)
    return starts


def record_member_at_or_after(handle: IO[bytes], offset: int, within: int) -> int | None:
    """The offset of the first whole gzip member at or after `offset` that holds a WARC
    record's start, if one starts `within` bytes of it and among the first CANDIDATES places
    that look like a record's start: a file made to hold many would otherwise have each
    inflated for megabytes."""
    return _first_checked(handle, offset, within, is_record_member, plain=False)


def plain_record_at_or_after(handle: IO[bytes], offset: int, within: int) -> int | None:
    """`record_member_at_or_after` for an uncompressed WARC file: the first whole record
    (`is_plain_record`) starting at or after `offset`. Only "WARC/1." is looked for: the pages
    an uncompressed file holds are often gzipped as their server sent them."""
    return _first_checked(handle, offset, within, is_plain_record, plain=True)


def _first_checked(handle: IO[bytes], offset: int, within: int,
                   is_record: Callable[[IO[bytes], int], bool], plain: bool) -> int | None:
    position = offset
    for _ in range(CANDIDATES):
        found = next_record_start(handle, position, plain=plain)
        if found is None or found >= offset + within:
            return None
        if is_record(handle, found):
            return found
        position = found + 1
    return None


def is_plain_record(handle: IO[bytes], offset: int) -> bool:
    """An uncompressed WARC record starts at `offset`: at the file's start or after a blank
    line, a header block that names its Content-Length, and after that many bytes of content a
    blank line, then the next record or the file's end."""
    handle.seek(max(0, offset - len(RECORD_SEPARATOR)))
    before = handle.read(offset - handle.tell())
    if offset and before != RECORD_SEPARATOR:
        return False
    head = handle.read(HEADER_BLOCK_MAX)
    headers_end = head.find(RECORD_SEPARATOR)
    if not head.startswith(WARC_MAGIC) or headers_end < 0:
        return False
    length = CONTENT_LENGTH.search(head, 0, headers_end + len(b"\r\n"))
    if length is None:
        return False
    handle.seek(offset + headers_end + len(RECORD_SEPARATOR) + int(length.group(1)))
    after = handle.read(len(RECORD_SEPARATOR) + len(WARC_MAGIC))
    return after in (RECORD_SEPARATOR, RECORD_SEPARATOR + WARC_MAGIC)


def is_record_member(handle: IO[bytes], offset: int) -> bool:
    """A gzip member starts at `offset`, ends whole (its CRC checked by zlib) within
    MEMBER_CHECK_BYTES read and MEMBER_INFLATED_BYTES inflated, and inflates to text that
    starts as a WARC record."""
    handle.seek(offset)
    member = zlib.decompressobj(wbits=31)
    head, read, inflated = b"", 0, 0
    try:
        while not member.eof:
            data = member.unconsumed_tail
            if not data:
                if read >= MEMBER_CHECK_BYTES:
                    return False
                data = handle.read(min(SCAN_CHUNK, MEMBER_CHECK_BYTES - read))
                if not data:
                    return False
                read += len(data)
            out = member.decompress(data, SCAN_CHUNK)
            inflated += len(out)
            head += out[:len(WARC_MAGIC) - len(head)]
            if (len(head) == len(WARC_MAGIC) and head != WARC_MAGIC) or (
                    inflated > MEMBER_INFLATED_BYTES):
                return False
    except zlib.error:
        return False
    return head == WARC_MAGIC


def next_record_start(handle: IO[bytes], start: int, arc: bool = False,
                      plain: bool = False) -> int | None:
    """The offset of the next gzip member or WARC header line at or after `start` (`plain`:
    of the next WARC header line only); in an ARC file that is not gzipped, of the next ARC
    header line too."""
    magics = (WARC_MAGIC,) if plain else (GZIP_MAGIC, WARC_MAGIC)
    handle.seek(start)
    carry = b""
    base = start
    while chunk := handle.read(SCAN_CHUNK):
        data = carry + chunk
        found = [i for i in (data.find(magic) for magic in magics) if i >= 0]
        header = ARC_HEADER.search(data) if arc else None
        if header is not None:
            found.append(header.start() + 1)  # after the newline
        if found:
            return base + min(found)
        carry = data[-(ARC_HEADER_MAX if arc else 8):]
        base += len(data) - len(carry)
    return None
