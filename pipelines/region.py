"""The article region of a site never seen: learned from its first pages, then reused as a
hand-written `article_selector` is.

trafilatura reads a whole portal page (menus, tickers, link lists: most of its 50-70 KB) to
find an article of a few kilobytes. Pages of one template keep their article in the same
element, so the crawl learns that element: on each of its first pages a worker finds where
the extracted text sits (`locate_region`: the smallest element holding nearly all of it,
widened to the article's own title, lead and byline) and names it by a CSS selector; once
AGREEING_PAGES pages name the same selector, the rest of the crawl reads only that element.

It is checked on every page (`extract_with_region`): where the element is missing, or the
text read from it is much shorter than the site's articles were, the whole page is read
instead, and MISSES_TO_FORGET such pages in a row make the crawl forget the region and learn
again (a redesign). A profile's own `article_selector` always wins and is never learned over.

Pure: the per-site state (`SiteRegion`, pipelines/site_region.py, which the crawl process
imports without this module's extraction stack) lives in the crawl process; the workers get a
`RegionRequest` and send back a `RegionReport`, both small and picklable.
"""

from __future__ import annotations

import re
from collections import Counter

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from pipelines.extract import Extracted, extract_article, parse_html
from pipelines.site_region import RegionReport, RegionRequest

# The share of the extracted text the region must hold (a duplicate of one line in a sidebar
# must not widen it to the whole page).
TEXT_SHARE = 0.9
# Widening to the parent is worth it while at least this share of what the parent adds is
# article text (the title, lead and byline around the body; not a related-news box).
WIDEN_SHARE = 0.34
# The region takes in the headline's block when that adds at most this share of its text.
HEADLINE_SPAN = 0.5
HEADLINE_LEVELS = 2
# A page whose region text is shorter than this share of the site's median article is read
# whole as well, to be sure the region did not miss it.
SHORT_SHARE = 0.5
# Text nodes shorter than this say too little to place the text ("Trang chủ", a date).
MIN_NODE = 12

# Ids and classes with long digit runs change from page to page (post-12345, node_778).
VOLATILE_NAME = re.compile(r"\d{3,}")


# Finding the element ------------------------------------------------------------------------
def _normalize(text: str) -> str:
    return " ".join(text.split())


def _in_text(node: str, text: str) -> bool:
    """Whether a text node of the page is part of the extracted text (a long node may have
    lost a prefix or an end marker to cleaning: its middle is enough)."""
    if node in text:
        return True
    middle = len(node) // 2
    return len(node) >= 60 and node[middle - 20 : middle + 20] in text


def _shown_in(node):
    """The element a text node is shown in: its parent's for a tail (lxml gives the element
    the tail follows)."""
    owner = node.getparent()
    return owner.getparent() if owner is not None and node.is_tail else owner


# The page's text nodes, and those that are the headline, under <body>: one walk from the
# root that keeps nodes with a body above them. `//body//text()` walked from each <body> and
# merged the node sets, quadratic in libxml2 when bodies nest (a page served again inside
# itself: 6.8 s for 20 copies of a real article, 0.14 s this way); the nodes are the same.
TEXT_NODES = etree.XPath("//text()[ancestor::body and not(ancestor::script) "
                         "and not(ancestor::style)]")
TITLE_NODES = etree.XPath("//text()[ancestor::body and normalize-space(.) = $title]")


def _weights(tree, text: str) -> tuple[dict, dict]:
    """Per element: characters of its own text nodes found in the extracted text, and all
    characters of its own text nodes (a tail counts for the element it is shown in)."""
    matched: dict = {}
    total: dict = {}
    # One walk over libxml2's text nodes (no per-element text_content): fast on big pages.
    for node in TEXT_NODES(tree):
        content = _normalize(str(node))
        owner = _shown_in(node)
        if not content or owner is None:
            continue
        total[owner] = total.get(owner, 0) + len(content)
        if len(content) >= MIN_NODE and _in_text(content, text):
            matched[owner] = matched.get(owner, 0) + len(content)
    return matched, total


def _subtree_sums(weights: dict) -> Counter:
    sums: Counter = Counter()
    for element, weight in weights.items():
        sums[element] += weight
        for ancestor in element.iterancestors():
            sums[ancestor] += weight
    return sums


def _with_headline(tree, element, title: str | None, everything: Counter):
    """The element widened to the article's own headline, when the headline sits just above
    the text, in the same block (HEADLINE_LEVELS up at most; not a page or column header)."""
    if not title:
        return element
    above = [element, *element.iterancestors()][1 : HEADLINE_LEVELS + 1]
    # The headline as a text node of its own (an h1, or a CMS's title div), found by libxml2.
    for node in TITLE_NODES(tree, title=title):
        heading = _shown_in(node)
        if heading is None or heading in above:
            continue
        ancestors = set(heading.iterancestors())
        common = next((e for e in above if e in ancestors), None)
        if (common is not None and common.tag not in ("body", "html")
                and _precedes(heading, element, common)
                and everything[common] - everything[element]
                <= HEADLINE_SPAN * everything[element]):
            return common
    return element


