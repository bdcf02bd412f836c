"""`vnarchive sites check`: everything wrong with a site profile, and what it makes of pages.

Every problem of the profile file at once (crawler.profiles.profile_problems); then, for each
page (a saved file or a URL; by default the profile's start URLs and the first articles they
link): on a listing, the links the crawl would follow as articles and as listings and the ones
it ignores; on an article, the fields extraction and classification give it. The links are
picked by the crawl's own spider code and the fields by the crawl's own pipeline code, so what
the check shows is what a crawl would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Request
from scrapy.linkextractors import LinkExtractor
from scrapy.statscollectors import MemoryStatsCollector

from crawler.pages import Fetch, Page, PageUnavailable, allowed, read_page
from crawler.profiles import (
    SITES_DIR,
    SiteProfile,
    SkippedProfile,
    find_profile,
    load_profiles,
    profile_problems,
    refuse_unclear,
)
from crawler.spiders.profile_spider import spider_class_for
from pipelines.extract import extract_article
from pipelines.process import NotAnArticle, process_article

SHOWN_LINKS = 8  # links of each kind printed per listing
ARTICLES_BY_DEFAULT = 2  # articles checked when no page is named


@dataclass
class PageReport:
    source: str
    kind: str  # "listing", "article" or "unreadable"
    lines: list[str] = field(default_factory=list)
    problem: str | None = None


@dataclass
class CheckReport:
    profile: SiteProfile | None
    problems: list[str]  # of the profile file itself
    pages: list[PageReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(page.problem is None for page in self.pages)

    def lines(self) -> list[str]:
        out = [f"profile problems: {len(self.problems)}", *(f"  {p}" for p in self.problems)]
        for page in self.pages:
            out.append(f"\n{page.kind} {page.source}")
            out.extend(f"  {line}" for line in page.lines)
            if page.problem:
                out.append(f"  PROBLEM: {page.problem}")
        verdict = "ok" if self.ok else "problems found"
        out.append(f"\n{verdict}: {len(self.problems)} in the profile, "
                   f"{sum(p.problem is not None for p in self.pages)} of {len(self.pages)} pages")
        return out


def profile_path(target: str) -> Path:
    """The profile file a `sites check` argument names: a path, or a profile's name."""
    path = Path(target)
    if path.suffix == ".toml" or path.exists():
        return path
    broken: list[SkippedProfile] = []
    profiles = load_profiles(skipped=broken)
    refuse_unclear([target], broken)  # two files claim it: say so rather than pick one
    if target in profiles:
        return profiles[target].source
    if (SITES_DIR / f"{target}.toml").exists():
        return SITES_DIR / f"{target}.toml"
    return find_profile(target).source


def check_site(target: str, pages: list[str], base_url: str | None = None,
               fetcher: Fetch | None = None) -> CheckReport:
    """Check a profile (file or name) and what it makes of `pages` (files or URLs); with no
    page named, its start URLs and the first articles they link are fetched (by `fetcher`
    when given: `sites add` passes the one that found them, so none is fetched again)."""
    profile, problems = profile_problems(profile_path(target))
    report = CheckReport(profile, problems)
    if profile is None:
        return report
    if base_url:
        profile = report.profile = profile.with_base_url(base_url)
    sources = pages or profile.absolute(profile.start_urls)
    found_articles: list[str] = []
    for source in sources:
        page_report, articles = check_page(profile, source, fetcher=fetcher)
        report.pages.append(page_report)
        found_articles.extend(articles)
    if not pages:
        for url in list(dict.fromkeys(found_articles))[:ARTICLES_BY_DEFAULT]:
            report.pages.append(check_page(profile, url, kind="article", fetcher=fetcher)[0])
    return report


def check_page(profile: SiteProfile, source: str, kind: str | None = None,
               fetcher: Fetch | None = None) -> tuple[PageReport, list[str]]:
    """One page's report, and the article links it holds (for a listing)."""
    try:
        page = read_page(source, fetcher)
    except PageUnavailable as error:
        return PageReport(source, "unreadable", problem=str(error)), []
    kind = kind or page_kind(profile, page)
    if kind == "listing":
        return check_listing(profile, page)
    return check_article(profile, page), []


def page_kind(profile: SiteProfile, page: Page) -> str:
    """An article when its address matches the article pattern; a saved page of unknown
    address by its content (navigation or no text: a listing)."""
    if page.url:
        return "article" if profile.article_pattern.search(page.url) else "listing"
    extracted = extract_article(page.body, declared_encoding=page.declared_encoding,
                                article_selector=profile.article_selector or None)
    return "listing" if not extracted.text or extracted.is_navigation else "article"


