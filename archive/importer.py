"""`vnarchive import`: archive files others made (WARC, ARC, WACZ) into the archive.

The article pages among a file's responses (the URLs a profile's `article_pattern` matches, or
every HTML page with `--all`) go through the same processing and `ArchiveWriter` as a crawl,
each site's pages read in the article region they teach, as a crawl's are (the profile's
`article_selector`, else the one learned from the pages: pipelines/site_region.py). Each is
stored in the archive's own WARC files under its original URL and capture time, gets its
`pages` row and its article row, with meeting fields, search keys and stories. The capture
time stands in for the fetch time; the publication date still comes from the page.

Captures are archived oldest first, so several captures of one URL become one article with its
earlier texts in `article_versions`, and a capture older than a copy the archive already holds
is kept as an earlier version (archive/captures.py). Each capture's `captures` row names its
file; a capture already there is skipped, so importing a file twice changes nothing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from archive.archive_files import (
    WIRE_HEADERS,
    IndexedRecord,
    Kept,
    Location,
    Payload,
    PayloadTooLarge,
    ScanProgress,
    ScanResult,
    inflated_members,
    may_scan_side_by_side,
    read_payload,
    scan_files,
)
from archive.captures import (
    CaptureKey,
    CaptureSource,
    archived_copy_time,
    capture_row,
    held_payloads,
    keep_older_capture,
    known_captures,
    known_fetches,
    record_captures,
)
from archive.integrity import check_before_writing
from archive.payload_places import PayloadPlace, PayloadPlaces
from archive.runs import finish_run, site_row, start_run
from archive.schema import open_database
from archive.sites import SiteFacts
from archive.warc import Exchange
from archive.writer import ArchiveWriter
from pipelines.encodings import declared_charset
from pipelines.guards import MAX_PAGE_BYTES
from pipelines.page_task import NotAnArticle, process_archived_page
from pipelines.pool import WorkerCrashed, kept_pool, map_in_order
from pipelines.site_region import RegionReport, RegionRequest, SiteRegions
from pipelines.urls import canonical_url, fetchable_url, is_on_site, matches_pattern

BATCH = 50
INLINE_BELOW = 40  # captures; spawning the workers costs about as much as this many pages
# A Wayback's replay address (".../20190305010203id_/http://site/page"): a copy of a capture
# that a crawl of the archive itself recorded, not the site's page; its time and the address
# it replays.
REPLAY_URL = re.compile(r"/(\d{4,14})(?:[a-z]{2}_)?/(https?://.+)")


@dataclass
class ImportResult:
    run_id: int = 0
    files: int = 0
    responses: int = 0  # response and revisit records read
    matched: int = 0  # article pages (or HTML pages, with --all)
    already: int = 0  # captures archived before: skipped
    unchanged: int = 0  # the same payload as the URL's previous capture
    not_articles: int = 0  # no article text in the page
    versions: int = 0  # older than the archive's copy: kept as earlier versions
    corrupt: int = 0  # records that could not be read
    no_original: int = 0  # revisits whose payload is in none of the files, nor the archive
    after_closed: int = 0  # captured on or after the day the profile says the site closed
    unclaimed: int = 0  # HTML pages no profile calls an article (kept with --all)
    lost: list[str] = field(default_factory=list)  # files whose rest could not be read
    failed_digests: list[str] = field(default_factory=list)  # records skipped, one line each
    too_large: int = 0  # pages over MAX_PAGE_BYTES, as a crawl would not fetch them
    articles_new: int = 0
    articles_updated: int = 0
    in_learned_region: int = 0  # pages read in the article region their site's pages taught


@dataclass(frozen=True)
class Candidate:
    record: IndexedRecord
    # The record itself, or for a revisit the response it points to; None for a revisit
    # whose original is in none of the files (perhaps in the archive, from an earlier import).
    payload_at: Location | None
    profile: SiteFacts | None
    site: str


def matching_profile(url: str, profiles: list[SiteFacts],
                     named: str | None = None) -> SiteFacts | None:
    """The profile whose site serves this URL and calls it an article: the one a vnarchive
    WARC file names, else one served at this very address (its base URL's host and port),
    else one on this host. A web archive's own replay URL is never an article."""
    if REPLAY_URL.search(url):
        return None
    claiming = [profile for profile in profiles if matches_pattern(profile.article_pattern, url)]
    if not claiming:  # most records (images, scripts): no address to take apart
        return None
    parts = urlsplit(url)
    claiming = [profile for profile in claiming
                if is_on_site(parts.hostname or "", profile.allowed_domains)]
    exact = [profile for profile in claiming
             if profile.base_url and urlsplit(profile.base_url).netloc == parts.netloc]
    by_name = [profile for profile in claiming if profile.name == named]
    return (by_name or exact or claiming or [None])[0]


def host_site(url: str) -> str:
    """A site name for a page no profile claims (`--all`): its host, as snake_case."""
    host = (urlsplit(url).hostname or "unknown").removeprefix("www.")
    return "web_" + "".join(c if c.isalnum() else "_" for c in host.lower())


def worth_listing(record: IndexedRecord, profiles: list[SiteFacts],
                 all_html: bool = False) -> Kept:
    """What the scan keeps of a record: a page a profile claims (any HTML page with
    `all_html`), a revisit, or an address that is none (counted) is listed; another site's
    HTML page only as a payload a revisit may name (`_html_listing`); not the images,
    scripts, styles and errors that are most of a site's records."""
    if headerless_revisit(record):  # its original's status and type decide, once known
        return Kept.LISTED
    if not 200 <= record.status < 300:
        return Kept.NOTHING
    content_type = record.content_type.lower()
    if not content_type or "html" in content_type:
        return _html_listing(record, profiles, all_html)
    try:
        return Kept(matching_profile(record.url, profiles, record.site) is not None)
    except ValueError:  # no URL at all ("http://[URL]"): listed, to be counted as corrupt
        return Kept.LISTED


def _html_listing(record: IndexedRecord, profiles: list[SiteFacts], all_html: bool) -> Kept:
    """An HTML response no profile claims is set aside, its payload's place only kept (on
    disk, archive/payload_places.py), and counted as `choose_candidates` counted it when it
    was listed: in a Common Crawl file nearly every page is another site's, and listing them
    all made an import's memory grow with its files."""
    if all_html or record.record_type != "response":
        return Kept.LISTED
    captured = as_captured(record)  # a Wayback replay's address is its capture's
    try:
        if (not fetchable_url(captured.url, captured.url)
                or matching_profile(captured.url, profiles, captured.site) is not None):
            return Kept.LISTED
    except ValueError:  # no URL at all: listed, to be counted as corrupt
        return Kept.LISTED
    return Kept.PAYLOAD


def headerless_revisit(record: IndexedRecord) -> bool:
    """A revisit record with no HTTP block: no status or Content-Type of its own."""
    return record.record_type == "revisit" and record.status == 0


def with_original_headers(record: IndexedRecord, responses: Mapping[str, PayloadPlace],
                          profiles: list[SiteFacts]) -> IndexedRecord | None:
    """A revisit with no HTTP block, given the status and Content-Type of the response its
    digest names. One whose response is not among the files' counts as a page answered
    (200) when a profile claims its address: the archive may hold that payload from an
    earlier import (triage decides); else nothing is known of it (an image's, say): None.
    Before, with status 0 it was dropped, and the fetch it records was never seen."""
    original = responses.get(record.digest)
    if original is not None:
        return replace(record, status=original.status, content_type=original.content_type)
    try:
        claimed = matching_profile(record.url, profiles, record.site) is not None
    except ValueError:  # no URL at all: counted as corrupt below
        claimed = True
    return replace(record, status=200) if claimed else None


def as_captured(record: IndexedRecord) -> IndexedRecord:
    """A page fetched from a Wayback's replay address (`wget` of
    web.archive.org/web/20190305010203/http://site/page) as the capture it is: the site's
    address, captured at the replay's time; before, it was passed over (or, with `--all`,
    kept as a page of web.archive.org fetched the day of the download). Not in a vnarchive
    WARC file, whose replay fetches sit beside the captures they fetched."""
    replayed = REPLAY_URL.search(record.url)
    if replayed is None or record.site:
        return record
    stamp = replayed[1].ljust(14, "0")
    try:
        moment = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:  # no time: left as it is
        return record
    return replace(record, url=replayed[2], captured_at=moment.isoformat(timespec="seconds"))


def choose_candidates(records: list[IndexedRecord], responses: Mapping[str, PayloadPlace],
                      profiles: list[SiteFacts], all_html: bool,
                      result: ImportResult) -> list[Candidate]:
    """The article responses to import, oldest capture first; `responses` holds the place of
    the payload each revisit's digest names (`PayloadPlaces.latest`), where the files have it."""
    originals = {digest: Location(place.path, place.member, place.offset)
                 for digest, place in responses.items()}
    chosen = []
    for record in map(as_captured, records):
        if headerless_revisit(record):
            record = with_original_headers(record, responses, profiles)
            if record is None:
                continue
        if not 200 <= record.status < 300:
            continue
        if not fetchable_url(record.url, record.url):  # "http://[URL]": no page of a site
            result.corrupt += 1
            continue
        profile = matching_profile(record.url, profiles, record.site)
        if profile is None and not all_html:
            result.unclaimed += 1
            continue
        closed = getattr(profile, "closed", None)
        if closed is not None and record.captured_at[:10] >= closed.isoformat():
            # As `crawl --wayback` bounds its captures: the address now shows a parked or
            # redirected domain, or the merged province's portal, not the site's article.
            result.after_closed += 1
            continue
        payload_at = originals.get(record.digest) if record.record_type == "revisit" else (
            record.location)
        site = profile.name if profile else host_site(record.url)
        chosen.append(Candidate(record, payload_at, profile, site))
    return sorted(chosen, key=lambda c: (c.record.captured_at, c.record.url))


def is_html(headers: list[tuple[str, str]], body: bytes) -> bool:
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    if content_type:
        return "html" in content_type.lower()
    return b"<html" in body[:2048].lower()


@dataclass
class Prepared:
    """What a worker made of one capture."""

    payload: Payload | None  # None: the record could not be read
    too_large: bool = False  # its payload is over MAX_PAGE_BYTES: not read
    html: bool = True
    fields: dict | None = None  # the article's row fields, None when it holds no article
    problem: str = ""  # why it holds none
    in_learned_region: bool = False  # read in the region the site's pages before taught


def read_capture(candidate: Candidate) -> Prepared:
    """One capture read, not yet processed."""
    try:
        payload = read_payload(candidate.payload_at, max_bytes=MAX_PAGE_BYTES)
    except PayloadTooLarge:
        return Prepared(None, too_large=True)
    except Exception:  # noqa: BLE001 (a record torn in its payload costs that record)
        return Prepared(None)
    payload.headers = [(k, v) for k, v in payload.headers if k.lower() not in WIRE_HEADERS]
    return Prepared(payload, html=candidate.profile is not None
                    or is_html(payload.headers, payload.body))


def prepare(candidate: Candidate, region: RegionRequest) -> tuple[Prepared, RegionReport | None]:
    """Read one capture and process it as a crawl would, in the article region asked for (in
    a worker process), with what the page taught about that region."""
    read = read_capture(candidate)
    if read.payload is None or not read.html:
        return read, None
    payload, profile = read.payload, candidate.profile
    content_type = next((v for k, v in payload.headers if k.lower() == "content-type"), None)
    try:
        fields, report = process_archived_page(payload.body, candidate.record.url,
                                               declared_charset(content_type, payload.body),
                                               region, profile and profile.owner)
    except NotAnArticle as reason:
        return Prepared(payload, problem=f"{getattr(reason, 'error_kind', 'no_article')}: "
                                         f"{reason}"), None
    return Prepared(payload, fields=fields), report


def prepared_in_order(todo: list[Candidate], workers: int | None,
                      regions: SiteRegions) -> Iterator[Prepared]:
    """`prepare` over the captures, in their order, on the shared pool (pipelines/pool.py;
    by default one process per core, but none for a handful of captures, where starting the
    workers would cost more than it saves; 0 for none). Each site's pages are read in the
    region its pages before taught (`regions`), as a crawl and `reprocess` read them: an
    imported row is the row a crawl of the page writes. A capture whose processing killed
    its worker is kept raw, with the reason as its page's error."""
    if workers is None:
        workers = (os.cpu_count() or 1) if len(todo) >= INLINE_BELOW else 0
    # A generator: each page's region is asked for when it is handed to a worker, after the
    # reports of the pages before it (all but the few still in the workers) were observed.
    jobs = ((candidate, regions.request(candidate.site)) for candidate in todo)
    outcomes = map_in_order(prepare, jobs, workers)
    for candidate, outcome in zip(todo, outcomes, strict=True):
        if isinstance(outcome, WorkerCrashed):
            prepared = read_capture(candidate)
            prepared.problem = f"worker_crashed: {outcome}"
            yield prepared
        else:
            prepared, report = outcome
            regions.observe(candidate.site, report)
            prepared.in_learned_region = bool(report and report.in_learned_region)
            yield prepared


class Importer:
    def __init__(self, db_path: str, source_for: Callable[[str], CaptureSource]):
        self.db_path = db_path
        self.source_for = source_for
        self.db = open_database(db_path)
        # Old addresses of articles that moved (crawler/moves.py): a capture made there
        # before the move is one of the article's, not a new article.
        self.aliases = dict(self.db.execute("select alias, canonical_url from article_aliases"))
        self.result = ImportResult(run_id=start_run(self.db, []))
        self.writers: dict[str, ArchiveWriter] = {}
        self.pending: dict[str, list[dict]] = {}  # site -> capture rows of the open batch
        self.pending_urls: set[str] = set()
        self.previous_digest: dict[str, str] = {}

    def key(self, url: str) -> str:
        """The key of the article captured at `url`."""
        canonical = canonical_url(url)
        return self.aliases.get(canonical, canonical)

    def writer(self, candidate: Candidate) -> ArchiveWriter:
        site = candidate.site
        if site not in self.writers:
            # Batches are flushed here, with their capture rows, never by the writer alone.
            self.writers[site] = ArchiveWriter(self.db_path, batch_size=1 << 30,
                                               run_id=self.result.run_id, site=site)
            self.pending[site] = []  # before a write that may fail: close() flushes it
            if candidate.profile is not None:
                self.writers[site].record_site(site_row(candidate.profile))
        return self.writers[site]

    def triage(self, candidates: list[Candidate], known: set[CaptureKey]) -> list[Candidate]:
        """The candidates to read and process: not those archived before, nor a capture whose
        payload is the one its URL's previous capture had (its row still says it was seen),
        nor a revisit whose original is nowhere to be read (counted)."""
        todo = []
        # What the archive holds of the revisits whose original is in none of the files:
        # asked once for them all, not twice per revisit.
        held = held_payloads(self.db, [candidate.record.digest for candidate in candidates
                                       if candidate.payload_at is None])
        for candidate in candidates:
            record = candidate.record
            key = CaptureKey(record.url, record.captured_at, record.digest)
            if key in known:
                self.result.already += 1
                continue
            known.add(key)
            canonical = self.key(record.url)
            if candidate.payload_at is None and (canonical, record.digest) not in held:
                # A revisit of a payload neither the files nor the archive hold: nothing to
                # read, and no capture row, so importing its original later still takes it.
                self.result.no_original += 1
                continue
            if (candidate.payload_at is None
                    or self.previous_digest.get(canonical) == record.digest):
                # The same payload as the URL's previous capture, here or (a revisit whose
                # original came in an earlier import, a backfill imported year by year) in
                # the archive: its row says it was seen again, nothing else changes.
                self.result.unchanged += 1
                self.writer(candidate)
                self.pending[candidate.site].append(self.capture_row(candidate))
                continue
            self.previous_digest[canonical] = record.digest
            todo.append(candidate)
        return todo

    def capture_row(self, candidate: Candidate) -> dict:
        record = candidate.record
        key = CaptureKey(record.url, record.captured_at, record.digest)
        return capture_row(key, self.key(record.url), candidate.site, record.status,
                           self.source_for(record.location.path), self.result.run_id)

    def store(self, candidate: Candidate, prepared: Prepared) -> None:
        """One processed capture: its raw page, then its article (or earlier version)."""
        if prepared.too_large:
            self.result.too_large += 1
            return
        if prepared.payload is None:
            self.result.corrupt += 1
            return
        if not prepared.html:
            return
        self.result.matched += 1
        record, payload = candidate.record, prepared.payload
        canonical = self.key(record.url)
        if canonical in self.pending_urls:  # an earlier capture of it waits: write it first
            self.flush()
        writer = self.writer(candidate)
        stored = writer.add_fetch(Exchange(
            url=record.url, fetched_at=record.captured_at, method="GET", request_headers=[],
            status=record.status, reason=payload.reason, response_headers=payload.headers,
            body=payload.body, site=candidate.site, kind="article", found_via="import",
            run_id=self.result.run_id))
        self.pending[candidate.site].append(self.capture_row(candidate))
        if prepared.fields is None:
            self.result.not_articles += 1
            # This capture's row only: the URL's other captures in this run were articles.
            writer.mark_pages([record.url], prepared.problem[:500], record.captured_at)
            return
        self.result.in_learned_region += prepared.in_learned_region
        article = {**prepared.fields, "url": record.url, "canonical_url": canonical,
                   "site": candidate.site, "fetched_at": record.captured_at,
                   "status": record.status, "found_via": "import",
                   "warc_file": stored.file if stored else None,
                   "warc_offset": stored.offset if stored else None,
                   "is_meeting_report": int(bool(prepared.fields["is_meeting_report"]))}
        current = archived_copy_time(writer.db, canonical)
        if current is not None and record.captured_at < current:
            self.flush()
            self.result.versions += keep_older_capture(writer.db, article)
            return
        writer.add_article(article)
        self.pending_urls.add(canonical)
        if sum(map(len, self.pending.values())) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Each site's batch and its capture rows, in one transaction."""
        for site, writer in self.writers.items():
            with writer.db.atomic():
                writer.flush()
                record_captures(writer.db, self.pending[site])
            self.pending[site] = []
        self.pending_urls.clear()

    def close(self, status: str) -> ImportResult:
        self.flush()
        for writer in self.writers.values():
            self.result.articles_new += writer.counts.articles_new
            self.result.articles_updated += writer.counts.articles_updated
            writer.close()
        finish_run(self.db, self.result.run_id, status)
        with self.db.atomic():
            self.db.execute("update crawl_runs set sites = ? where id = ?",
                            [json.dumps(sorted(self.writers)), self.result.run_id])
        self.db.close()
        return self.result


def file_source(path: str) -> CaptureSource:
    return CaptureSource("file", str(Path(path).resolve()))


def import_files(db_path: str, paths: list[Path], profiles: list[SiteFacts],
                 all_html: bool = False, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 scan_progress: ScanProgress | None = None) -> ImportResult:
    """Import the article pages of the files (as the profiles see them) into the archive,
    processing them on `workers` processes (default: one per core); `scan_progress` hears
    of the scan of the files first, `progress` of the captures processed."""
    check_before_writing(db_path)  # as crawl and reprocess: no foreign or damaged database
    cores = (os.cpu_count() or 1) if workers is None else workers
    # Several files, or a large one's pieces, are scanned side by side on the pool, which is
    # then kept for the pages: released in between, it would end its workers and their
    # server, and start them again.
    with kept_pool(cores if may_scan_side_by_side(paths) else 0), PayloadPlaces() as places:
        scan = scan_files(paths, partial(worth_listing, profiles=profiles, all_html=all_html),
                          scan_progress, cores, places)
        responses = places.latest(record.digest for record in scan.records
                                  if record.record_type == "revisit")
        return _import_scanned(db_path, paths, profiles, all_html, workers, progress, scan,
                               responses)


def _import_scanned(db_path: str, paths: list[Path], profiles: list[SiteFacts],
                    all_html: bool, workers: int | None,
                    progress: Callable[[int, int], None] | None,
                    scan: ScanResult, responses: Mapping[str, PayloadPlace]) -> ImportResult:
    """The captures the scan found, triaged, processed and stored."""
    importer = Importer(db_path, file_source)
    importer.result.files, importer.result.corrupt = scan.files, scan.corrupt
    importer.result.responses, importer.result.lost = scan.read, scan.lost
    importer.result.failed_digests = scan.failed_digests
    importer.result.unclaimed = scan.set_aside  # other sites' pages the scan did not list
    candidates = choose_candidates(scan.records, responses, profiles, all_html,
                                   importer.result)
    urls = sorted({c.record.url for c in candidates})
    # Not what the archive fetched itself either: its own WARC folder inside a folder given.
    digests = sorted({c.record.digest for c in candidates})
    known = known_captures(importer.db, urls) | known_fetches(importer.db, urls, digests)
    status = "failed"
    try:
        with inflated_members(paths, scan.gzipped_whole) as readable:
            todo = [replace(candidate, payload_at=readable(candidate.payload_at))
                    for candidate in importer.triage(candidates, known)]
            regions = SiteRegions({candidate.site: candidate.profile.article_selector
                                   for candidate in todo if candidate.profile is not None})
            for done, (candidate, prepared) in enumerate(
                    zip(todo, prepared_in_order(todo, workers, regions), strict=True), start=1):
                importer.store(candidate, prepared)
                if progress:
                    progress(done, len(todo))
        status = "finished"
    except KeyboardInterrupt:
        # Ctrl-C: the captures processed are kept (close flushes them), and the run says it
        # was stopped, as a crawl's does, not that it failed.
        status = "interrupted"
        raise
    finally:
        result = importer.close(status)
    return result
