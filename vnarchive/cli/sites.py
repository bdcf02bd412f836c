"""`vnarchive sites`: list the site profiles, `sites add` writes one from a site's home page,
`sites check` shows what one makes of a site's pages."""

from __future__ import annotations

import sys

import click

from crawler.profiles import SkippedProfile, load_profiles
from vnarchive.cli.options import CommandError, db_option
from vnarchive.cli.output import print_table


@click.group(invoke_without_command=True,
             short_help="list the site profiles; check or add one")
@click.pass_context
def sites(ctx: click.Context) -> int | None:
    """List the site profiles; `sites add` writes one, `sites check` checks one. A profile
    file that cannot be read is named on standard error, and the listing exits 2.

    \b
    Example: vnarchive sites
    """
    if ctx.invoked_subcommand is not None:
        return None
    broken: list[SkippedProfile] = []  # listed after the others: `sites check NAME` tells all
    rows = [[p.name, p.kind, "yes" if p.verified else "no (offline)", p.title,
             p.owner.locality if p.owner else ""] for p in load_profiles(skipped=broken).values()]
    print_table(["name", "kind", "verified", "title", "owner locality"], rows)
    for problem in broken:
        print(f"vnarchive sites: warning: {problem.problem}", file=sys.stderr)
    return 2 if broken else 0  # a bad profile is bad input (exit 2), as the exit table says


@sites.command(short_help="check a profile on pages (files or URLs)")
@click.argument("profile", metavar="PROFILE|NAME")
@click.option("--page", multiple=True, metavar="FILE|URL", help="a saved page or a URL "
              "(repeatable; default: the start URLs and the first articles they link)")
@click.option("--base-url", metavar="URL", help="serve the profile from this address instead")
def check(profile, page, base_url) -> int:
    """Check a site profile (a file or a name): every problem at once, the links a listing
    gives, the fields an article gives. Exit 1 when a listing yields no article link or an
    article no text.

    \b
    Example: vnarchive sites check mysite.toml --page saved-listing.html --page https://...
    """
    from vnarchive.sitecheck import check_site

    report = check_site(profile, list(page), base_url=base_url)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


@sites.command(short_help="stop judging a site dropped from the schedule")
@click.argument("name", metavar="NAME")
@click.option("--undo", is_flag=True, help="judge it again")
@db_option
def retire(name, undo, db) -> int:
    """Retire a site no longer crawled: its articles, pages and runs stay in the archive, but
    `status` (and its Prometheus file) no longer list it, so it is not unhealthy for ever.

    \b
    Example: vnarchive sites retire hanam_lynhan --db archive/vnarchive.db
    """
    from archive.errors import check_readable, check_writable
    from archive.health import UnknownSite, retire_site
    from archive.integrity import check_ours

    check_readable(db)
    check_writable(db)
    check_ours(db)
    try:
        articles = retire_site(db, name, undo=undo)
    except UnknownSite as error:
        raise CommandError(str(error)) from None
    if undo:
        print(f"{name} is judged by `vnarchive status` again")
    else:
        print(f"retired {name}: its {articles} articles stay in the archive; `vnarchive "
              f"status` no longer lists it (undo: vnarchive sites retire {name} --undo)")
    return 0


@sites.command(short_help="write a profile from a site's home page")
@click.argument("home", metavar="URL|FILE")
@click.option("--name", help="the profile's name (default: from the address)")
@click.option("--out", metavar="FILE", help="where to write it (default: "
              "crawler/sites/NAME.toml)")
@click.option("--base-url", metavar="URL", help="for a saved home page: the site's address")
@click.option("--force", is_flag=True, help="replace the profile file if it exists")
def add(home, name, out, base_url, force) -> int:
    """Write a profile for a site from its home page (live or saved), then check it.

    \b
    Example: vnarchive sites add https://baothanhhoa.vn/ --name thanhhoa_baothanhhoa
    """
    from vnarchive.cli.options import DEFAULT_DB
    from vnarchive.siteadd import add_site

    return add_site(home, name=name, out=out, base_url=base_url, force=force,
                    db_path=str(DEFAULT_DB))