def _response(profile: SiteProfile, page: Page) -> HtmlResponse:
    url = page.url or profile.base_url or profile.absolute(profile.start_urls)[0]
    return HtmlResponse(url=url, body=page.body, encoding=page.declared_encoding or "utf-8")


def check_listing(profile: SiteProfile, page: Page) -> tuple[PageReport, list[str]]:
    """The links the crawl's spider would follow from this listing, and those it ignores."""
    spider_class = spider_class_for(profile)
    spider = spider_class()
    # A crawler for the counts the spider's link code keeps (links that are no URL, a
    # postback without a form), which the check does not show: Scrapy's own Crawler with a
    # stats collector attached (scrapy.utils.test's get_crawler is for Scrapy's tests, and
    # starts a crawler runner to make one).
    spider.crawler = Crawler(spider_class)
    spider.crawler.stats = MemoryStatsCollector(spider.crawler)
    response = _response(profile, page)
    articles = list(dict.fromkeys(link.url for link in spider.article_links.extract_links(
        response)))
    address_of = {_shown(request): request.url
                  for request in spider.next_listing_requests(response, {})}
    listings = [shown for shown in address_of if shown not in articles]
    report = PageReport(page.source, "listing")
    if page.fetched:  # live: the crawl obeys robots.txt, so the check does too
        refused = [url for url in articles + listings
                   if not allowed(address_of.get(url, url))]
        articles = [url for url in articles if url not in refused]
        listings = [url for url in listings if url not in refused]
        if refused:
            report.lines.append(f"disallowed by robots.txt: {len(refused)} (counted as "
                                "ignored)")
    followed = set(articles) | set(listings)
    ignored = [url for url in dict.fromkeys(link.url for link in
                                            LinkExtractor().extract_links(response))
               if url not in followed]
    if page.url is None:
        report.lines.append(f"(a saved page with no address of its own: links resolved "
                            f"against {response.url})")
    for name, urls in (("article links", articles), ("listing links", listings),
                       ("ignored links", ignored)):
        report.lines.append(f"{name}: {len(urls)}")
        report.lines.extend(f"  {url}" for url in urls[:SHOWN_LINKS])
        if len(urls) > SHOWN_LINKS:
            report.lines.append(f"  ... and {len(urls) - SHOWN_LINKS} more")
    if not articles:
        report.problem = ("no link matches article_pattern "
                          f"{profile.article_pattern.pattern!r}: a crawl would store nothing")
    return report, articles


def _shown(request: Request) -> str:
    """A next listing page as the check lists it: its URL, and for an ASP.NET postback (a
    POST of the page's form) the page it asks for."""
    if request.method != "POST":
        return request.url
    argument = parse_qs(request.body.decode("utf-8", "replace")).get("__EVENTARGUMENT", [""])
    return f"{request.url} (postback {argument[0]})"


def check_article(profile: SiteProfile, page: Page) -> PageReport:
    """The fields a crawl would store for this article page."""
    report = PageReport(page.source, "article")
    url = page.url or ""
    if url and not profile.article_pattern.search(url):
        report.lines.append("note: the address does not match article_pattern; a crawl "
                            "would not fetch it as an article")
    try:
        fields = process_article(page.body, url, page.declared_encoding, profile.owner,
                                 profile.article_selector or None)
    except NotAnArticle as reason:
        report.problem = f"no article text: {reason}"
        return report
    text = fields["text"]
    first_line = text.splitlines()[0] if text else ""
    report.lines.extend([
        f"title:     {fields['title']}",
        f"published: {fields['published']} ({fields['published_source']})",
        f"author:    {fields['author']}",
        f"lead:      {_short(fields['lead'])}",
        f"language:  {fields['language']}",
        f"text:      {len(text)} characters, {len(text.splitlines())} paragraphs; "
        f"first: {_short(first_line)}",
        f"warnings:  {'; '.join(fields['warnings']) or 'none'}",
        "meeting report: " + (f"yes (confidence {fields['confidence']})"
                              if fields["is_meeting_report"]
                              else f"no (confidence {fields['confidence']})"),
    ])
    return report


def _short(text: str | None, width: int = 100) -> str | None:
    if text is None or len(text) <= width:
        return text
    return text[: width - 1] + "…"

