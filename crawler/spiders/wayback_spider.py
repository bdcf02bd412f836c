"""A site taken from a web archive instead of its own host: the Wayback Machine, any pywb, or
Common Crawl.

The spider asks the archive's CDX index for the site's captures, picks for each article URL
the latest good capture in the window (crawler/cdx.py), and fetches it raw: in `id_` mode from
a Wayback (the page as captured, never the replay-rewritten one), or as its WARC record, by a
byte range, from Common Crawl. Each capture is stored in the archive's WARC files under its
original URL and capture time, and goes through the crawl's own pipelines as an article whose
fetch time is the capture time (archive/captures.py keeps its provenance and its place among
the article's versions).

All requests go to one host, the archive's, under the crawl's politeness: one at a time, its
delay, AutoThrottle, robots.txt and Retry-After (crawler/backoff.py). A capture already in the
archive is not fetched again, so a backfill killed at any moment resumes where it was.
"""

from __future__ import annotations

import io
import sqlite3
import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.archive_files import WIRE_HEADERS
from archive.article_keys import read_aliases
from archive.captures import known_digests
from archive.query import open_read_only
from archive.warc import Exchange, gzip_members_whole
from crawler import settings as project
from crawler.archiving import writer_for
from crawler.cdx import (
    Capture,
    NotCdx,
    WebArchive,
    cdx_query,
    cdx_timestamp,
    choose_captures,
    closed_bound,
    commoncrawl_archive,
    page_count,
    parse_cdx,
    site_prefixes,
    wayback_archive,
)
from crawler.items import ArticleItem, RawPage
from crawler.profiles import ProfileError, SiteProfile
from pipelines.encodings import declared_charset
from pipelines.urls import canonical_url, fetchable_url

# Headers a Wayback adds or renames in `id_` mode (the original ones come back prefixed).
ARCHIVE_HEADER_PREFIX = "x-archive-orig-"
# Seconds between requests to a web archive (`--delay`): the Internet Archive asks for a
# gentle pace and answers faster crawlers with 429 and Retry-After.
DEFAULT_DELAY = 1.0


class CaptureItem(ArticleItem):
    """An article page taken from a web archive: what the capture row needs besides."""

    capture_digest = scrapy.Field()
    capture_source = scrapy.Field()  # the CDX endpoint
    capture_kind = scrapy.Field()  # wayback or commoncrawl


def web_archive_for(settings, profile: SiteProfile) -> WebArchive:
    crawl = settings.get("VNARCHIVE_COMMONCRAWL")
    if crawl:
        return commoncrawl_archive(crawl)
    return wayback_archive(settings.get("VNARCHIVE_WAYBACK") or None)


