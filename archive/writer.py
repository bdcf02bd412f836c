"""Write a crawl into the archive in batches, each batch one transaction.

A crash loses at most the batch in flight and never leaves half a row: rows are buffered and
written together inside `db.atomic()`. One writer serves one crawler (its fetch recorder and its
store pipeline); it is closed when the spider closes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from archive.schema import open_database

logger = logging.getLogger(__name__)

ARTICLE_COLUMNS = (
    "canonical_url", "url", "site", "title", "lead", "text", "author", "published",
    "published_source", "event_date", "language", "encoding", "photo_credits", "warnings",
    "is_meeting_report", "confidence", "found_via", "status", "fetched_at", "run_id",
    "extractor_version", "classifier_version",
)
MEETING_COLUMNS = (
    "kind", "organ", "organ_name", "locality", "locality_level", "province", "province_2025",
    "meeting_date", "period_reviewed", "period_deployed",
)
JSON_COLUMNS = ("photo_credits", "warnings")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class RunCounts:
    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    meeting_reports: int = 0
    errors: int = 0


@dataclass
class ArchiveWriter:
    db_path: str
    batch_size: int = 50
    run_id: int | None = None
    site: str = ""
    counts: RunCounts = field(default_factory=RunCounts)
    _pages: list[dict] = field(default_factory=list)
    _articles: list[dict] = field(default_factory=list)
    _owns_run: bool = False

    def __post_init__(self) -> None:
        self.db = open_database(self.db_path)
        if self.run_id is None:
            self.run_id = start_run(self.db, [self.site] if self.site else [])
            self._owns_run = True

    # Buffering --------------------------------------------------------------------------
    def add_page(self, page: dict) -> None:
        self._pages.append({**page, "run_id": self.run_id})
        self.counts.pages_fetched += 1
        failed = page.get("error") not in (None, "robots_disallowed")
        if failed or (page.get("status") or 0) >= 400:
            self.counts.errors += 1
        self._flush_if_full()

    def add_article(self, article: dict) -> None:
        row = {column: article.get(column) for column in ARTICLE_COLUMNS}
        for column in JSON_COLUMNS:
            if row[column] is not None:
                row[column] = json.dumps(row[column], ensure_ascii=False)
        row["run_id"] = self.run_id
        row["html"] = article.get("html")
        row["meeting"] = article.get("meeting")
        self._articles.append(row)
        self._flush_if_full()

    def _flush_if_full(self) -> None:
        if len(self._pages) + len(self._articles) >= self.batch_size:
            self.flush()

    # Writing ----------------------------------------------------------------------------
    def flush(self) -> None:
        if not self._pages and not self._articles:
            return
        pages, articles = self._pages, self._articles
        self._pages, self._articles = [], []
        with self.db.atomic():
            if pages:
                self.db["pages"].insert_all(pages)
            if articles:
                self._write_articles(articles)

    def _write_articles(self, rows: list[dict]) -> None:
        # The last fetch of a URL within one batch wins.
        latest = {row["canonical_url"]: row for row in rows}
        existing = {
            found["canonical_url"]
            for found in self.db.query(
                "select canonical_url from articles where canonical_url in (select value from "
                "json_each(?))",
                [json.dumps(list(latest))],
            )
        }
        new, updated, sources, meetings = [], [], [], {}
        for key, row in latest.items():
            sources.append({"canonical_url": key, "html": row.pop("html"),
                            "encoding": row["encoding"], "fetched_at": row["fetched_at"]})
            meetings[key] = (row.pop("meeting"), row)
            if key in existing:
                updated.append(row)
            else:
                new.append({**row, "first_seen_at": row["fetched_at"]})
            if row.get("is_meeting_report"):
                self.counts.meeting_reports += 1
        if new:
            self.db["articles"].insert_all(new)
        if updated:
            # first_seen_at is left out, so an update keeps the first sighting.
            self.db["articles"].upsert_all(updated, pk="canonical_url")
        self.db["article_sources"].upsert_all(sources, pk="canonical_url")
        self._write_meetings(meetings)
        self.counts.articles_new += len(new)
        self.counts.articles_updated += len(updated)

    def _write_meetings(self, meetings: dict[str, tuple[dict | None, dict]]) -> None:
        """A meeting report's fields, officials and figures replace what an earlier crawl
        stored for the same article; an article no longer classified as one loses them."""
        keys = json.dumps(list(meetings))
        for table in ("officials", "figures", "meeting_reports"):
            self.db.execute(f"delete from {table} where canonical_url in "
                            "(select value from json_each(?))", [keys])
        reports, officials, figures = [], [], []
        for key, (meeting, row) in meetings.items():
            if not meeting:
                continue
            reports.append({"canonical_url": key, "confidence": row.get("confidence"),
                            "classifier_version": row.get("classifier_version"),
                            **{column: meeting.get(column) for column in MEETING_COLUMNS}})
            officials += [{"canonical_url": key, "name": person["name"],
                           "title": person["title"]} for person in meeting.get("officials", [])]
            figures += [{"canonical_url": key, "text": figure["text"], "value": figure["value"],
                         "total": figure.get("total"), "unit": figure["unit"],
                         "label": figure["label"]} for figure in meeting.get("figures", [])]
        if reports:
            self.db["meeting_reports"].insert_all(reports)
        if officials:
            self.db["officials"].insert_all(officials)
        if figures:
            self.db["figures"].insert_all(figures)

    def close(self) -> None:
        """Flush what is left and add this writer's counts to its run."""
        self.flush()
        with self.db.atomic():
            self.db.execute(
                "update crawl_runs set pages_fetched = pages_fetched + ?, "
                "articles_new = articles_new + ?, articles_updated = articles_updated + ?, "
                "meeting_reports = meeting_reports + ?, errors = errors + ? where id = ?",
                [self.counts.pages_fetched, self.counts.articles_new,
                 self.counts.articles_updated, self.counts.meeting_reports, self.counts.errors,
                 self.run_id],
            )
        if self._owns_run:
            finish_run(self.db, self.run_id, "finished")
        self.db.close()


def start_run(db, sites: list[str]) -> int:
    """A new crawl_runs row; returns its id."""
    with db.atomic():
        table = db["crawl_runs"].insert(
            {"started_at": utc_now(), "status": "running", "sites": json.dumps(sites)}
        )
    return table.last_pk


def finish_run(db, run_id: int, status: str) -> None:
    with db.atomic():
        db["crawl_runs"].update(run_id, {"finished_at": utc_now(), "status": status})


def record_site(db, profile) -> None:
    """Keep the profile's facts beside its articles, so SQL can join on the owner."""
    owner = profile.owner
    with db.atomic():
        db["sites"].upsert(
            {
                "name": profile.name,
                "title": profile.title,
                "kind": profile.kind,
                "base_url": profile.base_url or None,
                "verified": int(profile.verified),
                "owner_organ": owner.organ if owner else None,
                "owner_locality": owner.locality if owner else None,
                "owner_province": owner.province if owner else None,
                "profile_file": str(profile.source),
            },
            pk="name",
        )
