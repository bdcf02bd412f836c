"""Is a text a list of teasers (a tag, search, section or print-digest page)? Never a meeting
report, whatever its teasers say; the crawl treats such a page as a listing.

Split from pipelines.classify (one responsibility per module).
"""

from __future__ import annotations

import re

from pipelines.dates import MEETING_DATE
from pipelines.vietnamese import is_headline

# A teaser list (tag, search, section or print-digest page): many short lines, each a dated
# headline. Never a report, whatever its teasers say.
DATE_STAMP = re.compile(r"\W*(?:Ngày đăng|Cập nhật|Publish date)?\W*\d{1,2}/\d{1,2}/\d{4}", re.I)
# A news agency's or paper's prefix opens a story ("TTO - ", "(BGĐT) - "): one per article.
AGENCY_PREFIX = re.compile(r"(?![IVXLC]+ ?[-–])\(?[A-ZĐ][A-ZĐ.&]{1,7}\)? ?[-–] ")
TEASER_DATE = re.compile(r"\(?\b\d{1,2}/\d{1,2}/\d{4}\b\)?|\b\d{1,2}:\d{2}\b")


# A print digest's pages: "Trang 1: …", "Trang 2: …".
DIGEST_PAGE = re.compile(r"\bTrang \d{1,2}\s*:")


def _stories_on_different_days(lines: list[str]) -> bool:
    """Three leads or more, each under a headline of its own and each opening on a day of its
    own. A chronology in one story opens its paragraphs with days too, but under no headline."""
    # A line that opens with its own day ("Ngày 10/7, …", "Sáng thứ Hai (8/1), …") is a lead.
    days = {match.groups() for before, line in zip(lines, lines[1:], strict=False)
            if is_headline(before) and (match := MEETING_DATE.match(line))}
    return len(days) >= 3


def is_teaser_list(text: str) -> bool:
    """A listing page's text (a section front, a tag or search page, a digest): most of its
    lines short and dated, or several lines that are only a date stamp ("26/07/2022 | 09:50
    AM", "Ngày đăng 24/08/2022"), or several stories each opening with an agency prefix or
    with a day of its own, or a print digest's pages."""
    if len(DIGEST_PAGE.findall(text)) >= 3:
        return True
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if _stories_on_different_days(lines):
        return True
    if len(lines) < 5:
        return False
    dated = sum(1 for line in lines if len(line) < 250 and TEASER_DATE.search(line))
    stamps = sum(1 for line in lines if len(line) < 60 and DATE_STAMP.match(line))
    stories = sum(1 for line in lines if AGENCY_PREFIX.match(line))
    return dated >= 0.6 * len(lines) or stamps >= 3 or stories >= 2
