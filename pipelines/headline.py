"""The article's headline: where the page's own signals agree, not its first heading.

Portal themes put sidebar boxes titled with <h1> ("Tin tức nổi bật", "quy hoạch - kế hoạch")
before the article, and print the headline itself in a <div> of the article block; newspapers
put the section name in an <h1> above the headline. What every CMS of the field does agree on
is the document title and og:title: "Headline - Section - Site name" (or "Site | Headline").
So the headline is the page element whose whole text is the og:title or a run of the
document title's parts; the longest such text wins (the site name or section alone is
shorter than the headline beside it).

Some old portals print their own name as the <title> of every page, with no og:title. Where no
element agrees with the title, or the one that does prints the site's name (a one-part title
with no prose after it: the banner, the footer), the headline is the heading or title element
nearest before the article's first paragraph, which is where every theme prints it.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Container
from functools import lru_cache
from typing import NamedTuple

from lxml import etree

from pipelines import json_ld
from pipelines.boilerplate import ELLIPSES, is_boilerplate, normalize_line
from pipelines.dates import DATELINE_MAX_CHARACTERS, parse_dateline
from pipelines.div_paragraphs import has_paragraph_text
from pipelines.pruning import PROSE_CHARACTERS, article_holder
from pipelines.text_nodes import printing_element, text_nodes_equal_to
from pipelines.vietnamese import ODD_SPACE_CHARACTERS, is_headline

# What CMSes put between the headline, the section and the site name in <title>.
TITLE_SEPARATOR = re.compile(r"\s+[-|–—:»/]{1,2}\s+")
# Elements that can print a headline: headings first, then any block or inline element (the
# Liferay `div.asset-full-content-title`, a `p.title`, a `span` in a title box). Not a link,
# a menu or a list item: those are the section names and teasers that share words with the
# document title ("Lệ Thủy - Tin tức" and the menu's "Tin tức").
HEADLINE_TAGS = ("h1", "h2", "h3", "h4", "div", "p", "span", "strong", "td")
NOT_HEADLINE_ANCESTORS = ("a", "nav", "li")
HEADING_RANK = {"h1": 0, "h2": 1, "h3": 2}
TRUNCATED = re.compile(r"(?:\.\.\.|…)$")
# A CMS title has a headline, a section or two and the site (six parts at most on the real
# pages). One of more parts is not such a title: a page whose </title> is missing holds the
# rest of the page in it, and its runs of parts (quadratic in their number) took minutes.
MAX_TITLE_PARTS = 16
# Nor is a text of more characters a headline (176 at most on the real pages): a page whose
# </title> or </h1> is missing, or a keyword-stuffed meta tag, would make one of the whole
# page, the article's title, and every comparison with it cost seconds.
MAX_TITLE_CHARACTERS = 1000


def title_parts(title: str) -> tuple[list[str], list[str]]:
    """The title's parts and the separators between them; the whole title as its one part
    when it has more than MAX_TITLE_PARTS."""
    parts = TITLE_SEPARATOR.split(title)
    if len(parts) > MAX_TITLE_PARTS:
        return [title], []
    return parts, TITLE_SEPARATOR.findall(title)


def title_runs(title: str) -> list[str]:
    """The document title and every run of its parts from either end: "A - B - Site" gives
    "A", "A - B", "Site", "B - Site" and the whole. A headline with a dash of its own
    ("kinh tế - xã hội quý I") is one of the runs, so it is never cut inside."""
    parts, separators = title_parts(title)
    runs = {title}
    for count in range(1, len(parts)):
        head = parts[0] + "".join(s + p for s, p in zip(separators[: count - 1], parts[1:count],
                                                         strict=True))
        runs.add(head)
        tail_start = len(parts) - count
        tail = parts[tail_start] + "".join(
            s + p for s, p in zip(separators[tail_start:], parts[tail_start + 1:], strict=True))
        runs.add(tail)
    return [normalize_line(run) for run in runs if normalize_line(run)]


def document_title(tree) -> str:
    """The text of the page's <title>, found by libxml2: ElementPath's `.//title` made a
    Python object of every element of the page on its way."""
    found = tree.xpath("//title")
    text = (found[0].text or "") if found else ""
    return text if len(text) <= MAX_TITLE_CHARACTERS else ""


# One walk of the page for both (a union of two paths walked it twice), in document order.
SOCIAL_TITLES = etree.XPath('//meta[@property="og:title" or @name="twitter:title"]/@content',
                            smart_strings=False)


def _titles_of(values: list[str]) -> list[str]:
    titles = (normalize_line(_entities_decoded(value)) for value in values
              if len(value) <= MAX_TITLE_CHARACTERS)
    return [title for title in titles if title]


# A CMS may escape a title twice ('<meta name="title" content="5 &amp;quot;bóng hồng&amp;quot;
# ...">', a SharePoint paper in 2012): its value then still holds the entities the headline's
# element prints decoded.
ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")


def _entities_decoded(value: str) -> str:
    return html.unescape(value) if "&" in value and ENTITY.search(value) else value


def _whole(titles: list[str]) -> list[str]:
    """The titles but for those cut short with an ellipsis: a cut title agrees with the teaser
    links that are cut the same way, not with the headline."""
    return [title for title in titles if not TRUNCATED.search(title)]


def _all_document_titles(tree) -> list[str]:
    """og:title, twitter:title and <title>, normalized, those cut short included."""
    values = SOCIAL_TITLES(tree)
    values.append(document_title(tree))
    return _titles_of(values)


def _document_titles(tree) -> list[str]:
    """og:title, twitter:title and <title>, but for those cut short with an ellipsis."""
    return _whole(_all_document_titles(tree))


# The headline a page states for machines beside its <title>: in JSON-LD, in schema.org's
# microdata, in Dublin Core's meta and in a "title" meta some themes print. Where the <title>
# names only the site and no element is a heading, these tell the headline's element from the
# others. (One walk of the page's metas, one of its scripts: 0.1 ms a page, spent only where
# the document's own titles name no headline's element.)
STATED_TITLES = etree.XPath(
    '//meta[@itemprop="headline" or @name="title" or @name="DC.Title" or @name="DC.title"'
    ' or @name="dc.title"]/@content', smart_strings=False)


def stated_headlines(tree) -> list[str]:
    """The headlines the page states in JSON-LD and in <meta> (STATED_TITLES), in that order,
    normalized, those cut short included."""
    values = [value for script in json_ld.blocks(tree) for value in json_ld.headlines(script)]
    values.extend(STATED_TITLES(tree))
    return _titles_of(values)


# A title cut short, as some CMSs cut the <title> and its metas at a hundred characters ("Sở
# Giáo dục ... phân phối chương trình ..."): the headline's element prints it whole, opening
# with the cut title's words (of which there are CUT_TITLE_WORDS or more).
# XPath's normalize-space() folds only ASCII white space; the texts compared with these
# openings are normalized (pipelines.boilerplate.normalize_line), so a page's non-breaking and
# thin spaces ("phó&nbsp;giám đốc") are made plain spaces first.
TEXT_AS_NORMALIZED = (f"normalize-space(translate(., '{ODD_SPACE_CHARACTERS}', "
                      f"'{' ' * len(ODD_SPACE_CHARACTERS)}'))")
PRINTED_OPENING = etree.XPath(f"//text()[starts-with({TEXT_AS_NORMALIZED}, $start)]")
CUT_TITLE_WORDS = 4


def whole_of_cut_title(tree, titles: list[str]):
    """The element printing whole a title of `titles` that is cut short, with its text, or
    (None, None): the first that reads as a headline (no link, no sentence's end)."""
    for title in titles:
        start = TRUNCATED.sub("", title).rstrip()
        if not TRUNCATED.search(title) or len(WORD.findall(start)) < CUT_TITLE_WORDS:
            continue
        for node in PRINTED_OPENING(tree, start=start):
            element = printing_element(node)
            text = _text_within(element, MAX_TITLE_CHARACTERS) if element is not None else None
            if (text and len(text) > len(start) and text.startswith(start)
                    and _reads_as_headline(text, element)):
                return element, text
    return None, None


def headline_element(tree, titles: list[str] | None = None):
    """The element that prints the headline, with its text, or (None, None). `titles`: the
    page's _document_titles, when the caller has them."""
    runs: set[str] = set()
    for title in _document_titles(tree) if titles is None else titles:
        runs.update(title_runs(title))
    folded = {run.casefold() for run in runs}
    if not folded:
        return None, None
    longest = max(map(len, folded))
    # From the page's short text nodes that are part of a run up to the element whose whole
    # text is one (an <h1> around an <a>): a few hundred substring tests, where comparing
    # every element's text costs tens of milliseconds on a deep portal page.
    best, best_key = None, None
    for node in _nodes_in_runs(tree, "\n".join(folded), 4 * longest):
        element = printing_element(node)
        for _ in range(3):
            if element is None:
                break
            text = _text_within(element, longest)
            if text is None:
                break
            if (text.casefold() in folded and element.tag in HEADLINE_TAGS
                    and not any(a.tag in NOT_HEADLINE_ANCESTORS
                                for a in element.iterancestors())):
                # The longest agreeing text; among equals a heading, then the first.
                key = (len(text), -HEADING_RANK.get(element.tag, 3))
                if best_key is None or key > best_key:
                    best, best_key = (element, text), key
            element = element.getparent()
    return best or (None, None)


def _text_within(element, limit: int) -> str | None:
    """The element's text, normalized, or None when it is longer than `limit`. A long text
    is found too long from a prefix cut before a space (normalizing it cannot make the rest
    shorter): normalizing a whole article column to learn that cost a millisecond a page."""
    raw = element.text_content()
    cut = raw.find(" ", 2 * limit)
    if cut > 0 and len(normalize_line(raw[:cut])) > limit:
        return None
    text = normalize_line(raw)
    return text if len(text) <= limit else None


SHORT_TEXTS = etree.XPath("//text()[string-length(normalize-space()) > 1]"
                          "[string-length() < $limit]", smart_strings=False)


def _nodes_in_runs(tree, joined: str, limit: int) -> list:
    """The text nodes shorter than `limit` whose words are part of a title run (`joined`,
    the runs casefolded, one a line), in page order. The nodes' texts come as plain strings
    and their folds from a cache (a site's menus are the same on every page): lxml's node
    results, which make an element proxy per node, are asked for only for the few that
    match, by their texts."""
    texts = {text for text in SHORT_TEXTS(tree, limit=limit) if _folded(text) in joined}
    return text_nodes_equal_to(tree, texts)


@lru_cache(maxsize=16384)
def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _bare_title(title: str) -> str:
    """"Headline - Site" without the site: the first part, when it is the longest (a headline
    is longer than a site or section name); else the whole title."""
    parts = TITLE_SEPARATOR.split(title)
    first = normalize_line(parts[0])
    return first if len(parts) > 1 and len(first) >= max(map(len, parts)) else title


# Where no element agrees with the document title (an old portal's <title> may be its own
# name on every page, with no og:title): the heading, or the element the theme names a title
# ("asset-full-content-title", "tieude"), nearest before the article's first paragraph, within
# this many elements of it. Sidebar boxes before the article are titled too ("quy hoạch - kế
# hoạch", "LIÊN KẾT WEBSITE"): a headline opens with a capital or a digit and holds three words
# or more, and is no link (a listing's teasers are); the sapo printed as an <h2> under it ends a
# sentence, as a headline does not.
# Names are read in any case: a SharePoint theme prints the headline as "<P class="Title">".
LOWERED_CLASS = "translate(@class, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
LOWERED_ID = "translate(@id, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
TITLED_BEFORE = etree.XPath(
    "(preceding::*[position() <= $within] | self::*)[self::h1 or self::h2 or self::h3 or "
    f"contains({LOWERED_CLASS}, 'title') or contains({LOWERED_CLASS}, 'tieude') "
    f"or contains({LOWERED_ID}, 'title')]")
# With no heading or title-named element there (a theme whose names say nothing, under a
# <title> naming only the site): the elements printing a text of their own before the article,
# among which the headline is found just above the dateline (_printed_headline).
PRINTED_BEFORE = etree.XPath(
    "preceding::*[position() <= $within][text()[normalize-space()]][ancestor::body]"
    "[not(self::script or self::style or self::noscript or self::option)]")
DATELINE_DISTANCE = 12  # elements that print text between a headline and its dateline
HEADLINE_WITHIN = 80
HEADLINE_WORDS = 3
SAPO_ENDS = (".", "…", ":", ";")
LABEL_CHARACTERS = 80
SHORT_TEXTS_BEFORE = etree.XPath(
    f"preceding::text()[position() <= $within][string-length(normalize-space()) > 1]"
    f"[string-length(normalize-space()) <= {LABEL_CHARACTERS}]", smart_strings=False)
WORD = re.compile(r"[^\W\d_]{2,}")


def first_paragraph(tree):
    """The element printing the article's first paragraph: the first text of PROSE_CHARACTERS
    or more of the element holding most of the page's prose (a long headline may be that text
    itself; a script's call with the headline in its arguments is none); None when the page
    holds no prose."""
    holder = article_holder(tree)
    if holder is None:
        return None
    first = holder.xpath(".//text()[not(parent::script or parent::style)]"
                         f"[string-length(normalize-space()) >= {PROSE_CHARACTERS}]")
    return printing_element(first[0]) if first else None


def heading_before_article(tree) -> tuple[str | None, object, frozenset[str]]:
    """The headline printed just before the article's first paragraph and its element, with
    the short texts printed before it, casefolded: the section's label above the headline
    ("Hoạt động Đảng, Đoàn thể" after a "Home" link), not a line of the article. (None, None,
    no labels) when no such heading is there."""
    paragraph = first_paragraph(tree)
    if paragraph is None:
        return None, None, frozenset()
    for element in reversed(TITLED_BEFORE(paragraph, within=HEADLINE_WITHIN)):
        text = _text_within(element, MAX_TITLE_CHARACTERS)
        if _reads_as_headline(text, element):
            return text, element, labels_above(element)
    element = _printed_headline(paragraph)
    if element is not None:
        return _text_within(element, MAX_TITLE_CHARACTERS), element, labels_above(element)
    return None, None, frozenset()


def _printed_headline(paragraph):
    """With no heading or title-named element before the article: the element printing a
    headline's text just above the article's dateline, else the very next text under it (a
    photo's caption further down, between the dateline and the first paragraph, reads like a
    headline too); None where no dateline is printed before the article (a listing's teasers
    read like headlines as well)."""
    candidates, dateline = [], None
    # The paragraph itself first (position 0): a headline long enough to read as the first
    # paragraph, with the dateline printed above it.
    printed = [paragraph, *reversed(PRINTED_BEFORE(paragraph, within=HEADLINE_WITHIN))]
    for position, element in enumerate(printed):
        text = _text_within(element, MAX_TITLE_CHARACTERS)
        if (position and dateline is None and text and len(text) <= DATELINE_MAX_CHARACTERS
                and parse_dateline(text)):
            dateline = position
        elif _reads_as_headline(text, element) and is_headline(text):
            candidates.append((position, element))
    if dateline is None:
        return None
    above = [element for position, element in candidates
             if 0 < position - dateline <= DATELINE_DISTANCE]
    # Or the text printed right under the dateline, as older themes print the day first.
    below = [element for position, element in candidates if position == dateline - 1]
    return (above or below or [None])[0]


def _reads_as_headline(text: str | None, element) -> bool:
    return bool(text and (text[0].isupper() or text[0].isdigit()) and not is_boilerplate(text)
                and not text.endswith(SAPO_ENDS) and len(WORD.findall(text)) >= HEADLINE_WORDS
                and not _links_to_another(element)
                and not any(a.tag in NOT_HEADLINE_ANCESTORS for a in element.iterancestors()))


class LabelsAbove:
    """The labels printed above a headline (`labels_above`), read the first time a short line
    that ends no sentence is asked about: the text's first lines are mostly paragraphs no label
    could be, and reading what precedes the headline cost 0.2 ms a page."""

    def __init__(self, element) -> None:
        self._element = element
        self._labels: frozenset[str] | None = None

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, str) or len(line) > LABEL_CHARACTERS or line.endswith(SAPO_ENDS):
            return False
        if self._labels is None:
            self._labels = labels_above(self._element)
        return line in self._labels


