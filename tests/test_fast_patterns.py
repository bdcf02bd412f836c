"""The patterns written for speed find what their plain forms find.

Several patterns of the worker's path were rewritten to start with one character class (a
leading "\\b", look-behind or choice of words made the regex engine try every position of a
text), or are tried only near a gate (pipelines/organs.py). Each is compared here with its
plain form, on texts drawn from the words that make it match, fail and overlap."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from pipelines import (
    dates,
    extract,
    headline,
    locality,
    meetings,
    organs,
    page_text,
    region,
    vietnamese,
)
from pipelines.organs import CAPITALISED, NAME, PLACE_NAME

PLAIN_PLACE_AFTER_UNIT = re.compile(
    rf"\b(?P<unit>[hH]uyện|[qQ]uận|[tT]hị xã|[tT]hành phố|xã|phường|thị trấn|đặc khu|[tT]ỉnh) "
    rf"(?P<name>{PLACE_NAME})")
PLAIN_PROVINCE_NAMED = re.compile(rf"\b(?:tỉnh|TP|thành phố|Báo) (?P<name>{NAME})")
PLAIN_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+|\n+")
PLAIN_BROKEN_LINE = re.compile(
    rf"(?<=[^\s{re.escape(''.join(vietnamese.SENTENCE_END))}])[ \t]*\n[ \t]*"
    rf"(?=[{vietnamese.LOWERCASE}])")

PLAIN_OFFICIAL_WITH_DASH = re.compile(
    rf"(?<![\wÀ-ỹ])(?P<name>{CAPITALISED}(?:\s+{CAPITALISED}){{1,4}})\s+-\s+"
    rf"(?P<title>{meetings.TITLE}){meetings.TITLE_END}")
PLAIN_META_DATES = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content', '//*[@itemprop="datePublished"]/@datetime',
    '//*[@itemprop="datePublished"]/@content', '//meta[@name="pubdate"]/@content',
    '//meta[@name="publishdate"]/@content', '//meta[@property="og:published_time"]/@content',
    '//meta[@name="dc.date.issued"]/@content', '//meta[@name="DC.date.issued"]/@content')

PIECES = [
    # units, places and what stands before them
    "huyện ", "Huyện ", "quận ", "thị xã ", "Thành phố ", "xã ", "phường ", "thị trấn ",
    "đặc khu ", "tỉnh ", "TP ", "thành phố ", "Báo ", "Tam Bình", "Hà Nội", "Sơn La", "5",
    "a", "ba", "_", "1",
    # party committees and the joint bodies
    "Ban Thường vụ ", "Thường trực ", "thường trực ", "Thành ", "Tỉnh ", "Quận ", "Thị ",
    "ủy", "uỷ", " - ", ", ", "–", "HĐND", "Hội đồng nhân dân", " - UBND ", "Ủy ban nhân dân ",
    "Ban Thường vụ Huyện ủy - HĐND - UBND huyện ", "Đảng ", "bộ ", "Sở ", "Khối ", "UBND ",
    "các cơ quan Đảng ", "Đảng bộ các cơ quan Đảng ủy Sở ", "Hội nghị ", "Ban Chấp hành ",
    "BCH ", "tổ chức ", "và ", "các ",
    # old tone placement
    "hoà", "Hoà", "thuỷ", "khoẻ", "quý", "uỷ", "toà", "hoàng", "xoè", "nguyễn",
    # officials named with their titles
    "Nguyễn Văn Hùng", "aTrần Thị Lan", "Bí thư Huyện ủy", "Phó Chủ tịch UBND huyện",
    " chủ trì", "đồng chí ", "Ông ",
    # sentence ends and line breaks
    ". ", "! ", "…", "? ", "\n", "\n\n", " \n", "\t\n ", ".\n", "x\n y", "ab \n cd",
]
TEXTS = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def spans(pattern, text: str) -> list:
    return [(match.span(), match.groupdict()) for match in pattern.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_the_places_after_a_unit_are_those_of_the_plain_pattern(text):
    assert spans(locality.PLACE_AFTER_UNIT, text) == spans(PLAIN_PLACE_AFTER_UNIT, text)
    assert spans(locality.PROVINCE_NAMED, text) == spans(PLAIN_PROVINCE_NAMED, text)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_sentences_and_broken_lines_split_as_with_the_plain_patterns(text):
    assert extract.SENTENCE_BREAK.split(text) == PLAIN_SENTENCE_BREAK.split(text)
    assert vietnamese.BROKEN_LINE.sub(" ", text) == PLAIN_BROKEN_LINE.sub(" ", text)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_the_old_tone_placement_moves_as_with_one_substitution(text):
    text = unicodedata.normalize("NFC", text)
    expected = vietnamese.OLD_TONE_NFC.sub(vietnamese._move_tone_nfc, text)
    assert vietnamese._new_tone_placement_nfc(text) == expected


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_a_gated_pattern_finds_what_a_scan_of_the_whole_text_finds(text):
    for pattern in organs.GATES:
        assert ([m.span() for m in organs._matches(pattern, text)]
                == [m.span() for m in pattern.finditer(text)])


def test_a_gated_match_is_found_behind_a_gate_that_overlaps_another():
    """"… các cơ quan Đảng ủy Sở …": the gate's second place starts inside its first."""
    text = "Ban Chấp hành Đảng bộ các cơ quan Đảng ủy Sở Y tế tổ chức hội nghị"
    found = [m.group("organ") for m in organs._matches(organs.AGENCY_COMMITTEE, text)]
    assert found == [m.group("organ") for m in organs.AGENCY_COMMITTEE.finditer(text)]
    assert found
    # a text made of gates, where the plain scan is taken instead of the tries
    crowded = "ủy-HĐND " * 50 + "Thường trực Huyện ủy - HĐND - UBND huyện Tam Bình họp"
    assert ([m.span() for m in organs._matches(organs.JOINT_BODIES, crowded)]
            == [m.span() for m in organs.JOINT_BODIES.finditer(crowded)] != [])


