"""Remove side blocks and navigation from a page's tree before trafilatura reads it, on the
class and id TOKENS of an element and on what it is, never on the frame of the page.

Why tokens: WordPress and Drupal themes put layout words on <body> and on the article's own
containers (`class="page one-sidebar sidebar-second"`, `l-sidebar-fixed l-article-body`,
VnExpress's `div.sidebar-1` around `article.fck_detail`); a substring test on the whole
attribute removed the page's body and left trafilatura the menus. Why the frame is kept:
whatever its names, <html>, <body>, <main>, <article> and every ancestor of the element that
holds the article's paragraphs are never removed, so a layout word can cost a side block at
most, never the article.
"""

from __future__ import annotations

import re
from itertools import islice

from lxml import etree

from pipelines.boilerplate import (
    COMMENTS_HEADING,
    RELATED_HEADING,
    is_boilerplate,
    normalize_line,
)
from pipelines.text_nodes import LINKS_WITH_TEXT, detached, printing_element

# Words of a class or id token that name a block beside the article: side columns, related
# and "other news" boxes, share and social buttons, comment threads, tag lists, print bars.
# Matched as the start of a word of a token ("sidebar-2", "relatedPosts", "comments").
SIDE_WORDS = ("sidebar", "related", "share", "social", "comment", "tinlienquan", "tinkhac",
              "breadcrumb", "navbar", "navigation", "megamenu")
# Whole words: "tags" but not "tagline", "menu" but not "menuitem-article", "nav" alone.
# Not "footer" or "banner": themes name the article's own byline and title boxes so.
SIDE_EXACT = ("tags", "menu", "nav", "widget", "cookie", "advert", "ads")
# Multi-word names matched inside one token ("box-tin-lien-quan", "btn-google-news").
SIDE_PHRASES = ("video-box", "box-video", "tin-lien-quan", "other-news", "google-news",
                "print-bar", "tin-khac", "main-menu", "mega-menu")
# What a web archive inserts in a page it replays: the Wayback Machine's toolbar and donation
# banner, pywb's banner. A page saved from a replay keeps them ("Wayback Machine", "15
# captures", "COLLECTED BY Organization: Internet Archive" read as the article's first lines).
WEB_ARCHIVE_IDS = ("wm-ipp-base", "wm-ipp", "wm-ipp-print", "donato", "_wb_plain_banner",
                   "_wb_frame_top_banner")
# Tags that are the page's frame or its article, never removed whatever their names.
FRAME_TAGS = {"html", "body", "main", "article", "head"}
# Navigation by what it is: a list or box of ten links or more whose text is nearly all
# link text is a menu or a link list, whatever it is called.
MENU_LINKS = 10
MENU_LINK_SHARE = 0.8
# A run of prose: the article's paragraphs are text nodes of this length or more.
PROSE_CHARACTERS = 40
WORD_SPLIT = re.compile(r"[-_\s]+")
# A box of links to other stories inside the article, under a heading ("Tin liên quan", "Xem
# thêm"), whatever its names: the article's short texts are read for the heading (the whole
# page's were 2.5 ms of XPath), and the smallest block around it holding links is the box when
# its text past the heading is nearly all link text.
RELATED_BOX_HEADING_CHARACTERS = 40
POINTER_HEADINGS = {"xem thêm", "đọc thêm"}
ARTICLE_SHORT_TEXTS = etree.XPath(
    f".//text()[string-length(normalize-space()) <= {RELATED_BOX_HEADING_CHARACTERS}]")
INLINE_TAGS = {"p", "span", "font", "b", "strong", "i", "em", "u", "a"}
PHRASING_TAGS = INLINE_TAGS - {"p"} | {"label"}  # what a line of text climbs through
# What styles a paragraph's text without making it another thing (a link is a teaser's
# headline, a label a form's field).
STYLING_TAGS = PHRASING_TAGS - {"a", "label"}
# A table cell with more text than this holds paragraphs of a page, not a figure.
LAYOUT_CELL_CHARACTERS = 300


def side_block_reason(element) -> str | None:
    """The rule by which an element is a side block, from its tag, role and name tokens."""
    if element.tag == "nav" or element.get("role") == "navigation":
        return "navigation element"
    if element.get("id") in WEB_ARCHIVE_IDS:
        return "a web archive's toolbar"
    for attribute in ("class", "id"):
        for token in (element.get(attribute) or "").lower().split():
            reason = _token_reason(token)
            if reason:
                return f"{attribute} token {token!r} ({reason})"
    return None


