"""Re-run extraction and classification over the raw store, with no network.

The WARC files hold every article response with what the crawl knew of it (site, how it was
found, run). Each article's latest fetch becomes its row again, through the same
`process_article` the crawl's pipelines call, and its earliest fetch gives `first_seen_at`; so
re-processing an archive whose tables were emptied gives back the rows a crawl wrote, and
re-processing twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive.warc import ReadRecord, read_records
from archive.writer import ArchiveWriter, warc_folder
from crawler.profiles import load_profiles
from crawler.urls import canonical_url
from pipelines.encodings import declared_charset
from pipelines.process import NotAnArticle, process_article


@dataclass
class ReprocessResult:
    articles: int = 0
    skipped: int = 0
    new: int = 0
    updated: int = 0


def latest_article_fetches(directory: Path, site: str | None = None,
                           since: str | None = None) -> dict[str, tuple[ReadRecord, str]]:
    """Canonical URL -> (its latest article response, the time it was first fetched)."""
    chosen: dict[str, tuple[ReadRecord, str]] = {}
    for record in read_records(directory):
        if record.kind != "article" or not 200 <= record.status < 300:  # as HttpError drops
            continue
        if site and record.site != site:
            continue
        key = canonical_url(record.url)
        latest, first_seen = chosen.get(key, (record, record.fetched_at))
        if record.fetched_at >= latest.fetched_at:
            latest = record
        chosen[key] = (latest, min(first_seen, record.fetched_at))
    if since:
        chosen = {k: v for k, v in chosen.items() if v[0].fetched_at[:10] >= since}
    return chosen


def reprocess(db_path: str, warc_dir: str | None = None, site: str | None = None,
              since: str | None = None,
              progress: Callable[[int, int], None] | None = None) -> ReprocessResult:
    directory = Path(warc_dir) if warc_dir else warc_folder(db_path)
    owners = {name: profile.owner for name, profile in load_profiles().items()}
    fetches = latest_article_fetches(directory, site, since)
    writer = ArchiveWriter(str(db_path), record_run=False, warc_dir=str(directory))
    result = ReprocessResult()
    for done, (key, (record, first_seen)) in enumerate(sorted(fetches.items()), start=1):
        declared = declared_charset(record.headers.get("content-type"), record.body)
        try:
            fields = process_article(record.body, record.url, declared, owners.get(record.site))
        except NotAnArticle:
            result.skipped += 1
            continue
        writer.add_article({
            **fields, "url": record.url, "canonical_url": key, "site": record.site,
            "fetched_at": record.fetched_at, "first_seen_at": first_seen,
            "status": record.status, "found_via": record.found_via, "run_id": record.run_id,
            "warc_file": record.file, "warc_offset": record.offset,
            "is_meeting_report": int(bool(fields["is_meeting_report"])),
        })
        result.articles += 1
        if progress:
            progress(done, len(fetches))
    writer.close()
    result.new, result.updated = writer.counts.articles_new, writer.counts.articles_updated
    return result
