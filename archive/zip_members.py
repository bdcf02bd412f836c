"""A WACZ's WARC files read in place, where its zip stored them.

The WACZ spec stores its WARC files uncompressed in the zip, so their bytes lie in the WACZ
as they are. Python 3.11's zipfile does not use that: `ZipExtFile.seek` reads the member from
its start up to the place sought (checking its CRC as it goes). Reading back each page of a
300 MB member read 150 MB on average, and an import of a WACZ took four times as long as one
of the same WARC file alone, growing with the square of the member's size. So a stored member
is opened here as a window on the zip file's bytes: seeking in it is free, and a worker can
scan a piece of it as it scans a piece of a WARC file. A member the zip compressed is left to
zipfile (archive/archive_files.py inflates it once into a temporary copy).

Written here because zipfile keeps where a member's bytes start to itself: its central
directory gives the member's local header, whose own name and extra field lengths (which
may differ from the central directory's) say where the data begins.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

# A zip's local file header: signature, version, flags, method, time, date, CRC, sizes, and
# the lengths of the name and extra field that follow it.
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
LOCAL_SIGNATURE = b"PK\x03\x04"
WINDOW_BUFFER = 1 << 16


def stored_span(path: str, member: str) -> tuple[int, int] | None:
    """Where a member the zip stored (not compressed, not encrypted) lies in the zip file:
    (offset of its first byte, its size); None for any other member, or one whose local
    header is not the one the zip's directory names (as zipfile checks it)."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
        if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
            return None
        archive.fp.seek(info.header_offset)
        header = archive.fp.read(LOCAL_HEADER.size)
        if len(header) < LOCAL_HEADER.size:
            return None
        fields = LOCAL_HEADER.unpack(header)
        name = archive.fp.read(fields[9])
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"  # as zipfile reads names
    if fields[0] != LOCAL_SIGNATURE or name.decode(encoding, "replace") != info.orig_filename:
        return None  # a damaged entry: zipfile says how when it opens it
    return info.header_offset + LOCAL_HEADER.size + len(name) + fields[10], info.file_size


class Window(io.RawIOBase):
    """`size` bytes of a file from `start`, read and sought as a file of their own."""

    def __init__(self, raw: IO[bytes], start: int, size: int):
        super().__init__()
        self._raw, self._start, self.size, self._position = raw, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        bases = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}
        if whence not in bases:
            raise ValueError(f"whence {whence} is none of SEEK_SET, SEEK_CUR, SEEK_END")
        base = bases[whence]
        if base + offset < 0:
            raise OSError(f"seek to {base + offset}, before the start of the member")
        self._position = base + offset
        return self._position

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), self.size - self._position)
        if wanted <= 0:
            return 0
        self._raw.seek(self._start + self._position)
        read = self._raw.readinto(memoryview(buffer)[:wanted]) or 0
        self._position += read
        return read


@contextmanager
def open_stored(path: str, member: str) -> Iterator[IO[bytes] | None]:
    """A buffered, seekable handle on a stored member's bytes in place (its `raw.size` the
    member's size), or None for a member the zip compressed."""
    span = stored_span(path, member)
    if span is None:
        yield None
        return
    with open(path, "rb", buffering=0) as raw:
        yield io.BufferedReader(Window(raw, *span), WINDOW_BUFFER)
