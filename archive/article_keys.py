"""One article, one key: moving articles from one canonical URL to another, with every row
that names them.

An article's key can change after it was archived: an older vnarchive spelled some URLs
differently (lower-case escapes, decomposed Vietnamese; schema m023), or the site moved the
article by a permanent redirect (crawler/moves.py; `follow_moves` records the old key in
`article_aliases`). Left under its old key, the article got a second row under the new one.
`move_articles` re-keys the article and every table that holds a canonical URL (KEY_COLUMNS,
story ids included). A moved row keeps its rowid, so the full-text index, `article_facets` and
`story_bands`, which are keyed by rowid, stay as they are.

Where rows meet under one key (both spellings were archived, as two rows), they become one:
the most recent fetch stays the article, with the earliest `first_seen_at`; each other one
becomes an old version in `article_versions`, and its decoded page and meeting fields, which
described that older text, go, as a refresh would replace them. Versions, attachments (one
per file) and captures of them all are kept under the one key.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from archive.article_rows import insert_rows
from archive.query import has_table, open_read_only, table_columns
from archive.stories import SAME_STORY
from pipelines.fingerprint import decode, estimated_similarity
from pipelines.urls import canonical_url

# Every column that holds an article's canonical URL.
KEY_COLUMNS = (
    ("articles", "canonical_url"), ("articles", "story_id"),
    ("article_sources", "canonical_url"), ("meeting_reports", "canonical_url"),
    ("officials", "canonical_url"), ("figures", "canonical_url"),
    ("article_versions", "canonical_url"), ("attachments", "canonical_url"),
    ("captures", "canonical_url"), ("article_aliases", "canonical_url"),
)
# The rows of an article's current text, replaced with it (archive/article_rows.py).
CURRENT_TEXT_TABLES = ("article_sources", "meeting_reports", "officials", "figures")
# Keys pipelines.urls.canonical_url may now spell otherwise: a lower-case hex digit after "%",
# a percent-encoded combining mark (U+0300-U+036F, decomposed Vietnamese), or a character
# outside ASCII (more UTF-8 bytes than characters). Read from each column's index, in C, and
# cheap first ("%" anywhere): 0.5 s a million keys, where a GLOB for non-ASCII took 3.6 s.
# Only the keys found are passed to canonical_url.
RESPELLABLE = ("({0} glob '*%*' and ({0} glob '*%[a-f]*' or {0} glob '*%[0-9A-F][a-f]*' "
               "or {0} glob '*%C[CD]%*')) or length({0}) != length(cast({0} as blob))")


def respelled_keys(db) -> dict[str, str]:
    """Old key -> today's key, for every stored key canonical_url now spells otherwise."""
    moves, tables = {}, set(db.table_names())
    for table, column in KEY_COLUMNS:
        if table not in tables:  # a later migration's
            continue
        for (key,) in db.execute(f"select distinct {column} from {table} "
                                 f"where {RESPELLABLE.format(column)}"):
            if key not in moves and canonical_url(key) != key:
                moves[key] = canonical_url(key)
    return moves


def move_articles(db, moves: dict[str, str]) -> int:
    """Re-key the articles and the rows that name them (old key -> new key, new keys final),
    merging rows that meet under one key. Returns how many keys moved. Run it inside the
    caller's transaction: foreign keys are checked at its commit."""
    moves = {old: new for old, new in moves.items() if old != new}
    if not moves:
        return 0
    # A parent key and its children change one statement after another.
    db.execute("pragma defer_foreign_keys = on")
    db.execute("create temp table if not exists key_moves (old text primary key, new text)")
    db.execute("delete from temp.key_moves")
    db.conn.executemany("insert into temp.key_moves (old, new) values (?, ?)", moves.items())
    involved = ("canonical_url in (select old from temp.key_moves) or canonical_url in "
                "(select new from temp.key_moves)")
    _merge_articles(db, moves, involved)
    _merge_attachments(db, moves, involved)
    tables = set(db.table_names())
    for table, column in KEY_COLUMNS:
        if table not in tables:  # a later migration's (when m023 runs)
            continue
        # "or replace": a child row left under both keys (written without its article) is
        # kept once; articles never meet here, merged above.
        conflict = "" if table == "articles" else " or replace"
        db.execute(f"update{conflict} {table} set {column} = (select new from temp.key_moves "
                   f"where old = {table}.{column}) where {column} in "
                   "(select old from temp.key_moves)")
    db.execute("drop table temp.key_moves")
    return len(moves)


def read_aliases(db_path: str) -> dict[str, str]:
    """Old key -> the key of the article that moved from it (none in an archive older than
    the table, or not made yet), read-only."""
    if not Path(db_path).exists():
        return {}
    connection = open_read_only(db_path)  # escapes a `#`, `?` or `%` in the path
    try:
        if not has_table(connection, "article_aliases"):
            return {}
        return dict(connection.execute("select alias, canonical_url from article_aliases"))
    finally:
        connection.close()


def same_article(title: str | None, signature: str | None, row: dict) -> bool:
    """Whether an archived article and the page its address now redirects to are one
    article: the same title, or texts a story would join (SAME_STORY). A
    site that sends removed articles to an error page, or every unknown id to one article,
    also answers 301; taken as moves, those merged unrelated articles into one row."""
    if title and title == row.get("title"):
        return True
    mine, theirs = decode(signature), decode(row.get("story_signature"))
    return bool(mine and theirs) and estimated_similarity(mine, theirs) >= SAME_STORY


