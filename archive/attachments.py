"""Write attachment rows: one per article and file.

A re-crawl replaces a row with what it fetched, except that a failed fetch or a file that could
not be read never replaces a good row: the archived copy is kept.
"""

from __future__ import annotations

import json

ATTACHMENT_COLUMNS = ("canonical_url", "url", "link_text", "type", "content_type", "size",
                      "sha256", "text", "error", "fetched_at", "run_id", "warc_file",
                      "warc_offset")


def write_attachments(db, rows: list[dict]) -> None:
    """Upsert good rows; insert failed ones only where no row exists yet (inside the
    writer's transaction)."""
    rows = [{column: row.get(column) for column in ATTACHMENT_COLUMNS} for row in rows]
    good = [row for row in rows if row["sha256"] and not row["error"]]
    failed = [row for row in rows if not (row["sha256"] and not row["error"])]
    table = db["attachments"]
    if good:
        table.upsert_all(good, pk=("canonical_url", "url"))
    if failed:
        keys = json.dumps([[row["canonical_url"], row["url"]] for row in failed])
        keep = {(found["canonical_url"], found["url"]) for found in db.query(
            "select canonical_url, url from attachments where sha256 is not null and "
            "error is null and (canonical_url, url) in (select json_extract(value, '$[0]'), "
            "json_extract(value, '$[1]') from json_each(?))", [keys])}
        replaceable = [row for row in failed if (row["canonical_url"], row["url"]) not in keep]
        if replaceable:
            table.upsert_all(replaceable, pk=("canonical_url", "url"))
