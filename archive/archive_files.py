"""Read web archive files others made: WARC (gzipped per record or not), ARC and WACZ.

Heritrix, Browsertrix, `wget --warc-file` and the Internet Archive's downloads all come as one
of these. warcio reads WARC and ARC (ARC records are turned into WARC ones); a WACZ is a zip
whose `archive/` folder holds WARC files, read member by member with the standard zipfile
module (the `wacz` package only writes and validates them, so it is not needed to read one).

A file is scanned twice, as `vnarchive reprocess` scans the raw store: first for the index of
its responses (URL, capture time, status, digest, where the record starts), in flat memory,
then each chosen record's payload is read back by its position. A torn or corrupt record costs
that record only: the scan finds the next record's start (a gzip member, or a line starting
`WARC/1.`) and goes on, counting what it skipped.

A file gzipped as a whole (`gzip file.warc`: one gzip member for all its records, where the
formats want one a record) is read too: warcio stops at its first record, so such a file is
scanned through a decompressing reader and, for reading its records back, inflated once into a
temporary copy, as a WACZ member its zip compressed.
"""

from __future__ import annotations

import base64
import contextlib
import enum
import gzip
import hashlib
import os
import shutil
import struct
import sys
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader, ChunkedDataReader
from warcio.digestverifyingreader import DigestVerifyingReader
from warcio.exceptions import ArchiveLoadFailed

from archive import file_pieces
from archive.disk import StorageFull, is_storage_failure
from archive.file_pieces import (
    ARC_MAGIC,
    GZIP_MAGIC,
    WARC_MAGIC,
    next_record_start,
    piece_starts,
    piece_starts_in,
)
from archive.payload_places import PayloadPlaces, PayloadRow
from archive.warc import SITE, TornGzip, inflate_gzip_members
from archive.zip_members import open_stored, stored_span
from pipelines.pool import WorkerCrashed, map_in_order