def follow_moves(db, records: list) -> list:
    """Move the rows of articles a batch fetched at a new address after a permanent redirect
    (ArticleRecord.moved_from) to their new keys, and record the old keys as aliases. A row
    of another site at the old address is another article: left alone. Returns the records
    to write: one fetched at an address a later fetch of the batch moved away from is
    superseded by it."""
    # An address an article is fetched at is its own key, nobody's alias (it moved back, or
    # the site put another article there).
    db.execute("delete from article_aliases where alias in (select value from json_each(?))",
               [json.dumps([record.key for record in records])])
    moves, found = _batch_moves(records)
    if not moves:
        return records
    others = {key for key, site, title, signature in db.execute(
        "select canonical_url, site, title, story_signature from articles where canonical_url "
        "in (select value from json_each(?))", [json.dumps(list(moves))])
        if site != found[key]["site"] or not same_article(title, signature, found[key])}
    moves = {old: new for old, new in moves.items() if old not in others}
    move_articles(db, moves)  # aliases that named an old key follow it too
    insert_rows(db, "article_aliases", [
        {"alias": old, "canonical_url": new, "site": found[old]["site"],
         "moved_at": found[old]["fetched_at"]} for old, new in moves.items()], upsert="alias")
    return [record for record in records if record.key not in moves]


def _batch_moves(records: list) -> tuple[dict[str, str], dict[str, dict]]:
    """Old key -> final key, in the batch's order: a chain (A to B, then B to C) ends at C,
    and a key fetched again later (moved back) is nobody's alias. move_articles wants final
    keys: a chain or a cycle given whole made its update meet a key still in use."""
    moves: dict[str, str] = {}
    found: dict[str, dict] = {}
    for record in records:
        moves.pop(record.key, None)
        for old in record.moved_from:
            if old == record.key:
                continue
            for earlier, target in list(moves.items()):
                if target == old:
                    moves[earlier] = record.key
            moves[old], found[old] = record.key, record.row
        for earlier, target in moves.items():
            if target == record.key:
                found[earlier] = record.row
    return moves, found


def version_columns(db) -> list[str]:
    """The columns an old version keeps: those `articles` and `article_versions` both have in
    this database, but the version's own key and end. Migration m023 moves articles too, at
    the schema of its time: today's VERSION_COLUMNS would name a column a later migration
    adds, and upgrading an archive older than m023 failed inside it."""
    shared = set(table_columns(db, "articles"))
    return [column for column in table_columns(db, "article_versions")
            if column in shared and column not in ("id", "canonical_url", "replaced_at")]


def _merge_articles(db, moves: dict[str, str], involved: str) -> None:
    """Articles that meet under one key: the latest fetch stays, the others become versions."""
    kept = version_columns(db)
    read = ", ".join(dict.fromkeys(["canonical_url", "fetched_at", *kept]))
    groups = defaultdict(list)
    for row in db.query(f"select rowid as id, first_seen_at, {read} "
                        f"from articles where {involved}"):
        groups[moves.get(row["canonical_url"], row["canonical_url"])].append(row)
    versions, gone, first_seen = [], [], []
    for key, rows in groups.items():
        if len(rows) < 2:
            continue
        rows.sort(key=lambda row: (row["fetched_at"] or "", row["id"]))
        for row, later in zip(rows, rows[1:], strict=False):
            versions.append({**{column: row[column] for column in kept},
                             "canonical_url": key, "replaced_at": later["fetched_at"]})
            gone.append(row)
        seen = [row["first_seen_at"] for row in rows if row["first_seen_at"]]
        first_seen.append((min(seen) if seen else None, rows[-1]["id"]))
    if not gone:
        return
    insert_rows(db, "article_versions", versions)
    keys = json.dumps([row["canonical_url"] for row in gone])
    for table in CURRENT_TEXT_TABLES:
        db.execute(f"delete from {table} where canonical_url in (select value from json_each(?))",
                   [keys])
    ids = json.dumps([row["id"] for row in gone])
    for table in ("story_bands", "story_bands_recent"):  # keyed by rowid, no trigger
        db.execute(f"delete from {table} where article in (select value from json_each(?))",
                   [ids])
    # Its trigger takes it out of the full-text index and article_facets.
    db.execute("delete from articles where rowid in (select value from json_each(?))", [ids])
    db.conn.executemany("update articles set first_seen_at = ? where rowid = ?", first_seen)


def _merge_attachments(db, moves: dict[str, str], involved: str) -> None:
    """One attachment row per article and file: the one with text, else the latest."""
    groups = defaultdict(list)
    for row in db.query("select rowid as id, canonical_url, url, sha256, error, fetched_at "
                        f"from attachments where {involved}"):
        groups[moves.get(row["canonical_url"], row["canonical_url"]), row["url"]].append(row)
    gone = []
    for rows in groups.values():
        rows.sort(key=lambda row: (row["sha256"] is not None and row["error"] is None,
                                   row["fetched_at"] or "", row["id"]))
        gone += [row["id"] for row in rows[:-1]]
    if gone:
        db.execute("delete from attachments where rowid in (select value from json_each(?))",
                   [json.dumps(gone)])
