"""Site profiles: load the declarative TOML file of each site and validate it.

A profile is data, not code: where to start, which URLs are articles, how listings paginate,
who owns the site. Every error names the file and the field, so a user who adds a site sees
at once what to fix.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from cssselect import ExpressionError, SelectorError
from lxml.cssselect import CSSSelector

from crawler.frontier import parse_duration

SITES_DIR = Path(__file__).parent / "sites"

SITE_KINDS = ("newspaper", "portal")
LOCALITY_LEVELS = ("tỉnh", "huyện", "xã")
ORGANS = ("party_committee", "people_committee", "people_council", "front", "other")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


class ProfileError(ValueError):
    """A site profile is missing, malformed or names an unknown site."""


@dataclass(frozen=True)
class Owner:
    """The organisation that runs a portal: the locality of articles that name none."""

    organ: str
    locality: str
    province: str
    locality_level: str = "huyện"


@dataclass(frozen=True)
class SiteProfile:
    name: str
    title: str
    kind: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    article_pattern: re.Pattern[str]
    source: Path
    base_url: str = ""
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    next_page: str = ""
    listing_pattern: re.Pattern[str] | None = None
    max_listing_pages: int = 50
    download_delay: float = 1.0
    refresh_after: str | None = None  # re-fetch archived articles older than this ("7d")
    concurrency: int = 2  # requests at once to this site
    autothrottle: bool = True
    url_pattern_budget: int | None = None  # requests per URL pattern (crawler/traps.py)
    article_selector: str = ""  # CSS of the element that holds the article (title to byline)
    verified: bool = True
    owner: Owner | None = None
    notes: str = ""
    closed: date | None = None  # the day the site closed: taken from web archives up to it
    wayback: bool = False  # crawl it from a web archive only (crawler/cdx.py)
    extra: dict = field(default_factory=dict)

    def with_base_url(self, base_url: str) -> SiteProfile:
        """The same profile served from another address (the local test web's free ports)."""
        return replace(self, base_url=base_url.rstrip("/") + "/")

    def absolute(self, urls: tuple[str, ...]) -> list[str]:
        """Resolve profile URLs, which may be relative to `base_url`."""
        return [urljoin(self.base_url, url) if self.base_url else url for url in urls]


def _fail(path: Path, key: str, message: str) -> ProfileError:
    return ProfileError(f"{path}: field '{key}': {message}")


def _require_str(data: dict, key: str, path: Path) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, key, "required, a non-empty string")
    return value.strip()


def _str_list(data: dict, key: str, path: Path, required: bool = False) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(path, key, "must be a list of non-empty strings")
    if required and not value:
        raise _fail(path, key, "required, at least one entry")
    return tuple(value)


def _regex(data: dict, key: str, path: Path, required: bool) -> re.Pattern[str] | None:
    if key not in data and not required:
        return None
    pattern = _require_str(data, key, path)
    try:
        return re.compile(pattern)
    except re.error as error:
        raise _fail(path, key, f"not a valid regular expression: {error}") from None


def _css_selector(data: dict, key: str, path: Path) -> str:
    if key not in data:
        return ""
    selector = _require_str(data, key, path)
    try:
        CSSSelector(selector)
    except (SelectorError, ExpressionError) as error:
        raise _fail(path, key, f"not a valid CSS selector: {error}") from None
    return selector


def _owner(data: dict, path: Path) -> Owner | None:
    table = data.get("owner")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _fail(path, "owner", "must be a table with organ, locality, province")
    organ = _require_str(table, "organ", path)
    if organ not in ORGANS:
        raise _fail(path, "owner.organ", f"must be one of {', '.join(ORGANS)}")
    level = table.get("locality_level", "huyện")
    if level not in LOCALITY_LEVELS:
        raise _fail(path, "owner.locality_level", f"must be one of {', '.join(LOCALITY_LEVELS)}")
    return Owner(
        organ=organ,
        locality=_require_str(table, "locality", path),
        province=_require_str(table, "province", path),
        locality_level=level,
    )


KNOWN_KEYS = {
    "name", "title", "kind", "start_urls", "allowed_domains", "article_pattern", "base_url",
    "sitemaps", "feeds", "next_page", "listing_pattern", "max_listing_pages", "download_delay",
    "refresh_after", "concurrency", "autothrottle", "verified", "owner", "notes",
    "url_pattern_budget", "article_selector", "closed", "wayback",
}