def labels_above(element) -> frozenset[str]:
    """The short texts printed just before the headline, casefolded: the section's label and
    the breadcrumb above it ("Hoạt động Đảng, Đoàn thể"), which a page whose <title> does not
    name its section leaves on the text's first line. A label ends no sentence."""
    labels = (normalize_line(above).casefold()
              for above in SHORT_TEXTS_BEFORE(element, within=HEADLINE_WITHIN))
    return frozenset(label for label in labels if label and not label.endswith(SAPO_ENDS))


def _links_to_another(element) -> bool:
    """A title printed as a link: a listing's teaser ("<h3><a href=...>Headline</a></h3>"), not
    the page's own headline."""
    return bool(element.xpath("self::a or .//a"))


# Prose (no link's text) within HEADLINE_WITHIN elements after an element: where a headline is.
PROSE_AFTER = etree.XPath(
    "following::*[position() <= $within][not(ancestor-or-self::a)]"
    f"[text()[string-length(normalize-space()) >= {PROSE_CHARACTERS}]][1]")


# The site's banner: its logo or brand, or a page header holding no headline.
SITE_BANNER = etree.XPath(
    f"ancestor-or-self::*[contains({LOWERED_CLASS}, 'logo') or contains({LOWERED_CLASS}, "
    "'brand') or @role = 'banner'] | ancestor::header[not(.//h1)]")


