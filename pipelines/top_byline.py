"""The writer's name printed between the headline and the article, with no name in the markup:
"Minh Phương | 08/01/2026 08:30", "Thứ Hai, 08/01/2026 - Minh Phương", "Bài, ảnh: Minh Phương",
or the name alone in bold above the first paragraph, as many themes print a byline bar.

Read only where the page names no author otherwise (its markup, a label, its JSON-LD, a
signature under the body). A line is taken when, its day and clock and labels set apart, what
is left is one name as bylines print them (every word capitalized, two to five words: see
pipelines/boilerplate.py's looks_like_byline; in capitals only beside the day, since a
subheading is printed so; every word a Vietnamese syllable) and no province's name ("Hà Nội -
08/01/2026" is a dateline). The line must stand before the article's body (the sapo may come
first), within a few elements of the headline, and be no link (a category's or a tag's).
"""

from __future__ import annotations

import re

from lxml import etree

from pipelines.boilerplate import (
    BYLINE_PLACE,
    LABELLED_BYLINE,
    byline_name,
    is_boilerplate,
    looks_like_byline,
    normalize_line,
)
from pipelines.dates import parse_dateline
from pipelines.gazetteer import alias, find_places
from pipelines.letter_case import SYLLABLE
from pipelines.vietnamese import fold_diacritics

# The elements printing text after the headline, the first few: the byline bar is right under
# it, or under the sapo.
PRINTED_AFTER = etree.XPath("following::*[text()[normalize-space()]][position() <= $within]"
                            "[not(self::script or self::style)]")
WITHIN = 12
BYLINE_CHARACTERS = 80
# The parts of a byline bar: "|", a spaced dash, a bullet.
PARTS = re.compile(r"\s*[|•·]\s*|\s+[-–]\s+")
# A part that is a day, a clock or a weekday alone: "08/01/2026 08:30", "Thứ Hai", "GMT+7".
CLOCK_OR_WEEKDAY = re.compile(r"^(?:\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?|\(?GMT\s*\+\s*7\)?|"
                              r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)$", re.I)
# A sentence of the article: the bar's search ends at the second, or at a text longer than a
# sapo (a page printing its paragraphs in one element, ended by <br>s).
SENTENCE_CHARACTERS = 60
SAPO_CHARACTERS = 400
ABBREVIATION_LETTERS = 4  # "PV", "CTV", "BTV": phóng viên, cộng tác viên, biên tập viên


def byline_above(heading, labels: set[str] | frozenset[str] = frozenset()) -> str | None:
    """The writer's name printed under the headline (`heading`, its element), above or under
    the sapo, before the article's next sentence; None where no such line is printed.
    `labels`: casefolded lines that are the page's section and site names."""
    if heading is None:
        return None
    sentences = 0
    for element in PRINTED_AFTER(heading, within=WITHIN):
        text = normalize_line(element.text_content())
        if len(text) > BYLINE_CHARACTERS or text.endswith("."):
            sentences += len(text) >= SENTENCE_CHARACTERS
            if sentences > 1 or len(text) > SAPO_CHARACTERS:
                return None  # past the sapo, the article has begun
            continue
        if element.tag == "a" or any(a.tag == "a" for a in element.iterancestors()):
            continue
        name = _name_of(text, labels)
        if name and not _linked_elsewhere(element, name):
            return name
    return None


# A link to the writer's own page: "/tac-gia/minh-phuong", "/author/...".
AUTHOR_PAGE = re.compile(r"tac-?gia|author|phong-?vien|nguoi-?viet", re.I)


def _linked_elsewhere(element, name: str) -> bool:
    """Whether the name is a link's text in the element, to a page that is not the writer's
    (a section's, a tag's: "Thời Sự | 08/01/2026")."""
    return any(" ".join(link.text_content().split()) == name
               and not AUTHOR_PAGE.search(link.get("href") or "")
               for link in element.iter("a"))


def _name_of(text: str, labels) -> str | None:
    """The one name a byline bar's line prints beside its day and labels, or None. A name in
    capitals only beside a day: alone, such a line is a subheading."""
    printed = [part for part in PARTS.split(text) if part]
    parts = [part for part in printed if not _is_stamp(part)]
    if len(parts) != 1:
        return None
    part = parts[0]
    if LABELLED_BYLINE.match(part):  # "Bài, ảnh: Minh Phương" under the headline
        part = byline_name(part) or ""
    if (part.casefold() in labels or not looks_like_byline(part) or _is_province(part)
            or len(part.split()) < 2 or part.isupper() and len(printed) == 1
            or not _vietnamese_words(part)):
        return None
    return byline_name(part)


def _vietnamese_words(name: str) -> bool:
    """Whether every word of the name is a Vietnamese syllable or a newsroom's abbreviation
    ("Nhóm PV"), a remark in brackets aside ("Quý Hạnh (tổng hợp)"): a CMS's field label in
    English ("Page Content", a SharePoint page's) is capitalized as a name is."""
    words = BYLINE_PLACE.sub("", name).split()
    return all(SYLLABLE.fullmatch(fold_diacritics(word).lower())
               or word.isupper() and len(word) <= ABBREVIATION_LETTERS for word in words)


def _is_province(name: str) -> bool:
    """A province's or a central city's name, as datelines print it ("Hà Nội", "TP.HCM"). Not
    any place's: communes bear people's names ("Thanh Bình", "Hải Yến", "Xuân Long")."""
    return bool(find_places(alias(name), "tỉnh"))


def _is_stamp(part: str) -> bool:
    return bool(CLOCK_OR_WEEKDAY.match(part) or parse_dateline(part) or is_boilerplate(part))
