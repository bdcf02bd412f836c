"""Which story bands the large band table may hold, so that a story lookup seeks only those.

At a million articles `story_bands` is 450 MB, and each of an article's sixteen band lookups
reads one of its leaf pages at random: 0.35 ms of the writer's CPU an article there (0.04 ms at
10,000, when every band is still in the small table), its largest cost that grows with the
archive. Almost every band of an article is in no other article, so a bitset of the bands the
large table holds lets the lookup skip them: a band is looked up there only when both of its
bits are set. With 4-16 bits a band in the table, 1-15% of absent bands pass (16 MB at a
million articles).

SQLite builds Bloom filters only inside one query's join, never kept between statements, and
has no index type that answers "surely absent" without reading a leaf; so the bitset is kept
here, by hand. The large table changes only when the recent bands are moved into it
(archive/stories.py): the bitset is updated then, stored in the archive (`story_band_filter`,
one row) and read once per process; a new random `token` with each change tells a writer
that another one has moved bands since it read the bitset. Bands deleted from the table keep
their bits (a stale bit costs one seek, never a missed copy).

The large table is made of runs (archive/stories.py): each move appends the recent bands as a
run of their own, which never changes after (but for deletions). Each run has a bitset of its
own too (`story_band_runs`, one row a run, made with the run): a band the archive's bitset may
hold is then looked up only in the runs whose bitset may hold it, one seek each, instead of in
all of them (25 at a million articles). Run 0, the bands of an archive made before runs (schema
m028), has none and is looked up for every band the archive's bitset lets through.
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

SMALLEST_BITS = 2**20  # 128 KB, for an archive's first 16,000 articles in the table
BITS_PER_BAND = 4  # at least: made for twice as many, made again when the table outgrows it
# A run's bitset: 4 to 8 bits a band (a power of two), 512 KB for a move of 640,000 bands.
# Only bands the archive's bitset let through are tested in it: 5-16% of absent bands pass
# each run's, so a band that passed costs about one wasted seek at a million articles.
RUN_BITS_PER_BAND = 4
CHUNK = 2**20  # bytes read or written at once through incremental blob I/O


@dataclass
class BandFilter:
    token: int
    bands: int  # bands the table held when the bitset was last sized (an upper bound)
    bits: bytearray

    @property
    def mask(self) -> int:
        return len(self.bits) * 8 - 1

    def held(self, bands: Iterable[int]) -> list[int]:
        """The bands the table may hold: both of their bits set."""
        mask, bits = self.mask, self.bits
        # A band's two bits are its low and its high half (a band is already a hash); written
        # out here and in `add` rather than called: 16 lookups an article, 16 million bands
        # in a rebuild at a million articles.
        return [band for band in bands
                if bits[(band & mask) >> 3] >> (band & 7) & 1
                and bits[((band >> 32) & mask) >> 3] >> ((band >> 32) & 7) & 1]

    def add(self, bands: Iterable[int]) -> None:
        mask, bits = self.mask, self.bits
        for band in bands:
            bits[(band & mask) >> 3] |= 1 << (band & 7)
            bits[((band >> 32) & mask) >> 3] |= 1 << ((band >> 32) & 7)


# One bitset per archive file in a process, shared by its writers (a crawl of several sites
# has one each: a copy each would be 16 MB apiece at a million articles), read again only
# when its token changed, and let go once no open connection holds it (`forget`). Writers of
# one archive never run this at once: each does it inside its write transaction, which SQLite
# serializes.
_loaded: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_held: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection -> its bitset


@dataclass
class RunFilters:
    filters: dict[int, BandFilter | None] = field(default_factory=dict)


# The runs' bitsets, kept the same way (a class of our own: a dict cannot be weakly held).
_loaded_runs: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_held_runs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def forget(db) -> None:
    """The connection is closing: it no longer keeps its archive's bitsets in memory."""
    _held.pop(db, None)
    _held_runs.pop(db, None)


def _file_of(db) -> str:
    return next(row[2] for row in db.execute("pragma database_list") if row[1] == "main")


def create_table(db) -> None:
    db.execute("create table story_band_filter (id integer primary key check (id = 1), "
               "token integer not null, bands integer not null, bits blob not null)")
    rebuild(db)


