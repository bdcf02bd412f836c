"""Site profiles: load the declarative TOML file of each site and validate it.

A profile is data, not code: where to start, which URLs are articles, how listings paginate,
who owns the site. Every error names the file and the field, so a user who adds a site sees
at once what to fix.
"""

from __future__ import annotations

import re
import sqlite3
import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from cssselect import ExpressionError, SelectorError
from lxml.cssselect import CSSSelector

from crawler.frontier import parse_duration
from crawler.patterns import PatternError, UrlPattern

SITES_DIR = Path(__file__).parent / "sites"

SITE_KINDS = ("newspaper", "portal")
LOCALITY_LEVELS = ("tỉnh", "huyện", "xã")
ORGANS = ("party_committee", "people_committee", "people_council", "front", "other")
MAX_DELAY = 3600  # seconds between requests; more (or inf) would never crawl anything
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
    article_pattern: UrlPattern
    source: Path
    base_url: str = ""
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    next_page: str = ""
    listing_pattern: UrlPattern | None = None
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


def _flag(data: dict, key: str, path: Path, default: bool) -> bool:
    """A TOML true or false: a string such as "false" is refused, not read as true."""
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise _fail(path, key, f"must be true or false (unquoted), not {value!r}")
    return value


def _str_list(data: dict, key: str, path: Path, required: bool = False) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _fail(path, key, "must be a list of non-empty strings")
    if required and not value:
        raise _fail(path, key, "required, at least one entry")
    return tuple(value)


def _regex(data: dict, key: str, path: Path, required: bool) -> UrlPattern | None:
    if key not in data and not required:
        return None
    pattern = _require_str(data, key, path)
    try:
        return UrlPattern(pattern)
    except PatternError as error:
        raise _fail(path, key, str(error)) from None


def _scheme(url: str) -> str | None:
    """A URL's scheme; None when it is not a URL at all (an unclosed "[" of an IPv6 host)."""
    try:
        return urlsplit(url).scheme
    except ValueError:
        return None


def _web_urls(data: dict, key: str, path: Path, required: bool = False) -> tuple[str, ...]:
    """A list of URLs, each relative or http(s): a file:// or ftp:// one would be dropped by
    the crawl without a word."""
    urls = _str_list(data, key, path, required)
    for url in urls:
        if _scheme(url) not in ("", "http", "https"):
            raise _fail(path, key, f"{url!r}: only http and https URLs can be crawled")
    return urls


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
    if not isinstance(base_url, str) or base_url and _scheme(base_url) not in ("http", "https"):
        raise _fail(path, "base_url", "must be an http(s) URL")
    start_urls = _web_urls(data, "start_urls", path, required=True)
    if not base_url and any(not urlsplit(url).scheme for url in start_urls):
        raise _fail(path, "start_urls", "relative URLs need a base_url")
    max_pages = data.get("max_listing_pages", 50)
    if not isinstance(max_pages, int) or max_pages < 1:
        raise _fail(path, "max_listing_pages", "must be a positive integer")
    delay = data.get("download_delay", 1.0)
    if not isinstance(delay, int | float) or not 0 <= delay <= MAX_DELAY:
        raise _fail(path, "download_delay", f"must be a number of seconds from 0 to {MAX_DELAY}")
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
        wayback=_flag(data, "wayback", path, False),
        article_selector=_css_selector(data, "article_selector", path),
        url_pattern_budget=budget,
        refresh_after=refresh_after,
        concurrency=concurrency,
        autothrottle=_flag(data, "autothrottle", path, True),
        name=name,
        title=title,
        kind=kind,
        start_urls=start_urls,
        allowed_domains=_str_list(data, "allowed_domains", path, required=True),
        article_pattern=_regex(data, "article_pattern", path, required=True),
        listing_pattern=_regex(data, "listing_pattern", path, required=False),
        source=path,
        base_url=base_url.rstrip("/") + "/" if base_url else "",
        sitemaps=_web_urls(data, "sitemaps", path),
        feeds=_web_urls(data, "feeds", path),
        next_page=_css_selector(data, "next_page", path),
        max_listing_pages=max_pages,
        download_delay=float(delay),
        verified=_flag(data, "verified", path, True),
        owner=_owner(data, path),
        notes=str(data.get("notes", "")),
    )


