"""Paragraphs printed as `<div>`s on a page that has no `<p>` text, kept apart.

Old portals and some CMS editors print an article's paragraphs as `<div>`s, or as runs of text
between `<br>`s, with no `<p>` at all. trafilatura then reads the divs as paragraphs, but it
strips their tags at the end, so the text of each div runs into the next: a subheading glued
to the paragraph below it, the writer's signature glued to the last sentence ("... tình hình
mới. Phạm Linh"), where the byline can no longer be told from the text. So, on such a page
only, the tree trafilatura reads is first laid out as a browser would print it: each run of
text and inline elements beside blocks becomes a block of its own (a caption, a signature, a
source line beside the paragraphs' box), each div holding only inline content ends with a
line break (trafilatura keeps line breaks), a line break in the source's text is one space, and
images, which its text leaves out, are taken out (one in a paragraph's div ran that div into
the next). (trafilatura offers no option for this, hence the few lines here.)
"""

from __future__ import annotations

import re

from lxml import etree

# trafilatura reads a page's divs as paragraphs when its <p> elements hold fewer characters
# than three times its minimum extracted size (250 by default): only then are divs marked.
P_TEXT_FLOOR = 750
# What a paragraph holds: text and inline elements. A div holding any other element (a block,
# a list, a table) is a container, not a paragraph.
INLINE_TAGS = frozenset({"a", "abbr", "b", "big", "br", "cite", "code", "em", "font", "i", "img",
                         "label", "mark", "q", "s", "small", "span", "strike", "strong", "sub",
                         "sup", "time", "u"})


def mark_div_paragraphs(tree) -> int:
    """On a page with (nearly) no <p> text, lay the tree out as the module says: runs of
    text into blocks, each div printing a paragraph ended by a line break. Returns how many
    divs were marked (on a page with <p> text, the divs printing a paragraph among them)."""
    if has_paragraph_text(tree):
        return divs_among_paragraphs(tree)
    # An image inside a paragraph's div makes trafilatura run that div's text into the next
    # one; its text leaves images out anyway.
    for image in list(tree.iter("img")):
        image.drop_tag()
    for container in [div for div in tree.iter("div") if _mixes_runs_and_blocks(div)]:
        _wrap_runs(container)
    marked = 0
    for div in tree.iter("div"):
        if _is_paragraph(div):
            etree.SubElement(div, "br")
            marked += 1
    _collapse_white_space(tree)
    return marked


WHITE_SPACE = re.compile(r"\s*\n\s*")
VERBATIM_TAGS = frozenset({"pre", "textarea", "code", "script", "style"})


def _collapse_white_space(tree) -> None:
    """One space for each line break (and the white space around it) in the page's text, as a
    browser prints it: trafilatura keeps the line breaks of a text run between <br>s, and a
    page's source wrapped at 70 characters would break its sentences into lines."""
    verbatim = {inner for element in tree.iter(*VERBATIM_TAGS) for inner in element.iter()}
    for element in tree.iter():
        if element.text and "\n" in element.text and element not in verbatim:
            element.text = WHITE_SPACE.sub(" ", element.text)
        if (element.tail and "\n" in element.tail
                and element.getparent() not in verbatim):
            element.tail = WHITE_SPACE.sub(" ", element.tail)


def _mixes_runs_and_blocks(div) -> bool:
    """Text or inline elements printed beside blocks, directly in the div."""
    blocks = inline = False
    if div.text and div.text.strip():
        inline = True
    for child in div:
        if child.tail and child.tail.strip():
            inline = True
        if not isinstance(child.tag, str) or child.tag == "br":
            continue
        if child.tag in INLINE_TAGS:
            inline = True
        else:
            blocks = True
    return blocks and inline


def _wrap_runs(container) -> None:
    """Each run of text and inline elements between the container's blocks and line breaks
    into a div of its own, as a browser lays such a run out as a block of its own: a caption,
    a signature or a source line printed beside the paragraphs' box is a line of its own."""
    items = []
    if container.text:
        items.append(container.text)
    for child in list(container):
        tail, child.tail = child.tail, None
        container.remove(child)
        items.append(child)
        if tail:
            items.append(tail)
    container.text = None
    run = None
    for item in items:
        if isinstance(item, str) or not isinstance(item.tag, str) or (
                item.tag in INLINE_TAGS and item.tag != "br"):
            run = run if run is not None else etree.Element("div")
            _add_to_run(run, item)
            continue
        _append_run(container, run)
        run = None
        container.append(item)
    _append_run(container, run)