def _token_reason(token: str) -> str | None:
    phrase = next((p for p in SIDE_PHRASES if p in token), None)
    if phrase:
        return phrase
    for word in WORD_SPLIT.split(token):
        if word in SIDE_EXACT:
            return word
        start = next((w for w in SIDE_WORDS if word.startswith(w)), None)
        if start:
            return start
    return None


# Any of the names anywhere in a class or id: a quick test before the token rules (a regular
# expression on the attribute is ten times faster than splitting every element's tokens).
ANY_NAME = re.compile("|".join((*SIDE_WORDS, *SIDE_EXACT, *SIDE_PHRASES, *WEB_ARCHIVE_IDS)))


def article_holder(tree):
    """The element holding most of the page's prose (the parent of the most paragraph text),
    or None: found before pruning so that no rule can remove it or its ancestors."""
    totals: dict = {}
    for text in tree.xpath(f"//text()[string-length(normalize-space()) >= {PROSE_CHARACTERS}]"):
        owner = printing_element(text)
        if owner is None or owner.tag in ("script", "style"):
            continue
        owner = _block_of(owner, STYLING_TAGS)  # "<div><span>...</span></div>": the div
        container = owner.getparent() if owner.getparent() is not None else owner
        # The text as printed: a footer's text nodes indented by hundreds of spaces each (a
        # SharePoint portal's) outweighed the article by their white space.
        totals[container] = totals.get(container, 0) + len(" ".join(text.split()))
    return max(totals, key=totals.get) if totals else None


def _is_menu(element) -> bool:
    links = element.xpath(".//a")
    if len(links) < MENU_LINKS:
        return False
    text = len(" ".join(element.text_content().split()))
    linked = sum(len(" ".join(a.text_content().split())) for a in links)
    return text > 0 and linked / text >= MENU_LINK_SHARE


def prune_side_blocks(tree) -> list[str]:
    """Remove side blocks and menus from the tree; what was removed and why, for --explain."""
    holder = article_holder(tree)
    protected = set() if holder is None else {holder, *holder.iterancestors()}
    removed = []
    root = tree.getroottree().getroot()
    for element in tree.xpath("//*[@class or @id or @role] | //nav"):
        if element.tag != "nav" and element.get("role") != "navigation" and not ANY_NAME.search(
                f"{element.get('class', '')} {element.get('id', '')}".lower()):
            continue
        if (element.tag in FRAME_TAGS or element in protected or detached(element, root)
                or _in_a_sentence(element)):
            continue
        reason = side_block_reason(element)
        if reason:
            removed.append(_describe(element, reason))
            element.drop_tree()
    if holder is not None:
        # The article's short texts, read once for the related headings and the comments'.
        short_texts = ARTICLE_SHORT_TEXTS(_block_of(holder))
        for box in related_boxes(short_texts, protected):
            if not detached(box, root):
                removed.append(_describe(box, "links to other stories under a related heading"))
                box.drop_tree()
        for section in comment_sections(short_texts, protected):
            if not detached(section, root):
                removed.append(_describe(section, "readers' comments under their heading"))
                section.drop_tree()
    for element in tree.xpath(f"//ul[count(.//a) >= {MENU_LINKS}] | "
                              f"//ol[count(.//a) >= {MENU_LINKS}] | "
                              f"//div[count(.//a) >= {MENU_LINKS}]"):
        if element in protected or detached(element, root) or not _is_menu(element):
            continue
        removed.append(_describe(element, "a menu: nearly all its text is links"))
        element.drop_tree()
    for element in list(tree.iter("ul", "ol")):
        if element in protected or detached(element, root) or not _lists_headlines(element):
            continue
        removed.append(_describe(element, "a list of other stories' headlines"))
        element.drop_tree()
    for bar in link_bars(tree, protected):  # the menus gone: fewer links to look at
        if not detached(bar, root):
            removed.append(_describe(bar, "a bar of short links"))
            bar.drop_tree()
    for card in teaser_cards(holder, protected) if holder is not None else ():
        if not detached(card, root):
            removed.append(_describe(card, "another story's teaser: its photo and headline"))
            card.drop_tree()
    return removed


# The words a sentence goes on with after a link or a span inside it.
SENTENCE_TAIL_CHARACTERS = 20


def _in_a_sentence(element) -> bool:
    """A link or span that a sentence goes on after, whatever its name: a document cited in a
    paragraph is printed as a widget's link ("<p><a class="___widget_file_in_article">Thông tư
    số 131/2026/TT-BTC</a> quy định chi tiết ...</p>")."""
    return (element.tag in PHRASING_TAGS
            and len((element.tail or "").strip()) >= SENTENCE_TAIL_CHARACTERS)