def prints_the_site_name(element, titles: list[str]) -> bool:
    """Whether the element agreeing with the document `titles` prints the site's name rather
    than the headline: the title is one part (an old portal's name on every page: "Sở Thông tin
    và Truyền thông", "Báo Lào Cai điện tử") and the element is the site's logo or in its
    banner, or no prose follows it closely, as the article follows its headline (it is the
    page's banner, before the menus, or its footer)."""
    if any(len(title_parts(title)[0]) > 1 for title in titles):
        return False
    return bool(SITE_BANNER(element)) or not PROSE_AFTER(element, within=HEADLINE_WITHIN)


class Headline(NamedTuple):
    text: str | None
    element: object  # the element printing it, or None
    labels: frozenset[str] = frozenset()  # section labels found above it (casefolded)
    # The short texts printed above a headline that agrees with the document title: a label
    # among them is dropped only from the text's first lines (a page whose headline element
    # is printed after its content, a static page's, has its own lines above it).
    above: Container[str] = frozenset()


def page_title(tree) -> Headline:
    """The headline and the element printing it (None when no element agrees with the
    document title or a stated headline): the agreeing element (unless it prints the site's
    name), else og:title, the heading just before the article (with the section labels above
    it), the element printing whole a title cut short, the headline stated in JSON-LD or
    <meta>, the first <h1>, the document title without its site name, in that order. What the
    page states for machines is read only where its own titles name no headline's element."""
    if tree is None:
        return Headline(None, None)
    document = _all_document_titles(tree)
    titles = _whole(document)
    element, text = headline_element(tree, titles)
    stated: list[str] = []
    if element is None or prints_the_site_name(element, titles):
        stated = stated_headlines(tree)
        if _whole(stated):
            element, text = headline_element(tree, titles + _whole(stated))
    if element is not None:
        if prints_the_site_name(element, titles):
            nearer = Headline(*heading_before_article(tree))
            if nearer.element is not None:
                return nearer
        return Headline(text, element, above=LabelsAbove(element))
    og_title = [normalize_line(value) for value in
                tree.xpath('//meta[@property="og:title"]/@content')]
    if (og_title and og_title[0] and not TRUNCATED.search(og_title[0])
            and len(og_title[0]) <= MAX_TITLE_CHARACTERS):
        return Headline(_bare_title(og_title[0]), None)
    text, element, labels = heading_before_article(tree)
    if element is not None:
        return Headline(text, element, labels)
    element, text = whole_of_cut_title(tree, document + stated)
    if element is not None:
        return Headline(text, element)
    stated = _whole(stated)
    if stated:  # printed by no element: an editor may have changed the headline since
        return Headline(stated[0], None)
    first_h1 = next(iter(tree.iter("h1")), None)
    h1_text = normalize_line(first_h1.text_content()) if first_h1 is not None else ""
    if h1_text and len(h1_text) <= MAX_TITLE_CHARACTERS:
        return Headline(h1_text, first_h1)
    title = normalize_line(document_title(tree))
    return Headline(_bare_title(title), None) if title else Headline(None, None)


