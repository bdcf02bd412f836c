"""A large WARC file cut into pieces that workers scan side by side.

A Common Crawl file is a gigabyte, and an import of a few of them scanned each on one core
while the other cores waited. A WARC file gzipped record by record (as Common Crawl, Heritrix
and warcio write them) can be entered at any record: each record is a gzip member of its own.
So the file is cut every PIECE_BYTES at the first record that starts there or after, each
piece is scanned by a worker up to the next piece's first record, and the pieces' indexes,
put end to end, are the file's.

Where a record starts is found by searching for gzip's magic bytes and checking that a whole
member starts there and inflates to a WARC record's first line; compressed data rarely holds
those bytes, and a member stored inside another record's payload would hold them. So the cut
is checked after the scan as well: each piece must have read its way, record after record, to
exactly where the next begins (archive/archive_files.py `scan_files`), else the file is
scanned again whole, in one piece.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import IO

PIECE_BYTES = 64 * 2**20
GZIP_MAGIC = b"\x1f\x8b\x08"
WARC_LINE = b"WARC/1."
# A record's member is inflated this far to check it is whole: a page's record is kilobytes;
# one this large is a file gzipped as a whole, which cannot be entered in the middle.
MEMBER_CHECK_BYTES = 16 * 2**20
MEMBER_INFLATED_BYTES = 64 * 2**20
SEARCH_CHUNK = 2**20
CANDIDATES = 64  # places that look like a member's start, checked after a cut at most


def piece_starts(path: str, piece_bytes: int | None = None) -> list[int]:
    """Where each piece of the file starts (its first record's offset): [0] for a file that is
    small, not gzipped record by record, or an ARC file."""
    piece_bytes = piece_bytes or PIECE_BYTES
    size = Path(path).stat().st_size
    if size <= piece_bytes:
        return [0]
    with open(path, "rb") as handle:
        if not is_record_member(handle, 0):
            return [0]
        starts = [0]
        for boundary in range(piece_bytes, size, piece_bytes):
            if boundary <= starts[-1]:  # a record longer than a piece: already inside it
                continue
            start = record_member_at_or_after(handle, boundary, piece_bytes)
            if start is None:  # none found, or not soon enough: the rest is one piece
                break
            if start > starts[-1]:
                starts.append(start)
    return starts


def record_member_at_or_after(handle: IO[bytes], offset: int, within: int) -> int | None:
    """The offset of the first whole gzip member at or after `offset` that holds a WARC
    record's start, if one starts `within` bytes of it and among the first CANDIDATES places
    that look like one: a file made to hold many would otherwise have each inflated for
    megabytes."""
    position, candidates = offset, 0
    while position < offset + within:
        handle.seek(position)
        data = handle.read(SEARCH_CHUNK + len(GZIP_MAGIC) - 1)
        if len(data) < len(GZIP_MAGIC):
            return None
        found = data.find(GZIP_MAGIC)
        while found >= 0:
            candidates += 1
            if candidates > CANDIDATES:
                return None
            if is_record_member(handle, position + found):
                return position + found
            found = data.find(GZIP_MAGIC, found + 1)
        position += SEARCH_CHUNK
    return None


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
                data = handle.read(min(SEARCH_CHUNK, MEMBER_CHECK_BYTES - read))
                if not data:
                    return False
                read += len(data)
            out = member.decompress(data, SEARCH_CHUNK)
            inflated += len(out)
            head += out[:len(WARC_LINE) - len(head)]
            if (len(head) == len(WARC_LINE) and head != WARC_LINE) or (
                    inflated > MEMBER_INFLATED_BYTES):
                return False
    except zlib.error:
        return False
    return head == WARC_LINE
