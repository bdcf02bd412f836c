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
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Iterable
from dataclasses import dataclass

SMALLEST_BITS = 2**20  # 128 KB, for an archive's first 16,000 articles in the table
BITS_PER_BAND = 4  # at least: made for twice as many, made again when the table outgrows it
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


def forget(db) -> None:
    """The connection is closing: it no longer keeps its archive's bitset in memory."""
    _held.pop(db, None)


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


def record_moved(db, count: int, bands: Iterable[int]) -> None:
    """`bands`, `count` of them, have just been moved into `story_bands`: set their bits (or
    size the bitset again from the whole table once it holds more than the bitset was made
    for), then store it under a new token."""
    current = band_filter(db)
    total = current.bands + count
    if total * BITS_PER_BAND > len(current.bits) * 8:
        rebuild(db)
        return
    current.add(bands)
    _store(db, BandFilter(secrets.randbits(62), total, current.bits))


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