def test_control_characters_are_removed_from_a_utf8_page_that_has_them():
    """A UTF-8 page without control bytes skips the scan for them; one with them does not."""
    page = "<html><body><p>Huyện ủy\x01 họp\x7f bàn</p></body></html>".encode()
    result = extract.extract_article(page, "http://127.0.0.1/a")
    assert result.encoding == "utf-8"
    assert "removed 2 NUL or control characters" in result.warnings
    assert "\x01" not in result.html and "\x7f" not in result.html
    clean = extract.extract_article(page.replace(b"\x01", b"").replace(b"\x7f", b""),
                                    "http://127.0.0.1/a")
    assert not any("control characters" in warning for warning in clean.warnings)


def test_a_noncharacter_in_the_headline_is_removed_and_the_page_processed():
    """U+FFFE in a title: lxml refuses such a text as an XPath value, and the page failed."""
    from pipelines.process import process_page_in_region
    from pipelines.site_region import SiteRegion

    title = "Huyện ủy Tam Bình \ufffe họp phiên thường kỳ"
    page = (f"<html><head><title>{title}</title></head><body><h1>{title}\uffff</h1><p>"
            + "Sáng 3/4, Huyện ủy Tam Bình tổ chức hội nghị sơ kết quý I năm 2024. " * 8
            + "</p></body></html>").encode()
    fields, _ = process_page_in_region(page, "http://127.0.0.1/a", None,
                                       SiteRegion().request())
    assert fields["title"] == "Huyện ủy Tam Bình họp phiên thường kỳ"
    assert "removed 3 NUL or control characters" in fields["warnings"]


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_officials_with_a_dash_are_those_of_the_plain_pattern(text):
    assert spans(meetings.OFFICIAL_PATTERNS[1], text) == spans(PLAIN_OFFICIAL_WITH_DASH, text)


META_TAGS = [
    '<meta property="article:published_time" content="{d}">',
    '<meta itemprop="datePublished" content="{d}">', '<meta name="pubdate">',
    '<meta name="pubdate" content="{d}">', '<meta property="og:published_time" content="{d}">',
    '<meta name="DC.date.issued" content="{d}">', '<meta property="og:title" content="A {d}">',
    '<meta name="twitter:title" content="B {d}">',
]
BODY_TAGS = ['<time itemprop="datePublished" datetime="{d}">x</time>',
             '<span itemprop="datePublished" content="{d}"></span>', "<p>x</p>"]
