"""Dates of Vietnamese news pages: when a page was published, and when its meeting was held.

Day-first everywhere ("06/12/2023" is 6 December). The publication date comes only from the
page's own signals, in this order: meta tags, JSON-LD, a <time> element, the visible dateline
next to the title, the URL. Never from a header clock (the day the page was served, printed
above the title) and never from a date in the body: generic extractors take both, and read
"tháng 5/2024" as 2024-05-01. htmldate was checked on the test web and the evaluation pages
(bench/eval_extract.py prints its figures); it guesses month-first and from the body, so it
is not used here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

VIETNAM_TIME = timezone(timedelta(hours=7))

META_DATE_XPATHS = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//*[@itemprop="datePublished"]/@datetime',
    '//meta[@name="pubdate"]/@content',
    '//meta[@name="publishdate"]/@content',
    '//meta[@property="og:published_time"]/@content',
    '//meta[@name="dc.date.issued"]/@content',
    '//meta[@name="DC.date.issued"]/@content',
)
DAY_MONTH_YEAR = r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})"
CLOCK = r"(\d{1,2})\s*[:hH]\s*(\d{2})"
CLOCK_FIRST = re.compile(CLOCK + r"\s*(?:ngày|[,|-])?\s*" + DAY_MONTH_YEAR)
DATE_FIRST = re.compile(DAY_MONTH_YEAR + r"(?:\s*[,|-]?\s*(?:lúc\s*)?" + CLOCK + ")?")
URL_DATE_PATTERNS = (
    re.compile(r"/(20\d\d)/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"[/-](20\d\d)(\d\d)(\d\d)(?:\d{4,})?[/.-]"),
)
# Headers, menus and top bars print the clock of the day the page is served.
CLOCK_CONTAINERS = re.compile(r"header|topbar|top-bar|clock|menu|nav|banner|weather|today",
                              re.I)
WITHIN_ELEMENTS_OF_TITLE = 12
DATELINE_MAX_CHARACTERS = 80  # a dateline is a short line; a body paragraph is not


@dataclass(frozen=True)
class FoundDate:
    value: str  # ISO date, or ISO datetime with its offset when the page gives a time
    source: str  # meta, json-ld, time-element, dateline, url


def _iso(year: int, month: int, day: int, hour: int | None = None,
         minute: int | None = None) -> str | None:
    try:
        if hour is None:
            return date(year, month, day).isoformat()
        return datetime(year, month, day, hour, minute or 0, tzinfo=VIETNAM_TIME).isoformat()
    except ValueError:
        return None


def parse_iso_datetime(value: str) -> str | None:
    """An ISO 8601 date or datetime from a meta tag, as a date or a +07:00 datetime."""
    value = value.strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?"
                     r"(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?", value)
    if not match:
        return None
    year, month, day, hour, minute, _, offset = match.groups()
    if hour is None:
        return _iso(int(year), int(month), int(day))
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute))
    if offset:  # convert to Vietnam time; a naive time is taken as local already
        sign = -1 if offset.startswith("-") else 1
        digits = offset.replace(":", "")[1:] if offset != "Z" else "0000"
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:])) * sign
        moment = (moment - delta).replace(tzinfo=UTC).astimezone(VIETNAM_TIME)
    return moment.replace(tzinfo=VIETNAM_TIME).isoformat()


def parse_dateline(text: str) -> str | None:
    """The first day-first date (with its time, if printed beside it) in a line of text:
    "14:20 ngày 10/01/2024" and "07/04/2023 10:15" alike."""
    match = CLOCK_FIRST.search(text)
    if match:
        hour, minute, day, month, year = (int(g) for g in match.groups())
        found = _iso(year, month, day, hour, minute)
        if found:
            return found
    match = DATE_FIRST.search(text)
    if match:
        day, month, year, hour, minute = (int(g) if g else None for g in match.groups())
        return _iso(year, month, day, hour, minute)
    return None


def _from_meta(tree) -> str | None:
    for xpath in META_DATE_XPATHS:
        for value in tree.xpath(xpath):
            found = parse_iso_datetime(value)
            if found:
                return found
    return None


def _from_json_ld(tree) -> str | None:
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("datePublished"), str):
                    found = parse_iso_datetime(item["datePublished"])
                    if found:
                        return found
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return None


def _in_clock_container(element) -> bool:
    for ancestor in (element, *element.iterancestors()):
        names = " ".join(filter(None, (ancestor.tag if isinstance(ancestor.tag, str) else "",
                                       ancestor.get("class"), ancestor.get("id"))))
        if CLOCK_CONTAINERS.search(names):
            return True
    return False


def _title_element(tree, title: str | None):
    headings = tree.xpath("//h1") + tree.xpath("//h2") + tree.xpath("//h3")
    if title:
        for heading in headings:
            if " ".join(heading.text_content().split()) == title:
                return heading
    return headings[0] if headings else None


def _from_time_element(tree) -> str | None:
    for value in tree.xpath("//article//time/@datetime | //time[@pubdate]/@datetime"):
        found = parse_iso_datetime(value)
        if found:
            return found
    return None


def _from_dateline(tree, title: str | None) -> str | None:
    """A date printed within a few elements after the title (or just before it, outside any
    header), which is where every CMS of the field prints its dateline."""
    heading = _title_element(tree, title)
    if heading is None:
        return None
    elements = [e for e in tree.iter() if isinstance(e.tag, str)]
    position = elements.index(heading)
    after = elements[position + 1 : position + 1 + WITHIN_ELEMENTS_OF_TITLE]
    before = list(reversed(elements[max(0, position - 4) : position]))
    for element in after + before:
        if element in heading.iterancestors() or _in_clock_container(element):
            continue
        own_text = " ".join(filter(None, [element.text, element.tail if element in before
                                          else None]))
        if not own_text or len(own_text.strip()) > DATELINE_MAX_CHARACTERS:
            continue
        found = parse_dateline(own_text)
        if found:
            return found
    return None


def _from_url(url: str | None) -> str | None:
    if not url:
        return None
    for pattern in URL_DATE_PATTERNS:
        match = pattern.search(url)
        if match:
            found = _iso(*(int(g) for g in match.groups()))
            if found:
                return found
    return None


def publication_date(tree, url: str | None = None, title: str | None = None) -> FoundDate | None:
    """The page's publication date and which signal gave it; None when the page gives none."""
    if tree is None:
        return None
    for source, finder in (
        ("meta", lambda: _from_meta(tree)),
        ("json-ld", lambda: _from_json_ld(tree)),
        ("time-element", lambda: _from_time_element(tree)),
        ("dateline", lambda: _from_dateline(tree, title)),
        ("url", lambda: _from_url(url)),
    ):
        found = finder()
        if found:
            return FoundDate(found, source)
    return None


# Meeting dates --------------------------------------------------------------------------------
MEETING_DATE = re.compile(
    r"\b(?:(?:sáng|chiều|tối|trưa)\s+(?:ngày\s+)?|ngày\s+)"
    r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}))?(?!\s*[/.-]?\d)",
    re.I,
)


def meeting_date(text: str, published: str | None) -> str | None:
    """The date of the event an article reports ("Ngày 4/4", "Chiều 10/01", "Sáng ngày
    4/6/2024"), from the first sentences. Without a year, the year is the one that puts the
    meeting on or before publication and closest to it: a meeting precedes its report."""
    match = MEETING_DATE.search(text[:400])
    if not match:
        return None
    day, month, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if year:
        return _iso(int(year), month, day)
    if not published:
        return None
    published_day = date.fromisoformat(published[:10])
    for candidate_year in (published_day.year, published_day.year - 1):
        found = _iso(candidate_year, month, day)
        if found and date.fromisoformat(found) <= published_day:
            return found
    return None
