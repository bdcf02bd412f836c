"""Web archives as a source: their CDX indexes, and which capture of each article to take.

A CDX server lists a site's captures: URL, timestamp, status, MIME type, payload digest. Three
kinds are read: the Internet Archive's (`/cdx/search/cdx`, a JSON array of rows with a header
row, paged by resume keys), pywb's (`/COLLECTION/cdx`, one JSON object per line) and Common
Crawl's index server (pywb's format, plus the WARC file, offset and length of each capture,
which is read from its data server with a byte range). Pure functions, no Scrapy: the wayback
spider (crawler/spiders/wayback_spider.py) sends the requests.

cdx-toolkit (0.9.39) was tried as the client first: pointed at a local pywb
(`CDXFetcher(source="ia", wb=...)`) it still sent its CDX queries to web.archive.org, and its
requests go through `requests`, outside Scrapy's downloader, where the archive's rate limits,
Retry-After, robots.txt and the crawl's resume would not hold. These few functions build the
same queries for Scrapy to send.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode, urlsplit

from crawler.profiles import SiteProfile
from pipelines.urls import canonical_url, fetchable_url, matches_pattern, site_hosts

INTERNET_ARCHIVE_CDX = "https://web.archive.org/cdx/search/cdx"
COMMON_CRAWL_INDEX = "https://index.commoncrawl.org"
COMMON_CRAWL_DATA = "https://data.commoncrawl.org/"
PAGE_ROWS = 5000  # rows per Internet Archive CDX page (resume keys page the rest)
FALLBACKS = 3  # older captures tried, one after another, when an article's latest fails
GOOD_MIMES = ("text/html", "application/xhtml+xml", "unk", "")
# A revisit row (Internet Archive, pywb: status "-"): the same payload as an earlier capture.
REVISIT_MIME = "warc/revisit"


@dataclass(frozen=True)
class WebArchive:
    """Where captures are listed and fetched."""

    kind: str  # wayback (Internet Archive or pywb) or commoncrawl
    cdx: str  # the CDX endpoint
    replay: str = ""  # wayback: the replay prefix, before "/TIMESTAMPid_/URL"
    data: str = ""  # commoncrawl: the prefix of its WARC file names

    @property
    def pages_by_resume_key(self) -> bool:
        return self.cdx.rstrip("/").endswith("/cdx/search/cdx")


@dataclass(frozen=True)
class Capture:
    url: str
    timestamp: str  # YYYYMMDDhhmmss
    status: int
    mime: str
    digest: str  # base32 SHA-1, without "sha1:"
    filename: str = ""  # Common Crawl: where the record is
    offset: int = 0
    length: int = 0
    # Older good captures of the same article, newest first: fetched in turn when this one
    # cannot be (its record offline or gone, a wrong offset in the index).
    earlier: tuple[Capture, ...] = ()

    @property
    def captured_at(self) -> str:
        moment = datetime.strptime(self.timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
        return moment.replace(tzinfo=UTC).isoformat(timespec="seconds")


def wayback_archive(url: str | None) -> WebArchive:
    """A Wayback-style archive from its CDX endpoint (`.../cdx/search/cdx` as the Internet
    Archive's, `.../COLLECTION/cdx` as pywb's) or its collection's address; the Internet
    Archive when none is given."""
    url = (url or INTERNET_ARCHIVE_CDX).rstrip("/")
    if url.endswith("/cdx/search/cdx"):
        return WebArchive("wayback", url, replay=url.removesuffix("/cdx/search/cdx") + "/web")
    if url.endswith("/cdx"):
        return WebArchive("wayback", url, replay=url.removesuffix("/cdx"))
    return WebArchive("wayback", url + "/cdx", replay=url)


def commoncrawl_archive(crawl: str) -> WebArchive:
    """Common Crawl's index of one crawl ("CC-MAIN-2024-33"), or an index server's address for
    it ("http://host/CC-MAIN-2024-33-index"), whose WARC files are then read from that host."""
    if crawl.startswith(("http://", "https://")):
        parts = urlsplit(crawl)
        return WebArchive("commoncrawl", crawl, data=f"{parts.scheme}://{parts.netloc}/")
    return WebArchive("commoncrawl", f"{COMMON_CRAWL_INDEX}/{crawl}-index",
                      data=COMMON_CRAWL_DATA)


def site_prefixes(profile: SiteProfile) -> list[tuple[str, str]]:
    """What to ask the index for: (url, matchType) per host of the site."""
    if profile.base_url:
        parts = urlsplit(profile.base_url)
        return [(f"{parts.netloc}/", "prefix")]
    # A "www." domain: its captures are of the www., bare and mobile hosts, each asked for as
    # an exact host (a domain match on the bare one took in every other subdomain, such as
    # a province's district portals); any other domain as before, with its subdomains.
    queries: list[tuple[str, str]] = []
    for domain in profile.allowed_domains:
        hosts = site_hosts(domain)
        queries.extend([(host, "host") for host in hosts] if hosts else [(domain, "domain")])
    return list(dict.fromkeys(queries))


def cdx_query(archive: WebArchive, url: str, match_type: str, window: tuple[str, str],
              resume_key: str | None = None, page: int | None = None) -> str:
    """One CDX request. `window` is (from, to) as CDX timestamps, empty for no bound. Common
    Crawl's index is paged: page -1 asks how many pages there are, then each is asked for."""
    params = {"url": url, "matchType": match_type, "output": "json"}
    if page is not None:
        params.update({"showNumPages": "true"} if page < 0 else {"page": str(page)})
    if window[0]:
        params["from"] = window[0]
    if window[1]:
        params["to"] = window[1]
    if archive.pages_by_resume_key:
        params.update({"limit": str(PAGE_ROWS), "showResumeKey": "true"})
        if resume_key:
            params["resumeKey"] = resume_key
    return f"{archive.cdx}?{urlencode(params)}"


