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


def _holders(texts: Iterable[str]) -> list:
    """Elements holding the texts, for an XPath variable. Every text fits an element:
    extract_article removes U+FFFE and U+FFFF with the control characters, and lxml's parse
    leaves no lone surrogate."""
    holder = etree.Element("texts")
    for text in texts:
        etree.SubElement(holder, "t").text = text
    return list(holder)


def text_nodes_equal_to(tree, texts: Iterable[str]) -> list:
    """The page's text nodes whose text is one of `texts`, in page order (lxml's results:
    each knows its parent)."""
    holders = _holders(texts)
    return TEXTS_EQUAL_TO(tree, texts=holders) if holders else []


def elements_named(tree, matches) -> list:
    """The elements whose class or id attribute, as written, `matches` (a predicate on the
    value), in page order: the values are read as plain strings first, and only the
    elements of those that match are made Python objects."""
    values = [value for value in set(CLASS_AND_ID_VALUES(tree)) if matches(value)]
    return ATTRIBUTES_EQUAL_TO(tree, values=_holders(values)) if values else []
