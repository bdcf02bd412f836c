"""Boxes of links to other stories printed inside the article ("Tin liên quan", "Xem thêm")
under names that say nothing: taken out of the page, and the article read whole around them."""

from __future__ import annotations

import lxml.html

from pipelines.boilerplate import clean_lines
from pipelines.extract import extract_article
from pipelines.pruning import prune_side_blocks

PARAGRAPH = ("<p>Đoạn thứ {} của bài viết về hội nghị sơ kết công tác quý II của Huyện ủy, với đủ"
             " chữ để trình đọc coi là thân bài của một bài báo.</p>")
BOX = ('<div class="box-x"><p><b>Tin liên quan</b></p><ul>'
       '<li><a href="/tin/1.html">Hà Nội trồng mới năm trăm cây xanh trên các tuyến phố</a></li>'
       '<li><a href="/tin/2.html">Thủ tướng chỉ đạo đẩy nhanh giải ngân vốn đầu tư</a></li>'
       "</ul></div>")


def page(inside: str, spans: bool = False) -> str:
    paragraph = PARAGRAPH.replace("<p>", "<p><span><span>").replace("</p>", "</span></span></p>") \
        if spans else PARAGRAPH
    body = paragraph.format(1) + inside + "".join(paragraph.format(n) for n in range(2, 7))
    return (f"<html><body><h1>Hội nghị sơ kết quý II</h1><div class='c'>{body}</div>"
            "</body></html>")


def test_a_related_box_inside_the_article_goes_and_the_article_stays_whole():
    for spans in (False, True):  # paragraphs nesting their text in spans, as school sites do
        found = extract_article(page(BOX, spans))
        assert "Tin liên quan" not in found.text and "cây xanh" not in found.text
        assert "Đoạn thứ 1 " in found.text and "Đoạn thứ 6 " in found.text


def test_a_pointer_box_goes_but_a_paragraph_naming_a_link_stays():
    tree = lxml.html.fromstring(page(
        '<p><strong>Xem thêm:</strong> <a href="/tin/1.html">Hà Nội trồng mới cây xanh</a></p>'
        '<p>Tin liên quan đến <a href="/tin/3.html">dự án</a> được Huyện ủy nêu rõ tại hội nghị'
        " sơ kết, trong phần thảo luận của các đại biểu dự họp.</p>"))
    removed = prune_side_blocks(tree)
    text = tree.text_content()
    assert "Hà Nội trồng mới cây xanh" not in text and len(removed) == 1
    assert "được Huyện ủy nêu rõ" in text


LINES = ["Đoạn một của bài viết về hội nghị sơ kết công tác quý II của Huyện ủy.",
         "Đoạn hai của bài viết nói về kết quả thực hiện nhiệm vụ trong sáu tháng."]


def test_a_related_list_among_the_lines_is_skipped_when_the_article_goes_on():
    after = ["Đoạn ba của bài viết nêu các nhiệm vụ trọng tâm trong quý III.",
             "Đoạn bốn của bài viết là lời kết luận của đồng chí Bí thư Huyện ủy."]
    lines = [*LINES, "Tin liên quan", "- Hà Nội trồng mới cây xanh", "- Thủ tướng chỉ đạo", *after]
    assert clean_lines(lines).paragraphs == [*LINES, *after]


def test_a_related_list_of_teasers_still_ends_the_article():
    teasers = ["Tin liên quan", "Hà Nội trồng mới cây xanh",
               "Thành phố trồng thêm năm trăm cây xanh trên các tuyến phố nội đô.",
               "Thủ tướng chỉ đạo giải ngân", "Thủ tướng yêu cầu các bộ đẩy nhanh giải ngân."]
    assert clean_lines([*LINES, *teasers]).paragraphs == LINES


def test_marked_pointers_and_an_advertisements_label_are_no_lines():
    lines = [LINES[0], ">> Đọc thêm: Hà Nội trồng mới cây xanh", "» Xem thêm: Thủ tướng chỉ đạo",
             "Quảng cáo", LINES[1]]
    assert clean_lines(lines).paragraphs == LINES


HEADLINES = ('<li><a href="/tin/1.html">Hà Nội trồng mới năm trăm cây xanh trên các tuyến phố</a>'
             '</li><li><a href="/tin/2.html">Thủ tướng chỉ đạo đẩy nhanh giải ngân vốn đầu tư</a>'
             "</li>")


def test_a_bare_list_of_headlines_goes_wherever_it_stands():
    """Other stories' headlines, each item one link and nothing else, with no heading and in
    a box named nothing we know: inside the body and under it."""
    html = page(f"<ul>{HEADLINES}</ul>").replace("</div></body>",
                                                 f"<ol>{HEADLINES}</ol></div></body>")
    tree = lxml.html.fromstring(html)
    removed = prune_side_blocks(tree)
    assert not tree.xpath("//ul | //ol")
    assert [line.split(":")[1].strip() for line in removed] == ["a list of other stories' "
                                                               "headlines"] * 2
    found = extract_article(html)
    assert "cây xanh" not in found.text and "giải ngân" not in found.text
    assert "Đoạn thứ 1 " in found.text and "Đoạn thứ 6 " in found.text


def test_lists_that_print_more_than_links_or_only_short_links_stay():
    """A list of items that say something beside their link, a menu's short links, one item:
    the article's own lists."""
    lists = ['<ul><li><a href="/vb/1.pdf">Quyết định số 12/QĐ-UBND</a> ban hành quy chế làm việc'
             '</li><li><a href="/vb/2.pdf">Kế hoạch số 34/KH-UBND</a> về chuyển đổi số</li></ul>',
             '<ul><li><a href="/a">Tin tức</a></li><li><a href="/b">Sự kiện</a></li></ul>',
             '<ul><li><a href="/tin/1.html">Hà Nội trồng mới năm trăm cây xanh trên các tuyến'
             " phố</a></li></ul>"]
    for kept in lists:
        tree = lxml.html.fromstring(page(kept))
        prune_side_blocks(tree)
        assert tree.xpath("//ul"), kept