# What zipfile raises for a member it cannot give: its entry damaged (BadZipFile, or EOFError
# and zlib.error for deflated data cut short or damaged), encrypted (RuntimeError), or
# compressed by a method it lacks (NotImplementedError).
UNREADABLE_ENTRY = (zipfile.BadZipFile, EOFError, zlib.error, RuntimeError, NotImplementedError)
# Headers that described the bytes on the wire: a body read back is already de-chunked and
# decompressed (warcio undoes both), so stored beside it they would lie about it.
WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record starts: a file, or a member of a WACZ, and an offset in it."""

    path: str
    member: str = ""
    offset: int = 0


# Slotted, their few repeated strings interned: an import keeps one of these for every page the
# scan lists, millions in a large backfill (archive/importer.py worth_listing).
@dataclass(frozen=True, slots=True)
class IndexedRecord:
    url: str
    captured_at: str  # ISO 8601 UTC: the WARC-Date, when the page was captured
    record_type: str  # response or revisit
    status: int
    digest: str  # base32 SHA-1 of the payload (computed when the file gives none)
    location: Location
    site: str | None = None  # the profile a vnarchive WARC file names (WARC-Vnarchive-Site)
    content_type: str = ""  # the HTTP Content-Type, as the file gives it


@dataclass
class ScanResult:
    records: list[IndexedRecord] = field(default_factory=list)
    # Every response indexed, listed or only set aside, in the order read: the payloads a
    # revisit may name (handed to a `PayloadPlaces` instead, when the scan is given one).
    payloads: list[PayloadRow] = field(default_factory=list)
    set_aside: int = 0  # responses `wanted` kept only as payloads, not listed
    # Where a piece's scan stopped: the offset of the first record at or after its end, or
    # -1 at the file's end (archive/file_pieces.py).
    ends_at: int = -1
    read: int = 0  # response and revisit records read, listed or not
    corrupt: int = 0  # records that could not be read and were skipped
    files: int = 0
    gzipped_whole: set[tuple[str, str]] = field(default_factory=set)  # (path, member)
    lost: list[str] = field(default_factory=list)  # one line per file whose rest was not read
    # One line per record that fails the digest its file gives for it: skipped.
    failed_digests: list[str] = field(default_factory=list)


class TornRecord(ValueError):
    """A record whose block ends before its Content-Length."""


class DamagedMember(ValueError):
    """A gzip member of a file gzipped record by record that does not inflate."""


class _GzippedWhole(Exception):
    """warcio found one gzip member holding more than one record."""


def archive_members(path: Path) -> list[str]:
    """The WARC/ARC files inside a WACZ (empty for a WARC or ARC file itself, and for a zip
    whose directory is damaged: read as a file, its stored WARC files' records are found
    where they lie, as after a damaged record)."""
    if not zipfile.is_zipfile(path):
        return []
    try:
        with zipfile.ZipFile(path) as wacz:
            return sorted(name for name in wacz.namelist()
                          if name.startswith("archive/") and _is_archive_name(name))
    except zipfile.BadZipFile:
        return []


def _is_archive_name(name: str) -> bool:
    return name.endswith((".warc", ".warc.gz", ".arc", ".arc.gz"))


@contextmanager
def open_location(path: str, member: str = "", gzipped_whole: bool = False,
                  ) -> Iterator[IO[bytes]]:
    """A seekable binary handle on a file or on one member of a WACZ. Members are usually
    stored uncompressed (the WACZ spec asks for it) and then read in place, where seeking is
    cheap (archive/zip_members.py). A file gzipped as a whole is read decompressed (seeking
    forward only is cheap)."""
    with _raw_location(path, member) as handle:
        if not gzipped_whole:
            yield handle
            return
        with gzip.GzipFile(fileobj=handle) as inflated:
            yield inflated


@contextmanager
def _raw_location(path: str, member: str) -> Iterator[IO[bytes]]:
    if not member:
        with open(path, "rb") as handle:
            yield handle
        return
    with open_stored(path, member) as stored:
        if stored is not None:
            yield stored
            return
    with zipfile.ZipFile(path) as wacz, wacz.open(member) as handle:
        yield handle


def _compressed_members(path: Path) -> list[tuple[str, int]]:
    """The WARC/ARC members of a WACZ that its zip compressed, with their inflated sizes (none
    for a WARC or ARC file)."""
    members = set(archive_members(path))
    if not members:
        return []
    with zipfile.ZipFile(path) as wacz:
        return [(info.filename, info.file_size) for info in wacz.infolist()
                if info.filename in members and info.compress_type != zipfile.ZIP_STORED]


@contextmanager
def inflated_members(paths: list[Path], gzipped_whole: set[tuple[str, str]] = frozenset(),
                     ) -> Iterator[Callable[[Location], Location]]:
    """A function giving where to read a record from: a WACZ member compressed inside its zip
    (a zip of WARC files made by hand; the WACZ spec stores them), or a file or member gzipped
    as a whole (`gzipped_whole`, from the scan), is inflated once into a temporary file, since
    seeking to a record in it inflates it from its start again: the import of a 9 MB member of
    1,000 records took twice as long, and one of gigabytes would take hours. Other locations
    are given back as they are."""
    sizes = {(str(path), member): size for path in paths
             for member, size in _compressed_members(path)}
    compressed = [*sizes, *sorted(set(gzipped_whole) - set(sizes))]
    with tempfile.TemporaryDirectory(prefix="vnarchive-wacz-") as folder:
        _check_room(folder, sum(sizes.values()), compressed)
        copies = {}
        for number, (path, member) in enumerate(compressed):
            copy = Path(folder) / f"{number}-{Path(member or path).name}"
            try:
                with copy.open("wb") as target:
                    _copy_inflated(path, member, (path, member) in gzipped_whole, target)
            except OSError as error:
                if not is_storage_failure(error):
                    raise
                raise NoRoomToInflate(folder, [(path, member)], str(error)) from None
            copies[(path, member)] = str(copy)

        def readable(location: Location) -> Location:
            copy = copies.get((location.path, location.member))
            return Location(copy, "", location.offset) if copy else location

        yield readable


class NoRoomToInflate(StorageFull):
    """The temporary folder cannot hold the inflated copy an import needs; nothing imported."""

    def __init__(self, folder: str, locations: list[tuple[str, str]], why: str):
        names = ", ".join(f"{path}:{member}" if member else path for path, member in locations)
        super().__init__(f"no room in {folder} for the inflated copy of {names[:300]} ({why}): "
                         "nothing was imported; TMPDIR names a folder with more room")


def _check_room(folder: str, needed: int, locations: list[tuple[str, str]]) -> None:
    """Refuse at once what a temporary folder cannot hold (the zip members' sizes are known
    before inflating them; a file gzipped whole says its size only once inflated)."""
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise NoRoomToInflate(folder, locations, f"{needed / 2**20:,.0f} MB needed, "
                                                 f"{free / 2**20:,.0f} MB free")


def _copy_inflated(path: str, member: str, gzipped_whole: bool, target: IO[bytes]) -> None:
    """The file or member inflated into `target` as far as it goes: a member whose zip entry
    is damaged gives the bytes before the fault (its CRC fails only at its end), or none,
    as the scan found it (which counted what it cost)."""
    with contextlib.suppress(*UNREADABLE_ENTRY), _raw_location(path, member) as source:
        if gzipped_whole:
            _inflate_gzip(source, target)
        else:
            shutil.copyfileobj(source, target, 2**20)


def _inflate_gzip(source: IO[bytes], target: IO[bytes]) -> None:
    """Inflate gzip members into `target` as far as they go: a file cut short or damaged
    keeps every byte before the fault, so the records the scan indexed there can be read
    (GzipFile drops the whole read that meets the fault)."""
    with contextlib.suppress(TornGzip):
        for inflated in inflate_gzip_members(iter(lambda: source.read(2**20), b"")):
            target.write(inflated)


class Kept(enum.IntEnum):
    """What a scan keeps of a record (`Wanted` may also say True or False)."""

    NOTHING = 0  # read past: neither indexed nor checked
    LISTED = 1  # its entry in the index
    PAYLOAD = 2  # a response only as the payload a revisit may name (`ScanResult.payloads`)


# What the scan keeps of a record: asked of its headers, before its payload is read (the
# entry's digest only as the file declares it, its offset 0).
Wanted = Callable[[IndexedRecord], "bool | Kept"]
ScanProgress = Callable[[int, int, int], None]  # (file, of files, records read)
# A file that cannot be cut in pieces is scanned whole by one worker, however large (a file
# gzipped as a whole may hold gigabytes): the pool's CPU-time limit is for one page, and a
# worker scanning a file is stopped only by a crash, which costs that file.
SCAN_CPU_SECONDS = 24 * 3600


def scan_files(paths: list[Path], wanted: Wanted | None = None,
               progress: ScanProgress | None = None, workers: int = 0,
               places: PayloadPlaces | None = None) -> ScanResult:
    """The index of every response and revisit record in the files, WACZ members included,
    or of those `wanted` says to keep: a backfill's files hold ten images, scripts and styles
    for each page, and an index of them all held about 600 bytes of memory a record.

    With `workers` (more than one) and more than one file or member, or a file (or a WACZ's
    stored member) large enough to be cut in pieces (archive/file_pieces.py), the files are
    scanned side by side on the shared pool (pipelines/pool.py), each file or piece in one
    worker, and `progress` hears of each once it is done; else here, one after another,
    record by record.
    A backfill is many files, and reading every record of each (decompressed, its digests
    checked) was the import's one step that ran on one core. The index is the same either way,
    in the files' order. `wanted` must then be picklable (a module's function, a partial).
    With `places`, each file's responses go there as it is done, not into the result's
    `payloads`, so the memory a scan holds is what it lists."""
    locations = scanned_locations(paths)
    result = ScanResult()
    if workers > 1:
        tasks = [ScanTask(number, path, member, start, end)
                 for number, path, member in locations
                 for start, end in _pieces(path, member)]
        if len(tasks) > 1:
            _scan_side_by_side(tasks, len(paths), wanted, progress, workers, places, result)
            return result
    for number, path, member in locations:
        def each_record(read: int, number: int = number, before: int = result.read) -> None:
            progress(number, len(paths), before + read)
        _add_part(result, scan_member(path, member, wanted, each_record if progress else None),
                  places)
        if progress:
            progress(number, len(paths), result.read)
    return result


@dataclass(frozen=True)
class ScanTask:
    """A file or WACZ member to scan, or a piece of a large one: from the record at `start`
    up to the one at `end` (None: to the file's end)."""

    number: int  # the file's, from 1
    path: str
    member: str
    start: int = 0
    end: int | None = None


def _pieces(path: str, member: str) -> list[tuple[int, int | None]]:
    """(start, end) of each piece a file or a WACZ's stored member is scanned in: one for a
    member the zip compressed or a file that cannot be cut."""
    if not member:
        starts = piece_starts(path)
    else:
        with open_stored(path, member) as stored:
            starts = [0] if stored is None else piece_starts_in(stored, stored.raw.size)
    return list(zip(starts, [*starts[1:], None], strict=True))


def _scan_side_by_side(tasks: list[ScanTask], files: int, wanted: Wanted | None,
                       progress: ScanProgress | None, workers: int,
                       places: PayloadPlaces | None, result: ScanResult) -> None:
    """`scan_files` on the pool: each task in a worker, the results added in the tasks'
    order, a file's pieces once all have come (`_joined_pieces`)."""
    with ScanCounts(len(tasks)) as counts:
        parts = map_in_order(_counted_scan, [
            (task, wanted, counts.path, index) for index, task in enumerate(tasks)],
            workers, SCAN_CPU_SECONDS)
        done, heard, shown, joining = 0, 0, 0, threading.Lock()
        waiting: list[tuple[ScanTask, ScanResult | WorkerCrashed | None]] = []

        def show(number: int, read: int) -> None:
            # Never fewer than a line before: a tick counted the files still being read,
            # and a file's end adds only its own.
            nonlocal shown
            shown = max(shown, read)
            progress(number, files, shown)

        def tick() -> None:  # while the workers scan: the records they have read
            with joining:
                show(tasks[min(done, len(tasks) - 1)].number, heard + counts.read_from(done))

        with _every_interval(tick if progress else None):
            for task, part in zip(tasks, parts, strict=True):
                with joining:
                    waiting.append((task, part))
                    done += 1
                    heard += part.read if isinstance(part, ScanResult) else 0
                    if task.end is None:  # a file's last piece: the file is whole
                        for joined in _joined_pieces(waiting, wanted):
                            _add_part(result, joined, places)
                        waiting.clear()
                        heard = result.read
                        if progress:
                            show(task.number, result.read)


def _joined_pieces(pieces: list[tuple[ScanTask, ScanResult | WorkerCrashed | None]],
                   wanted: Wanted | None) -> list[ScanResult]:
    """A file's parts, piece after piece, when each piece read its way to exactly where the
    next starts; else the file scanned again whole, here (a cut that fell inside a record, a
    record gzipped with others). A piece whose worker crashed twice costs the whole file, as
    a file's crash does."""
    first = pieces[0][0]
    crashed = next((part for _, part in pieces if isinstance(part, WorkerCrashed)), None)
    if crashed is not None:
        return [_crashed_scan(first.path, first.member, crashed)]
    if all(part is not None and part.ends_at == (-1 if task.end is None else task.end)
           for task, part in pieces):
        return [part for _, part in pieces]
    return [scan_member(first.path, first.member, wanted)]


def may_scan_side_by_side(paths: list[Path]) -> bool:
    """Whether `scan_files` with workers may use the pool: more than one file or member, or a
    file or stored WACZ member large enough to be cut in pieces (its size alone: whether it
    can be cut is found by reading it, which the scan does)."""
    locations = scanned_locations(paths)
    return len(locations) > 1 or any(
        _cuttable_size(path, member) > file_pieces.PIECE_BYTES for _, path, member in locations)


def _cuttable_size(path: str, member: str) -> int:
    """The size of a file or of a WACZ's stored member; 0 for a member the zip compressed."""
    if not member:
        return Path(path).stat().st_size
    span = stored_span(path, member)
    return 0 if span is None else span[1]


def scanned_locations(paths: list[Path]) -> list[tuple[int, str, str]]:
    """What `scan_files` scans one by one: (the file's number from 1, its path, the WACZ
    member or "") for each file, or for each WARC or ARC member of a WACZ."""
    return [(number, str(path), member) for number, path in enumerate(paths, start=1)
            for member in archive_members(path) or [""]]


@dataclass
class Listing:
    """What one reading of a file kept (`ScanResult`'s fields of the same names)."""

    records: list[IndexedRecord]
    payloads: list[PayloadRow]
    set_aside: int


def payload_row(record: IndexedRecord) -> PayloadRow:
    """What `PayloadPlaces` keeps of a response: a tuple, a third of an entry's memory (its
    address and capture time left out), since a worker sends a whole file's at once."""
    location = record.location
    return (record.digest, record.status, record.content_type, location.path,
            location.member, location.offset)


def _listing(records: Iterator[tuple[IndexedRecord, Kept]], part: ScanResult,
             on_record: Callable[[int], None] | None) -> Listing:
    """What a reading of a file keeps of its records, counted in `part`."""
    kept = Listing([], [], 0)
    for record, how in records:
        part.read += 1
        if how == Kept.LISTED:
            kept.records.append(record)
        if how and record.record_type == "response":
            kept.payloads.append(payload_row(record))
        kept.set_aside += how == Kept.PAYLOAD
        if on_record:
            on_record(part.read)
    return kept


def scan_piece(path: str, member: str, start: int, end: int | None,
               wanted: Wanted | None = None, on_record: Callable[[int], None] | None = None,
               ) -> ScanResult | None:
    """A piece of a large file (or WACZ member) scanned: from the record at `start` up to the
    first that starts at or after `end` (its offset in `ends_at`). None for a file whose
    records are not each a gzip member of their own, which only a scan of the whole file
    reads."""
    part = ScanResult(files=int(start == 0))
    try:
        kept = _listing(_scan_location(path, member, part, wanted, start=start, end=end), part,
                        on_record)
    except _GzippedWhole:
        return None
    part.records, part.payloads, part.set_aside = kept.records, kept.payloads, kept.set_aside
    return part


def scan_member(path: str, member: str, wanted: Wanted | None = None,
                on_record: Callable[[int], None] | None = None) -> ScanResult:
    """One file, or one member of a WACZ, scanned: its part of `scan_files`' index
    (`on_record` hears how many records of it were read so far)."""
    part = ScanResult(files=1)
    try:
        kept = _listing(_scan_location(path, member, part, wanted), part, on_record)
    except _GzippedWhole:
        kept = None
    if kept is None or (part.read == 0 and part.corrupt > 0 and _starts_gzipped(path, member)):
        # One gzip member for all the records (warcio says so after the first), or a file
        # whose first member is damaged before warcio could tell: read it through an inflating
        # reader, up to its fault.
        failed = (part.read, part.corrupt, len(part.lost), part.failed_digests[:])
        # The second reading checks the same records' digests again: each damaged one was
        # reported twice when its first report was kept.
        part.read, part.corrupt = 0, 0
        part.failed_digests.clear()
        whole = _listing(_scan_location(path, member, part, wanted, gzipped_whole=True), part,
                         on_record)
        if kept is not None and not (whole.records or whole.payloads):  # no better: as read first
            part.read, part.corrupt = failed[:2]
            del part.lost[failed[2]:]
            part.failed_digests[:] = failed[3]
        else:
            part.gzipped_whole.add((path, member))
            kept = whole
            for index, name in enumerate(part.lost[failed[2]:], start=failed[2]):
                # What the fault cost: all of the file after it, which "1 corrupt record" in
                # the summary did not say.
                part.lost[index] = (
                    f"{name} is gzipped as a whole and damaged after its first {part.read} "
                    "records: the rest of it could not be read (`gzip -dc` it as far as it "
                    "goes, or get a sound copy)")
    part.records, part.payloads, part.set_aside = kept.records, kept.payloads, kept.set_aside
    return part


# How often the progress of a parallel scan is read from the workers' counts.
PROGRESS_SECONDS = 1.0


class ScanCounts:
    """How many records each worker's scan has read so far, in a small file of one 64-bit
    count a file (or WACZ member), which the workers write and the command reads: a worker
    cannot call the command's progress report, and a backfill's files of gigabytes take
    minutes each, so a line only at each file's end said nothing for that long."""

    SLOT = struct.Struct("<q")

    def __init__(self, files: int):
        self._folder = tempfile.TemporaryDirectory(prefix="vnarchive-scan-")
        self.path = str(Path(self._folder.name) / "records-read")
        Path(self.path).write_bytes(bytes(self.SLOT.size * files))

    def __enter__(self) -> ScanCounts:
        return self

    def __exit__(self, *_exc) -> None:
        self._folder.cleanup()

    def read_from(self, first: int) -> int:
        """The records read in the files from `first` on (those not yet done)."""
        data = Path(self.path).read_bytes()[first * self.SLOT.size:]
        return sum(count for (count,) in self.SLOT.iter_unpack(data))


def _counted_scan(task: ScanTask, wanted: Wanted | None, counts: str,
                  index: int) -> ScanResult | None:
    """In a worker: `scan_member` (`scan_piece` for a piece), its records read so far written
    at its place in the `ScanCounts` file every 100 records."""
    handle = os.open(counts, os.O_WRONLY)

    def count(read: int) -> None:
        if read % 100 == 0:
            os.pwrite(handle, ScanCounts.SLOT.pack(read), index * ScanCounts.SLOT.size)

    try:
        if (task.start, task.end) == (0, None):
            return scan_member(task.path, task.member, wanted, count)
        return scan_piece(task.path, task.member, task.start, task.end, wanted, count)
    finally:
        os.close(handle)


@contextmanager
def _every_interval(report: Callable[[], None] | None) -> Iterator[None]:
    """`report` called every `PROGRESS_SECONDS` on a thread of its own while the block runs."""
    if report is None:
        yield
        return
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(PROGRESS_SECONDS):
            report()

    thread = threading.Thread(target=tick, name="scan-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _add_part(result: ScanResult, part: ScanResult, places: PayloadPlaces | None) -> None:
    result.records += part.records
    if places is None:
        result.payloads += part.payloads
    else:
        places.add(part.payloads)
    result.set_aside += part.set_aside
    result.read += part.read
    result.corrupt += part.corrupt
    result.files += part.files
    result.gzipped_whole |= part.gzipped_whole
    result.lost += part.lost
    result.failed_digests += part.failed_digests


def _crashed_scan(path: str, member: str, crash: WorkerCrashed) -> ScanResult:
    """What a file costs whose scan killed its worker twice (a crash in a C library, memory):
    the file, counted as one corrupt record and named, as a file whose rest could not be
    read; the other files are imported."""
    name = f"{path}:{member}" if member else path
    return ScanResult(files=1, corrupt=1, lost=[f"{name} could not be scanned ({crash})"])


def _scan_location(path: str, member: str, result: ScanResult, wanted: Wanted | None,
                   gzipped_whole: bool = False, start: int = 0, end: int | None = None,
                   ) -> Iterator[tuple[IndexedRecord, Kept]]:
    with contextlib.ExitStack() as opened:
        try:
            handle = opened.enter_context(open_location(path, member, gzipped_whole))
        except UNREADABLE_ENTRY as error:
            # A WACZ whose entry for this member is damaged (its local header overwritten),
            # encrypted or compressed in a way zipfile cannot undo: the member is lost, not
            # the import (a traceback ended it, the WACZ's other members unread).
            result.corrupt += 1
            result.lost.append(f"{path}:{member} could not be opened in its zip ({error}): "
                               "none of its records was read")
            return
        yield from _scan(handle, path, member, result, wanted, inflated=gzipped_whole,
                         start=start, end=end)


def _scan(handle: IO[bytes], path: str, member: str, result: ScanResult,
          wanted: Wanted | None, inflated: bool = False, start: int = 0,
          end: int | None = None) -> Iterator[tuple[IndexedRecord, Kept]]:
    """The file's response and revisit records, each with what `wanted` keeps of it;
    `inflated`: read through a decompressing reader, which seeks back only by inflating again
    from the start, so the reading ends at the first fault (a gzip found inside, a file
    gzipped twice over, is one) with the records before it. A piece (`start`, `end`) starts
    at a record and stops at the first record at or after `end`, noted in `ends_at`."""
    position = start
    try:
        head = handle.read(len(ARC_MAGIC))
    except (OSError, *UNREADABLE_ENTRY):  # inflated, or a zip's member, damaged at its start
        result.corrupt += 1
        return
    arc = head == ARC_MAGIC  # an ARC file, not gzipped
    plain_warc = head.startswith(WARC_MAGIC)  # records one after another
    gzip_members = not inflated and head.startswith(GZIP_MAGIC)  # each record a gzip member
    while True:
        if end is not None and position >= end:  # a damaged record's search went past it
            result.ends_at = position
            return
        handle.seek(position)
        # Digests checked as the records are read (warcio's `check_digests`), so bytes changed
        # in an uncompressed file (no gzip CRC to notice) are not imported as the page.
        iterator = ArchiveIterator(handle, arc2warc=True, check_digests=True)
        try:
            for record in iterator:
                if end is not None and iterator.offset >= end:  # the next piece's
                    result.ends_at = iterator.offset
                    return
                if gzip_members and iterator.reader.decompressor is None:
                    # warcio reads a member it cannot inflate as plain bytes, where a damaged
                    # member's binary can pass for an ARC header line whose length swallows
                    # the whole members after it, lost without a count.
                    raise DamagedMember(record.rec_type)
                misfits = iterator.err_count
                indexed, decoded, kept = _indexed(record, iterator, path, member, wanted)
                iterator.read_to_end(record)
                if plain_warc and (iterator.err_count > misfits or _glued(record)):
                    # A record torn in the middle of an uncompressed file: its Content-Length
                    # does not end where a blank line and the next record begin (it took in
                    # the start of the next), or its header block holds the next record's
                    # header. Read as it was, another page was imported under its address.
                    raise TornRecord(indexed.url if indexed else record.rec_type)
                if getattr(record.raw_stream, "limit", 0) > 0:
                    # Fewer bytes than its Content-Length: a record cut short (the file, or
                    # its gzip member, ends inside it), which warcio reads without a word;
                    # imported, it was half a page.
                    raise TornRecord(indexed.url if indexed else record.rec_type)
                offset, length = iterator.member_info
                position = offset + length  # where the next record starts
                failed = _failed_digest(record, decoded) if kept else None
                if failed:
                    result.failed_digests.append(
                        f"{path}{':' + member if member else ''}: {indexed.url} captured "
                        f"{indexed.captured_at} fails its {failed} (its bytes changed since "
                        "it was archived): skipped")
                elif indexed is not None:
                    yield indexed, kept
            if not inflated:
                handle.seek(_after_blank_lines(handle, position))
                if handle.read(1):  # warcio stops at a record torn in its headers, silently
                    raise TornRecord("bytes after the last whole record")
            return
        except Exception as error:  # noqa: BLE001 (warcio raises many kinds on a torn record)
            if (not inflated and isinstance(error, ArchiveLoadFailed)
                    and "non-chunked gzip" in str(error)):
                raise _GzippedWhole from None
            result.corrupt += 1
            if inflated:  # no record starts to find in a stream read once: the rest is lost
                result.lost.append(f"{path}:{member}" if member else path)
                return
            try:
                # Past the blank lines an uncompressed record's length leaves out: from
                # there, the damaged record's own "WARC/1." would be found, and counted again.
                following = next_record_start(handle, _after_blank_lines(handle, position)
                                               + 1, arc)
            except (OSError, *UNREADABLE_ENTRY):  # gzipped as a whole or zipped, cut short
                return
            if following is None:
                return
            position = following


def _indexed(record, iterator, path: str, member: str, wanted: Wanted | None,
             ) -> tuple[IndexedRecord | None, tuple[str, ...], Kept]:
    """`_index`'s entry and digests of a record `wanted` keeps, and what it keeps. One it
    does not keep (an import's images, scripts and styles: most of a site's records) is only
    read past: neither its digests checked nor its body decoded, since nothing of it is
    imported. It was hashed three times (the block, the payload, the decoded body) for
    nothing."""
    # A revisit may have no HTTP block at all (WARC 1.1 6.7.2: it is optional): it still
    # says its URL was fetched again, with the payload its digest names (status 0: unknown,
    # its original's).
    entry = _header_entry(record, path, member)
    if entry is None:  # no response or revisit
        return None, (), Kept.NOTHING
    kept = Kept.LISTED if wanted is None else Kept(wanted(entry))
    if not kept:
        _unverified(record)
        return entry, (), kept
    indexed, decoded = _index(record, iterator, entry)
    return indexed, decoded, kept


def _header_entry(record, path: str, member: str) -> IndexedRecord | None:
    """The record's index entry as its headers give it, before its payload is read (its
    digest only as declared, its offset unknown)."""
    http = record.http_headers
    if record.rec_type not in ("response", "revisit") or (
            http is None and record.rec_type != "revisit"):
        return None
    headers = record.rec_headers
    return IndexedRecord(
        url=headers.get_header("WARC-Target-URI") or "",
        captured_at=_iso(headers.get_header("WARC-Date") or ""),
        record_type=sys.intern(record.rec_type),
        status=int(http.get_statuscode() or 0) if http else 0,
        digest=(headers.get_header("WARC-Payload-Digest") or "").removeprefix("sha1:"),
        location=Location(path, member), site=headers.get_header(SITE),
        content_type=sys.intern((http.get_header("Content-Type") or "") if http else ""))


def _unverified(record) -> None:
    """The record read on without its digests computed (warcio's verifying reader, when
    the file gives digests, hashes whatever is read through it)."""
    reader = record.raw_stream
    if isinstance(reader, DigestVerifyingReader):
        reader.block_digester = reader.payload_digester = reader.payload_digester_obj = None


def _index(record, iterator, entry: IndexedRecord) -> tuple[IndexedRecord, tuple[str, ...]]:
    """The record's index entry (`entry`, its headers' one, with its digest and offset), and
    for a response the digests of its payload as read: decoded, and for a chunked and encoded
    one also de-chunked but still encoded (none for a body stored as sent whose digest the
    file declares: warcio's check of that digest read the same bytes)."""
    digest = entry.digest  # as declared, less its "sha1:"
    decoded: tuple[str, ...] = ()
    if record.rec_type == "response" and digest and record.content_stream() is record.raw_stream:
        # A body stored as sent (neither chunked nor compressed) with its digest declared:
        # warcio's check of that digest hashes these very bytes, so they are only read to their
        # end (a torn record raises here), not hashed a second time.
        iterator.read_to_end(record)
    elif record.rec_type == "response":
        # Read to its end, which checks it is whole (a torn record raises here), a megabyte at
        # a time: a video's record, or a small one that decompresses to gigabytes, is never
        # held in memory.
        sha1 = hashlib.sha1()
        stream, encoded = _dechunked_stream(record)
        while chunk := stream.read(2**20):
            sha1.update(chunk)
        decoded = ("sha1:" + base64.b32encode(sha1.digest()).decode(),)
        if encoded is not None:
            decoded += (encoded.digest(),)
        digest = digest or decoded[0].removeprefix("sha1:")
    location = replace(entry.location, offset=iterator.get_record_offset())
    return replace(entry, digest=digest, location=location), decoded


class _HashingReader:
    """Bytes read through it are hashed: the de-chunked body on its way to be decompressed."""

    def __init__(self, stream):
        self.stream, self.sha1 = stream, hashlib.sha1()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha1.update(data)
        return data

    def digest(self) -> str:
        while self.read(2**20):  # what the decompressor left unread counts too
            pass
        return "sha1:" + base64.b32encode(self.sha1.digest()).decode()


def _dechunked_stream(record) -> tuple[IO[bytes], _HashingReader | None]:
    """The record's payload as `content_stream()` reads it (de-chunked and decompressed), and
    for one both chunked and content-encoded, the hash of its de-chunked, still encoded body.
    WARC 1.1 (6.3.2) takes the payload digest over the entity body, which a tool may read as
    de-chunked but not decoded: such a sound record was reported damaged and dropped, as
    neither warcio's check (over the chunked bytes) nor the decoded body matched it."""
    http = record.http_headers
    encoding = (http.get_header("content-encoding") or "").lower() if http else ""
    if (not encoding or encoding not in BufferedReader.get_supported_decompressors()
            or http.get_header("transfer-encoding") != "chunked"):
        return record.content_stream(), None
    encoded = _HashingReader(ChunkedDataReader(record.raw_stream))
    return BufferedReader(encoded, decomp_type=encoding), encoded


def _failed_digest(record, decoded: tuple[str, ...]) -> str | None:
    """The digest header a record read to its end fails ("WARC-Block-Digest" or
    "WARC-Payload-Digest"), or None. A payload digest that only the decoded body matches (a
    tool that took it after undoing the chunking), or only the de-chunked but still encoded
    one (`decoded` holds both digests), is no damage, nor is one whose whole block
    passes its own digest, nor one of an algorithm warcio does not know."""
    checker = getattr(record, "digest_checker", None)
    if checker is None or checker.passed is not False:
        return None
    failed = [problem for problem in checker.problems if "digest failed" in problem]
    if any(problem.startswith("block") for problem in failed):
        return "WARC-Block-Digest"
    if not failed or record.rec_headers.get_header("WARC-Block-Digest"):
        return None
    declared = (record.rec_headers.get_header("WARC-Payload-Digest") or "").upper()
    return None if declared in {digest.upper() for digest in decoded} else "WARC-Payload-Digest"


def _iso(value: str) -> str:
    """A WARC-Date (second or finer precision) as the archive's ISO 8601 UTC."""
    value = value.rstrip("Z").split(".")[0]
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


def _starts_gzipped(path: str, member: str) -> bool:
    try:
        with _raw_location(path, member) as handle:
            return handle.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    except UNREADABLE_ENTRY:
        return False


def _glued(record) -> bool:
    """A WARC record whose header block holds a second record's (two WARC-Record-IDs)."""
    return sum(name.lower() == "warc-record-id" for name, _ in record.rec_headers.headers) > 1


def _after_blank_lines(handle: IO[bytes], position: int) -> int:
    """The offset of the first byte at or after `position` that is no CR or LF."""
    handle.seek(position)
    while handle.read(1) in (b"\r", b"\n"):
        position += 1
    return position


@dataclass
class Payload:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes  # content-encoding and chunking undone


class PayloadTooLarge(ValueError):
    """The record's payload is larger than its reader allows."""


def _read_up_to(stream, max_bytes: int | None) -> bytes:
    """The whole stream, or PayloadTooLarge once it has given more than `max_bytes` (warcio's
    readers may return less than asked before the end: read until they return nothing)."""
    if max_bytes is None:
        return stream.read()
    parts, size = [], 0
    while chunk := stream.read(2**20):
        parts.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"a payload over {max_bytes:,} bytes")
    return b"".join(parts)


def read_payload(location: Location, max_bytes: int | None = None) -> Payload:
    """The HTTP response of the record at `location`; PayloadTooLarge when its body, decoded,
    is over `max_bytes` (read no further than that: a small record may inflate to gigabytes)."""
    with open_location(location.path, location.member) as handle:
        handle.seek(location.offset)
        record = next(iter(ArchiveIterator(handle, arc2warc=True)))
        http = record.http_headers
        body = _read_up_to(record.content_stream(), max_bytes)
        status_line = http.statusline.split(" ", 1)
        return Payload(status=int(http.get_statuscode() or 0),
                       reason=status_line[1] if len(status_line) > 1 else "",
                       headers=list(http.headers), body=body)