class WaybackSpider(scrapy.Spider):
    name = ""
    profile: SiteProfile

    @classmethod
    def update_settings(cls, settings) -> None:
        """The archive's pace, not the site's: its own delay (`--archive-delay`)."""
        if settings.get("VNARCHIVE_REDIS_URL"):
            # Which captures are archived, and which copy is older, is read from the archive
            # itself (archive/captures.py), which a distributed worker does not have.
            raise ProfileError(f"{cls.name} is taken from a web archive, on one machine: "
                               "crawl it without --redis")
        super().update_settings(settings)
        settings.set("DOWNLOAD_DELAY", settings.getfloat("VNARCHIVE_WAYBACK_DELAY",
                                                         DEFAULT_DELAY), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        base_url = crawler.settings.getdict("VNARCHIVE_BASE_URLS").get(cls.name)
        spider_class = cls
        if base_url:  # the site's captures were made at another address (the test web)
            spider_class = type(cls.__name__, (cls,),
                                {"profile": cls.profile.with_base_url(base_url)})
        spider = super(WaybackSpider, spider_class).from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.archive = web_archive_for(settings, spider.profile)
        spider.window = (cdx_timestamp(settings.get("VNARCHIVE_WAYBACK_FROM")),
                         closed_bound(spider.profile.closed,
                                      cdx_timestamp(settings.get("VNARCHIVE_WAYBACK_TO"))))
        hosts = {urlsplit(url).hostname for url in (spider.archive.cdx, spider.archive.replay,
                                                     spider.archive.data) if url}
        spider.allowed_domains = sorted(hosts)
        spider.skip_digests = archived_digests(settings.get("VNARCHIVE_DB"), spider.name)
        # A capture made at an address the site later moved an article away from (a live
        # crawl followed its 301, crawler/moves.py) is that article's, as in an import.
        spider.aliases = read_aliases(settings.get("VNARCHIVE_DB"))
        spider.captures = []
        spider.queries_open = 0
        return spider

    async def start(self) -> AsyncIterator[Any]:
        paged = self.archive.kind == "commoncrawl"
        for url, match_type in site_prefixes(self.profile):
            self.queries_open += 1
            if paged:  # first how many pages the index holds for the site
                yield Request(cdx_query(self.archive, url, match_type, self.window, page=-1),
                              callback=self.parse_page_count, errback=self.cdx_failed,
                              dont_filter=True, meta={"cdx": (url, match_type)})
            else:
                yield self.cdx_request(url, match_type)

    def cdx_request(self, url: str, match_type: str, resume_key: str | None = None,
                    page: int | None = None) -> Request:
        return Request(cdx_query(self.archive, url, match_type, self.window, resume_key, page),
                       callback=self.parse_cdx, errback=self.cdx_failed, dont_filter=True,
                       meta={"cdx": (url, match_type)})

    def parse_page_count(self, response: Response) -> Iterable[Request]:
        try:
            pages = max(page_count(response.text), 1)
        except NotCdx as error:
            yield from self.cdx_failed(error, response.url)
            return
        self.queries_open += pages - 1
        for page in range(pages):
            yield self.cdx_request(*response.meta["cdx"], page=page)

    def parse_cdx(self, response: Response) -> Iterable[Request]:
        """One page of the index; once every page is in, the chosen captures' requests."""
        try:
            page = parse_cdx(response.text)
        except NotCdx as error:
            yield from self.cdx_failed(error, response.url)
            return
        self.captures.extend(page.captures)
        self.crawler.stats.inc_value("vnarchive/cdx_captures_listed", len(page.captures))
        if page.unreadable:
            self.logger.warning("%s: %d lines of the index are no capture, skipped",
                                response.url, page.unreadable)
            self.crawler.stats.inc_value("vnarchive/cdx_lines_unreadable", page.unreadable)
        if page.resume_key:
            yield self.cdx_request(*response.meta["cdx"], resume_key=page.resume_key)
            return
        yield from self.index_page_done()

    def cdx_failed(self, failure, url: str | None = None) -> Iterable[Request]:
        """An index page that failed for good (after retries) or is no index: its captures
        are not taken back this run, said in one line and counted; the others are (the
        backfill would otherwise wait for this page for ever). A later run asks again."""
        error = getattr(failure, "value", failure)
        if isinstance(error, HttpError):
            error = f"HTTP {error.response.status}"
        url = url or getattr(getattr(failure, "request", None), "url", "")
        self.logger.warning("the web archive's index page %s failed: %s", url, error)
        self.crawler.stats.inc_value("vnarchive/cdx_pages_failed")
        yield from self.index_page_done()

    def index_page_done(self) -> Iterable[Request]:
        self.queries_open -= 1
        if self.queries_open:
            return
        chosen = choose_captures(self.captures, self.profile, self.window, self.skip_digests)
        self.crawler.stats.set_value("vnarchive/captures_chosen", len(chosen))
        self.captures = []
        for capture in chosen:
            request = self.capture_request(capture)
            if request is None:  # one capture, not the backfill's others
                self.logger.warning("the capture of %s at %s names no record that can be "
                                    "fetched (%r); skipped", capture.url, capture.timestamp,
                                    capture.filename if self.archive.kind == "commoncrawl"
                                    else capture.url)
                self.crawler.stats.inc_value("vnarchive/captures_not_fetchable")
                continue
            yield request

    def capture_request(self, capture: Capture) -> Request | None:
        """The request for a capture's record; None when the index names none that can be
        fetched (no filename, or one no URL can hold)."""
        if self.archive.kind == "commoncrawl":
            # Appended, not joined: a filename that is a URL of its own stays on the data host.
            url = self.archive.data + capture.filename
            if not capture.filename or fetchable_url(url, url) is None:
                return None
            end = capture.offset + capture.length - 1
            return Request(url, callback=self.parse_capture, errback=self.capture_failed,
                           headers={"Range": f"bytes={capture.offset}-{end}"},
                           meta={"capture": capture}, dont_filter=True)
        return Request(f"{self.archive.replay}/{capture.timestamp}id_/{capture.url}",
                       callback=self.parse_capture, errback=self.capture_failed,
                       meta={"capture": capture})

    def capture_failed(self, failure) -> Iterable[Request]:
        """A capture's fetch that failed for good (after retries): an HTTP error, a lost
        connection."""
        error = getattr(failure, "value", failure)
        if isinstance(error, HttpError):
            error = f"HTTP {error.response.status}"
        yield from self.fall_back(failure.request.meta["capture"], str(error))

    def fall_back(self, capture: Capture, why: str) -> Iterable[Request]:
        """The article's next older capture, when its latest cannot be had: a record the
        archive has offline or lost, a wrong offset in an index. Before, the article was not
        taken back at all, in this run or any later one (each chose the same capture)."""
        self.crawler.stats.inc_value("vnarchive/captures_failed")
        for number, older in enumerate(capture.earlier):
            request = self.capture_request(replace(older, earlier=capture.earlier[number + 1:]))
            if request is not None:
                self.logger.warning("the capture of %s at %s could not be had (%s): taking "
                                    "the one at %s", capture.url, capture.timestamp, why,
                                    older.timestamp)
                self.crawler.stats.inc_value("vnarchive/captures_fallen_back")
                yield request
                return
        self.logger.warning("the capture of %s at %s could not be had (%s), nor an older one",
                            capture.url, capture.timestamp, why)

    def parse_capture(self, response: Response) -> Iterable[CaptureItem | Request]:
        """The raw capture, stored as its site served it, and handed on as an article."""
        capture: Capture = response.meta["capture"]
        if self.archive.kind == "commoncrawl":
            try:
                status, reason, headers, body = warc_record_response(response.body, capture)
            except NotTheCapture as error:
                self.logger.warning("the record fetched for %s at %s is not its capture (%s)",
                                    capture.url, capture.timestamp, error)
                self.crawler.stats.inc_value("vnarchive/captures_not_theirs")
                yield from self.fall_back(capture, "not its record")
                return
        else:
            status, reason, body = response.status, "", response.body
            headers = original_headers(response.headers)
        if status != 200:
            yield from self.fall_back(capture, f"HTTP {status}")
            return
        writer = writer_for(self.crawler)
        stored = writer.add_fetch(Exchange(
            url=capture.url, fetched_at=capture.captured_at, method="GET", request_headers=[],
            status=status, reason=reason, response_headers=headers, body=body, site=self.name,
            kind="article", found_via=self.archive.kind, run_id=writer.run_id))
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        yield CaptureItem(
            url=capture.url, canonical_url=self.article_key(capture.url), site=self.name,
            fetched_at=capture.captured_at, status=status,
            page=RawPage(body, declared_charset(content_type, body)),
            found_via=self.archive.kind, warc_file=stored.file if stored else None,
            warc_offset=stored.offset if stored else None, capture_digest=capture.digest,
            capture_source=self.archive.cdx, capture_kind=self.archive.kind)

    def article_key(self, url: str) -> str:
        """The key of the article captured at `url`: its own, or the one it moved to."""
        key = canonical_url(url)
        return self.aliases.get(key, key)


def original_headers(headers) -> list[tuple[str, str]]:
    """The site's own headers of a capture replayed in `id_` mode."""
    result = []
    for name, values in headers.items():
        key = name.decode("latin-1")
        lowered = key.lower()
        if lowered.startswith(ARCHIVE_HEADER_PREFIX):
            key = key[len(ARCHIVE_HEADER_PREFIX):]
        elif lowered in ("link", "memento-datetime", "content-location") or (
                lowered in WIRE_HEADERS):
            continue
        result.extend((key, value.decode("latin-1")) for value in values)
    return [(k, v) for k, v in result if k.lower() not in WIRE_HEADERS]


class NotTheCapture(ValueError):
    """The bytes at a capture's offset are not its response record."""


def warc_record_response(data: bytes, capture: Capture) -> tuple[int, str, list[tuple[str, str]],
                                                                 bytes]:
    """The HTTP response inside one (gzipped) WARC record, as Common Crawl serves it. An index
    that is stale or wrong points at other bytes: no record, another page's record, a request
    record. Storing that under the capture's URL would archive another page as this one, so
    the record must be a response for the capture's URL (and of its digest, when both say)."""
    if data[:2] == b"\x1f\x8b" and not gzip_members_whole(data):
        raise NotTheCapture("a record cut short or damaged")
    records = iter(ArchiveIterator(io.BytesIO(data)))
    try:
        record = next(records, None)
    except ArchiveLoadFailed as error:
        raise NotTheCapture(f"no WARC record: {str(error)[:80]}") from None
    if record is None or record.rec_type != "response" or record.http_headers is None:
        raise NotTheCapture("no response record")
    target = record.rec_headers.get_header("WARC-Target-URI") or ""
    if canonical_url(target) != canonical_url(capture.url):
        raise NotTheCapture(f"a record of {target[:120]}")
    digest = (record.rec_headers.get_header("WARC-Payload-Digest") or "").removeprefix("sha1:")
    if digest and capture.digest and digest != capture.digest:
        raise NotTheCapture(f"payload digest {digest}, the index says {capture.digest}")
    http = record.http_headers
    try:
        body = record.content_stream().read()
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error) as error:
        raise NotTheCapture(f"a damaged record: {str(error)[:80]}") from None
    headers = [(k, v) for k, v in http.headers if k.lower() not in WIRE_HEADERS]
    reason = http.statusline.split(" ", 1)[1] if " " in http.statusline else ""
    return int(http.get_statuscode() or 0), reason, headers, body