# A headline has a few words at least; a menu's item one or two.
HEADLINE_WORDS = 4


def _lists_headlines(element) -> bool:
    """A list of two items or more, each item a link of a headline's few words and nothing
    that is not linked: other stories, printed under the body with no heading (a box named
    nothing we know), which trafilatura keeps as the text's last lines."""
    if len(element) < 2:
        return False
    # A menu's first item, a word or two, ends the test; a long list is judged by its first
    # items (a page of the test web prints lists of hundreds of headlines).
    for item in islice(element, MENU_LINKS):
        if not isinstance(item.tag, str):
            continue  # a comment between the items
        if item.tag != "li":
            return False
        printed = len(item.text_content().split())
        if printed < HEADLINE_WORDS:
            return False
        linked = [len(link.text_content().split()) for link in item.iter("a")]
        # All it prints is linked: the headline, and maybe a comment counter's link.
        if not linked or sum(linked) != printed or max(linked) < HEADLINE_WORDS:
            return False
    return True


def related_boxes(short_texts: list, protected: set) -> list:
    """The boxes of links to other stories printed inside the article (`short_texts`: the
    ARTICLE_SHORT_TEXTS of its element): a related heading, and the smallest block around it
    that holds links, if its text past the heading is nearly all theirs. A heading among the
    article's own paragraphs is left to the text's cleaning (pipelines/boilerplate.py)."""
    boxes = []
    for node in short_texts:
        heading = normalize_line(str(node))
        if not (RELATED_HEADING.match(heading)
                or heading.casefold().rstrip(" :") in POINTER_HEADINGS):
            continue
        owner = printing_element(node)
        for element in (owner, *owner.iterancestors()) if owner is not None else ():
            if element in protected or element.tag in FRAME_TAGS:
                break
            links = LINKS_WITH_TEXT(element)
            if links:
                if _nearly_all_linked(element, links, len(heading)):
                    boxes.append(element)
                break
    return boxes


def comment_sections(short_texts: list, protected: set) -> list:
    """The readers' comments printed in the article's element (`short_texts`: its
    ARTICLE_SHORT_TEXTS), or the form to write one, whatever their names: the block around a
    line that is only their heading ("Ý kiến bạn đọc (5)", "Bình luận"), unless that block is
    the article's own (the text's cleaning then ends the text at the heading). A paragraph
    opening with such words is no heading."""
    sections = []
    for node in short_texts:
        heading = normalize_line(str(node))
        owner = printing_element(node) if COMMENTS_HEADING.match(heading) else None
        if owner is None:
            continue
        line = _block_of(owner, PHRASING_TAGS)
        section = line.getparent()
        if (section is not None and section not in protected and section.tag not in FRAME_TAGS
                and normalize_line(line.text_content()) == heading):
            sections.append(section)
    return sections


# A bar of short links (share, print, rate: "Facebook Zalo", "Hay Không hay"), nothing printed
# in it but the links, separators and a line of boilerplate (the rating's question): never the
# article's text.
# trafilatura reads a block that ends the article's element and ends with such a bar as
# navigation, and drops it whole, with the paragraph above the bar.
BAR_LINK_WORDS = 3
BAR_SEPARATORS = re.compile(r"[\s|/•·,-]*")


def link_bars(tree, protected: set) -> list:
    """The elements of the page that print two links or more, each of BAR_LINK_WORDS words at
    most, and nothing else but separators and boilerplate."""
    parents = dict.fromkeys(link.getparent() for link in tree.iter("a"))
    return [parent for parent in parents
            if parent is not None and parent not in protected and _is_link_bar(parent)]


def _is_link_bar(element) -> bool:
    links = 0
    outside = [element.text or ""]
    for child in element:
        text = child.text_content() if isinstance(child.tag, str) else ""
        if child.tag == "a" and text.strip():
            if len(text.split()) > BAR_LINK_WORDS:
                return False
            links += 1
        elif text.strip() and not is_boilerplate(normalize_line(text)):
            return False
        outside.append(child.tail or "")
    return links >= 2 and BAR_SEPARATORS.fullmatch("".join(outside)) is not None


# Another story's teaser card, whatever its names: its photo and its headline, two links to
# the same page, in a block that prints little else (a summary). A theme prints one inside
# the article's element, under the body ("inner-article"), where trafilatura keeps it.
PHOTO_LINKS = etree.XPath(".//a[@href][.//img]")
CARD_HEADLINE_WORDS = 4
CARDS_IN_AN_ARTICLE = 2  # more: the page lists stories (a section's page), left to be read so
CARD_CHARACTERS = 500
FILE_LINK = re.compile(r"\.(?:jpe?g|png|gif|webp|bmp|svg|pdf|docx?|xlsx?)$", re.I)


