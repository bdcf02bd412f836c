"""`vnarchive sites add`: write a site profile from the site's home page, then check it.

The home page may be live (its listings, feeds and sitemaps are then found and checked) or a
saved file (then only its own links are read, and the profile says so in a comment and in
`verified = false`). What is found is printed, the profile written (crawler.discover does the
finding), and `sites check` run on it: its exit code is this command's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from archive.safe_output import check_output, write_text_safely
from crawler.discover import Discovery, discover, fetching_once
from crawler.pages import Fetch, PageUnavailable, fetch, is_url, read_page
from crawler.profiles import SITES_DIR, ProfileError
from vnarchive.sitecheck import check_site


class AddError(ProfileError):
    """The home page cannot be read, gives nothing to write a profile from, or the profile
    cannot be written (reported like a profile error: one line, exit code 2)."""


HOST_NOISE = {"www", "gov", "vn", "com", "org", "net", "edu", "info"}


def profile_name(url: str) -> str:
    """An ASCII snake_case name from the site's address: lynhan.hanam.gov.vn -> lynhan_hanam."""
    host = urlsplit(url).hostname or "site"
    words = [re.sub(r"[^a-z0-9]", "", word) for word in host.lower().split(".")]
    words = [word for word in words if word and word not in HOST_NOISE] or ["site"]
    name = "_".join(words)
    return name if name[0].isalpha() else f"site_{name}"


def _toml_string(value: str) -> str:
    """A TOML string: literal ('...') where it can be, so regexes keep single backslashes;
    else a basic string (JSON's escapes are TOML's)."""
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_string(value) for value in values) + "]"


def profile_toml(name: str, found: Discovery) -> str:
    """The profile as TOML, with comments saying where each part came from. Written by hand:
    the profile is a flat table and one [owner] table, and the comments matter."""
    recognised = found.recognised
    cms = f"{recognised.cms} ({', '.join(recognised.cms_marks)})" if recognised.cms \
        else "not recognised"
    lines = [f"# Written by `vnarchive sites add {found.home}`.",
             f"# CMS: {cms}. Article URLs: {found.article_examples} examples.",
             *(f"# {note}" for note in found.notes),
             f"name = {_toml_string(name)}",
             f"title = {json.dumps(recognised.title or name, ensure_ascii=False)}",
             f"kind = {_toml_string(recognised.kind)}",
             f"start_urls = {_toml_list(found.start_urls)}",
             f"allowed_domains = {_toml_list([urlsplit(found.home).hostname or ''])}",
             f"article_pattern = {_toml_string(found.article_pattern or '')}"]
    if found.listing_pattern:
        lines.append(f"listing_pattern = {_toml_string(found.listing_pattern)}")
    if found.feeds:
        lines.append(f"feeds = {_toml_list(found.feeds)}")
    if found.sitemaps:
        lines.append(f"sitemaps = {_toml_list(found.sitemaps)}")
    if urlsplit(found.home).hostname in ("127.0.0.1", "localhost"):
        lines.append("download_delay = 0  # a local server")
    if not found.online:
        lines.append("verified = false")
    if recognised.owner:
        owner = recognised.owner
        lines += ["", "# From the site's own title, header and footer: check it.", "[owner]",
                  f"organ = {_toml_string(owner.organ)}",
                  f"locality = {json.dumps(owner.locality, ensure_ascii=False)}",
                  f"province = {json.dumps(owner.province, ensure_ascii=False)}",
                  f"locality_level = {json.dumps(owner.locality_level, ensure_ascii=False)}"]
    return "\n".join(lines) + "\n"


def find_site(home: str, base_url: str | None = None,
              fetcher: Fetch = fetch) -> Discovery:
    """Read the home page (a URL, or a file with `base_url` or its own canonical address)
    and find what a profile needs; online only for a URL."""
    try:
        page = read_page(home, fetcher)
    except PageUnavailable as error:
        raise AddError(f"cannot read the home page: {error}") from None
    if is_url(home):
        return discover(page, fetcher)
    page.url = base_url or page.url
    if not page.url:
        raise AddError(f"{home} is a saved page with no address of its own: give the "
                       "site's address with --base-url")
    return discover(page, None)


def add_site(home: str, name: str | None = None, out: str | None = None,
             base_url: str | None = None, force: bool = False,
             db_path: str | None = None) -> int:
    """Write the profile, print what was found, check it; the check's exit code. The file is
    checked and written as `export` writes its output (never over the archive at `db_path`).
    Each page is fetched once: the check reads the listings and articles the finding fetched
    (it fetched them all again, a second request each to the site for nothing)."""
    fetcher = fetching_once(fetch)
    found = find_site(home, base_url, fetcher)
    if found.article_pattern is None:
        raise AddError(f"no article links found on {home}: " + "; ".join(found.notes))
    name = name or profile_name(found.home)
    path = Path(out) if out else SITES_DIR / f"{name}.toml"
    # The checks of every output (archive.safe_output): a folder, a pipe, an SQLite database,
    # the archive and its companions are refused, an existing file replaced only with force,
    # and only once the whole profile is written.
    check_output(path, db_path, force)
    try:
        write_text_safely(path, profile_toml(name, found))
    except OSError as error:
        raise AddError(f"cannot write {path}: {error.strerror or error}") from None
    print(f"wrote {path}")
    print(path.read_text(encoding="utf-8"))
    report = check_site(str(path), [] if is_url(home) else [home], fetcher=fetcher)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1