def section_names(tree, headline: str | None) -> set[str]:
    """The parts of the document title that are not the headline: the section and the site
    ("Headline - Hoạt động Đảng, Đoàn thể - Sở ..."). A line of text that is only one of
    them is the page's section header or breadcrumb, not the article."""
    names = set()
    for title in _document_titles(tree):
        parts, separators = title_parts(title)
        for first in range(len(parts)):  # every run of parts: a section name may hold a dash
            run = parts[first]
            names.add(run)
            for separator, part in zip(separators[first:], parts[first + 1:], strict=False):
                run += separator + part
                names.add(run)
    headline_key = (headline or "").casefold()
    return {normalize_line(name).casefold() for name in names
            if normalize_line(name) and normalize_line(name).casefold() != headline_key}


# Class words of the element printing the sapo (the lead under the headline).
LEAD_WORDS = {"sapo", "lead", "summary", "chapeau", "excerpt", "tomtat", "tintomtat", "desc",
              "description", "intro", "standfirst", "brief"}
LEAD_CHARACTERS = (40, 1000)  # shorter is a byline or a label, longer is the body
LEAD_WORD_SPLIT = re.compile(r"[-_\s]+")
ANY_LEAD_WORD = re.compile("|".join(sorted(LEAD_WORDS)))


def printed_lead(tree, description: str | None, heading=None) -> str | None:
    """The sapo as the page prints it: the element whose class names it a lead ("sapo",
    "article__sapo", "summary", "brief-detail"), else the meta description when an element
    (or, on a page with no <p>, a bare run of text) prints it, else an `<h2>` just under the
    `heading` (the headline's element) that ends a sentence, as a headline does not. Themes
    print it apart from the body, where trafilatura often leaves it out. (schema.org's
    `itemprop="description"` is not read: themes put it on a photo's caption too.)"""
    named = None  # the element named a lead, or the one named so inside it
    for element in tree.xpath("//*[@class]"):
        if not ANY_LEAD_WORD.search(element.get("class").lower()):  # the quick test first
            continue
        words = set(LEAD_WORD_SPLIT.split(element.get("class").lower()))
        if not words & LEAD_WORDS or any(a.tag in NOT_HEADLINE_ANCESTORS
                                         for a in element.iterancestors()):
            continue
        if named is not None and named[0] not in element.iterancestors():
            break
        text = normalize_line(element.text_content())
        # One paragraph at most: Drupal names its whole body field "text-with-summary".
        if (LEAD_CHARACTERS[0] <= len(text) <= LEAD_CHARACTERS[1]
                and len(element.xpath(".//p")) <= 1):
            named = (element, text)  # a "summary" box may hold the byline and the "desc"
    if named is not None:
        return named[1]
    if description and len(description) >= LEAD_CHARACTERS[0]:
        start = description[:60]
        for element in tree.xpath("//p | //div | //h2 | //strong"):
            text = normalize_line(element.text_content())
            at = text.find(start, 0, STAMP_CHARACTERS + len(start))
            whole = at >= 0 and description.endswith(ELLIPSES) and _whole_sapo(element,
                                                                                description)
            if whole:
                return whole
            if at == 0:
                return description
            if at > 0:  # after a place stamp ("TP HCM"): as printed, without a site's suffix
                return _printed_part(description, text[at:])
        if not has_paragraph_text(tree):
            for printed in TEXT_OPENING_WITH(tree, start=start):
                return _printed_part(description, normalize_line(printed))
    return _lead_under(heading) if heading is not None else None


