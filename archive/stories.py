"""Stories: the same report published by several sites (a district portal and the provincial
paper) is grouped under one `story_id`, the canonical URL of its earliest copy. Every copy keeps
its own row.

Two articles are copies when the sets of their 5-word shingles (of the folded text) overlap by
at least half (Jaccard) and they were published within ten days of each other: prefixes,
bylines, captions and a rewritten title do not move that far. Finding candidates must not cost
a comparison with every neighbour, so each article gets a MinHash signature of its shingles,
cut into 16 bands of 2 values stored in `article_bands`: articles that share two bands are the
candidates, which are then checked on the estimate from the whole signature.
"""

from __future__ import annotations

from pipelines.fingerprint import bands, decode, encode, estimated_similarity, signature

SAME_STORY = 0.5
WINDOW_DAYS = 10
MINIMUM_SHARED_BANDS = 2


def assign_stories(db, canonical_urls: list[str]) -> None:
    """Give each article, and every copy found of it, the story id of the earliest copy."""
    for key in canonical_urls:
        row = next(db.query("select coalesce(published, fetched_at) as day, text_folded, "
                            "story_id, story_signature from articles where canonical_url = ?",
                            [key]), None)
        if row is None:
            continue
        mine = decode(row["story_signature"]) or signature(row["text_folded"] or "")
        my_bands = bands(mine)
        db.execute("delete from article_bands where canonical_url = ?", [key])
        db["article_bands"].insert_all({"band": band, "canonical_url": key} for band in my_bands)
        if not row["story_signature"]:
            db.execute("update articles set story_signature = ? where canonical_url = ?",
                       [encode(mine), key])
        placeholders = ", ".join("?" for _ in my_bands)
        # Candidates share at least two bands: a copy (Jaccard 0.5) shares about four of the
        # sixteen, and finds two with probability 0.94; an unrelated text rarely shares one.
        candidates = db.query(
            "select a.canonical_url, a.story_id, a.story_signature from article_bands b "
            "join articles a using (canonical_url) "
            f"where b.band in ({placeholders}) and a.canonical_url != ? and "
            "coalesce(a.published, a.fetched_at) between date(?, ?) and date(?, ?) "
            f"group by a.canonical_url having count(*) >= {MINIMUM_SHARED_BANDS}",
            [*my_bands, key, row["day"][:10], f"-{WINDOW_DAYS} days", row["day"][:10],
             f"+{WINDOW_DAYS + 1} days"])
        copies = [c for c in candidates if (decode(c["story_signature"]) and
                  estimated_similarity(mine, decode(c["story_signature"])) >= SAME_STORY)]
        story_ids = {key, *(c["story_id"] or c["canonical_url"] for c in copies)}
        if row["story_id"]:
            story_ids.add(row["story_id"])
        members = {key, *(c["canonical_url"] for c in copies)}
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