def parse_profile(data: dict, path: Path) -> SiteProfile:
    """Validate one profile's TOML data; raise ProfileError naming the file and field."""
    unknown = sorted(set(data) - KNOWN_KEYS)
    if unknown:
        raise _fail(path, unknown[0], "unknown key (a typo?)")
    name = _require_str(data, "name", path)
    if not NAME_PATTERN.match(name):
        raise _fail(path, "name", f"{name!r} is not ASCII snake_case")
    title = _require_str(data, "title", path)
    kind = _require_str(data, "kind", path)
    if kind not in SITE_KINDS:
        raise _fail(path, "kind", f"{kind!r} is not one of {', '.join(SITE_KINDS)}")
    base_url = data.get("base_url", "")
    if base_url and urlsplit(base_url).scheme not in ("http", "https"):
        raise _fail(path, "base_url", "must be an http(s) URL")
    start_urls = _str_list(data, "start_urls", path, required=True)
    if not base_url and any(not urlsplit(url).scheme for url in start_urls):
        raise _fail(path, "start_urls", "relative URLs need a base_url")
    max_pages = data.get("max_listing_pages", 50)
    if not isinstance(max_pages, int) or max_pages < 1:
        raise _fail(path, "max_listing_pages", "must be a positive integer")
    delay = data.get("download_delay", 1.0)
    if not isinstance(delay, int | float) or delay < 0:
        raise _fail(path, "download_delay", "must be a number of seconds >= 0")
    refresh_after = data.get("refresh_after")
    if refresh_after is not None:
        try:
            parse_duration(str(refresh_after))
        except ValueError as error:
            raise _fail(path, "refresh_after", str(error)) from None
    concurrency = data.get("concurrency", 2)
    if not isinstance(concurrency, int) or not 1 <= concurrency <= 64:
        raise _fail(path, "concurrency", "must be an integer from 1 to 64")
    budget = data.get("url_pattern_budget")
    if budget is not None and (not isinstance(budget, int) or budget < 1):
        raise _fail(path, "url_pattern_budget", "must be a positive integer")
    closed = data.get("closed")
    if closed is not None and (not isinstance(closed, date) or isinstance(closed, datetime)):
        raise _fail(path, "closed", "must be a date, written closed = 2025-07-01")
    return SiteProfile(
        closed=closed,
        wayback=bool(data.get("wayback", False)),
        article_selector=_css_selector(data, "article_selector", path),
        url_pattern_budget=budget,
        refresh_after=refresh_after,
        concurrency=concurrency,
        autothrottle=bool(data.get("autothrottle", True)),
        name=name,
        title=title,
        kind=kind,
        start_urls=start_urls,
        allowed_domains=_str_list(data, "allowed_domains", path, required=True),
        article_pattern=_regex(data, "article_pattern", path, required=True),
        listing_pattern=_regex(data, "listing_pattern", path, required=False),
        source=path,
        base_url=base_url.rstrip("/") + "/" if base_url else "",
        sitemaps=_str_list(data, "sitemaps", path),
        feeds=_str_list(data, "feeds", path),
        next_page=data.get("next_page", ""),
        max_listing_pages=max_pages,
        download_delay=float(delay),
        verified=bool(data.get("verified", True)),
        owner=_owner(data, path),
        notes=data.get("notes", ""),
    )


def load_profile_file(path: Path | str) -> SiteProfile:
    """Read and validate one profile file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{path}: not valid TOML: {error}") from None
    return parse_profile(data, path)


def load_profiles(directory: Path = SITES_DIR) -> dict[str, SiteProfile]:
    """All profiles of a folder by name; two files may not claim one name."""
    profiles: dict[str, SiteProfile] = {}
    for path in sorted(directory.glob("*.toml")):
        profile = load_profile_file(path)
        if profile.name in profiles:
            raise _fail(path, "name", f"{profile.name!r} is also used by "
                        f"{profiles[profile.name].source}")
        profiles[profile.name] = profile
    return profiles


def find_profile(name: str, directory: Path = SITES_DIR) -> SiteProfile:
    """The profile called `name`, with a list of the known ones when there is none."""
    profiles = load_profiles(directory)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ProfileError(f"no site profile named {name!r} in {directory} (known: {known})")
    return profiles[name]
