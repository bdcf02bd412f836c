"""The writer's signature printed under the body as an element of its own, which the text
leaves out.

Vietnamese papers and portals sign an article with the writer's name alone, bold (often
right-aligned), in italics or plain in a span, under the last paragraph ("<div
align="right"><b>Thu Lan</b></div>", "<strong>XUÂN LONG</strong>" after a share box, "<span
class="author">XUÂN LONG</span>" in a box under the body). Printed as a paragraph of its
own, trafilatura keeps it and the text's last line is the byline (pipelines/boilerplate.py);
printed in a `<div>` or a box, trafilatura leaves such a short line out, and the name was lost.
A name is taken only where it follows the text's last paragraph, so a bold subheading or a
caption elsewhere on the page is never the author. Portals often print photos after the
signature ("Quý Hạnh", then "Một số hình ảnh tại Hội nghị:" and the captions): the text then
ends with the captions, and the name follows the last paragraph of prose before them, with a
picture after it.
"""

from __future__ import annotations

from typing import NamedTuple

from lxml import etree

from pipelines.boilerplate import LABELLED_BYLINE, byline_name, looks_like_byline, normalize_line
from pipelines.text_nodes import detached
from pipelines.vietnamese import is_headline

SIGNATURE_CHARACTERS = 40
SIGNED_TAGS = ("b", "strong", "em", "i")
# The texts printed just before an element (its own ancestors' earlier text included), the
# last few: a paragraph's end may be split by inline tags ("... cho <b>UBND TP</b>.").
TEXTS_BEFORE = etree.XPath("preceding::text()[normalize-space()][position() <= 4]",
                           smart_strings=False)
# How much of the last paragraph's end must be the text printed before the signature.
END_CHARACTERS = 30
# A picture printed after an element: its captions may follow the signature.
PICTURE_AFTER = etree.XPath("following::img[1]")


class Signature(NamedTuple):
    name: str
    element: object  # the element printing it, in the page's tree


def signatures(tree) -> list[Signature]:
    """Each name the page prints alone, bold, in italics or in a span. Read before the page is
    pruned: a side block's removal may take a signature's box with it."""
    found = []
    # lxml's tag filter walks the tree in C: a third of the cost of the XPath doing the same.
    for element in (*tree.iter(SIGNED_TAGS), *_name_spans(tree)):
        printed = element.text_content()
        if len(printed) > 2 * SIGNATURE_CHARACTERS:
            continue
        line = normalize_line(printed)
        if 1 < len(line) <= SIGNATURE_CHARACTERS and looks_like_byline(line):
            name = byline_name(line)
            if name:
                found.append(Signature(name, element))
    return found


def _name_spans(tree):
    """The spans printing a short text alone, plain ("<span class="author">XUÂN LONG</span>"
    in a box under the body, where a reader cannot count on the class names)."""
    for span in tree.iter("span"):
        if not len(span) and span.text and 1 < len(span.text.strip()) <= SIGNATURE_CHARACTERS:
            yield span


def signature_after(tree, found: list[Signature], paragraphs: list[str]) -> str | None:
    """The name signed right under the text's last paragraph, if the page prints one: the
    text printed just before it ends as that paragraph does. Asked only when the page gave
    no author otherwise (what precedes an element is a walk back through the page)."""
    if not paragraphs or not found:
        return None
    before_captions = _last_prose_before_captions(paragraphs)
    for signature in found:
        element = signature.element
        if detached(element, tree):
            continue  # taken out with a side block
        if _signs(element, paragraphs[-1]):
            return signature.name
        if before_captions and _signs(element, before_captions) and PICTURE_AFTER(element):
            return signature.name
    return None


def _signs(element, paragraph: str) -> bool:
    """Whether the signature's element, or the line printing it after its label, stands
    right under the paragraph."""
    if prints_right_after(element, paragraph):
        return True
    labelled = _labelled_line(element)
    return labelled is not None and prints_right_after(labelled, paragraph)


def _last_prose_before_captions(paragraphs: list[str]) -> str | None:
    """The text's last paragraph of prose when only captions follow it (short lines ending
    no sentence, the gallery's heading "Một số hình ảnh…:", the name itself), or None."""
    for index in range(len(paragraphs) - 1, -1, -1):
        line = paragraphs[index]
        if not (is_headline(line) or _gallery_heading(line)):
            return line if index < len(paragraphs) - 1 else None
    return None


def _gallery_heading(line: str) -> bool:
    return line.endswith(":") and is_headline(line[:-1])


def _labelled_line(element):
    """The line printing the signature after its label ("<em>Tin, ảnh</em>: <strong>Vũ
    Phương Thảo</strong>"), or None: what stands right under the paragraph is the label."""
    line = element.getparent()
    if line is None:
        return None
    text = normalize_line(line.text_content())
    return line if len(text) <= 2 * SIGNATURE_CHARACTERS and LABELLED_BYLINE.match(text) else None


def prints_right_after(element, paragraph: str) -> bool:
    """Whether the text the page prints just before the element ends as the paragraph does:
    the element stands right under it (a signature, a date stamp)."""
    return _end("".join(TEXTS_BEFORE(element))) == _end(paragraph)


def _end(text: str) -> str:
    """The last characters of a text without its spaces (inline tags split a page's text
    where the extracted line has one space or none) and without an end marker "/." or a
    closing stop (the cleaning takes "/." off the last line)."""
    return "".join(normalize_line(text).split()).rstrip("./")[-END_CHARACTERS:]
