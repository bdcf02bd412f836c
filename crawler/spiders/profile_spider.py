"""The generic spider: what it crawls is read from a site profile, not coded.

Sitemaps go through Scrapy's SitemapSpider machinery (robots.txt discovery, sitemap indexes,
gzip); feeds and listing pages are parsed here. Only URLs that match the profile's
`article_pattern` become article requests; listing pages paginate through `next_page` and
`listing_pattern`, up to `max_listing_pages`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.selector import Selector
from scrapy.spiders import SitemapSpider

from crawler.frontier import Frontier, parse_duration
from crawler.items import ArticleItem
from crawler.profiles import SiteProfile
from crawler.urls import canonical_url, clean_url
from pipelines.encodings import declared_charset


class ProfileSpider(SitemapSpider):
    name = ""  # each profile's subclass carries its own name
    profile: SiteProfile

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
        return spider

    def __init__(self, *args: Any, **kwargs: Any):
        profile = self.profile
        self.allowed_domains = list(profile.allowed_domains)
        self.sitemap_urls = profile.absolute(profile.sitemaps)
        self.sitemap_rules = [(profile.article_pattern, "parse_article")]
        super().__init__(*args, **kwargs)
        self.article_links = LinkExtractor(allow=profile.article_pattern.pattern)
        self.listing_links = (
            LinkExtractor(allow=profile.listing_pattern.pattern)
            if profile.listing_pattern else None
        )

    async def start(self) -> AsyncIterator[Any]:
        async for request in super().start():  # the sitemaps
            yield request
        for url in self.profile.absolute(self.profile.feeds):
            yield Request(url, callback=self.parse_feed)
        for url in self.profile.absolute(self.profile.start_urls):
            yield Request(url, callback=self.parse_listing, meta={"listing_page": 1})

    # Discovery --------------------------------------------------------------------------
    def sitemap_filter(self, entries):
        """Sitemap entries of articles already archived are skipped unless their lastmod says
        they changed since (the frontier decides)."""
        for entry in entries:
            location = entry.get("loc", "")
            if not self.profile.article_pattern.search(location) or self.frontier.wants_article(
                    location, entry.get("lastmod")):
                yield entry
            else:
                self.crawler.stats.inc_value("vnarchive/articles_already_archived")

    def _parse_sitemap(self, response: Response):
        """Scrapy's sitemap parsing, with each article request marked as found by a sitemap."""
        for request in super()._parse_sitemap(response):
            if request.callback == self.parse_article:
                request.meta["found_via"] = "sitemap"
            yield request

    def article_requests(self, urls: list[str], found_via: str) -> list[Request]:
        """Requests for the articles the archive does not have yet (see the frontier)."""
        requests = []
        for url in urls:
            if self.frontier.wants_article(url):
                requests.append(Request(clean_url(url), callback=self.parse_article,
                                        meta={"found_via": found_via}))
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
        if links and not new and not self.frontier.backfill:
            # Listings run newest first: a page with nothing new means the rest is archived.
            self.crawler.stats.inc_value("vnarchive/listings_stopped_early")
            return
        for url in self.listing_urls(response):
            yield Request(url, callback=self.parse_listing, meta={"listing_page": page + 1})

    def listing_urls(self, response: TextResponse) -> list[str]:
        urls = []
        if self.profile.next_page:
            for anchor in response.css(self.profile.next_page):
                href = anchor.attrib.get("href")
                if href:
                    urls.append(response.urljoin(href))
        if self.listing_links is not None:
            urls.extend(link.url for link in self.listing_links.extract_links(response))
        return urls

    def parse_feed(self, response: Response) -> Iterable[Request]:
        selector = Selector(text=response.text, type="xml")
        selector.remove_namespaces()
        links = selector.xpath("//item/link/text() | //entry/link/@href").getall()
        urls = [clean_url(response.urljoin(link.strip())) for link in links]
        yield from self.article_requests(
            [url for url in urls if self.profile.article_pattern.search(url)], "feed")

    # Articles ---------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterable[ArticleItem]:
        if not isinstance(response, TextResponse):
            self.logger.warning("not a text page, skipped: %s", response.url)
            return
        warc_file, warc_offset = response.meta.get("warc", (None, None))
        yield ArticleItem(
            url=response.url,
            canonical_url=canonical_url(response.url),
            site=self.name,
            fetched_at=response.meta.get("fetched_at")
            or datetime.now(UTC).isoformat(timespec="seconds"),
            status=response.status,
            body=response.body,
            declared_encoding=declared_charset(
                response.headers.get(b"Content-Type", b"").decode("latin-1"), response.body),
            found_via=response.meta.get("found_via"),
            warc_file=warc_file,
            warc_offset=warc_offset,
        )


def spider_class_for(profile: SiteProfile) -> type[ProfileSpider]:
    """A spider class named after the profile (what `scrapy crawl NAME` loads)."""
    class_name = "".join(part.title() for part in profile.name.split("_")) + "Spider"
    return type(class_name, (ProfileSpider,), {
        "name": profile.name,
        "profile": profile,
        "custom_settings": {"DOWNLOAD_DELAY": profile.download_delay,
                            "CONCURRENT_REQUESTS_PER_DOMAIN": profile.concurrency,
                            "AUTOTHROTTLE_ENABLED": profile.autothrottle},
    })
