"""Where the crawler may connect, and which redirects it follows.

Scrapy filters off-site links but not addresses: a public site that links or redirects to
169.254.169.254 (a cloud metadata service), 10.x or 192.168.x (an intranet) or 127.0.0.1
would have the crawler fetch it. The rule here:

- only http and https, whatever a link or a redirect says (the file, data, ftp and s3
  download handlers are also switched off in the settings);
- no site ever reaches a link-local, private, reserved or other non-global address;
- loopback only for a site whose own address is loopback (the local test web), never for a
  public site.

`AddressSafetyMiddleware` checks every request before any connection is made (IP literals at
once, host names through the resolver); `GuardedResolver` repeats the range check when a name
is resolved for the connection itself, so a name that changes its address in between still
cannot reach a private range. Redirects are checked in `_redirect`, the one place Scrapy's
HTTP and meta-refresh redirects both pass: a loop, a redirect off the site, past the limit
(both kinds count toward one limit), or to another scheme, each becomes a `pages` row.

`VNARCHIVE_TEST_HOSTS` is for tests only: names resolved without DNS. A name mapped to
127.0.0.1 there stands for a public server (tests have no other), any other address is judged
as it is, so a test can point a name at 169.254.169.254 and see it refused, never reached.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import get_meta_refresh
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from w3lib.url import canonicalize_url

from crawler.refusals import refuse
from pipelines.urls import is_on_site

WEB_SCHEMES = ("http", "https")
PUBLIC_STAND_IN = "127.0.0.1"  # in VNARCHIVE_TEST_HOSTS: a public server, for tests


class PrivateAddressError(DNSLookupError):
    """A host name resolves to an address no site may reach."""


def parse_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:169.254.169.254
    return mapped or address


def forbidden_range(address) -> str | None:
    """Why no site may reach this address ("link-local", "private", ...), or None."""
    if address.is_loopback or address.is_global:
        return None
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    if address.is_multicast:
        return "multicast"
    return "reserved"


def address_refusal(address, allow_loopback: bool) -> str | None:
    """Why this site may not reach this address, or None when it may."""
    if address.is_loopback:
        return None if allow_loopback else "loopback"
    return forbidden_range(address)


def is_loopback_host(host: str) -> bool:
    address = parse_address(host)
    return host == "localhost" or (address is not None and address.is_loopback)


def site_is_on_loopback(spider) -> bool:
    """A site whose own address (its base URL, else its start URLs) is loopback."""
    profile = getattr(spider, "profile", None)
    if profile is None:
        return False
    urls = [profile.base_url] if profile.base_url else profile.absolute(profile.start_urls)
    hosts = [urlsplit(url).hostname or "" for url in urls]
    return bool(hosts) and all(is_loopback_host(host) for host in hosts)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, plus the test host table, refusing to hand out an address
    in a forbidden range for any connection."""

    def __init__(self, reactor, cache_size: int, timeout: float, test_hosts: dict[str, str]):
        super().__init__(reactor, cache_size, timeout)
        self.test_hosts = {name.lower(): address for name, address in test_hosts.items()}

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") \
            else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"),
                   settings.getdict("VNARCHIVE_TEST_HOSTS"))

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 (Twisted's name)
        mapped = self.test_hosts.get(name.lower())
        if mapped is None and parse_address(name) is not None:
            mapped = name  # an address already (an IPv6 literal such as ::1): nothing to look up
        found = defer.succeed(mapped) if mapped else super().getHostByName(name, timeout)
        return found.addCallback(self._refuse_forbidden, name)

    @staticmethod
    def _refuse_forbidden(address: str, name: str) -> str:
        parsed = parse_address(address)
        reason = forbidden_range(parsed) if parsed is not None else None
        if reason:
            raise PrivateAddressError(f"{name} resolves to {address} ({reason})")
        return address


class AddressSafetyMiddleware:
    """Refuse, before any connection, a request for another scheme or an address this site
    may not reach. Placed before Scrapy's offsite middleware; off-site names are left to it
    and never resolved."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.test_hosts = {name.lower(): address for name, address in
                           crawler.settings.getdict("VNARCHIVE_TEST_HOSTS").items()}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request):
        parts = urlparse_cached(request)
        if parts.scheme not in WEB_SCHEMES:
            raise refuse(self.crawler, request, "refused_scheme", request.url[:200])
        spider = self.crawler.spider
        host = (parts.hostname or "").lower()
        address = parse_address(host)
        offsite_filtered = not (request.dont_filter or request.meta.get("allow_offsite"))
        if (address is None and offsite_filtered
                and not is_on_site(host, getattr(spider, "allowed_domains", ()))):
            return None  # Scrapy's offsite middleware drops it, unresolved
        # A request the offsite filter lets through (an attachment on another host, asked
        # with dont_filter) is checked here like the site's own: else a public site's link
        # to http://localhost/ was fetched.
        reason = await self.refusal_reason(host, address, site_is_on_loopback(spider))
        if reason:
            raise refuse(self.crawler, request, "refused_address", reason)
        return None

    async def refusal_reason(self, host: str, address, allow_loopback: bool) -> str | None:
        if address is not None:
            reason = address_refusal(address, allow_loopback)
            return f"{host} is {reason}" if reason else None
        if self.test_hosts.get(host) == PUBLIC_STAND_IN:
            return None
        if host == "localhost":
            return None if allow_loopback else "localhost is loopback"
        from twisted.internet import reactor
        try:
            resolved = await maybe_deferred_to_future(reactor.resolver.getHostByName(host))
        except PrivateAddressError as error:
            return str(error)
        # A lookup that fails fails the request here (retried, and checked again), not later:
        # let through, the connection looked the name up again, uncached, and a name server
        # that failed once and then answered 127.0.0.1 had the crawler fetch its own loopback
        # (the resolver allows loopback, not knowing whose request it is).
        reason = address_refusal(parse_address(resolved), allow_loopback)
        return f"{host} resolves to {resolved} ({reason})" if reason else None


class SiteOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter with the site's hosts as imports and web archives take them
    (pipelines.urls.is_on_site), through its public hook: a "www." domain stands for its bare
    and mobile hosts, not for the bare domain's other subdomains. Scrapy's own rule, on the
    bare domain the spider once gave it, took a province's www.hanam.gov.vn crawl into every
    district portal under hanam.gov.vn; a profile that wants one lists it."""

    def should_follow(self, request, spider) -> bool:
        host = (urlparse_cached(request).hostname or "").lower()
        return is_on_site(host, getattr(spider, "allowed_domains", ()))


class RedirectGuard:
    """Shared by both redirect middlewares: refuse loops, off-site targets and forbidden
    addresses, and record the redirect limit and refused schemes as `pages` rows."""

    def _redirect(self, redirected, request, reason):
        chain = [*request.meta.get("redirect_urls", []), request.url]
        target = redirected.url
        if canonicalize_url(target) in {canonicalize_url(url) for url in chain}:
            raise refuse(self.crawler, request, "redirect_loop",
                         " -> ".join([*chain, target])[:400])
        spider = self.crawler.spider
        host = (urlparse_cached(redirected).hostname or "").lower()
        address = parse_address(host)
        if address is not None and address_refusal(address, site_is_on_loopback(spider)):
            raise refuse(self.crawler, request, "refused_address",
                         f"redirect to {target[:200]}")
        if not is_on_site(host, getattr(spider, "allowed_domains", ())):
            raise refuse(self.crawler, request, "offsite_redirect", target[:200])
        try:
            return super()._redirect(redirected, request, reason)
        except IgnoreRequest:
            raise refuse(self.crawler, request, "redirect_limit",
                         f"more than {self.max_redirect_times} redirects") from None

    def _refuse_other_scheme(self, request, target: str | None) -> None:
        if target and urlsplit(target).scheme.lower() not in WEB_SCHEMES:
            raise refuse(self.crawler, request, "refused_scheme", f"redirect to {target[:200]}")


class GuardedRedirectMiddleware(RedirectGuard, RedirectMiddleware):
    def process_response(self, request, response):
        result = super().process_response(request, response)
        if result is response and 300 <= response.status < 400 and \
                b"Location" in response.headers:
            location = response.headers[b"Location"].decode("latin-1")
            self._refuse_other_scheme(request, urljoin(request.url, location))
        return result


# Scrapy reads a meta refresh in the first 4,096 characters of the page's text, and decodes the
# whole page to get them (`response.text`): on a crawl's article pages that decoding was about
# 3% of the crawl process's own work, for a tag almost no page has. Those characters
# lie within the first 16,384 bytes in any encoding where ASCII stays ASCII (four bytes a
# character at most), so a page whose first 16,384 bytes hold no "refresh" and no NUL (the
# mark of UTF-16 and UTF-32, where ASCII does not stay ASCII) has no meta refresh to read.
REFRESH_HEAD_BYTES = 16_384


def may_hold_meta_refresh(body: bytes) -> bool:
    """Whether Scrapy's meta-refresh check could find a refresh in the page."""
    head = body[:REFRESH_HEAD_BYTES]
    return b"\x00" in head or b"refresh" in head.lower()


class GuardedMetaRefreshMiddleware(RedirectGuard, MetaRefreshMiddleware):
    def process_response(self, request, response):
        if isinstance(response, HtmlResponse) and not may_hold_meta_refresh(response.body):
            return response
        result = super().process_response(request, response)
        if result is response and isinstance(response, HtmlResponse):
            self._refuse_other_scheme(request, get_meta_refresh(response)[1])
        return result
