"""Stories: the same report published by several sites (a district portal and the provincial
paper) is grouped under one `story_id`, the canonical URL of its earliest copy. Every copy keeps
its own row.

Two articles are copies when the sets of their 5-word shingles (of the folded text) overlap by
at least half (Jaccard) and they were published within ten days of each other: prefixes,
bylines, captions and a rewritten title do not move that far. Finding candidates must not cost
a comparison with every neighbour, so each article gets a MinHash signature of its shingles,
cut into 16 bands of 2 values stored in `story_bands`: articles that share two bands are the
candidates, which are then checked on the estimate from the whole signature.

`story_bands` (schema m016) is one B-tree keyed by (band, day, article rowid) with integer
bands, plus an index by article that grows at its end: a million articles' bands are about a
sixth of the former `article_bands` (a table and two indexes keyed by text), so a batch's
inserts at random bands dirty fewer pages and its cost stays flat as the archive grows. Rowids
are as stable as the full-text index's, which relies on them too.
"""

from __future__ import annotations

import hashlib
import json

from archive.band_filter import BandFilter, band_filter, record_moved
from pipelines.fingerprint import bands, decode, encode, estimated_similarity, signature

SAME_STORY = 0.5
WINDOW_DAYS = 10
MINIMUM_SHARED_BANDS = 2
# Bands are written to a small table first and moved to the large one this many at a time
# (40,000 articles' worth); a lookup reads both. A move writes most leaves of the large table
# however many bands it brings (16 million rows at a million articles), so its cost is paid
# once per this many: at 335,000 articles moving 126,544 bands took 1.6 s of CPU and 506,544
# took 2.6 s (12.4 and 5.1 microseconds a band). The small table then holds up to 30 MB.
RECENT_BANDS = 640_000
BAND_TABLES = ("story_bands", "story_bands_recent")


def assign_stories(db, canonical_urls: list[str]) -> None:
    """Give each article, and every copy found of it, the story id of the earliest copy.
    A batch's rows are read, and its bands replaced, in one statement each; then each
    article's copies are searched (a copy within the same batch is found from both sides)."""
    keys = json.dumps(canonical_urls)
    rows = {row["canonical_url"]: row for row in db.query(
        "select rowid as id, canonical_url, substr(coalesce(published, fetched_at), 1, 10) "
        "as day, story_id, story_signature from articles where canonical_url in "
        "(select value from json_each(?))", [keys])}
    signatures = {key: decode(row["story_signature"]) or _compute_signature(db, key)
                  for key, row in rows.items()}
    for table in BAND_TABLES:
        db.execute(f"delete from {table} where article in (select value from json_each(?))",
                   [json.dumps([row["id"] for row in rows.values()])])
    band_keys = {key: [band_key(band) for band in bands(values)]
                 for key, values in signatures.items()}  # stored, then searched
    # In key order: the B-tree is then walked once, left to right, each leaf page visited
    # once a batch rather than at random (16 bands an article, at random keys).
    db.conn.executemany("insert or ignore into story_bands_recent (band, day, article) "
                        "values (?, ?, ?)",
                        sorted((band, rows[key]["day"], rows[key]["id"])
                               for key, keys_of_one in band_keys.items()
                               for band in keys_of_one))
    seen: dict[str, list[int]] = {}  # candidates' signatures, decoded once per batch
    alone, merged = [], False
    large_table = band_filter(db)
    for key, row in rows.items():
        mine = signatures[key]
        copies = [candidate for candidate in _candidates(db, row["id"], row["day"],
                                                         band_keys[key], large_table)
                  if estimated_similarity(mine, _signature_of(candidate, seen)) >= SAME_STORY]
        # A merge earlier in the batch may have moved this row to another story.
        story_id = _story_id(db, key) if merged else row["story_id"]
        if not copies and story_id in (None, key):
            alone.append(key)  # the usual case, an article no other site carried
            continue
        _merge_story(db, key, story_id, copies)
        merged = True
    # Its own story; a row a merge above has just placed in a story keeps that one.
    db.execute("update articles set story_id = canonical_url where story_id is null and "
               "canonical_url in (select value from json_each(?))", [json.dumps(alone)])
    _move_recent_bands(db)