def _whole_sapo(element, description: str) -> str | None:
    """The sapo as printed whole where the description cuts it short ("... đây là điều có thể
    ..."): the shortest element in `element` that opens with the description's words and
    stands apart from the paragraphs (a description may cut the body's first paragraph)."""
    stem = description.rstrip(" .…")
    texts = (normalize_line(inner.text_content()) for inner in element.iter()
             if isinstance(inner.tag, str) and next(inner.itersiblings("p"), None) is None)
    return min((text for text in texts if text.startswith(stem)
                and len(text) <= LEAD_CHARACTERS[1]), key=len, default=None)


# The description printed as a bare run of text, in no element of its own: a page that
# breaks its paragraphs with <br> alone prints its sapo as the headline's tail. (Searched only
# on such a page, with no <p> text: 0.2-0.6 ms a page.)
TEXT_OPENING_WITH = etree.XPath(f"//text()[starts-with({TEXT_AS_NORMALIZED}, $start)]",
                                smart_strings=False)


# The sapo printed as a heading under the headline ("<h1>...</h1><h2 class="font18 bold">Sau
# 8 tháng khởi công, ...</h2>", an <h3> under the dateline) or as a paragraph all in bold
# apart from the body's paragraphs ("<p><strong>Chiều 6/4, ...</strong></p>" beside a photo),
# within this many elements of it (the dateline, the byline and a share bar between them),
# before the body's first paragraph.
LEAD_UNDER = etree.XPath("following::*[position() <= 12][self::h2 or self::h3 or self::p]")
# Links ending a sapo: pointers to other stories ("... 17/2/2013.<br><a>>> Công chức ...</a>").
CLOSING_LINKS = etree.XPath(".//a[not(following::text()[normalize-space()])]")


