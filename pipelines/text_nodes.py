"""A page's nodes found by their texts, in libxml2, where a Python loop would make an element
proxy of every node it passes.

lxml builds a Python object for every node an XPath returns, and a text node's result carries
its parent's: asking for all the short texts of a portal page made hundreds of them a page.
The texts alone come back as plain strings; the few a rule wants are then asked for again,
as nodes, by their texts.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

# Compared with a node-set of elements holding the texts, libxml2 reads each text node once
# and compares hashes; with one `. = $t` a text, it copied every node's text once per text
# (twice the time).
TEXTS_EQUAL_TO = etree.XPath("//text()[. = $texts]")
ATTRIBUTES_EQUAL_TO = etree.XPath("//*[@class = $values or @id = $values]")
CLASS_AND_ID_VALUES = etree.XPath("//@class | //@id", smart_strings=False)
# Above this many texts, the one pass in Python over the page's nodes: libxml2 compares each
# node's hash with each text's (nodes × texts), and a hostile page of 20,000 distinct short
# lines, each one a rule wanted, took 30 s of CPU.
MAX_COMPARED = 200
ALL_TEXTS = etree.XPath("//text()")
NAMED_ELEMENTS = etree.XPath("//*[@class or @id]")


def _holders(texts: Iterable[str]) -> list:
    """Elements holding the texts, for an XPath variable. Every text fits an element:
    extract_article removes U+FFFE and U+FFFF with the control characters, and lxml's parse
    leaves no lone surrogate."""
    holder = etree.Element("texts")
    for text in texts:
        etree.SubElement(holder, "t").text = text
    return list(holder)


def text_nodes_equal_to(tree, texts: set[str]) -> list:
    """The page's text nodes whose text is one of `texts`, in page order (lxml's results:
    each knows its parent)."""
    if len(texts) > MAX_COMPARED:
        return [node for node in ALL_TEXTS(tree) if node in texts]
    return TEXTS_EQUAL_TO(tree, texts=_holders(texts)) if texts else []


def elements_named(tree, matches) -> list:
    """The elements whose class or id attribute, as written, `matches` (a predicate on the
    value), in page order: the values are read as plain strings first, and only the
    elements of those that match are made Python objects."""
    values = {value for value in set(CLASS_AND_ID_VALUES(tree)) if matches(value)}
    if len(values) > MAX_COMPARED:
        return [element for element in NAMED_ELEMENTS(tree)
                if element.get("class") in values or element.get("id") in values]
    return ATTRIBUTES_EQUAL_TO(tree, values=_holders(values)) if values else []


def printing_element(text):
    """The element whose content holds a text node that lxml returned: its parent, or for a
    tail text (after a child, or after a comment, whose node lxml gives as the parent and which
    no XPath or text iteration takes) the parent of that child."""
    parent = text.getparent()
    return parent.getparent() if text.is_tail and parent is not None else parent


# The links that print something, under an element: a teaser's, a related box's.
LINKS_WITH_TEXT = etree.XPath(".//a[normalize-space()]")


def detached(element, root) -> bool:
    """Whether the element lies in a block already removed from the tree under `root` (its
    ancestors stop short of it: lxml keeps a removed block in the same document)."""
    return element is not root and root not in element.iterancestors()