def band_filter(db) -> BandFilter:
    """The bitset of the archive's `story_bands`, as stored: from memory when no writer has
    changed it since this connection read it."""
    # length() of a blob is read from its row's header, not from the blob's pages.
    row = db.execute("select token, bands, length(bits) from story_band_filter "
                     "where id = 1").fetchone()
    if row is None:
        return rebuild(db)
    token, bands, size = row
    cached = _loaded.get(_file_of(db))
    if cached is not None and cached.token == token:
        _held[db] = cached
        return cached
    bits = bytearray(size)
    with db.conn.blobopen("story_band_filter", "bits", 1, readonly=True) as blob:
        for offset in range(0, size, CHUNK):
            bits[offset:offset + CHUNK] = blob.read(CHUNK)
    return _remember(db, BandFilter(token, bands, bits))


def record_moved(db, run: int, count: int, bands: Iterable[int]) -> None:
    """`bands`, `count` of them, have just been moved into `story_bands` as `run`: make the
    run's bitset and set their bits in the archive's (or size that again from the whole table
    once it holds more than it was made for), then store both, the archive's under a new
    token."""
    current = band_filter(db)
    total = current.bands + count
    outgrown = total * BITS_PER_BAND > len(current.bits) * 8
    made = BandFilter(secrets.randbits(62), count, bytearray(_size_for(count) // 8))
    for chunk in _chunks(bands):
        made.add(chunk)
        if not outgrown:
            current.add(chunk)
    db.execute("insert into story_band_runs (run, token, bands, bits) values (?, ?, ?, ?)",
               [run, made.token, count, made.bits])
    if outgrown:
        rebuild(db)
        return
    _store(db, BandFilter(secrets.randbits(62), total, current.bits))


def _size_for(count: int) -> int:
    size = SMALLEST_BITS // 16  # 8 KB at least
    while size < count * RUN_BITS_PER_BAND:
        size *= 2
    return size


def _chunks(bands: Iterable[int], size: int = 65_536) -> Iterator[list[int]]:
    chunk = []
    for band in bands:
        chunk.append(band)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_filters(db) -> dict[int, BandFilter | None]:
    """Each run of `story_bands` with its bitset as stored (None: a run without one). A run's
    bitset never changes, so only those this process has not read yet are read (a token tells
    them from the runs of another archive once at the same path)."""
    stored = dict(db.execute("select run, token from story_band_runs").fetchall())
    file = _file_of(db)
    known = _loaded_runs.get(file) or RunFilters()
    known.filters = {run: made for run, made in known.filters.items()
                     if stored.get(run) == (made.token if made else None)}
    for run, token in stored.items():
        if run not in known.filters:
            bits = db.execute("select bits from story_band_runs where run = ?",
                              [run]).fetchone()[0]
            known.filters[run] = None if bits is None else BandFilter(token, 0, bytearray(bits))
    _loaded_runs[file] = _held_runs[db] = known
    return known.filters


def rebuild(db) -> BandFilter:
    """The bitset made again from every band in `story_bands`, sized for them: about 10 s of
    CPU at a million articles, inside the batch whose move outgrew the bitset (once each time
    the table doubles: at about 16,000, 32,000... 2 million articles) or in m026."""
    total = db.execute("select count(*) from story_bands").fetchone()[0]
    size = SMALLEST_BITS
    while size < total * BITS_PER_BAND * 2:  # room to double before the next rebuild
        size *= 2
    made = BandFilter(secrets.randbits(62), total, bytearray(size // 8))
    made.add(band for (band,) in db.execute("select band from story_bands"))
    return _store(db, made)


def _store(db, made: BandFilter) -> BandFilter:
    db.execute("insert or replace into story_band_filter (id, token, bands, bits) "
               "values (1, ?, ?, zeroblob(?))", [made.token, made.bands, len(made.bits)])
    with db.conn.blobopen("story_band_filter", "bits", 1) as blob:
        view = memoryview(made.bits)
        for offset in range(0, len(made.bits), CHUNK):
            blob.write(view[offset:offset + CHUNK])
    return _remember(db, made)


def _remember(db, made: BandFilter) -> BandFilter:
    _loaded[_file_of(db)] = _held[db] = made
    return made