STATED = ["2024-03-05T08:00:00+07:00", "2023-12-31", "", "05/03/2024", "not a date"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(META_TAGS), st.sampled_from(STATED)), max_size=5),
       st.lists(st.tuples(st.sampled_from(BODY_TAGS), st.sampled_from(STATED)), max_size=3))
def test_meta_dates_and_titles_are_those_of_one_xpath_each(head, body):
    """The candidates found in one walk, tried in the rules' order, give what one XPath a
    rule gave; og:title and twitter:title in one path, what their union gave."""
    page = ("<html><head>" + "".join(tag.format(d=d) for tag, d in head) + "</head><body>"
            + "".join(tag.format(d=d) for tag, d in body) + "</body></html>")
    tree = lxml_html.document_fromstring(page)
    plain = next((found for path in PLAIN_META_DATES for value in tree.xpath(path)
                  if (found := dates.parse_iso_datetime(value))), None)
    assert dates._from_meta(tree) == plain
    assert headline.SOCIAL_TITLES(tree) == tree.xpath(
        '//meta[@property="og:title"]/@content | //meta[@name="twitter:title"]/@content')


def plain_organ_starts(text: str) -> list[int]:
    """Where organ_mentions' mentions start, each new match looked up among all those found
    (its first form)."""
    found: dict[int, int] = {}  # start -> length of the organ's name
    for _, pattern in organs.ORGAN_PATTERNS:
        for match in pattern.finditer(text):
            if any(start <= match.start() < start + length for start, length in found.items()):
                continue
            found[match.start()] = len(_organ_name(match))
    return sorted(found)


def _organ_name(match) -> str:
    name = organs._trim_name(match.group("name"))
    organ_name = match.group("organ")
    if match.group("name") and name != match.group("name"):
        organ_name = organ_name[: organ_name.rindex(match.group("name"))] + (name or "")
    return organ_name.strip()


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_organ_mentions_start_where_a_lookup_among_all_found_puts_them(text):
    assert [m.start for m in organs.organ_mentions(text)] == plain_organ_starts(text)


def _same_nodes(found: list, expected: list) -> bool:
    """Text node lists equal node for node (lxml makes a new string object each time)."""
    return len(found) == len(expected) and all(
        a == b and a.is_tail == b.is_tail and a.getparent() is b.getparent()
        for a, b in zip(found, expected, strict=True))


def test_the_regions_text_nodes_are_those_under_a_body():
    """One walk keeping text nodes with a body above them finds what `//body//text()` found,
    on a page, the page served three times over and a page with a body nested in it."""
    from testweb.content import load_articles
    from testweb.families import FAMILIES

    family = FAMILIES["thanhhoa"]([a for a in load_articles() if a.family == "thanhhoa"])
    page = family.render_article(family.articles[0])
    title = headline.normalize_line(lxml_html.fromstring(page).findtext(".//h1") or "")
    shapes = (page, page * 3, page.replace("<body", "<body><div><body", 1),
              "<p>no body element</p>", "<html><body><script>x</script><style>y</style></body>")
    for shape in shapes:
        tree = extract.parse_html(shape)
        plain = tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]")
        assert _same_nodes(region.TEXT_NODES(tree), plain)
        plain_titles = tree.xpath("//body//text()[normalize-space(.) = $title]", title=title)
        assert _same_nodes(region.TITLE_NODES(tree, title=title), plain_titles)
    assert region.TITLE_NODES(extract.parse_html(page), title=title)  # the headline is found
    assert len(region.TEXT_NODES(extract.parse_html(page * 3))) > len(
        region.TEXT_NODES(extract.parse_html(page)))


def test_control_references_name_exactly_the_control_characters():
    """CONTROL_REFERENCES is CONTROL_CHARACTERS written as references: every code point below
    70,000, in decimal, hexadecimal, zero-padded and unterminated forms, is matched exactly
    when its character is one CONTROL_CHARACTERS removes (NUL aside: libxml2 reads "&#0;" as
    U+FFFD)."""
    for code in range(1, 70_000):
        removed = page_text.CONTROL_CHARACTERS.fullmatch(chr(code)) is not None
        for written in (f"&#{code};", f"&#x{code:x};", f"&#X{code:04X};", f"&#00{code};",
                        f"&#{code}"):
            assert (page_text.CONTROL_REFERENCES.fullmatch(written) is not None) == removed, written
