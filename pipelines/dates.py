"""Dates of Vietnamese news pages: when a page was published, and when its meeting was held.

Day-first everywhere ("06/12/2023" is 6 December). The publication date comes from the page's
own signals, in this order: meta tags, JSON-LD (read even when the block is not valid JSON),
a <time> element of the article (not of a teaser), the visible dateline next to the headline
(with or without a label, 12-hour clocks "2:24 PM", "11:05 tối", two-digit years after a
weekday), a labelled date anywhere ("Ngày đăng: ..."), a dateline a script writes into the
page, the URL, then htmldate (original_date, with the URL). Never a header clock (the day the
page was served, printed above the title), never a date in the body (generic readers take
"tháng 5/2024" as 2024-05-01), and never a web archive's capture time (its replay URL
/web/20130307194448/..., its toolbar).

htmldate comes last, as the candidate for what our readings do not know (abbr elements, CMS
idiosyncrasies, other languages' printed dates), and its day is refused where it is printed
only in a teaser, the body or a header: there it takes another story's or the event's day
when the page prints none of its own. Measured on the real page sets with
bench/real_pages.py: our readings are right on every page where htmldate is.

A time printed with an offset keeps it: `2020-09-20T23:32:00+03:00` is published on the 20th,
the day in the page's own offset. A time without one is the portal's local (Vietnam) time.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache

from lxml import etree

from pipelines import json_ld
from pipelines.boilerplate import DATE, normalize_line
from pipelines.signature import prints_right_after
from pipelines.text_nodes import (
    LINKS_WITH_TEXT,
    detached,
    elements_named,
    text_nodes_equal_to,
)

VIETNAM_TIME = timezone(timedelta(hours=7))
# The widest UTC offset any place keeps (+14:00, Kiribati). A page's "+25:00" or "+07:75" is
# read as no offset, not as a reason to lose the page (datetime refuses 24 hours or more).
MAX_OFFSET_HOURS = 14

# Where a page states its publication, in order of trust. The commonest first, by its own path
# (most pages that have one stop there); then the others as (the element, `None` for any; the
# attribute that marks it; that attribute's value; the attribute holding the date), found in
# one more walk of the page (META_DATE_CANDIDATES) and tried in this order: one XPath a rule
# walked a page without the first nine times.
PUBLISHED_TIME = etree.XPath('//meta[@property="article:published_time"]/@content',
                             smart_strings=False)
META_DATE_RULES = (
    ("meta", "itemprop", "datePublished", "content"),
    (None, "itemprop", "datePublished", "datetime"),
    (None, "itemprop", "datePublished", "content"),
    ("meta", "name", "pubdate", "content"),
    ("meta", "name", "publishdate", "content"),
    ("meta", "property", "og:published_time", "content"),
    ("meta", "name", "dc.date.issued", "content"),
    ("meta", "name", "DC.date.issued", "content"),
)
META_DATE_CANDIDATES = etree.XPath("//*[self::meta or @itemprop]")
# A date printed with its year, in each form the field's themes print one: day first in
# figures ("06/12/2023", two-digit years "24/12/12" after a weekday or label), year first as a
# CMS prints its stored value ("2023-12-06 08:30:00": read day first it was 2020-12-23), the
# month in Vietnamese words ("6 tháng 12 năm 2023", "06 Tháng Mười Hai, 2023") or in English,
# as portals' English interfaces print it ("December 6, 2023", "6 Dec 2023"). htmldate reads
# the English forms too, but not the Vietnamese ones and not the clock beside them.
VIETNAMESE_MONTHS = {"một": 1, "giêng": 1, "hai": 2, "ba": 3, "tư": 4, "bốn": 4, "năm": 5,
                     "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10, "mười một": 11,
                     "mười hai": 12, "chạp": 12}
ENGLISH_MONTHS = {name: number for number, names in enumerate(
    ("january jan", "february feb", "march mar", "april apr", "may", "june jun", "july jul",
     "august aug", "september sept sep", "october oct", "november nov", "december dec"),
    start=1) for name in names.split()}


def _words(names) -> str:
    return "|".join(sorted(names, key=len, reverse=True))  # "mười hai" before "mười"


DATE_FORMS = (
    re.compile(r"(?<!\d)(?P<day>\d{1,2})\s*[/.-]\s*(?P<month>\d{1,2})\s*[/.-]\s*"
               r"(?P<year>\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)\s*[/.-]\s*(?P<month>\d{1,2})\s*[/.-]\s*"
               r"(?P<day>\d{1,2})(?!\d)"),
    re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})\s+tháng\s+(?P<month>\d{{1,2}}|{_words(VIETNAMESE_MONTHS)})"
               r"(?:\s*,\s*|\s+năm\s+|\s+)(?P<year>\d{4})(?!\d)", re.I),
    re.compile(rf"\b(?P<month>{_words(ENGLISH_MONTHS)})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
               r",?\s+(?P<year>\d{4})(?!\d)", re.I),
    re.compile(rf"(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_words(ENGLISH_MONTHS)})"
               r"\.?,?\s+(?P<year>\d{4})(?!\d)", re.I),
)
# A 24-hour clock or a 12-hour one with its half of the day, in English or Vietnamese.
CLOCK = r"(\d{1,2})\s*[:hH]\s*(\d{2})(?::\d{2})?(?:\s*(AM|PM|SA|CH|sáng|chiều|tối)\b)?"
CLOCK_BEFORE = re.compile(CLOCK + r"\s*(?:ngày|[,|-])?\s*$", re.I)
CLOCK_AFTER = re.compile(r"\s*[,|-]?\s*(?:lúc\s*)?" + CLOCK, re.I)
AFTERNOON = {"pm", "ch", "chiều", "tối"}
MORNING = {"am", "sa", "sáng"}
URL_DATE_PATTERNS = (
    re.compile(r"/(20\d\d)/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"[/-](20\d\d)(\d\d)(\d\d)(?:\d{4,})?[/.-]"),
)
# A web archive's replay URL: the capture time and flags before the original URL.
REPLAY_PREFIX = re.compile(r"^.*?/web/\d{8,14}(?:[a-z]{2}_)?/", re.I)
# Headers, menus and top bars print the clock of the day the page is served; the Wayback
# Machine's toolbar prints the capture time.
CLOCK_CONTAINERS = re.compile(r"header|topbar|top-bar|clock|menu|nav|banner|weather|today|"
                              r"wm-ipp|wb-autocomplete", re.I)
CLOCK_ONLY = re.compile(r"clock|weather|today|time-now|wm-ipp", re.I)
# The article's own header is no site's: SharePoint's news row "ms-news-header" prints the
# section and the day above the headline, as "article-header" and "entry-header" do.
ARTICLE_HEADER = re.compile(r"(?:news|article|post|entry|detail|story)[-_]?header", re.I)
WITHIN_ELEMENTS_OF_TITLE = 12
DATELINE_MAX_CHARACTERS = 80  # a dateline is a short line; a body paragraph is not
# Labels that introduce the publication date wherever the theme prints it.
DATE_LABEL = re.compile(r"^\s*(?:ngày đăng|đăng ngày|ngày xuất bản|xuất bản|ngày|đăng lúc|"
                        r"cập nhật(?: lúc)?|publish(?:ed)?(?: date| on)?|posted(?: on)?|"
                        r"date)\s*:?", re.I)
# A teaser's <time> sits in a link, a list item, a nested article or a side block.
TEASER_ANCESTORS = {"a", "li", "aside", "footer", "nav"}


@dataclass(frozen=True)
class FoundDate:
    value: str  # ISO date, or ISO datetime with its offset when the page gives a time
    source: str  # meta, json-ld, time-element, dateline, label, script, url, htmldate, stamp


def _iso(year: int, month: int, day: int, hour: int | None = None,
         minute: int | None = None, half: str | None = None) -> str | None:
    year = year + 2000 if year < 100 else year
    if hour is not None and half:
        if half.casefold() in AFTERNOON and hour < 12:
            hour += 12
        elif half.casefold() in MORNING and hour == 12:
            hour = 0
    try:
        if hour is None:
            return date(year, month, day).isoformat()
        return datetime(year, month, day, hour, minute or 0, tzinfo=VIETNAM_TIME).isoformat()
    except ValueError:
        return None


def parse_iso_datetime(value: str) -> str | None:
    """An ISO 8601 date or datetime from a meta tag: a date, or a datetime in the offset the
    page gives (+07:00 when it gives none)."""
    value = value.strip()
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?"
                     r"(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?)?", value)
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    if hour is None:
        return _iso(int(year), int(month), int(day))
    zone = VIETNAM_TIME
    if offset and offset != "Z":
        digits = offset.replace(":", "")
        hours, minutes = int(digits[1:3]), int(digits[3:5])
        if hours <= MAX_OFFSET_HOURS and minutes < 60:  # else no offset: a template's slip
            delta = timedelta(hours=hours, minutes=minutes)
            zone = timezone(-delta if digits.startswith("-") else delta)
    elif offset == "Z":
        zone = UTC
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute),
                          int(second or 0), tzinfo=zone)
    except ValueError:
        return None
    return moment.isoformat()


def parse_dateline(text: str) -> str | None:
    """The first date in a line of text (DATE_FORMS) with its time, if printed beside it:
    "14:20 ngày 10/01/2024", "07/04/2023 10:15" and "23/01/2017 | 9:05 AM" alike."""
    text = unicodedata.normalize("NFC", text)
    found = _first_date(text)
    if found is None:
        return None
    match, (year, month, day) = found
    clock = CLOCK_BEFORE.search(text, 0, match.start()) or CLOCK_AFTER.match(text, match.end())
    if clock:
        hour, minute, half = clock.groups()
        timed = _iso(year, month, day, int(hour), int(minute), half)
        if timed:
            return timed
    return _iso(year, month, day)


def _first_date(text: str) -> tuple[re.Match, tuple[int, int, int]] | None:
    """The date printed first in the text, whatever its form, as (match, (year, month, day))."""
    matches = [match for match in (form.search(text) for form in DATE_FORMS) if match]
    if not matches:
        return None
    match = min(matches, key=lambda found: found.start())
    month = match["month"]
    number = int(month) if month.isdigit() else (
        VIETNAMESE_MONTHS.get(month.casefold()) or ENGLISH_MONTHS[month.casefold()])
    return match, (int(match["year"]), number, int(match["day"]))


def _from_meta(tree) -> str | None:
    for stated in PUBLISHED_TIME(tree):
        found = parse_iso_datetime(stated)
        if found:
            return found
    candidates = META_DATE_CANDIDATES(tree)
    for tag, attribute, value, read in META_DATE_RULES:
        for element in candidates:
            if element.get(attribute) != value or (tag is not None and element.tag != tag):
                continue
            stated = element.get(read)
            found = parse_iso_datetime(stated) if stated is not None else None
            if found:
                return found
    return None


def _from_json_ld(tree) -> str | None:
    for script in json_ld.blocks(tree):
        for value in json_ld.dates_published(script):
            found = parse_iso_datetime(value)
            if found:
                return found
    return None


def _in_clock_container(element, frame=None) -> bool:
    """Whether the element sits in a header, menu or clock box. Inside the `frame` (the
    block holding the headline) only a clock's own names count: VnExpress prints its
    dateline in a `header-content` box beside the h1, the article's header, not the site's."""
    names = []
    for ancestor in (element, *element.iterancestors()):
        if ancestor is frame:
            return any(CLOCK_ONLY.search(name) for name in names)
        names.append(" ".join(filter(None, (ancestor.tag if isinstance(ancestor.tag, str)
                                            else "", ancestor.get("class"), ancestor.get("id")))))
    return any(CLOCK_CONTAINERS.search(name) and CLOCK_CONTAINERS.search(
        ARTICLE_HEADER.sub("", name)) for name in names)


def _title_element(tree, title: str | None):
    headings = tree.xpath("//h1") + tree.xpath("//h2") + tree.xpath("//h3")
    if title:
        for heading in headings:
            if " ".join(heading.text_content().split()) == title:
                return heading
    return headings[0] if headings else None


def _in_teaser(element) -> bool:
    """An element of another story: in a list item, a side block, a nested article or a
    link that holds more than the date itself (a teaser's title; WordPress links the date
    alone to the post, and that one is the article's)."""
    own = " ".join(element.text_content().split())
    for ancestor in (element, *element.iterancestors()):
        if ancestor.tag == "a" and " ".join(ancestor.text_content().split()) != own:
            return True
        if ancestor.tag == "li":
            # A teaser's item links its story; a theme's list of the article's own facts
            # ("<li class="the-article-publish">Thứ ba, 23/12/2025 09:02</li>") may link none.
            if LINKS_WITH_TEXT(ancestor):
                return True
        elif ancestor.tag in TEASER_ANCESTORS and ancestor.tag != "a":
            return True
    return [a.tag for a in element.iterancestors()].count("article") > 1


def _from_time_element(tree) -> str | None:
    times = tree.xpath("//article//time[@datetime] | //time[@pubdate][@datetime]")
    # A theme prints the modified time beside the published one ("entry-date published",
    # "updated"): the published one first.
    times.sort(key=lambda e: "updated" in (e.get("class") or "").split())
    for element in times:
        if element.get("pubdate") is None and _in_teaser(element):
            continue
        found = parse_iso_datetime(element.get("datetime"))
        if found:
            return found
    return None


def _from_dateline(tree, title: str | None, heading=None) -> str | None:
    """A date printed within a few elements after the headline (or just before it, outside
    any header), which is where every CMS of the field prints its dateline, with or without
    a label ("23/01/2017 | 9:05 AM" under the title)."""
    heading = heading if heading is not None else _title_element(tree, title)
    if heading is None:
        return None
    # The headline's own block, unless the headline sits straight in the page's body.
    frame = heading.getparent() if heading.getparent().tag not in ("body", "html") else None
    # The elements just after and just before the headline in document order, taken by
    # libxml2 (a Python list of every element of the page cost milliseconds a page).
    after = heading.xpath("(descendant::* | following::*)"
                          f"[position() <= {WITHIN_ELEMENTS_OF_TITLE}]")
    before = list(reversed(heading.xpath("(ancestor::* | preceding::*)"
                                         f"[position() > last() - {WITHIN_ELEMENTS_OF_TITLE}]")))
    for element in after + before:
        if (element in heading.iterancestors() or _in_clock_container(element, frame)
                or _in_teaser(element)):
            continue
        own_text = " ".join(filter(None, [element.text, element.tail if element in before
                                          else None]))
        if not own_text or len(own_text.strip()) > DATELINE_MAX_CHARACTERS:
            continue
        found = parse_dateline(own_text)
        if found:
            return found
    return None


SHORT_LINES = etree.XPath("//text()[string-length(normalize-space()) < 80]", smart_strings=False)


# "ngày" in lower case opening a line goes on a sentence cut by a link ("Nghị định số <a>31/
# 2026/NĐ-CP</a> ngày 21/01/2026 của Chính phủ"), where a theme's label is capitalized.
SENTENCE_DAY = re.compile(r"^ngày\s+\d")


@lru_cache(maxsize=16384)
def _opens_with_a_label(text: str) -> bool:
    line = normalize_line(text)
    return DATE_LABEL.match(line) is not None and not SENTENCE_DAY.match(line)


def _from_label(tree) -> str | None:
    """A short line that opens with a publication label ("Ngày đăng: 05/03/2024", "Publish
    date 23/01/2017") anywhere but a header, whatever its distance from the title."""
    labelled = {text for text in SHORT_LINES(tree) if _opens_with_a_label(text)}
    for text_node in text_nodes_equal_to(tree, labelled):
        line = normalize_line(str(text_node))
        parent = text_node.getparent()
        if parent is not None and _in_clock_container(parent):
            continue
        found = parse_dateline(line) or parse_dateline(_printed_after(text_node))
        if found:
            return found
    return None


# A theme that writes the article's date into its element by a script, the server having put
# the day in the script's text (document.getElementById("pDateTime").innerHTML="Th&#7913;
# n&#259;m, 20/12/2012, 16:10 GMT+7": VnExpress's family in 2012): the page prints it nowhere
# else, and its teasers print the same day, which htmldate's reading is then refused for.
SCRIPT_WRITES = re.compile(r"""getElementById\(\s*["']([\w-]+)["']\s*\)\s*\.innerHTML\s*=\s*"""
                           r"""(["'])([^"'\n]{6,120})\2""")


def _from_script(tree) -> str | None:
    """The date a script writes into an element of the page as a dateline, unless that
    element is a header's clock or a teaser's."""
    for script in tree.iter("script"):
        if "innerHTML" not in (script.text or ""):
            continue
        for element_id, _, written in SCRIPT_WRITES.findall(script.text):
            line = normalize_line(html.unescape(written))
            targets = tree.xpath("//*[@id=$id]", id=element_id)
            if (len(line) > DATELINE_MAX_CHARACTERS or not targets
                    or _in_clock_container(targets[0]) or _in_teaser(targets[0])):
                continue
            found = parse_dateline(line)
            if found:
                return found
    return None


def _printed_after(text_node) -> str:
    """The text right after a label printed in an element of its own ("<span>Ngày
    đăng:</span>&nbsp;06/09/2020 - 17:20"): the element's tail, else its next sibling's text;
    "" when the text is more than a label ("Ngày hội đọc sách"), not its element's whole
    text, in a teaser, or followed by nothing short."""
    line = normalize_line(str(text_node))
    label = DATE_LABEL.match(line)
    element = text_node.getparent()
    if (not text_node.is_text or label is None or label.end() < len(line.rstrip())
            or _in_teaser(element)):
        return ""
    following = element.tail
    if not (following or "").strip():
        sibling = element.getnext()
        following = sibling.text_content() if sibling is not None else ""
    following = " ".join((following or "").split())
    return following if len(following) <= DATELINE_MAX_CHARACTERS else ""


def original_url(url: str | None) -> str | None:
    """The page's own URL: a web archive's replay URL without its capture-time prefix."""
    if not url:
        return url
    return REPLAY_PREFIX.sub("", url) if REPLAY_PREFIX.match(url) else url


def _from_url(url: str | None) -> str | None:
    url = original_url(url)
    if not url:
        return None
    for pattern in URL_DATE_PATTERNS:
        match = pattern.search(url)
        if match:
            found = _iso(*(int(g) for g in match.groups()))
            if found:
                return found
    return None


def _foreign_date_text(tree) -> str:
    """Text where a date is not the article's: links and list items (other stories'
    teasers), prose longer than a dateline (the body's "ngày 4/6/2024" is the event's day),
    headers and menus (the day the page was served)."""
    parts = [" ".join(e.itertext()) for e in tree.xpath("//li | //a")]
    parts += PROSE_TEXTS(tree)
    # No name in CLOCK_CONTAINERS holds a space: one found in "class id" is in one of them.
    parts += [" ".join(e.itertext()) for e in elements_named(tree, _names_a_clock)]
    return " ".join(parts)


PROSE_TEXTS = etree.XPath(f"//text()[string-length(normalize-space()) > {DATELINE_MAX_CHARACTERS}]",
                          smart_strings=False)


@lru_cache(maxsize=16384)
def _names_a_clock(value: str) -> bool:
    return CLOCK_CONTAINERS.search(value) is not None


def _printed_in(day: str, text: str) -> bool:
    """Whether an ISO day is printed day-first in the text ("14/11/2023", "(03/06)")."""
    year, month, number = (int(part) for part in day[:10].split("-"))
    pattern = (rf"(?<!\d)0?{number}\s*[/.-]\s*0?{month}(?:\s*[/.-]\s*(?:{year}|{year % 100:02d}))?"
               r"(?!\d)")
    return re.search(pattern, text) is not None


def _from_htmldate(tree, url: str | None) -> str | None:
    """htmldate's reading of the original publication date (the tree is copied, not
    changed), unless that day is printed where dates are not the article's (see
    _foreign_date_text): htmldate takes a teaser's, the body's or the header clock's day
    when the article prints none of its own (measured: a DNN portal with no date, a 2013
    newspaper template, the test web). None when it finds none."""
    # Imported here: the crawl process imports this module for its dateline readers alone
    # (crawler/frontier.py), and htmldate cost it 0.1 s of start-up; the workers' fork server
    # imports htmldate before any page (pipelines/worker_start.py).
    import htmldate

    try:
        found = htmldate.find_date(tree, original_date=True, url=original_url(url))
    except (ValueError, TypeError):
        return None
    if found and _printed_in(found, _foreign_date_text(tree)):
        return None
    return found


def publication_date(tree, url: str | None = None, title: str | None = None,
                     heading=None) -> FoundDate | None:
    """The page's publication date and which signal gave it; None when the page gives none.
    `heading` is the element printing the headline, when the caller knows it."""
    if tree is None:
        return None
    for source, finder in (
        ("meta", lambda: _from_meta(tree)),
        ("json-ld", lambda: _from_json_ld(tree)),
        ("time-element", lambda: _from_time_element(tree)),
        ("dateline", lambda: _from_dateline(tree, title, heading)),
        ("label", lambda: _from_label(tree)),
        ("script", lambda: _from_script(tree)),
        ("url", lambda: _from_url(url)),
        ("htmldate", lambda: _from_htmldate(tree, url)),
    ):
        found = finder()
        if found:
            return FoundDate(found, source)
    return None


# A date printed alone, bracketed or not, its clock before or after it or none: "(08/01/2026)",
# "08/01/2026 09:15", "09:15 - 08/01/2026".
STAMP_CLOCK = r"\d{1,2}[:h]\d{2}"
BARE_STAMP = re.compile(rf"^\(?\s*(?:{STAMP_CLOCK}\s*[-,|]?\s*)?{DATE}"
                        rf"(?:\s*[-,|]?\s*{STAMP_CLOCK})?\s*\)?$")
STAMP_CHARACTERS = 40
STAMP_HOLDERS = ("p", "div", "span", "em", "i", "b", "strong", "small", "font", "td")


def stamp_under_body(tree, paragraphs: list[str]) -> FoundDate | None:
    """The date a page prints alone in an element of its own right under a paragraph of the
    text's second half ("(08/01/2026)"; photos' captions may close the text), as some
    portals stamp an article at its end: asked only when the page gives no date of its own
    (or only htmldate's, which takes another story's day on such pages). `paragraphs` are
    the text's, as cleaned."""
    if not paragraphs:
        return None
    closing = paragraphs[len(paragraphs) // 2:]
    for element in tree.iter(*STAMP_HOLDERS):
        # Its own text opens with the stamp: the quick test, before reading its whole text
        # (a page of thousands of elements has few such).
        opening = (element.text or "").strip()
        if (not opening or len(opening) > STAMP_CHARACTERS
                or not (opening[-1].isdigit() or opening.endswith(")"))):
            continue
        printed = element.text_content()
        if len(printed) > STAMP_CHARACTERS or not BARE_STAMP.match(normalize_line(printed)):
            continue
        if not detached(element, tree) and any(
                prints_right_after(element, paragraph) for paragraph in closing):
            found = parse_dateline(normalize_line(printed))
            return FoundDate(found, "stamp") if found else None
    return None


# Meeting dates --------------------------------------------------------------------------------
# A weekday or "hôm qua" before the date in brackets: "Sáng thứ Hai (8/1)", "Chiều qua (7-1)".
WEEKDAY = r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|(?:hôm\s+)?(?:nay|qua))"
# "8/7/2024", "8-7", "8.7.2024", and as official texts write it, "8 tháng 7 năm 2024".
DAY_MONTH = r"\s*(?:[/.-]|tháng)\s*"
MONTH_YEAR = r"\s*(?:[/.-]|,?\s*năm)\s*"
MEETING_DATE = re.compile(
    rf"\b(?:(?:sáng|chiều|tối|trưa)\s+(?:ngày\s+|{WEEKDAY}\s*[,(]?\s*(?:ngày\s+)?)?|ngày\s+|"
    rf"{WEEKDAY}\s*[,(]\s*(?:ngày\s+)?)"  # "sáng nay (6-2)"
    r"(?:(?:mùng|mồng)\s+)?"  # the first ten days of a month: "sáng mùng 8/7"
    rf"(\d{{1,2}}){DAY_MONTH}(\d{{1,2}})(?:{MONTH_YEAR}(\d{{4}}))?(?!\s*[/.-]?\d)",
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
