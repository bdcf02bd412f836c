"""Stories: the same report published by several sites (a district portal and the provincial
paper) is grouped under one `story_id`, the canonical URL of its earliest copy. Every copy keeps
its own row.

Two articles are copies when the sets of their 5-word shingles (of the folded text) overlap by
at least half (Jaccard), and they were published within ten days of each other: prefixes,
bylines, captions and a rewritten title do not move that far. Comparing only within the date
window keeps each new article's check to the few dozen published around it.
"""

from __future__ import annotations

import zlib

SHINGLE_WORDS = 5
SAME_STORY = 0.5
WINDOW_DAYS = 10


def shingles(folded_text: str) -> set[int]:
    words = folded_text.split()
    return {zlib.crc32(" ".join(words[i:i + SHINGLE_WORDS]).encode())
            for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def similarity(first: set[int], second: set[int]) -> float:
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def assign_stories(db, canonical_urls: list[str]) -> None:
    """Give each article, and every copy found of it, the story id of the earliest copy."""
    for key in canonical_urls:
        row = next(db.query("select canonical_url, coalesce(published, fetched_at) as day, "
                            "text_folded, story_id from articles where canonical_url = ?",
                            [key]), None)
        if row is None:
            continue
        mine = shingles(row["text_folded"] or "")
        neighbours = db.query(
            "select canonical_url, text_folded, story_id from articles where canonical_url != ? "
            "and coalesce(published, fetched_at) between date(?, ?) and date(?, ?)",
            [key, row["day"][:10], f"-{WINDOW_DAYS} days", row["day"][:10],
             f"+{WINDOW_DAYS + 1} days"])
        copies = [n for n in neighbours
                  if similarity(mine, shingles(n["text_folded"] or "")) >= SAME_STORY]
        story_ids = {key, *(n["story_id"] or n["canonical_url"] for n in copies)}
        if row["story_id"]:
            story_ids.add(row["story_id"])
        members = {key, *(n["canonical_url"] for n in copies)}
        placeholders = ", ".join("?" for _ in story_ids)
        members |= {r["canonical_url"] for r in db.query(
            f"select canonical_url from articles where story_id in ({placeholders})",
            list(story_ids))}
        placeholders = ", ".join("?" for _ in members)
        earliest = next(db.query(
            f"select canonical_url from articles where canonical_url in ({placeholders}) "
            "order by coalesce(published, fetched_at), canonical_url limit 1", list(members)))
        db.execute(f"update articles set story_id = ? where canonical_url in ({placeholders})",
                   [earliest["canonical_url"], *members])
