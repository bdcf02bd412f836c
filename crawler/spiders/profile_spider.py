"""The generic spider: what it crawls is read from a site profile, not coded.

Sitemaps go through Scrapy's SitemapSpider machinery (robots.txt discovery, sitemap indexes,
gzip); feeds and listing pages are parsed here. Only URLs that match the profile's
`article_pattern` become article requests; listing pages paginate through `next_page` and
`listing_pattern`, up to `max_listing_pages`, and stop early only behind a listing's "walked to
the end" mark (crawler/frontier.py); a run that finishes with no fetch failed marks its
listings walked. Articles link their attachments (PDF, DOC, DOCX), which are fetched under
their own size limit and go to pipelines.attachments.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from form2request import form2request
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider
from scrapy.utils.response import get_base_url
from scrapy.utils.sitemap import sitemap_urls_from_robots

from crawler.archiving import writer_for
from crawler.frontier import Frontier, parse_duration, read_lastmod, record_walks
from crawler.items import ArticleItem, AttachmentItem, RawPage
from crawler.middlewares import PAGE_KIND
from crawler.moves import moved_from
from crawler.notfound import is_home_or_listing, record_soft_404
from crawler.patterns import UrlPattern
from crawler.profiles import SiteProfile
from crawler.sitemaps import first_entries, generated_lastmod
from crawler.xml_links import feed_links, feed_text, xml_bytes_to_parse
from pipelines.encodings import declared_charset
from pipelines.urls import (
    canonical_url,
    clean_url,
    fetchable_url,
    without_session_ids,
)

# Documents an article may link as its "File đính kèm" (Scrapy's link extractor ignores these
# extensions by default, so the attachment extractor lifts that).
ATTACHMENT_LINKS = r"\.(?:pdf|docx?)(?:$|[?#])"
# Only the anchors that may link one, picked by libxml2: the link extractor's own work on every
# link of a portal page (its hundreds of menu entries) cost more than the rest of the crawl.
# Whether a page may link a document at all, before its links are read: one regular-expression
# pass over the body (20 microseconds on a 60 KB page, where two `in` tests took 70).
DOCUMENT_SUFFIX = re.compile(rb"\.(?:pdf|doc)")
ATTACHMENT_ANCHORS = '//a[contains(@href, ".pdf") or contains(@href, ".doc")]'
# Answers that settle a fetch for good, so they do not keep a walk from being complete: not
# modified, and gone.
SETTLED_STATUSES = (304, 404, 410)
# Refusals (crawler.refusals, "refused by vnarchive: KIND") that leave a page for the next run.
TEMPORARY_REFUSALS = ("deferred", "circuit_open")
# Scrapy's stats of requests dropped unsent by a limit set for one run (`-s DEPTH_LIMIT=1`,
# a Scrapy user's quick look): the walk behind them was not done.
DROPPED_REQUEST_STATS = ("depth/request_ignored_count",)
# ASP.NET's (SharePoint's) pager: "next" is a script that posts the page's form back.
# In a listing request's meta: reached by the listing's `next_page`, not a section it links.
NEXT_PAGE = "vnarchive_next_page"
POSTBACK = re.compile(r"^\s*javascript:\s*__doPostBack\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)")


class PatternLinkExtractor(LinkExtractor):
    """Scrapy's link extractor, allowing links by a UrlPattern (Scrapy would compile the
    pattern's text with `re`, which backtracks). Here, not in crawler.patterns, which
    profiles import: loading profiles (`reprocess`, `sites check`) then needs no Scrapy."""

    def __init__(self, pattern: UrlPattern, **kwargs):
        super().__init__(**kwargs)
        self.allow_res = [pattern]


class ProfileSpider(SitemapSpider):
    name = ""  # each profile's subclass carries its own name
    profile: SiteProfile

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # AutoThrottle starts at the larger of DOWNLOAD_DELAY and its start delay (1 s in the
        # project's settings): a profile that lowers its delay (a local server's 0) still
        # waited a second, then half of one, before its first pages. It starts at the
        # profile's own delay instead, below whatever start delay the settings give (a start
        # delay set on the command line stays).
        if cls.profile.download_delay < settings.getfloat("AUTOTHROTTLE_START_DELAY"):
            settings.set("AUTOTHROTTLE_START_DELAY", cls.profile.download_delay,
                         priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        base_url = crawler.settings.getdict("VNARCHIVE_BASE_URLS").get(cls.name)
        spider_class = cls
        if base_url:  # served elsewhere than the profile says (the test web on free ports)
            spider_class = type(cls.__name__, (cls,),
                                {"profile": cls.profile.with_base_url(base_url)})
        spider = super(ProfileSpider, spider_class).from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        refresh_after = spider.profile.refresh_after
        spider.frontier = Frontier.from_settings(
            settings, spider.name,
            refresh=settings.getbool("VNARCHIVE_REFRESH"),
            backfill=settings.getbool("VNARCHIVE_BACKFILL"),
            refresh_after=parse_duration(refresh_after) if refresh_after else None,
        )
        jobdir = settings.get("JOBDIR")
        if jobdir and Path(jobdir, "requests.seen").is_file() and \
                Path(jobdir, "requests.seen").stat().st_size:
            # A Scrapy job resumed from JOBDIR: what its earlier runs lost (a failed fetch,
            # the requests in flight when one was killed) is unknown here, so its walk proves
            # nothing. (`vnarchive crawl` empties its JOBDIR before each run.)
            spider.walk_failure = f"a job resumed from JOBDIR {jobdir}"
        return spider

    def __init__(self, *args: Any, **kwargs: Any):
        profile = self.profile
        # As the profile gives them: the offsite filter (crawler.safety.SiteOffsiteMiddleware)
        # takes a "www." domain's bare and mobile hosts too, as imports do.
        self.allowed_domains = list(profile.allowed_domains)
        self.sitemap_urls = profile.absolute(profile.sitemaps)
        self.sitemap_rules = [(profile.article_pattern, "parse_article")]
        super().__init__(*args, **kwargs)
        self.article_links = PatternLinkExtractor(profile.article_pattern)
        self.listing_links = (
            PatternLinkExtractor(profile.listing_pattern)
            if profile.listing_pattern else None
        )
        self.attachment_links = LinkExtractor(allow=ATTACHMENT_LINKS, deny_extensions=(),
                                              restrict_xpaths=ATTACHMENT_ANCHORS)
        self.walk_failure: str | None = None  # why this run's walk is not complete
        self.listing_articles: dict[str, set[str]] = {}  # listing -> article keys on its pages
        # Every start request sent: `scrapy parse`, `fetch` and `check` replace `start` with
        # their own few requests, and such a run walks no listing at all.
        self.start_sent = False

    async def start(self) -> AsyncIterator[Any]:
        async for request in super().start():  # the sitemaps
            request.meta.setdefault(PAGE_KIND, "sitemap")
            yield request
        # The sitemaps earlier clean runs fetched, each asked again (a 304 if unchanged): an
        # index that answers 304 is not parsed, and before, the sitemaps it lists were then
        # never asked again, so articles added to them were never found.
        for url in self.frontier.sitemaps:
            yield Request(url, callback=self._parse_sitemap, meta={PAGE_KIND: "sitemap"})
        for url in self.profile.absolute(self.profile.feeds):
            yield Request(url, callback=self.parse_feed, errback=self.fetch_failed,
                          meta={PAGE_KIND: "feed"})
        for url in self.profile.absolute(self.profile.start_urls):
            yield Request(url, callback=self.parse_listing, errback=self.fetch_failed,
                          meta={"listing_page": 1, "listing": url, PAGE_KIND: "listing"})
        # Archived articles a later one of the site may have replaced (crawler.moves): a
        # permanent redirect then moves the row. No errback: their failure is no walk's.
        for url, found_via in self.frontier.moved_checks:
            yield Request(url, callback=self.parse_article,
                          meta={"found_via": found_via, PAGE_KIND: "article"})
        self.start_sent = True

    # Discovery --------------------------------------------------------------------------
    def sitemap_filter(self, entries):
        """Sitemap entries of articles already archived are skipped unless their lastmod says
        they changed since (the frontier decides). Only the first entries of a file count
        (crawler.sitemaps); one whose location is no URL is left out (fetchable_url)."""
        limit = self.settings.getint("VNARCHIVE_SITEMAP_MAX_URLS", 50_000)
        entries = list(first_entries(entries, limit, self.crawler.stats))
        generated = generated_lastmod(entries)
        if generated:
            self.logger.warning("a sitemap gives %r as the lastmod of most of its entries: "
                                "taken for its own date, not read", generated)
            self.crawler.stats.inc_value("vnarchive/sitemap_lastmod_generated")
        for entry in entries:
            location = entry.get("loc", "")
            lastmod = entry.get("lastmod")
            if lastmod and lastmod.strip() == generated:
                lastmod = None
            if lastmod and read_lastmod(lastmod) is None:
                # Said, not silent: such an entry is fetched again only by --refresh.
                self.crawler.stats.inc_value("vnarchive/sitemap_lastmod_unreadable")
            if not fetchable_url(location, location):
                self.crawler.stats.inc_value("vnarchive/links_not_urls")
            elif not self.profile.article_pattern.search(location) or self.frontier.wants_article(
                    location, lastmod):
                yield entry
            else:
                self.crawler.stats.inc_value("vnarchive/articles_already_archived")

    def _parse_sitemap(self, response: Response):
        """Scrapy's sitemap parsing, with each request marked with its kind (an article found
        by a sitemap, or a nested sitemap): SitemapSpider has no public hook for its requests."""
        requests = (self._robots_sitemaps(response) if response.url.endswith("/robots.txt")
                    else super()._parse_sitemap(response))
        for request in requests:
            if request.callback == self.parse_article:
                request.meta.update({"found_via": "sitemap", PAGE_KIND: "article"})
            else:
                request.meta.setdefault(PAGE_KIND, "sitemap")
            yield request

    def _get_sitemap_body(self, response: Response) -> bytes | None:
        """Scrapy's reading of a sitemap's body, made readable link by link: bare ampersands
        escaped (`?id=12&cat=3` as written), a half UTF-16 pair's reference made U+FFFD
        (crawler/xml_links.py)."""
        body = super()._get_sitemap_body(response)
        return None if body is None else xml_bytes_to_parse(body)

    def _robots_sitemaps(self, response: Response) -> list[Request]:
        """The sitemaps a robots.txt names, less the lines that are no URL: SitemapSpider joins
        them to the file's address as it reads them, which raised on a `Sitemap: http://[URL]/`
        and lost them all. Scrapy's reader without that address leaves them as written."""
        named = sitemap_urls_from_robots(response.body)
        return [Request(url, callback=self._parse_sitemap)
                for link in named if (url := self._fetchable(response.url, link))]

    def article_requests(self, urls: list[str], found_via: str) -> list[Request]:
        """Requests for the articles the archive does not have yet (see the frontier)."""
        requests = []
        for url in urls:
            if self.frontier.wants_article(url):
                requests.append(Request(clean_url(url), callback=self.parse_article,
                                        errback=self.fetch_failed,
                                        meta={"found_via": found_via,
                                              PAGE_KIND: "article"}))
            else:
                self.crawler.stats.inc_value("vnarchive/articles_already_archived")
        return requests

    def parse_listing(self, response: Response) -> Iterable[Request]:
        if not isinstance(response, TextResponse):
            return
        links = [link.url for link in self.article_links.extract_links(response)]
        self.crawler.stats.inc_value("vnarchive/listing_pages_parsed")
        self.crawler.stats.inc_value("vnarchive/listing_article_links", len(links))
        new = self.article_requests(links, "listing")
        yield from new
        page = response.meta.get("listing_page", 1)
        if page >= self.profile.max_listing_pages:
            self.logger.info("listing page limit %d reached at %s", page, response.url)
            return
        listing = response.meta.get("listing", response.url)
        seen = self.listing_articles.setdefault(listing, set())
        keys = {canonical_url(link) for link in links}
        # Only a next page can repeat its listing: a section the home page links
        # (`listing_pattern`) shows the home's newest articles on its first page, and was
        # taken for a repeat, so its older pages were never walked.
        if keys and keys <= seen and response.meta.get(NEXT_PAGE):
            # A site that ignores `?page=N` serves its first page under every number, without
            # end: that listing holds no more (before, max_listing_pages copies a run).
            self.logger.warning("listing %s: page %d (%s) links only articles of its earlier "
                                "pages: not paged further", listing, page, response.url)
            self.crawler.stats.inc_value("vnarchive/listing_pages_repeated")
            return
        seen |= keys
        if not new and self.frontier.may_stop_at(listing, links):
            # Listings run newest first: the pages behind were walked and archived before.
            self.crawler.stats.inc_value("vnarchive/listings_stopped_early")
            return
        meta = {"listing_page": page + 1, "listing": listing, PAGE_KIND: "listing"}
        yield from self.next_listing_requests(response, meta)

    def next_listing_requests(self, response: TextResponse, meta: dict) -> list[Request]:
        """The requests for a listing's next pages: its `next_page` links, each a URL or an
        ASP.NET postback, then its `listing_pattern` links. The crawl sends them and `sites
        check` shows them; `next_page` is read once (it was read twice, once for the URLs and
        once for the postbacks, and the check saw no postback)."""
        urls, postbacks = [], []
        if self.profile.next_page:
            base = get_base_url(response)
            for anchor in response.css(self.profile.next_page):
                href = anchor.attrib.get("href")
                if href and (found := POSTBACK.match(href)):
                    postbacks.append(found)
                elif href:
                    urls.append(self._fetchable(base, href))
        paged = len(urls)  # the `next_page` links; the `listing_pattern` ones follow
        if self.listing_links is not None:
            urls.extend(link.url for link in self.listing_links.extract_links(response))
        # Session ids in listing links would make every page a new URL (pipelines.urls).
        requests = [Request(without_session_ids(url), callback=self.parse_listing,
                            errback=self.fetch_failed,
                            meta={**meta, NEXT_PAGE: number < paged})
                    for number, url in enumerate(urls) if url]
        return requests + self.postback_requests(response, postbacks, {**meta, NEXT_PAGE: True})

    def postback_requests(self, response: TextResponse, postbacks: list[re.Match],
                          meta: dict) -> list[Request]:
        """The next pages of an ASP.NET pager (an `href` of
        "javascript:__doPostBack('pager','Page$2')", read by POSTBACK): the page's form posted
        back with that target and argument, as the browser's script does. Before, such a link
        read as no URL and the walk ended at page 1 of every SharePoint listing."""
        if not postbacks:
            return []
        form = response.xpath('//form[.//input[@name="__VIEWSTATE"]]')
        if not form:  # no ASP.NET form to post: said, not silent
            self.logger.warning("listing page %s: its next page is a postback, but it has "
                                "no ASP.NET form to post", response.url)
            self.crawler.stats.inc_value("vnarchive/postbacks_without_form", len(postbacks))
            return []
        # form2request, which Scrapy 2.19 names in place of its deprecated
        # FormRequest.from_response; no click, as the pager's script submits the form. Its
        # body is UTF-8, what ASP.NET reads a post as unless configured otherwise; always
        # urlencoded, as the pager's __doPostBack posts it (form2request refuses a form of
        # enctype multipart/form-data, which DNN pages and any page with a file upload have).
        requests = []
        for found in postbacks:
            try:
                posted = form2request(
                    form, {"__EVENTTARGET": found[1], "__EVENTARGUMENT": found[2]},
                    click=False, enctype="application/x-www-form-urlencoded")
            except (ValueError, NotImplementedError) as error:  # a form it cannot post
                self.logger.warning("listing page %s: its next page is a postback, but its "
                                    "form cannot be posted (%s)", response.url, error)
                self.crawler.stats.inc_value("vnarchive/postbacks_without_form")
                continue
            requests.append(posted.to_scrapy(callback=self.parse_listing,
                                             errback=self.fetch_failed, meta=dict(meta),
                                             encoding=response.encoding))
        return requests

    def parse_feed(self, response: Response) -> Iterable[Request]:
        # A feed served with a binary content type is a plain Response, without an encoding.
        links = feed_links(feed_text(response.body, getattr(response, "encoding", None)))
        base = get_base_url(response)
        urls = [clean_url(url) for link in links if (url := self._fetchable(base, link))]
        yield from self.article_requests(
            [url for url in urls if self.profile.article_pattern.search(url)], "feed")

    def _fetchable(self, base: str, link: str) -> str | None:
        """The link resolved, or None (counted) for a link that is no URL (fetchable_url)."""
        url = fetchable_url(base, link)
        if url is None:
            self.crawler.stats.inc_value("vnarchive/links_not_urls")
        return url

    def fetch_failed(self, failure) -> None:
        """A listing, feed or article that could not be fetched leaves this run's walk
        incomplete (no "walked to the end" mark), unless the answer settles it: not modified,
        gone, or refused for good by a rule (robots.txt, a URL pattern budget)."""
        if failure.check(HttpError):
            status = failure.value.response.status
            if status in SETTLED_STATUSES:
                return
            reason = f"HTTP {status}"
        elif failure.check(IgnoreRequest):
            reason = str(failure.value).rsplit(": ", 1)[-1]
            if reason not in TEMPORARY_REFUSALS:
                return  # robots.txt, a URL pattern budget, a soft 404, an unsafe address
        else:
            reason = failure.type.__name__
        if self.walk_failure is None:
            self.walk_failure = f"{reason} at {failure.request.url}"

    def closed(self, reason: str) -> None:
        """A run that finished with every listing, feed and article fetched (or settled) has
        walked this site's listings to the end: mark them, so later runs may stop early."""
        database = self.settings.get("VNARCHIVE_DB")
        if self.settings.get("VNARCHIVE_REDIS_URL") or not database:
            return  # a distributed worker has no archive: it walks every listing
        if self.walk_failure is None and not self.start_sent:
            self.walk_failure = "not a crawl of the site's own start requests (scrapy parse, " \
                "fetch or check)"
        dropped = [key for key in DROPPED_REQUEST_STATS if self.crawler.stats.get_value(key)]
        if self.walk_failure is None and dropped:
            self.walk_failure = f"requests dropped unsent ({', '.join(dropped)})"
        if self.walk_failure is None and self.crawler.stats.get_value(
                "vnarchive/robots_unreachable"):
            # A host whose robots.txt could not be fetched is disallowed for this run only
            # (crawler/robots.py): its refused listings were not walked, only put off.
            self.walk_failure = "robots.txt unreachable: the host was left for the next run"
        if reason != "finished" or self.walk_failure is not None:
            self.logger.info("listings not marked walked to the end (%s)",
                             self.walk_failure or reason)
            return
        listings = self.profile.absolute(self.profile.start_urls)
        if listings:
            record_walks(database, self.name, writer_for(self.crawler).run_id, listings)

    # Articles ---------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterable[ArticleItem | Request]:
        redirected_from = response.meta.get("redirect_urls")
        if redirected_from and is_home_or_listing(response.url, self.profile):
            # An article that now sends readers to the home page (by a meta refresh: HTTP
            # redirects end in crawler.notfound) is gone: a soft 404.
            record_soft_404(self.crawler, [*redirected_from, response.url],
                            f"redirected to the home page or a listing: {response.url}")
            return
        warc_file, warc_offset = response.meta.get("warc", (None, None))
        canonical = canonical_url(response.url)
        # Not only TextResponse: HTML served as application/octet-stream is still a page, and
        # binary content at an article URL is rejected with its reason by the pipelines.
        yield ArticleItem(
            url=response.url,
            canonical_url=canonical,
            site=self.name,
            fetched_at=response.meta.get("fetched_at")
            or datetime.now(UTC).isoformat(timespec="seconds"),
            status=response.status,
            page=RawPage(response.body, declared_charset(
                response.headers.get(b"Content-Type", b"").decode("latin-1"), response.body)),
            found_via=response.meta.get("found_via"),
            warc_file=warc_file,
            warc_offset=warc_offset,
            # A redirect to a page that is no article (an error page, a section) moves
            # nothing.
            moved_from=(moved_from(response.meta, canonical)
                        if self.profile.article_pattern.search(response.url) else []),
        )
        # Most articles link no document: then the page is not parsed here at all (extraction
        # parses it in a worker process).
        if isinstance(response, TextResponse) and DOCUMENT_SUFFIX.search(response.body):
            yield from self.attachment_requests(response, canonical)

    # Attachments ------------------------------------------------------------------------
    def attachment_requests(self, response: TextResponse, article_url: str) -> list[Request]:
        """One request per document the article links, each under the attachments' size
        limit. Not filtered as duplicates: a file two articles link gets a row for each."""
        maxsize = self.settings.getint("VNARCHIVE_ATTACHMENT_MAXSIZE")
        requests, seen = [], set()
        for link in self.attachment_links.extract_links(response):
            url = clean_url(link.url)
            if url in seen:
                continue
            seen.add(url)
            requests.append(Request(
                url, callback=self.parse_attachment, errback=self.attachment_failed,
                dont_filter=True, meta={"article_url": article_url, "link_text": link.text,
                                        "download_maxsize": maxsize,
                                        PAGE_KIND: "attachment"}))
        return requests

    def parse_attachment(self, response: Response) -> Iterable[AttachmentItem]:
        warc_file, warc_offset = response.meta.get("warc", (None, None))
        yield AttachmentItem(
            url=response.url, article_url=response.meta["article_url"], site=self.name,
            link_text=_link_text(response.meta),
            content_type=response.headers.get(b"Content-Type", b"").decode("latin-1") or None,
            body=response.body, status=response.status,
            fetched_at=response.meta.get("fetched_at"),
            warc_file=warc_file, warc_offset=warc_offset,
        )

    def attachment_failed(self, failure) -> Iterable[AttachmentItem]:
        """A download that failed (too large, timed out, an HTTP error) still gets its row."""
        request = failure.request
        error = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500]
        yield AttachmentItem(
            url=request.url, article_url=request.meta["article_url"], site=self.name,
            link_text=_link_text(request.meta),
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"), error=error,
        )


def _link_text(meta: dict) -> str | None:
    return " ".join((meta.get("link_text") or "").split()) or None


def spider_class_for(profile: SiteProfile) -> type[ProfileSpider]:
    """A spider class named after the profile (what `scrapy crawl NAME` loads)."""
    class_name = "".join(part.title() for part in profile.name.split("_")) + "Spider"
    custom_settings = {"DOWNLOAD_DELAY": profile.download_delay,
                       "CONCURRENT_REQUESTS_PER_DOMAIN": profile.concurrency,
                       "AUTOTHROTTLE_ENABLED": profile.autothrottle}
    if profile.url_pattern_budget:
        custom_settings["VNARCHIVE_URL_PATTERN_BUDGET"] = profile.url_pattern_budget
    return type(class_name, (ProfileSpider,), {
        "name": profile.name,
        "profile": profile,
        "custom_settings": custom_settings,
    })