def load_profile_file(path: Path | str) -> SiteProfile:
    """Read and validate one profile file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except IsADirectoryError:
        raise ProfileError(f"{path}: a directory, not a profile file") from None
    except UnicodeDecodeError as error:
        raise ProfileError(f"{path}: not UTF-8 text (byte {error.start}): a profile is a "
                           "UTF-8 TOML file") from None
    except OSError as error:
        raise ProfileError(f"{path}: cannot read it ({error.strerror})") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{path}: not valid TOML: {error}") from None
    return parse_profile(data, path)


def load_extra_profile(path: Path | str) -> SiteProfile:
    """A profile from a file anywhere (`--profile FILE`); refused when it takes the name of a
    bundled site, whose row and articles it would otherwise take over."""
    profile = load_profile_file(path)
    # A bundled file that cannot be read still claims its name (read from its TOML when it
    # parses): a --profile with that name would otherwise take over that site's row.
    broken: list[SkippedProfile] = []
    bundled = load_profiles(skipped=broken)
    others = [other for other in claims_of(profile.name, broken, bundled)
              if other.resolve() != Path(path).resolve()]
    if others:
        raise _fail(Path(path), "name", f"{profile.name!r} is the name of a bundled site "
                    f"({', '.join(map(str, others))}); give this profile a name of its own")
    return profile


@dataclass(frozen=True)
class SkippedProfile:
    """A profile file left out by `load_profiles`: its one-line `problem`, the site name it
    claims (`name`, None when its file cannot even be read as TOML), every bundled file that
    claims that name (`paths`), and whether it is two files claiming one name (`contested`)
    rather than one broken file."""

    problem: str
    name: str | None = None
    paths: tuple[Path, ...] = ()
    contested: bool = False


def _claimed_name(path: Path) -> str | None:
    """The `name` a profile file that failed still claims, when its TOML can be read."""
    try:
        name = tomllib.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return name if isinstance(name, str) and name.strip() else None


def claims_of(name: str, skipped: list[SkippedProfile],
              profiles: dict | None = None) -> list[Path]:
    """The bundled files that claim the site `name`, from what `load_profiles` returned and
    the `skipped` list it filled."""
    for problem in skipped:
        if problem.name == name:
            return list(problem.paths)
    if profiles is None:
        profiles = load_profiles(skipped=[])
    return [profiles[name].source] if name in profiles else []


def refuse_unclear(names, skipped: list[SkippedProfile]) -> None:
    """ProfileError, one line naming the files, when a site named for a run is claimed by
    two profile files (or by a good one and one that cannot be read): which one the run
    would use is not clear, so it is not run with either."""
    for problem in skipped:
        if problem.contested and problem.name in names:
            raise ProfileError(problem.problem)


def load_profiles(directory: Path | None = None,
                  skipped: list[SkippedProfile] | None = None) -> dict[str, SiteProfile]:
    """All profiles of a folder (default SITES_DIR) by name; two files may not claim one name.
    With a `skipped` list, a file that fails is noted there (a SkippedProfile: its one-line
    problem, the name it claims) and left out, so one broken profile does not stop the crawls
    of every other site; without one, it raises ProfileError. A name claimed by two files
    (both read, or one of them broken) is left out with both files: the first by sort order
    must not silently win (`refuse_unclear` stops a run that names it)."""
    profiles: dict[str, SiteProfile] = {}
    claims: dict[str, list[Path]] = {}
    failed: list[tuple[str, str | None]] = []
    for path in sorted((directory or SITES_DIR).glob("*.toml")):
        try:
            profile = load_profile_file(path)
            if profile.name in profiles and skipped is None:
                raise _fail(path, "name", f"{profile.name!r} is also used by "
                            f"{profiles[profile.name].source}")
        except ProfileError as error:
            if skipped is None:
                raise
            name = _claimed_name(path)
            failed.append((str(error), name))
            if name:
                claims.setdefault(name, []).append(path)
            continue
        claims.setdefault(profile.name, []).append(path)
        profiles.setdefault(profile.name, profile)
    if skipped is None:
        return profiles
    for text, name in failed:
        skipped.append(SkippedProfile(text, name, tuple(claims.get(name, ()))))
    for name, paths in claims.items():
        if len(paths) > 1:
            profiles.pop(name, None)
            skipped.append(SkippedProfile(
                f"site {name!r} is claimed by {len(paths)} profile files, "
                f"{' and '.join(map(str, paths))}: rename (or remove) all but one",
                name, tuple(paths), contested=True))
    return profiles


def find_profile(name: str, directory: Path | None = None) -> SiteProfile:
    """The profile called `name`, with a list of the known ones when there is none, and the
    problems of the files that could not be read (one of them may be the one meant)."""
    broken: list[SkippedProfile] = []
    profiles = load_profiles(directory, skipped=broken)
    refuse_unclear([name], broken)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise ProfileError(f"no site profile named {name!r} in {directory or SITES_DIR} "
                           f"(known: {known}){unreadable_profiles(broken)}")
    return profiles[name]


def unreadable_profiles(broken: list[SkippedProfile]) -> str:
    """What to add to "no site profile named X": the files that failed, as they failed."""
    problems = " | ".join(problem.problem for problem in broken)
    return f"; {len(broken)} profile files could not be read: {problems}" if broken else ""


# Every problem at once (`vnarchive sites check`): the loader stops at the first problem, so
# each field it names is set aside (a required one replaced by a valid stand-in) and the data
# validated again, until it passes.
STAND_INS = {
    "name": "stand_in", "title": "stand-in", "kind": "portal",
    "start_urls": ["http://stand-in.invalid/"], "allowed_domains": ["stand-in.invalid"],
    "article_pattern": "stand-in", "organ": "other", "locality": "stand-in",
    "province": "stand-in", "locality_level": "huyện",
}
OWNER_KEYS = ("organ", "locality", "province", "locality_level")
FAILED_FIELD = re.compile(r": field '([^']+)': ")


def profile_problems(path: Path | str) -> tuple[SiteProfile | None, list[str]]:
    """The profile of a file and none, or None and every problem the file has."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return None, [f"{path}: cannot be read as TOML: {error}"]
    problems: list[str] = []
    while True:
        try:
            profile = parse_profile(data, path)
        except ProfileError as error:
            field_name = FAILED_FIELD.search(str(error))
            if field_name is None or str(error) in problems:
                return None, [*problems, str(error)]
            key = field_name.group(1)
            if key not in data and isinstance(data.get("owner"), dict) and key in OWNER_KEYS:
                key = f"owner.{key}"  # the loader names the fields of the owner table bare
            problems.append(str(error).replace(field_name.group(0), f": field '{key}': "))
            data = _set_aside(data, key)
            continue
        return (None, problems) if problems else (profile, [])


def _set_aside(data: dict, key: str) -> dict:
    """`data` without the faulty field `key` ("owner.organ" for a field of a table)."""
    data = dict(data)
    table, _, name = key.rpartition(".")
    target = data
    if table:
        target = data[table] = dict(data[table])
    if name in STAND_INS:
        target[name] = STAND_INS[name]
    else:
        target.pop(name, None)
    return data


def archive_profiles(db_path: str) -> dict[str, SiteProfile]:
    """The profile of each site: the shipped ones, and for a site crawled from a profile file
    elsewhere (`--profile FILE`), that file as the `sites` table remembers it, if it is still
    there."""
    profiles = load_profiles(skipped=[])  # a broken profile's site: read without it
    with sqlite3.connect(db_path) as connection:
        remembered = connection.execute("select name, profile_file from sites").fetchall()
    for name, path in remembered:
        if name not in profiles and path and Path(path).is_file():
            try:
                profiles[name] = load_profile_file(path)
            except ProfileError:
                continue  # changed since: the site is re-processed without its profile
    return profiles