def archived_digests(db_path: str | None, site: str) -> set[str]:
    """Digests of the site's captures and article fetches already archived."""
    if not db_path or not Path(db_path).exists():
        return set()
    connection = open_read_only(db_path)  # escapes a `#`, `?` or `%` in the path
    try:
        return known_digests(connection, site)
    except sqlite3.OperationalError:
        return set()  # an archive from before captures: nothing taken from one yet
    finally:
        connection.close()


def wayback_spider_class_for(profile: SiteProfile) -> type[WaybackSpider]:
    """The web-archive spider of a profile (what `vnarchive crawl --wayback` runs)."""
    class_name = "".join(part.title() for part in profile.name.split("_")) + "WaybackSpider"
    custom_settings = {
        # One host, the archive's: one request at a time, with the archive's own delay.
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "AUTOTHROTTLE_ENABLED": True,
        # Replay URLs of one site share a pattern: no trap budget for them (the index bounds
        # what is fetched).
        "VNARCHIVE_URL_PATTERN_BUDGET": 0,
        "ITEM_PIPELINES": {**project.ITEM_PIPELINES,
                           "pipelines.captures.OlderCapturePipeline": 850,
                           "pipelines.captures.CaptureRecordPipeline": 950},
    }
    return type(class_name, (WaybackSpider,), {"name": profile.name, "profile": profile,
                                               "custom_settings": custom_settings})