def _move_recent_bands(db) -> None:
    """Once `story_bands_recent` holds RECENT_BANDS rows, move them to `story_bands` in key
    order, all at once: a batch's 16,000 bands written straight into `story_bands` dirtied
    as many of its leaf pages at a million articles (40% of the writer's writes,
    bench/bench_scale.py); moved forty batches of 1,000 at a time, each leaf is written
    once for the forty, and the small table they wait in stays in the page cache."""
    waiting = db.execute("select count(*) from story_bands_recent").fetchone()[0]
    if waiting < RECENT_BANDS:
        return
    db.execute("insert or ignore into story_bands (band, day, article) select band, day, "
               "article from story_bands_recent order by band, day, article")
    # Read as the bitset takes them, not listed first: a list of 640,000 bands was 26 MB of
    # the writer's peak RSS at a million articles (258 MB with a move, 227 without). Closed
    # before the delete, read to its end or not (a bitset made anew reads the tables).
    moved = db.execute("select band from story_bands_recent")
    record_moved(db, waiting, (band for (band,) in moved))
    moved.close()
    db.execute("delete from story_bands_recent")


def _story_id(db, key: str) -> str | None:
    row = next(db.query("select story_id from articles where canonical_url = ?", [key]))
    return row["story_id"]


def _signature_of(candidate: tuple, seen: dict[str, list[int]]) -> list[int]:
    key, _, stored = candidate
    if key not in seen:
        seen[key] = decode(stored)
    return seen[key]


def _compute_signature(db, key: str) -> list[int]:
    """For rows written before signatures came with the article: computed once, then kept."""
    text = next(db.query("select text_folded from articles where canonical_url = ?", [key]))
    values = signature(text["text_folded"] or "")
    db.execute("update articles set story_signature = ? where canonical_url = ?",
               [encode(values), key])
    return values


def band_key(band: str) -> int:
    """A band as a signed 64-bit integer (a hash: two bands that collide only add a candidate,
    which the whole signature then rejects)."""
    return int.from_bytes(hashlib.blake2b(band.encode(), digest_size=8).digest(), "big",
                          signed=True)


def _candidates(db, article: int, day: str, my_bands: list[int], large_table: BandFilter):
    """Articles within the window that share at least two bands (`band_key`s), with their
    signatures: (canonical URL, story id, signature) each. In `story_bands` only the bands its
    filter may hold are looked up."""
    # Candidates share at least two bands: a copy (Jaccard 0.5) shares about four of the
    # sixteen, and finds two with probability 0.94; an unrelated text rarely shares one.
    # Each band's rows of the window are one range of the (band, day, article) key; only the
    # few articles that share two bands are then read, by rowid.
    looked_up = [(table, searched) for table, searched in (
        ("story_bands", large_table.held(my_bands)),
        ("story_bands_recent", my_bands)) if searched]
    if not looked_up:
        return []
    window = [day, f"-{WINDOW_DAYS} days", day, f"+{WINDOW_DAYS} days"]
    union = " union all ".join(
        f"select article from {table} where band in ({', '.join('?' for _ in searched)}) "
        "and day between date(?, ?) and date(?, ?)" for table, searched in looked_up)
    # Tuples, not sqlite-utils' dicts: a page of a templated portal can have a hundred
    # candidates, and making them dicts was a fifth of the story search's time.
    return db.conn.execute(
        "select a.canonical_url, a.story_id, a.story_signature from ("
        f"  select article from ({union}) "
        f"  group by article having count(*) >= {MINIMUM_SHARED_BANDS}"
        ") shared join articles a on a.rowid = shared.article where shared.article != ? "
        "and a.story_signature is not null and a.story_signature != ''",
        [value for _, searched in looked_up for value in (*searched, *window)] + [article]
    ).fetchall()


def _merge_story(db, key: str, story_id: str | None, copies: list[tuple]) -> None:
    """One story id, the earliest copy's, for the article, its copies (canonical URL, story
    id, signature) and their stories."""
    story_ids = {key, *(copy_story or copy_key for copy_key, copy_story, _ in copies)}
    if story_id:
        story_ids.add(story_id)
    members = {key, *(copy_key for copy_key, _, _ in copies)}
    members |= {r["canonical_url"] for r in db.query(
        f"select canonical_url from articles where story_id in "
        f"({', '.join('?' for _ in story_ids)})", list(story_ids))}
    placeholders = ", ".join("?" for _ in members)
    earliest = next(db.query(
        f"select canonical_url from articles where canonical_url in ({placeholders}) "
        "order by coalesce(published, fetched_at), canonical_url limit 1", list(members)))
    db.execute(f"update articles set story_id = ? where canonical_url in ({placeholders}) "
               "and coalesce(story_id, '') != ?",
               [earliest["canonical_url"], *members, earliest["canonical_url"]])