def _add_to_run(run, item) -> None:
    if not isinstance(item, str):
        run.append(item)
    elif len(run):
        run[-1].tail = (run[-1].tail or "") + item
    else:
        run.text = (run.text or "") + item


def _append_run(container, run) -> None:
    """The run into the container, unless it prints nothing (white space between blocks)."""
    if run is not None and (len(run) or (run.text or "").strip()):
        container.append(run)


def has_paragraph_text(tree) -> bool:
    """Whether the page's <p> elements hold P_TEXT_FLOOR characters or more (read only as
    far as needed: a few paragraphs on most pages)."""
    total = 0
    for paragraph in tree.iter("p"):
        total += len(paragraph.text_content())
        if total >= P_TEXT_FLOOR:
            return True
    return False


def _is_paragraph(div) -> bool:
    """Text and inline elements only, some text among them, and no line break at its end
    already."""
    children = [child for child in div if isinstance(child.tag, str)]
    if any(child.tag not in INLINE_TAGS for child in children):
        return False
    if children and children[-1].tag == "br" and not (children[-1].tail or "").strip():
        return False
    return bool(div.text_content().strip())


# On a page with <p> text, trafilatura reads no div as a paragraph: a div printing one among the
# <p>s of the article (an editor's paste: "<DIV align=left>Cụ thể, ...</DIV>" between them) is
# dropped. Such a div, under a parent holding two <p>s or more that print sentences (not
# captions), prints a sentence itself (sixty characters or more, ending as a sentence does),
# and is no photo's caption. So does the div just before their block, where the sapo stands
# (trafilatura loses a div's text there up to its first <br>, and keeps the lines after it).
PROSE_PARAGRAPHS = 2
SENTENCE_CHARACTERS = 60
SENTENCE_ENDS = (".", "!", "?", "…", '"', "”", ")", ":")


def divs_among_paragraphs(tree) -> int:
    """Each div printing a paragraph beside the article's <p> paragraphs, or its sapo just
    before their block, made a <p>; how many."""
    renamed = 0
    for parent in dict.fromkeys(paragraph.getparent() for paragraph in tree.iter("p")):
        if parent is None:
            continue
        children = [child for child in parent if isinstance(child.tag, str)]
        before = _element_before(parent)
        if (not any(child.tag == "div" for child in children) and before is None) or sum(
                1 for child in children if child.tag == "p" and _is_sentence(
                    child.text_content())) < PROSE_PARAGRAPHS:
            continue  # no div beside the <p>s, or they print captions, a sapo: no prose
        for index, child in enumerate(children):
            if (child.tag == "div" and _prints_a_sentence(child)
                    and not (index and _photo_only(children[index - 1]))):
                child.tag = "p"
                renamed += 1
        if before is not None and _prints_a_sentence(before):
            before.tag = "p"
            renamed += 1
    return renamed


def _element_before(block):
    """The div just before the paragraphs' block, if any: where a sapo printed as lines
    between <br>s stands ("<div class="init_content">- ...<br>- ...</div><div><p>...")."""
    before = block.getprevious()
    while before is not None and not isinstance(before.tag, str):
        before = before.getprevious()
    return before if before is not None and before.tag == "div" else None


def _prints_a_sentence(div) -> bool:
    if any(child.tag not in INLINE_TAGS or child.tag == "img"
           for child in div.iterdescendants() if isinstance(child.tag, str)):
        return False
    return _is_sentence(div.text_content())


def _is_sentence(text: str) -> bool:
    text = " ".join(text.split())
    return len(text) >= SENTENCE_CHARACTERS and text.endswith(SENTENCE_ENDS)


def _photo_only(element) -> bool:
    """A block holding an image and no text: the div under it is the photo's caption."""
    return next(element.iter("img"), None) is not None and not element.text_content().strip()