def teaser_cards(holder, protected: set) -> list:
    """In the block of the article's element (`holder`), the smallest blocks around a photo's
    link that also hold a headline's link (four words or more) to the same page, print
    CARD_CHARACTERS at most, and are not the article's own element or head (an <h1>: a theme
    may link the headline and the photo to the page itself); none where there are more than
    CARDS_IN_AN_ARTICLE. A link to an image or a file (a photo opened full size) is no
    story's."""
    cards = []
    for photo in PHOTO_LINKS(_block_of(holder)):
        target = _link_target(photo)
        if not target or target.startswith(("javascript:", "mailto:")) or FILE_LINK.search(
                target):
            continue
        for block in photo.iterancestors():
            if block in protected or block.tag in FRAME_TAGS:
                break
            if (len(_opening_words(block, CARD_CHARACTERS)) >= CARD_CHARACTERS
                    or next(block.iter("h1"), None) is not None):
                break  # a column of the page, or the article's own head
            if any(link is not photo and _link_target(link) == target
                   and len(link.text_content().split()) >= CARD_HEADLINE_WORDS
                   for link in block.iter("a")):
                cards.append(block)
                break
    return cards if len(cards) <= CARDS_IN_AN_ARTICLE else []


def _link_target(link) -> str:
    """The page a link opens, without its fragment ("#inner-article")."""
    return (link.get("href") or "").split("#")[0].strip()


def _block_of(element, inline: set[str] = INLINE_TAGS):
    """The block an element of text lies in: a page whose paragraphs nest their text in
    spans and fonts has its prose's holder inside one paragraph, not around them all. With
    `inline` PHRASING_TAGS, the line's own block (a <p> is one)."""
    while element.tag in inline and element.getparent() is not None:
        element = element.getparent()
    return element


def _nearly_all_linked(element, links, heading: int) -> bool:
    text = len(" ".join(element.text_content().split())) - heading
    linked = sum(len(" ".join(link.text_content().split())) for link in links)
    return text > 0 and linked / text >= MENU_LINK_SHARE


def _describe(element, reason: str) -> str:
    name = element.tag + "".join(f".{c}" for c in (element.get("class") or "").split()[:3])
    return f"{name}: {reason}: {_opening_words(element, 60)!r}"


def _opening_words(element, characters: int) -> str:
    """The first `characters` of the element's text, its spaces normalized, read only as far
    as they reach: a removed side column's whole text, normalized for its first words, cost
    a quarter of a millisecond a page. Normalizing a prefix gives a prefix of the normalized
    whole, so once it is long enough the words are the same."""
    text = ""
    for piece in element.itertext():
        text += piece
        if len(text) > characters and len(" ".join(text.split())) > characters:
            break
    return " ".join(text.split())[:characters]


def _is_layout_table(table) -> bool:
    """A table that lays out a page or a photo rather than holding figures: one column, or a
    cell holding a heading, another table or a long run of prose."""
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    cells = [row.xpath("./td | ./th") for row in rows]
    if all(len(row) <= 1 for row in cells):
        return True
    return any(cell.xpath(".//table | .//h1 | .//h2 | .//h3")
               or len(" ".join(cell.text_content().split())) > LAYOUT_CELL_CHARACTERS
               for row in cells for cell in row)


def unwrap_layout_tables(tree) -> int:
    """Turn layout tables into plain blocks, innermost first, so that trafilatura (which
    reads tables row by row, a cell a column) keeps their paragraphs as paragraphs, while
    tables of figures stay tables and reach the text row by row. Returns how many."""
    unwrapped = 0
    for table in reversed(tree.xpath("//table")):
        if not _is_layout_table(table):
            continue
        for part in [table, *table.xpath("./thead | ./tbody | ./tfoot")]:
            for row in part.xpath("./tr"):
                for cell in row.xpath("./td | ./th"):
                    cell.tag = "div"
                row.tag = "div"
            part.tag = "div"
        _keep_tail(table)
        unwrapped += 1
    return unwrapped


def _keep_tail(block) -> None:
    """The text printed right after an unwrapped table (a photo's table, then "Chốt phiên giao
    dịch 22/12, ..." up to the next <br>) moves onto a line break put after it: trafilatura
    keeps a line break's tail, and drops the tail of a block it reads as a paragraph."""
    if block.tail and block.tail.strip():
        line_break = etree.Element("br")
        line_break.tail, block.tail = block.tail, None
        block.addnext(line_break)