# Pages of a Common Crawl index for one site's prefix: a few dozen for the largest portals
# (about 15,000 captures a page); more is an answer not to trust with as many requests.
MAX_INDEX_PAGES = 10_000


class NotCdx(ValueError):
    """An answer that is not a page of a CDX index: an error or rate-limit page served with
    200, or a page cut short."""


@dataclass
class CdxPage:
    captures: list[Capture]
    resume_key: str | None = None  # the Internet Archive's key to the next page
    unreadable: int = 0  # rows or lines that are no capture, skipped


def page_count(text: str) -> int:
    """The answer to `showNumPages`: pywb's JSON object, or a bare number (NotCdx for any
    other answer, or a count no index of one site has: each page is one request)."""
    text = text.strip()
    try:
        answer = json.loads(text) if text else 0
        pages = int(answer.get("pages", 0) if isinstance(answer, dict) else answer)
    except (ValueError, TypeError, AttributeError, OverflowError, RecursionError) as error:
        raise NotCdx(f"not a CDX page count: {text[:60]!r}") from error
    if not 0 <= pages <= MAX_INDEX_PAGES:
        raise NotCdx(f"not a CDX page count: {pages} pages")
    return pages


def parse_cdx(text: str) -> CdxPage:
    """The captures of one CDX answer, and its resume key when there are more. A row or line
    that is no capture is skipped and counted; an answer that is no CDX at all (neither JSON
    rows nor JSON lines) raises NotCdx."""
    text = text.strip()
    if not text:
        return CdxPage([])
    if text.startswith("["):  # the Internet Archive: rows, the first naming the fields
        try:
            rows = json.loads(text)
        except (ValueError, RecursionError) as error:  # nested past the stack: hostile
            raise NotCdx(f"not a CDX index page: {text[:60]!r}") from error
        if not rows:
            return CdxPage([])
        fields, rows = rows[0], rows[1:]
        if not isinstance(fields, list) or not all(isinstance(name, str) for name in fields):
            raise NotCdx(f"not a CDX index page (no field names): {text[:60]!r}")
        resume = None
        if (len(rows) >= 2 and rows[-2] == [] and isinstance(rows[-1], list)
                and len(rows[-1]) == 1):
            resume, rows = rows[-1][0], rows[:-2]
        page = _captures([dict(zip(fields, row, strict=False)) if isinstance(row, list) else None
                          for row in rows if row])
        page.resume_key = resume if isinstance(resume, str) else None
        return page
    lines = [line for line in text.splitlines() if line.strip()]
    page = _captures([_json_object(line) for line in lines])
    if not page.captures and not text.startswith("{"):
        raise NotCdx(f"not a CDX index page: {text[:60]!r}")
    return page