def _lead_under(heading) -> str | None:
    for element in LEAD_UNDER(heading):
        if element.tag == "p":
            text = normalize_line(element.text_content())
            if (LEAD_CHARACTERS[0] <= len(text) <= LEAD_CHARACTERS[1]
                    and text.endswith(SAPO_ENDS) and _all_bold(element)
                    and next(element.itersiblings("p"), None) is None):
                # The sapo printed bold apart from the body's paragraphs (a first paragraph
                # in bold among them is the body's: hand labels of a Liferay portal's pages).
                return text
            if len(text) >= PROSE_CHARACTERS:
                return None  # the body has begun
            continue
        text = text_without_closing_links(element)
        if (LEAD_CHARACTERS[0] <= len(text) <= LEAD_CHARACTERS[1]
                and text.endswith(SAPO_ENDS)):
            return text
    return None


BOLD_TAGS = ("b", "strong")
PRINTED_TEXTS = etree.XPath(".//text()[normalize-space()]")


def _all_bold(paragraph) -> bool:
    """Whether every text the paragraph prints is inside a <b> or <strong> of its own."""
    for text in PRINTED_TEXTS(paragraph):
        owner = printing_element(text)
        while owner is not paragraph and owner.tag not in BOLD_TAGS:
            owner = owner.getparent()
        if owner is paragraph:
            return False
    return True


def text_without_closing_links(element) -> str:
    """The element's text without the links that end it, pointers to other stories (read on a
    copy: the page is not changed)."""
    if next(element.iter("a"), None) is None:
        return normalize_line(element.text_content())
    copied = copy.deepcopy(element)
    copied.tail = None
    for link in CLOSING_LINKS(copied):
        link.drop_tree()
    return normalize_line(copied.text_content())


# A sapo may open with a place stamp before the words the description repeats ("TP HCM").
STAMP_CHARACTERS = 40


def _printed_part(description: str, printed: str) -> str:
    """The description as far as the page prints it: a meta description may end with the
    site's name (" - VnExpress") that the sapo does not print."""
    same = next((i for i, (a, b) in enumerate(zip(description, printed, strict=False))
                 if a != b), min(len(description), len(printed)))
    return description[:same].rstrip(" -–|") if same >= 0.8 * len(description) else description
