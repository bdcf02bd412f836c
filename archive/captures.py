"""Captures: pages taken from a web archive (the Wayback Machine, Common Crawl, any pywb) or
from archive files (WARC, ARC, WACZ), and how they meet the archive's own copies.

Every capture archived gets a `captures` row: its URL, when it was captured, its payload
digest, and where it came from (the file, or the web archive). That row is the provenance of
the article it became, and the reason it is never fetched or imported again.

A capture is a copy of a page at its capture time, which stands in for the fetch time (never
for the publication date). A capture newer than the archive's copy of the article updates it
as a re-crawl would (the old text goes to `article_versions`); an older one must not replace a
newer copy, so it goes straight to `article_versions` as the earlier text it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from archive.article_rows import VERSION_COLUMNS, content_hash
from archive.runs import utc_now
from pipelines.urls import canonical_url


@dataclass(frozen=True)
class CaptureKey:
    url: str
    captured_at: str  # ISO 8601 UTC
    digest: str


@dataclass(frozen=True)
class CaptureSource:
    kind: str  # file, wayback or commoncrawl
    source: str  # the file's path, or the web archive's CDX endpoint


def known_captures(db, urls: list[str] | None = None) -> set[CaptureKey]:
    """The captures already archived (of these URLs, or all)."""
    sql = "select url, captured_at, digest from captures"
    params: list = []
    if urls is not None:
        sql += " where url in (select value from json_each(?))"
        params.append(json.dumps(urls))
    return {CaptureKey(*row) for row in db.execute(sql, params).fetchall()}


def known_fetches(db, urls: list[str], digests: list[str]) -> set[CaptureKey]:
    """The archive's own fetches of these URLs with these payloads, as capture keys: its WARC
    files (or a copy of them) given to `import` hold captures it has, which are not to be
    archived twice. Found by the payload digest's index: pages has no index on the URL
    alone, and `url in (...)` read every page row once per import."""
    rows = db.execute("select url, fetched_at, payload_digest from pages where payload_digest "
                      "in (select value from json_each(?)) and url in (select value from "
                      "json_each(?))", [json.dumps(["sha1:" + digest for digest in digests]),
                                        json.dumps(urls)]).fetchall()
    return {CaptureKey(url, fetched_at, digest.removeprefix("sha1:"))
            for url, fetched_at, digest in rows}


def known_digests(db, site: str) -> set[str]:
    """Payload digests of the site's archived captures and of the fetches its articles (and
    their earlier versions) were made from: identical content is fetched once. A fetch whose
    article was never committed (a crash between the two) does not count."""
    rows = db.execute(
        "select digest from captures where site = ? union select p.payload_digest from pages p "
        "join (select warc_file, warc_offset from articles where site = ? union all "
        "select v.warc_file, v.warc_offset from article_versions v join articles a using "
        "(canonical_url) where a.site = ?) kept on kept.warc_file = p.warc_file and "
        "kept.warc_offset = p.warc_offset where p.payload_digest is not null",
        [site, site, site]).fetchall()
    return {row[0].removeprefix("sha1:") for row in rows}


def held_payloads(db, digests: list[str]) -> set[tuple[str, str]]:
    """The payloads among `digests` the archive holds already, as (canonical URL, digest) of
    the article they are of: a capture of it, or a fetch of one of its addresses (a revisit
    record's original, imported or crawled before). One query for them all, by the digest
    indexes: asked per revisit, it was two queries each."""
    if not digests:
        return set()
    wanted = json.dumps(sorted(set(digests)))
    rows = db.execute(
        "select canonical_url, digest, 1 from captures where digest in (select value from "
        "json_each(?)) union all select url, substr(payload_digest, 6), 0 from pages where "
        "payload_digest in (select 'sha1:' || value from json_each(?))",
        [wanted, wanted]).fetchall()
    return {(url if captured else canonical_url(url), digest) for url, digest, captured in rows}


def record_captures(db, rows: list[dict]) -> None:
    """Capture rows (as `capture_row` makes them); one already there is left as it was."""
    if rows:
        db["captures"].insert_all(rows, ignore=True)


def capture_row(key: CaptureKey, canonical_url: str, site: str, status: int,
                source: CaptureSource, run_id: int | None) -> dict:
    return {"canonical_url": canonical_url, "url": key.url, "site": site,
            "captured_at": key.captured_at, "digest": key.digest, "status": status,
            "source_kind": source.kind, "source": source.source, "run_id": run_id,
            "recorded_at": utc_now()}


def archived_copy_time(db, canonical_url: str) -> str | None:
    """When the archive's current copy of an article was fetched (or captured)."""
    row = db.execute("select fetched_at from articles where canonical_url = ?",
                     [canonical_url]).fetchone()
    return row[0] if row else None


def keep_older_capture(db, article: dict) -> bool:
    """An article row from a capture older than the archive's copy: keep its text as an
    earlier version (unless it is the same text, or that version is already kept) and move
    the article's first sighting back to the capture. True when a version was added."""
    key = article["canonical_url"]
    current = db.execute("select content_hash, first_seen_at from articles "
                         "where canonical_url = ?", [key]).fetchone()
    text_hash = content_hash(article.get("title"), article.get("text"))
    with db.atomic():
        if current[1] is None or article["fetched_at"] < current[1]:
            db.execute("update articles set first_seen_at = ? where canonical_url = ?",
                       [article["fetched_at"], key])
        if current[0] == text_hash or db.execute(
                "select 1 from article_versions where canonical_url = ? and content_hash = ? "
                "and fetched_at = ?", [key, text_hash, article["fetched_at"]]).fetchone():
            return False
        replaced_at = db.execute(
            "select min(fetched_at) from (select fetched_at from articles where canonical_url "
            "= ? union all select fetched_at from article_versions where canonical_url = ?) "
            "where fetched_at > ?", [key, key, article["fetched_at"]]).fetchone()[0]
        version = {column: article.get(column) for column in VERSION_COLUMNS}
        db["article_versions"].insert({**version, "content_hash": text_hash,
                                       "replaced_at": replaced_at})
        # The version before it (captures imported out of order: 2024, then 2019, then 2021)
        # was replaced by this one, not by the later copy it was said to be.
        db.execute("update article_versions set replaced_at = ? where canonical_url = ? and "
                   "fetched_at < ? and (replaced_at is null or replaced_at > ?)",
                   [article["fetched_at"], key, article["fetched_at"], article["fetched_at"]])
    return True