def _precedes(first, second, within) -> bool:
    """Whether `first` comes before `second` in the document (both inside `within`)."""
    for element in within.iter():
        if element is first or element is second:
            return element is first
    return False


def _region_element(tree, text: str, title: str | None):
    """The smallest element holding TEXT_SHARE of the extracted text, widened to its headline
    and while its parent adds mostly article text; None when the text cannot be placed."""
    matched, total = _weights(tree, text)
    found = sum(matched.values())
    if not found or found < 0.5 * len(text.replace("\n", " ")):
        return None
    inside, everything = _subtree_sums(matched), _subtree_sums(total)
    enough = [element for element, weight in inside.items() if weight >= TEXT_SHARE * found]
    if not enough:  # the text is spread over elements no one of which holds its share
        return None
    element = max(enough, key=lambda e: sum(1 for _ in e.iterancestors()))
    element = _with_headline(tree, element, title, everything)
    while (parent := element.getparent()) is not None and parent.tag not in ("body", "html"):
        added = everything[parent] - everything[element]
        gained = inside[parent] - inside[element]
        if added and (not gained or gained < WIDEN_SHARE * added):
            break  # a wrapper that adds nothing is taken: pages with and without a lead agree
        element = parent
    return element


def _step(element) -> str:
    """The element as one CSS step: tag, stable id, else stable classes."""
    ident = element.get("id", "")
    if ident and not VOLATILE_NAME.search(ident) and re.fullmatch(r"[A-Za-z][\w-]*", ident):
        return f"{element.tag}#{ident}"
    classes = [name for name in element.get("class", "").split()
               if re.fullmatch(r"[A-Za-z_][\w-]*", name) and not VOLATILE_NAME.search(name)]
    return element.tag + "".join(f".{name}" for name in classes)


def css_path(tree, element) -> str | None:
    """A selector whose first match on the page is `element`: its own step if that is
    enough, else the steps from its nearest ancestor with an id (or from body). None, too,
    when a tag is no CSS name: libxml2 keeps what a broken page calls a tag ("d<v")."""
    steps = []
    for current in (element, *element.iterancestors()):
        if current.tag in ("body", "html") or not isinstance(current.tag, str):
            break
        steps.insert(0, _step(current))
        selector = " > ".join(steps)
        try:
            matches = CSSSelector(selector)(tree)
        except SelectorError:
            return None
        if matches and matches[0] is element:
            return selector
        if "#" in steps[0]:
            break
    return None


def locate_region(html: str, text: str, title: str | None = None) -> str | None:
    """The CSS selector of the element where `text` (the article extracted from the page
    `html`) sits, or None when it sits in no single element."""
    tree = parse_html(html)
    if tree is None or not text:
        return None
    element = _region_element(tree, _normalize(text), title and _normalize(title))
    return css_path(tree, element) if element is not None else None


# Extracting with it -------------------------------------------------------------------------
def _selector_missed(extracted: Extracted, selector: str) -> bool:
    """Whether the extractor warned that the selector matched nothing (the only warning
    that names it) and read the whole page instead."""
    return any(repr(selector) in warning for warning in extracted.warnings)


def extract_with_region(body: bytes, url: str, declared_encoding: str | None,
                        request: RegionRequest) -> tuple[Extracted, RegionReport]:
    """The page extracted as `request` asks, and what was learned of its region."""
    extracted = extract_article(body, url=url, declared_encoding=declared_encoding,
                                article_selector=request.selector)
    missed = False
    if request.learned:
        extracted, missed = _checked(extracted, body, url, declared_encoding, request)
        if not missed:
            return extracted, RegionReport(None, len(extracted.text), in_learned_region=True)
    candidate = None
    if request.locate and extracted.text and not extracted.rejected:
        candidate = locate_region(extracted.html, extracted.text, extracted.title)
    return extracted, RegionReport(candidate, len(extracted.text), missed=missed)


def _checked(extracted: Extracted, body: bytes, url: str, declared_encoding: str | None,
             request: RegionRequest) -> tuple[Extracted, bool]:
    """The page as read from the learned region, or read whole when the region missed it;
    and whether it missed."""
    if _selector_missed(extracted, request.selector):
        # The extractor read the whole page already; its warning is for a profile's selector.
        extracted.warnings = [w for w in extracted.warnings if repr(request.selector) not in w]
        return extracted, True
    if extracted.fell_back:  # the region held too little of what plain trafilatura finds
        return extract_article(body, url=url, declared_encoding=declared_encoding), True
    if len(extracted.text) >= SHORT_SHARE * request.expected_length or extracted.rejected:
        return extracted, False
    whole = extract_article(body, url=url, declared_encoding=declared_encoding)
    if len(whole.text) > 1.5 * len(extracted.text) + 100:  # the region held only part of it
        return whole, True
    return extracted, False
