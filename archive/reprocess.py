"""Re-run extraction and classification over the raw store, with no network.

The WARC files hold every article response with what the crawl knew of it (site, how it was
found, run). Each article's latest fetch becomes its row again, through the same task the
crawl's pipelines run (pipelines.page_task), in the article region the site's pages teach as a
crawl's do, and its earliest fetch gives `first_seen_at`; so
re-processing an archive whose tables were emptied gives back the rows a crawl wrote, and
re-processing twice changes nothing.

A damaged raw store does not stop the rest: an empty, garbled or torn WARC file, and a payload
that cannot be read, are counted and named in the result, and every readable article is
re-processed. The pages are processed on the crawl's own pool (pipelines/pool.py), with its
limits: a page that kills its worker (a crash in a C library, its CPU-time limit) is named in
the result with the reason, its row is left as it was, and the others go on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import tee
from pathlib import Path

from archive.article_keys import read_aliases
from archive.integrity import check_before_writing, mark_stuck_runs
from archive.latest_fetches import LatestFetches
from archive.reprocess_task import UnreadablePayload, process_stored
from archive.sites import SiteFacts
from archive.warc import ReadRecord, read_records
from archive.warc_folders import own_files, shared_with, warc_folder
from archive.writer import ArchiveWriter
from pipelines.pool import WorkerCrashed, map_in_order, start_worker_server
from pipelines.site_region import SiteRegions
from pipelines.urls import canonical_url

logger = logging.getLogger(__name__)


@dataclass
class ReprocessResult:
    articles: int = 0
    skipped: int = 0
    new: int = 0
    updated: int = 0
    unreadable: int = 0  # articles whose payload could not be read back
    warc_problems: list[str] = field(default_factory=list)  # one line per damaged WARC file
    # The other archives whose files share the WARC folder (made before each had its own):
    # only the files this archive's rows name were read.
    shared_with: list[str] = field(default_factory=list)
    crashed: list[str] = field(default_factory=list)  # "URL: why", per page that killed a worker


def read_article_fetches(fetches: LatestFetches, directory: Path, site: str | None = None,
                         problems: list[str] | None = None, names: set[str] | None = None,
                         aliases: dict[str, str] | None = None) -> None:
    """Every article response of the folder's files (or those `names` lists) into `fetches`,
    under its canonical URL. A fetch at an address an article moved from (`aliases`) is one
    of that article's."""
    aliases = aliases or {}
    for record in read_records(directory, with_bodies=False, problems=problems, names=names,
                               payloads=fetches.payloads):
        if record.kind != "article" or not 200 <= record.status < 300:  # as HttpError drops
            continue
        if site and record.site != site:
            continue
        key = canonical_url(record.url)
        fetches.add(aliases.get(key, key), record)


def reprocess(db_path: str, warc_dir: str | None = None, site: str | None = None,
              since: str | None = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None,
              profiles: dict[str, SiteFacts] | None = None) -> ReprocessResult:
    """Rebuild the article rows from the WARC files, on a pool of worker processes (one per
    core unless `workers` says otherwise; 0 processes inline). `profiles` are the sites'
    profiles by name (crawler.profiles.archive_profiles); a site without one is read as a
    page of no known site."""
    check_before_writing(str(db_path))
    # A crawl or import killed before (SIGKILL, the OOM killer) stayed `running` until the
    # next crawl; the caller holds the lock, as a crawl's start does.
    mark_stuck_runs(str(db_path))
    workers = os.cpu_count() or 1 if workers is None else workers
    if workers > 0:
        # It imports the workers' modules while the WARC files are read.
        start_worker_server("archive.reprocess_task")
    directory = Path(warc_dir) if warc_dir else warc_folder(db_path)
    profiles = profiles or {}
    result = ReprocessResult()
    names = None
    if not warc_dir:
        # Another archive's files in the folder would become this one's articles.
        result.shared_with = shared_with(str(db_path), directory)
        names = own_files(str(db_path)) if result.shared_with else None
    with LatestFetches() as fetches:
        read_article_fetches(fetches, directory, site, result.warc_problems, names,
                             read_aliases(str(db_path)))
        _rebuild_rows(db_path, directory, fetches.settle(since), fetches.latest(),
                      workers, progress, profiles, result)
    return result


def _rebuild_rows(db_path: str, directory: Path, total: int,
                  fetches: Iterator[tuple[str, ReadRecord, str]], workers: int,
                  progress: Callable[[int, int], None] | None,
                  profiles: dict[str, SiteFacts], result: ReprocessResult) -> None:
    """Each article's latest fetch processed on the pool and written as its row again."""
    # Batches commit on their own thread while the pages' outcomes keep the pool busy.
    writer = ArchiveWriter(str(db_path), record_run=False, warc_dir=str(directory),
                           background=True)
    regions = SiteRegions({name: profile.article_selector for name, profile in profiles.items()})
    # The fetches are read once, from disk: the pages handed out and their outcomes walk them
    # side by side (tee keeps the few in the workers meanwhile).
    handed, written = tee(fetches)
    # A generator: each page's region is asked for when it is handed to a worker, after the
    # reports of the pages before it (all but the few still in the workers) were observed.
    jobs = ((str(directory), record, profiles.get(record.site), regions.request(record.site))
            for _, record, _ in handed)
    outcomes = map_in_order(process_stored, jobs, workers)
    try:
        for done, ((key, record, first_seen), outcome) in enumerate(
                zip(written, outcomes, strict=True), start=1):
            if isinstance(outcome, WorkerCrashed):
                result.crashed.append(f"{record.url}: {outcome}")
                logger.warning("reprocess: %s left as it was: %s", record.url, outcome)
                continue
            if isinstance(outcome, UnreadablePayload):
                result.unreadable += 1
                continue
            fields, report = outcome
            regions.observe(record.site, report)
            if isinstance(fields, str):
                result.skipped += 1
                continue
            writer.add_article({
                **fields, "url": record.url, "canonical_url": key, "site": record.site,
                "fetched_at": record.fetched_at, "first_seen_at": first_seen,
                "status": record.status, "found_via": record.found_via,
                "run_id": record.run_id, "warc_file": record.file,
                "warc_offset": record.offset,
                "is_meeting_report": int(bool(fields["is_meeting_report"])),
            })
            result.articles += 1
            if progress:
                progress(done, total)
    finally:
        outcomes.close()  # the pool is released even when writing failed
    writer.close()
    result.new, result.updated = writer.counts.articles_new, writer.counts.articles_updated
