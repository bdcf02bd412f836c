"""URLs: a clean one to fetch, and a canonical key so that one article is one row however a
site links to it.

courlan normalises (lower-case host, sorted query, tracking parameters such as utm_* removed);
on top of that session ids are dropped, and for the key only, the scheme, a "www." or mobile
host prefix and a trailing slash are folded, since sites serve the same article under all of
them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urlsplit, urlunsplit

import courlan

SESSION_PARAMETERS = {"jsessionid", "phpsessid", "sid", "sessionid", "asp.net_sessionid",
                      "session_id", "cfid", "cftoken"}
PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.I)
HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")


def clean_url(url: str) -> str:
    """The URL to fetch: normalised, without tracking parameters, session ids or fragment."""
    # Path session ids go first: courlan would percent-encode their ";".
    url = urldefrag(courlan.normalize_url(PATH_SESSION.sub("", url)))[0]
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in SESSION_PARAMETERS]
    return urlunsplit(parts._replace(query=urlencode(query)))


def canonical_url(url: str) -> str:
    """The article's key: the clean URL with https, no www./mobile host prefix and no
    trailing slash."""
    parts = urlsplit(clean_url(url))
    host = parts.netloc.lower()
    for prefix in HOST_PREFIXES:
        if host.startswith(prefix):
            host = host[len(prefix):]
            break
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, parts.query, ""))
