"""URLs: a clean one to fetch, and a canonical key so that one article is one row however a
site links to it.

courlan normalises (lower-case host, sorted query, tracking parameters such as utm_* removed);
on top of that session ids are dropped (in the query, after ";jsessionid=" and in ASP.NET's
cookieless "/(S(...))/" path segment), and for the key only, the scheme, a "www." or mobile
host prefix and a trailing slash are folded, since sites serve the same article under all of
them. `is_on_site` is Scrapy's offsite rule, with a "www." domain's bare and mobile hosts, for
the crawl's offsite filter and address checks and for imports from web archives.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import (
    parse_qsl,
    quote,
    unquote,
    urldefrag,
    urlencode,
    urljoin,
    urlsplit,
    urlunsplit,
)

import courlan

SESSION_PARAMETERS = {"jsessionid", "phpsessid", "sid", "sessionid", "asp.net_sessionid",
                      "session_id", "cfid", "cftoken"}
PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.I)
# ASP.NET cookieless sessions put the id in a path segment: /(S(id))/ or /(A(x)S(id)F(y))/,
# literal or percent-encoded.
ASPNET_SESSION = re.compile(r"/(?:\(|%28)(?:[A-Z](?:\(|%28)[^()%/]*(?:\)|%29))+(?:\)|%29)(?=/)",
                            re.I)
HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
# A percent-escape with a lower-case hex digit: ASP.NET's UrlEncode writes "%e1%bb%a9" where
# browsers and sitemaps write "%E1%BB%A9"; RFC 3986 (6.2.2.1) makes them one URL.
LOWER_CASE_ESCAPE = re.compile(r"%(?:[0-9A-Fa-f][a-f]|[a-f][0-9A-F])")
# A combining diacritic (U+0300-U+036F) in UTF-8, percent-encoded: Vietnamese typed in
# decomposed form (NFD, "tổ hợp"), the same word as the precomposed one (NFC, "dựng sẵn").
COMBINING_ESCAPE = re.compile(r"%C[CD]%[89AB][0-9A-F]")


def spelled_otherwise(key: str) -> bool:
    """Whether a stored key may be one `canonical_url` now spells otherwise (an older
    version's key, before escapes and decomposed letters were folded): a cheap test before
    the whole canonical_url."""
    return bool(LOWER_CASE_ESCAPE.search(key) or COMBINING_ESCAPE.search(key))


def fetchable_url(base: str, link: str) -> str | None:
    """`link` resolved against `base` when it is an http(s) URL with a host; None for a link
    that is none. urllib and Scrapy's Request raise on a CMS template's "http://[URL]", a link
    cut at "https://[::1" or a port out of range, and one such link lost every link after it
    in its listing page, feed or sitemap, and stopped an import of web archive files. A link
    with half a UTF-16 pair (JSON's "\\ud800" in a web archive's index) is none either: no
    request can encode it."""
    try:
        joined = urljoin(base, link.strip())
        parts = urlsplit(joined)
        parts.port  # noqa: B018 (raises ValueError on a port that is not one)
        joined.encode("utf-8")  # UnicodeEncodeError, a ValueError, on a lone surrogate
    except ValueError:
        return None
    return joined if parts.scheme in ("http", "https") and parts.hostname else None


def without_session_ids(url: str) -> str:
    """The URL as linked, less its session ids (in the path or the query); nothing else is
    changed, not even the order of the query (some servers care)."""
    url = ASPNET_SESSION.sub("", PATH_SESSION.sub("", url))
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k.lower() not in SESSION_PARAMETERS]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


# Cached: a crawl asks for one URL's clean and canonical forms about six times on its own
# thread (the link, the frontier, the duplicate filter's fingerprints), 0.1 ms each.
@lru_cache(maxsize=8192)
def clean_url(url: str) -> str:
    """The URL to fetch: normalised, without tracking parameters, session ids or fragment."""
    # Path session ids go first: courlan would percent-encode their ";".
    url = urldefrag(courlan.normalize_url(without_session_ids(url)))[0]
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in SESSION_PARAMETERS]
    url = urlunsplit(parts._replace(query=urlencode(query)))
    # One spelling of each escape: the same article linked both ways was fetched twice and
    # archived as two rows.
    return LOWER_CASE_ESCAPE.sub(lambda match: match[0].upper(), url)


def _composed_segment(segment: str) -> str:
    """A path segment with its Vietnamese letters in composed form (NFC)."""
    try:
        text = unquote(segment, errors="strict")
    except UnicodeDecodeError:
        return segment  # not UTF-8: left as it is
    return quote(unicodedata.normalize("NFC", text), safe="!$&'()*+,;=:@")


def matches_pattern(pattern, url: str) -> bool:
    """Does a profile's URL pattern match this URL, as recorded or cleaned (its host in lower
    case, no default port, no fragment)? A web archive keeps the address a capture was made
    at as it was written: Wayback CDX rows give "http://host:80/page" for old captures, some
    crawlers an upper-case host or a fragment, and a pattern written for the site's links
    ("host/Pages/...") missed them all."""
    if pattern.search(url):
        return True
    authority = url.split("/", 3)[2] if url.count("/") >= 2 else url
    if authority == authority.lower() and ":" not in authority and "#" not in url:
        return False  # nothing cleaning would change for a pattern (and it costs 10 µs)
    return bool(pattern.search(clean_url(url)))


@lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """The article's key: the clean URL with https, no www./mobile host prefix, no trailing
    slash, and its path's letters composed (NFC)."""
    parts = urlsplit(clean_url(url))
    host = parts.netloc.lower()
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    path = parts.path.rstrip("/") or "/"
    if COMBINING_ESCAPE.search(path):  # the same article's address in NFD and NFC: one key
        path = "/".join(_composed_segment(segment) if COMBINING_ESCAPE.search(segment)
                        else segment for segment in path.split("/"))
    return urlunsplit(("https", host, path, parts.query, ""))


def site_hosts(domain: str) -> list[str]:
    """The hosts a profile's "www.X" domain stands for: www.X, X and its mobile m.X (one
    site, which canonical_url gives one key), and not X's other subdomains: the province's
    www.hanam.gov.vn is not the district portal lynhan.hanam.gov.vn. [] for any other
    domain."""
    domain = domain.lower()
    if not domain.startswith("www."):
        return []
    return [domain, domain[4:], "m." + domain[4:]]


def is_on_site(host: str, allowed_domains) -> bool:
    """Scrapy's offsite rule: a listed domain or one of its subdomains (all, if none), a
    "www." domain also standing for its bare host and mobile host (site_hosts) but not the
    bare domain's other subdomains. The live crawl's offsite filter and redirect checks
    (crawler/safety.py), imports and the web archives' queries all take this one rule."""
    domains = [domain.lower() for domain in allowed_domains or [] if domain]
    return not domains or any(host == domain or host.endswith("." + domain)
                              or host in site_hosts(domain) for domain in domains)
