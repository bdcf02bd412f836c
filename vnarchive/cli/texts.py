"""The commands on one text or page, as a crawl would treat it, with no archive: `classify` a
plain text, `extract` a saved page."""

from __future__ import annotations

import codecs
import sys
from pathlib import Path

import click

from vnarchive.cli.options import CommandError, IsoDay, find_site_profile
from vnarchive.cli.output import print_json

MAX_CLASSIFY_CHARACTERS = 1_000_000  # an article is under 50,000
MAX_TITLE_CHARACTERS = 1000


@click.command(short_help="extract one saved page and print it as JSON")
@click.argument("page", metavar="PAGE.html")
@click.option("--url", help="the page's address (helps dates and links)")
@click.option("--site", help="the profile the page comes from")
@click.option("--encoding", help="the charset the server claimed, if known")
@click.option("--explain", is_flag=True,
              help="add what pruning removed and why, and which signal gave the date")
def extract(page, url, site, encoding, explain) -> int:
    """Extract one saved page (any encoding) as the crawl would, and print the fields as JSON.

    \b
    Example: vnarchive extract page.html --url https://baothanhhoa.vn/a-185001.htm
    """
    from pipelines.classify import classify
    from pipelines.dates import meeting_date
    from pipelines.extract import extract_article

    path = Path(page)
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    profile = find_site_profile(site)
    url = url or (profile.absolute(profile.start_urls)[0] if profile else None)
    extracted = extract_article(path.read_bytes(), url=url, declared_encoding=encoding,
                                article_selector=profile.article_selector if profile else None)
    result = extracted.as_json()
    result["event_date"] = meeting_date(extracted.text, extracted.published)
    result["is_navigation"] = extracted.is_navigation
    if explain:  # which rule removed which block, which signal gave the date
        result["explanation"] = extracted.explanation
    result.update(classify(extracted.title, extracted.text, extracted.published,
                           profile.owner if profile else None).as_json())
    print_json(result)
    return 0


@click.command(short_help="classify a plain text as a meeting report")
@click.argument("file", metavar="FILE")
@click.option("--title", help="the title (default: the text's first line)")
@click.option("--published", type=IsoDay(),
              help="publication date (for the meeting date's year)")
@click.option("--site", help="the profile the text comes from (its owner gives the locality "
              "when the text names none)")
@click.option("--explain", is_flag=True, help="print the cues that decided")
def classify(file, title, published, site, explain) -> int:
    """Classify a plain text (a UTF-8 file, or - for stdin): is it a meeting report, and of
    which meeting?

    \b
    Example: vnarchive classify report.txt --title "Huyện ủy X triển khai nhiệm vụ quý II/2024"
    """
    from pipelines.classify import classify as classify_text

    if file == "-":
        data = sys.stdin.buffer.read(MAX_CLASSIFY_CHARACTERS * 4 + 1)
    elif Path(file).is_file():
        with Path(file).open("rb") as handle:
            data = handle.read(MAX_CLASSIFY_CHARACTERS * 4 + 1)  # 4 bytes: UTF-8's longest
    else:
        raise CommandError(f"no such file: {file}")
    text = plain_text(data, file)
    if title is None:  # the first line is the title, as in the seed texts
        first, _, rest = text.strip().partition("\n")
        title, text = first.strip(), rest
    if len(title) > MAX_TITLE_CHARACTERS:  # the classifier's title cues cost its square
        raise CommandError(f"the title is {len(title)} characters; a title has at most "
                           f"{MAX_TITLE_CHARACTERS} (give --title, or a text whose first line "
                           "is its title)")
    profile = find_site_profile(site)
    result = classify_text(title, text, published, profile.owner if profile else None)
    print_json(result.as_json(explain=explain))
    return 0


def plain_text(data: bytes, name: str) -> str:
    """The text of `classify`'s input: UTF-8 (with or without a byte-order mark) or UTF-16
    with one; anything else, or a text past the size bound, is refused with one line."""
    if len(data) > MAX_CLASSIFY_CHARACTERS * 4:
        raise CommandError(f"{name} is larger than classify reads ({MAX_CLASSIFY_CHARACTERS} "
                           "characters): give one article")
    try:
        text = (data.decode("utf-16") if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
                else data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise CommandError(f"{name} is not UTF-8 text (byte {error.start}); convert it first, "
                           "e.g. iconv -f windows-1258 -t utf-8") from None
    if len(text) > MAX_CLASSIFY_CHARACTERS:
        raise CommandError(f"{name} has {len(text)} characters, more than classify reads "
                           f"({MAX_CLASSIFY_CHARACTERS}): give one article")
    return text
