"""Finding a page's nodes by their texts (pipelines/text_nodes.py)."""

from __future__ import annotations

from pipelines.extract import parse_html
from pipelines.text_nodes import elements_named, text_nodes_equal_to

PAGE = """<html><body>
<div id="top-clock">Thứ Năm, 05/12/2024</div>
<p class='say "hi"'>Ngày đăng: 05/03/2024</p>
<ul class="menu"><li>Trang chủ</li><li>Ngày đăng: 05/03/2024</li></ul>
<p>Ngày đăng: 05/03/2024 <b>x</b>Ngày đăng: 05/03/2024</p>
</body></html>"""


def test_text_nodes_come_in_page_order_with_their_parents():
    tree = parse_html(PAGE)
    nodes = text_nodes_equal_to(tree, {"Ngày đăng: 05/03/2024 ", "Ngày đăng: 05/03/2024"})
    assert [(node.getparent().tag, node.is_tail) for node in nodes] == [
        ("p", False), ("li", False), ("p", False), ("b", True)]
    assert text_nodes_equal_to(tree, set()) == []
    assert text_nodes_equal_to(tree, {"not on the page"}) == []


def test_elements_are_found_by_a_class_or_id_value_as_written():
    tree = parse_html(PAGE)
    found = elements_named(tree, lambda value: "clock" in value or "menu" in value)
    assert [element.tag for element in found] == ["div", "ul"]
    # A value holding both kinds of quote is compared as it is, not spliced into the XPath.
    assert [e.tag for e in elements_named(tree, lambda value: '"' in value)] == ["p"]
    assert elements_named(tree, lambda value: False) == []


def test_many_texts_are_found_the_same_way_in_one_pass(monkeypatch):
    """Past MAX_COMPARED texts (libxml2 would compare every node with every text: a hostile
    page of thousands of distinct short lines), the nodes are found in one pass in Python:
    the same nodes, in the same order."""
    import pipelines.text_nodes as text_nodes

    tree = parse_html(PAGE)
    texts = {"Ngày đăng: 05/03/2024 ", "Ngày đăng: 05/03/2024", "Trang chủ"}

    def named(value: str) -> bool:
        return "clock" in value or "menu" in value or '"' in value

    by_libxml2 = ([(n.getparent().tag, n.is_tail, str(n)) for n in
                   text_nodes_equal_to(tree, texts)], elements_named(tree, named))
    monkeypatch.setattr(text_nodes, "MAX_COMPARED", 1)
    in_python = ([(n.getparent().tag, n.is_tail, str(n)) for n in
                  text_nodes_equal_to(tree, texts)], elements_named(tree, named))
    assert in_python == by_libxml2 and len(by_libxml2[0]) == 5 and len(by_libxml2[1]) == 3
