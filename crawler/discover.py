"""Find what a new site profile needs from the site's home page: where its articles are
listed (listings and their pagination, feeds, sitemaps) and which URLs are articles.

Online, the home page's menu links are fetched to keep those that list articles, feeds and
sitemaps are found through `<link rel=alternate>`, robots.txt and the paths CMSes use, and
their entries join the headline links as article examples. A saved home page alone gives its
headline and menu links. The article pattern is the regular expression of the commonest URL
shape among the examples (crawler/urlshapes.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.pages import Fetch, Page, PageUnavailable, allowed, declared_addresses
from crawler.recognise import Recognised, recognise
from crawler.urlshapes import pagination_pattern, url_pattern
from crawler.xml_links import feed_links, feed_text, xml_bytes_to_parse
from pipelines.encodings import decode_page
from pipelines.extract import parse_html
from pipelines.urls import clean_url, fetchable_url
from pipelines.vietnamese import fold_diacritics

HEADLINE_WORDS = 5  # a link whose text has this many words is a headline, not a menu entry
MENU_WORDS = 6  # a menu entry has at most this many
MAX_LISTINGS_TRIED = 20
MAX_START_URLS = 12
FEED_PATHS = ("/rss.xml", "/rss", "/feed", "/rss/home.rss", "/atom.xml", "/feeds/posts/default")
SITEMAP_PATHS = ("/sitemap.xml", "/sitemap_index.xml")
NOT_LISTINGS = re.compile(r"tim-kiem|search|login|dang-nhap|lien-he|contact|sitemap|rss|"
                          r"javascript:|mailto:|tel:", re.I)
NEXT_WORDS = ("sau", "tiếp", "next", "»", "›", ">", ">>", "trang sau", "trang tiếp")
# Between the parts of a page title: "Headline - Section - Site", "Headline | Site".
TITLE_PARTS = re.compile(r"\s+[-|–—:»]\s+")
BINARY = re.compile(r"\.(?:jpe?g|png|gif|webp|svg|pdf|docx?|xlsx?|zip|rar|mp[34]|css|js)$",
                    re.I)


@dataclass(frozen=True)
class Anchor:
    url: str
    text: str
    hints: str  # classes and rel of the link and its parent, alt of an image inside


@dataclass
class Discovery:
    home: str  # the home page's address
    recognised: Recognised
    article_pattern: str | None
    start_urls: list[str]
    listing_pattern: str | None
    feeds: list[str]
    sitemaps: list[str]
    article_examples: int
    online: bool
    notes: list[str] = field(default_factory=list)


def page_tree(page: Page):
    """The page parsed as the extractor parses it (an empty document when it holds none)."""
    tree = parse_html(decode_page(page.body, page.declared_encoding).text)
    return tree if tree is not None else lxml_html.fromstring("<p></p>")


def anchors(tree, base_url: str) -> list[Anchor]:
    """The page's links to its own site, resolved and without fragments."""
    site = urlsplit(base_url).netloc
    found = []
    for element in tree.iter("a"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith("#") or NOT_LISTINGS.match(href):
            continue
        url = (fetchable_url(base_url, href) or "").split("#")[0]  # an http(s) URL, or ""
        if not url or urlsplit(url).netloc != site or BINARY.search(urlsplit(url).path):
            continue
        parent = element.getparent()
        hints = " ".join(filter(None, [element.get("class"), element.get("rel"),
                                       parent.get("class") if parent is not None else None,
                                       *element.xpath(".//img/@alt")]))
        found.append(Anchor(url, " ".join(element.text_content().split()), hints.lower()))
    return found


def headline_links(found: list[Anchor]) -> list[str]:
    return [a.url for a in found if len(a.text.split()) >= HEADLINE_WORDS]


def menu_links(found: list[Anchor], home: str, pattern: re.Pattern | None) -> list[str]:
    """Links that may be listings: short link texts, not articles, not search or login."""
    urls = []
    for anchor in found:
        words = len(anchor.text.split())
        if not 1 <= words <= MENU_WORDS or anchor.url.rstrip("/") == home.rstrip("/"):
            continue
        if NOT_LISTINGS.search(anchor.url) or (pattern and pattern.search(anchor.url)):
            continue
        urls.append(anchor.url)
    return list(dict.fromkeys(urls))


def pagination_links(found: list[Anchor], listing: str, pattern: re.Pattern) -> list[str]:
    """Links to further pages of a listing: page numbers, "Sau", "»", a "next" class."""
    urls = []
    for anchor in found:
        text = anchor.text.lower()
        numbered = text.isdigit() and int(text) > 1
        onward = text in NEXT_WORDS or "next" in anchor.hints or "trang sau" in anchor.hints
        if (numbered or onward) and anchor.url != listing and not pattern.search(anchor.url):
            urls.append(anchor.url)
    return urls


# Feeds and sitemaps --------------------------------------------------------------------------
def feed_entries(page: Page) -> list[str]:
    """The article links of an RSS or Atom feed ([] when the page is not one)."""
    text = feed_text(page.body, page.declared_encoding)  # as the crawl reads feeds
    if not re.search(r"<(rss|feed|rdf:RDF)\b", text[:2000]):  # the text: a UTF-16 feed too
        return []
    try:
        links = feed_links(text)
    except ValueError:
        return []
    base = page.url or page.source
    return [clean_url(url) for link in links if link.strip()
            and (url := fetchable_url(base, link))]


def feed_candidates(tree, home: str) -> list[str]:
    declared = tree.xpath('//link[@rel="alternate"][contains(@type, "rss") or '
                          'contains(@type, "atom")]/@href')
    declared_urls = [url for href in declared if (url := fetchable_url(home, href))]
    return list(dict.fromkeys(declared_urls + [urljoin(home, path) for path in FEED_PATHS]))


def find_feeds(tree, home: str, fetch: Fetch) -> dict[str, list[str]]:
    """Feed URL -> its entries, for every candidate that answers with a feed."""
    feeds = {}
    for url in feed_candidates(tree, home):
        try:
            entries = feed_entries(fetch(url))
        except PageUnavailable:
            continue
        if entries:
            feeds[url] = entries
    return feeds


def sitemap_entries(url: str, fetch: Fetch, depth: int = 0) -> list[str]:
    """Page URLs of a sitemap; of an index, those of its two last (newest) sitemaps."""
    try:
        body = fetch(url).body
    except PageUnavailable:
        return []
    try:
        sitemap = Sitemap(xml_bytes_to_parse(body))
    except Exception:  # noqa: BLE001 (anything lxml raises on a body that is not XML)
        return []
    locations = [entry["loc"] for entry in sitemap if fetchable_url(url, entry.get("loc", ""))]
    if sitemap.type == "sitemapindex" and depth == 0:
        return [page for child in locations[-2:] for page in sitemap_entries(child, fetch, 1)]
    return locations if sitemap.type == "urlset" else []


def find_sitemaps(home: str, fetch: Fetch) -> tuple[list[str], list[str]]:
    """The profile's `sitemaps` (robots.txt when it lists them, else a sitemap found at a
    known path) and the article URLs they hold."""
    robots = urljoin(home, "/robots.txt")
    try:
        listed = list(sitemap_urls_from_robots(fetch(robots).body))
    except PageUnavailable:
        listed = []
    if listed:
        return [robots], [url for sitemap in listed[:2] for url in sitemap_entries(sitemap, fetch)]
    for path in SITEMAP_PATHS:
        entries = sitemap_entries(urljoin(home, path), fetch)
        if entries:
            return [urljoin(home, path)], entries
    return [], []


# Putting it together -------------------------------------------------------------------------
def _compiled(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern) if pattern else None


def find_listings(home: Page, found: list[Anchor], pattern: re.Pattern, fetch: Fetch,
                  headlines: list[str]) -> tuple[list[str], list[str]]:
    """Start URLs (the home page and menu pages that link articles) and their pagination;
    the listings' headline links are added to `headlines`."""
    home_url = home.url or home.source
    start, pages = [], []
    if sum(bool(pattern.search(a.url)) for a in found) >= 2:
        start.append(home_url)
    for url in menu_links(found, home_url, pattern)[:MAX_LISTINGS_TRIED]:
        if len(start) >= MAX_START_URLS or not allowed(url):
            continue
        try:
            page = fetch(url)
        except PageUnavailable:
            continue
        links = anchors(page_tree(page), page.url or url)
        if sum(bool(pattern.search(a.url)) for a in links) >= 2:
            start.append(url)
            pages.extend(pagination_links(links, url, pattern))
            headlines.extend(headline_links(links))
    return start, pages


def guess_listings(found: list[Anchor], home: str, pattern: re.Pattern) -> list[str]:
    """Offline: menu links whose first path segment is that of some article."""
    sections = {urlsplit(a.url).path.strip("/").split("/")[0] for a in found
                if pattern.search(a.url) and "/" in urlsplit(a.url).path.strip("/")}
    menu = menu_links(found, home, pattern)
    chosen = [url for url in menu if re.sub(r"\.\w+$", "", urlsplit(url).path.strip("/")
                                            .split("/")[0]) in sections]
    return [home, *(chosen or menu)][:MAX_START_URLS]


def own_addresses(tree, page_url: str) -> list[str]:
    """The page's address and those it declares its own (canonical link, og:url), resolved."""
    resolved = (fetchable_url(page_url, href) for href in declared_addresses(tree))
    return [page_url, *(address for address in resolved if address)]


def article_address(tree, page_url: str, pattern: re.Pattern) -> str | None:
    """The page's own address when it has the articles' shape: the page is one of the site's
    articles (a user may give `sites add` an article's address for the site's)."""
    home = f"{urlsplit(page_url).scheme}://{urlsplit(page_url).netloc}/"
    return next((address for address in own_addresses(tree, page_url)
                 if pattern.search(address) and address.rstrip("/") != home.rstrip("/")), None)


def site_title(tree, title: str) -> str:
    """An article page's title without its headline: "Headline - Section - Site" gives
    "Site". The headline is the page's first h1 or its og:title's first part (an og:title
    may carry the site's name too), else the title's first part; the site's name is the
    last part left, else the page's og:site_name."""
    og_titles = tree.xpath('//meta[@property="og:title"]/@content')
    headlines = [fold_diacritics(" ".join(text.split())) for text in (
        "".join(tree.xpath("(//h1)[1]//text()")),
        TITLE_PARTS.split(og_titles[0].strip())[0] if og_titles else "") if text.strip()]
    parts = [part for part in TITLE_PARTS.split(title) if part.strip()]
    rest = [part for part in parts
            if not any(_same_words(fold_diacritics(part), line) for line in headlines)]
    if len(rest) == len(parts):
        rest = parts[1:]
    names = tree.xpath('//meta[@property="og:site_name"]/@content')
    return (rest[-1] if rest else " ".join((names or [""])[0].split())).strip()


def _same_words(part: str, headline: str) -> bool:
    return bool(part) and (part in headline or headline in part)


def page_header(tree) -> str:
    """The text of the page's header, logo and footer: where a site names its owner."""
    return " ".join(" ".join(element.text_content().split()) for element in tree.xpath(
        '//header | //footer | //*[contains(@class, "footer") or contains(@class, "header") '
        'or contains(@id, "footer") or contains(@id, "header") or contains(@id, "titlerow") '
        'or contains(@class, "logo")]'))


def fetching_once(fetch: Fetch) -> Fetch:
    """`fetch`, asking for each URL once: a later call has the first one's page or failure.
    One already asking once is returned as it is (`sites add` hands its own to `discover`)."""
    if getattr(fetch, "asks_once", False):
        return fetch
    answers: dict[str, Page | PageUnavailable] = {}

    def fetch_once(url: str) -> Page:
        if url not in answers:
            try:
                answers[url] = fetch(url)
            except PageUnavailable as error:
                answers[url] = error
        answer = answers[url]
        if isinstance(answer, PageUnavailable):
            raise PageUnavailable(str(answer))
        return answer

    fetch_once.asks_once = True
    return fetch_once


def discover(home: Page, fetch: Fetch | None) -> Discovery:
    """Everything a profile needs that the site shows; `fetch` None works offline on the
    saved home page alone. Given an article's page instead, it starts again from the site's
    home page when it can fetch it; else it reads the page's links, and keeps the headline
    out of the profile's title and owner."""
    # Started again from the home page, it asks for the same robots.txt, feeds and sitemaps:
    # each is fetched once (they were fetched twice).
    return _discover(home, fetching_once(fetch) if fetch is not None else None)


def _discover(home: Page, fetch: Fetch | None, to_home: bool = True) -> Discovery:
    home_url = home.url or home.source
    tree = page_tree(home)
    found = anchors(tree, home_url)
    title = " ".join((tree.findtext(".//title") or "").split())
    html = decode_page(home.body, home.declared_encoding).text
    recognised = recognise(html, home.url, title, page_header(tree))
    examples = headline_links(found)
    feeds, sitemaps, notes = {}, [], []
    if fetch is not None:
        feeds = find_feeds(tree, home_url, fetch)
        sitemaps, sitemap_urls = find_sitemaps(home_url, fetch)
        examples += [url for entries in feeds.values() for url in entries] + sitemap_urls
    pattern = url_pattern(examples)
    compiled = _compiled(pattern)
    if compiled is None:
        notes.append("no article URL shape found among the home page's links")
        return Discovery(home_url, recognised, None, [home_url], None, [], sitemaps,
                         len(examples), fetch is not None, notes)
    article = article_address(tree, home_url, compiled)
    if article:
        site_home = f"{urlsplit(home_url).scheme}://{urlsplit(home_url).netloc}/"
        if fetch is not None and to_home:  # once: a home page that reads as an article too
            try:                              # (its og:url an article's) went round for ever
                found_home = _discover(fetch(site_home), fetch, to_home=False)
            except PageUnavailable:
                found_home = None
            if found_home is not None:
                found_home.notes.insert(0, f"the page given is an article ({article}), not "
                                           f"the home page: made from the site's home page "
                                           f"{site_home}")
                return found_home
        notes.append(f"the page given is an article ({article}), not the home page: its "
                     "headline is kept out of the title and the owner; give the site's home "
                     "page to find its listings")
        recognised = recognise(html, home.url, site_title(tree, title), page_header(tree))
    if fetch is not None:
        more: list[str] = []
        start, paging = find_listings(home, found, compiled, fetch, more)
        # The listings' own headlines show the sections the home page did not.
        pattern = url_pattern(examples + more)
        compiled = _compiled(pattern)
    else:
        start, paging = guess_listings(found, home_url, compiled), []
        notes.append("made offline from a saved home page: listings are guessed from its "
                     "menu, feeds, sitemaps and pagination were not looked for")
    used_feeds, seen = [], set()
    for url, entries in feeds.items():  # a feed that adds no article to those before is left
        articles = {entry for entry in entries if compiled.search(entry)}
        if articles - seen:
            used_feeds.append(url)
            seen |= articles
    return Discovery(home_url, recognised, pattern, start or [home_url],
                     pagination_pattern(paging), used_feeds, sitemaps, len(examples),
                     fetch is not None, notes)