def _json_object(line: str) -> dict | None:
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _captures(rows: list[dict | None]) -> CdxPage:
    page = CdxPage([])
    for row in rows:
        try:
            page.captures.append(_capture(row))
        except (KeyError, ValueError, TypeError, AttributeError, OverflowError):  # junk rows
            page.unreadable += 1
    return page


def _capture(row: dict) -> Capture:
    """ValueError for a row whose timestamp is no time (its capture could not be dated)."""
    status = str(row.get("statuscode", row.get("status", "")))
    url, filename = row.get("original") or row.get("url") or "", row.get("filename") or ""
    if not isinstance(url, str) or not isinstance(filename, str):
        raise TypeError("an address that is no text")
    capture = Capture(
        url=url, timestamp=str(row["timestamp"]),
        status=int(status) if status.isdigit() else 0,
        mime=str(row.get("mimetype", row.get("mime", ""))).lower(),
        digest=str(row.get("digest", "")).removeprefix("sha1:"),
        filename=filename, offset=int(row.get("offset") or 0),
        length=int(row.get("length") or 0))
    capture.captured_at  # noqa: B018 (dated as the archive will date it, or ValueError)
    return capture


def cdx_timestamp(text: str | None) -> str:
    """"2019-03" (a month, a year or a day) as a CDX timestamp prefix; empty for none."""
    return (text or "").replace("-", "")


def closed_bound(closed: date | None, to: str) -> str:
    """The end of the window: the earlier of `--to` and the last second before the site
    closed (a capture after it is a parked or redirected domain, not the site)."""
    if closed is None:
        return to
    last = (closed - timedelta(days=1)).strftime("%Y%m%d") + "235959"
    return to if to and to.ljust(14, "9") < last else last


def choose_captures(captures: list[Capture], profile: SiteProfile, window: tuple[str, str],
                    skip_digests: set[str]) -> list[Capture]:
    """Per article URL, its latest good capture in the window: status 200, HTML. Identical
    payloads (by digest) are taken once, and never when the archive already holds one. Each
    carries in `earlier` a few older good captures to fall back on. An article whose only
    captures in the window are revisit rows (the payload unchanged since an earlier capture,
    outside a `--from` window) is taken from them: replayed, a revisit gives its original."""
    good: dict[str, list[Capture]] = {}
    revisits: dict[str, list[Capture]] = {}
    for capture in captures:
        revisit = capture.mime == REVISIT_MIME
        if not revisit and (capture.status != 200 or capture.mime not in GOOD_MIMES):
            continue
        if not fetchable_url(capture.url, capture.url) or not matches_pattern(
                profile.article_pattern, capture.url):
            continue
        stamp = capture.timestamp.ljust(14, "0")
        if (window[0] and stamp < window[0].ljust(14, "0")) or (
                window[1] and stamp > window[1].ljust(14, "9")):
            continue
        (revisits if revisit else good).setdefault(canonical_url(capture.url), []).append(
            capture)
    # Only where no good capture is in the window: the replay tells a revisit's status.
    good.update({key: rows for key, rows in revisits.items() if key not in good})
    chosen, seen = [], set(skip_digests)
    for key in sorted(good):
        newest_first = sorted(good[key], key=lambda capture: capture.timestamp, reverse=True)
        capture = newest_first[0]
        if capture.digest and capture.digest in seen:
            continue
        seen.add(capture.digest)
        # Not one whose payload the archive holds: that text is in the archive already.
        earlier = [older for older in newest_first[1:] if older.digest not in skip_digests]
        chosen.append(replace(capture, earlier=tuple(earlier[:FALLBACKS])))
    return chosen
