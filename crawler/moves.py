"""Articles that moved: an article URL answered by a permanent redirect (301 or 308, on the
site: crawler.safety refuses the others) to another article is the same article at a new
address. Portals move their articles when they change CMS or URL scheme, and their listings
then link the new address, which a crawl took for a new article: a second row, the same story.

What a researcher expects is one article with one history, findable by either address. So the
fetch that followed the redirect carries the keys it was redirected from (`moved_from`), and
the archive moves the article's row, with its versions, report and story, to the new key,
recording each old one in `article_aliases` (archive/article_keys.py). Old links are then
known too, so neither address is fetched again as new. The new address is the key because it
is what the site links and serves from now on; the old one stays findable through the alias.

The old address is asked again when the site gives a hint: a later article of the site, with
its title, joined its story (crawler/frontier.py, MAY_HAVE_MOVED), as the new address of a
moved article does; a listing that links only the new address would otherwise never tell. It
is asked once; a `--refresh`, a sitemap's lastmod or `refresh_after` ask it too. Until then
the article has two rows; the redirect merges them, the latest fetch staying the article and
the other kept as an old version.

A temporary redirect (302, 303, 307) or a meta refresh moves nothing: the site may send
readers back to the old address. Nor does a chain with one such hop. Distributed workers,
which have no archive, ask no old address again.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest

from crawler.middlewares import page_kind
from pipelines.urls import canonical_url

PERMANENT_REDIRECTS = (301, 308)
# In a request's meta: an article request whose permanent redirect is being followed (redirects
# copy it to the request for the new address).
MOVE_FOLLOWED = "vnarchive_move_followed"


def moved_from(meta: dict, key: str) -> list[str]:
    """The keys an article fetched at `key` was permanently redirected from on this fetch."""
    urls, reasons = meta.get("redirect_urls") or [], meta.get("redirect_reasons") or []
    if not urls or len(reasons) != len(urls) or any(
            reason not in PERMANENT_REDIRECTS for reason in reasons):
        return []
    return [old for old in dict.fromkeys(canonical_url(url) for url in urls) if old != key]


class MovedArticleMiddleware:
    """Before Scrapy's redirect middleware (600) follows it: an article's permanent redirect
    is followed even to an address this run has fetched already (the new address a listing
    links), which the duplicate filter would drop, and the move with it.

    The duplicate filter then never sees the new address either, and a listing that linked it
    later in the run fetched it a second time. So the addresses moves were followed to are
    kept here, and a later request for one is dropped as the filter would have dropped it
    (Scrapy gives no public way to tell its scheduler's filter)."""

    def __init__(self, crawler):
        self.fingerprinter = crawler.request_fingerprinter
        self.stats = crawler.stats
        # Fingerprints of the new addresses followed: from the request on, and kept once
        # answered with a 2xx (a new address whose fetch failed is asked again when linked).
        self.moved_to: set[bytes] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if request.meta.get(MOVE_FOLLOWED) and request.meta.get("redirect_urls"):
            self.moved_to.add(self.fingerprinter.fingerprint(request))
        # Only an article asked again: a listing that a move led to is still walked. One asked
        # while the move's own fetch is under way is dropped too; if that fetch fails, the
        # article waits for the next run (as any page whose fetch failed).
        elif (self.moved_to and not request.dont_filter and page_kind(request) == "article"
                and self.fingerprinter.fingerprint(request) in self.moved_to):
            self.stats.inc_value("vnarchive/moved_articles_asked_again")
            raise IgnoreRequest("a moved article's new address, fetched already in this run")
        return None

    def process_response(self, request, response):
        if (response.status in PERMANENT_REDIRECTS and b"Location" in response.headers
                and page_kind(request) == "article"):
            request.dont_filter = True  # copied to the redirected request, as is the meta
            request.meta[MOVE_FOLLOWED] = True
        elif (request.meta.get(MOVE_FOLLOWED) and request.meta.get("redirect_urls")
                and not 200 <= response.status < 300):
            self.moved_to.discard(self.fingerprinter.fingerprint(request))
        return response
