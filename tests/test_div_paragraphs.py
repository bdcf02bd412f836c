"""Pages with no <p>: paragraphs printed as <div>s or as runs of text between <br>s, the sapo
a bare run of text after the headline, the source wrapped at a fixed width. Each paragraph is
a line of its own, the signature under the body is the author, the sapo is found once."""

from __future__ import annotations

from lxml import html as lxml_html

from pipelines.div_paragraphs import mark_div_paragraphs
from pipelines.extract import extract_article

SENTENCES = [
    "Chiều 29/7, Sở Thông tin và Truyền thông tổ chức hội nghị sơ kết công tác sáu tháng đầu "
    "năm và triển khai nhiệm vụ trọng tâm sáu tháng cuối năm.",
    "Tham dự hội nghị có Ban Giám đốc, trưởng và phó các phòng, đơn vị thuộc Sở cùng lãnh đạo "
    "các quận, huyện, thị xã trên địa bàn thành phố.",
    "Báo cáo tại hội nghị, Phó Giám đốc Sở cho biết ngay từ đầu năm Sở đã chủ động triển khai "
    "các nhiệm vụ được Thành ủy và Ủy ban nhân dân thành phố giao.",
    "Thời gian tới, Sở tiếp tục kiện toàn tổ chức bộ máy, đào tạo và bồi dưỡng công chức, đáp "
    "ứng yêu cầu quản lý nhà nước trong tình hình mới.",
]
SUBHEADING = "Các nhiệm vụ được triển khai đồng bộ"
TITLE = "Ngành Thông tin và Truyền thông triển khai nhiệm vụ sáu tháng cuối năm"


def div_page() -> str:
    """A portal's article with no <p> (a Liferay theme's shape): the sapo bold in a box, a
    photo and its caption ended by <br>s, each paragraph a <div> with a blank <div> between,
    a bold subheading in a <div> of its own, then beside the paragraphs' box the writer's
    signature and the CMS's author field (another person), each ended by <br>s."""
    blank = "<div>&nbsp;</div>"
    body = (f"<div> <span>{SENTENCES[1]}</span></div> {blank} "
            f"<div> <em> <strong>{SUBHEADING}</strong></em></div> {blank} "
            f"<div>{SENTENCES[2]}</div> {blank} <div> <img src='/b.jpg'></div> "
            f"<div> <div> <br>{SENTENCES[3]}</div> {blank}</div>")
    return (f"<html><head><title>{TITLE}</title></head><body><section class='portlet'>"
            "<header><h1><span>Tin tức nổi bật</span></h1></header><div class='portlet-body'>"
            f"<div><div class='asset-title'>{TITLE}</div> "
            "<div class='asset-date'>Ngày đăng 29/07/2022 | 3:52 PM</div> "
            f"<div class='asset-content'><div class='sapo-wrapper'> <img src='/a.jpg'> "
            f"<strong>{SENTENCES[0]}</strong> <br><br> </div>"
            "<div class='journal-content-article'> &nbsp; <img src='/c.jpg'> "
            "<span> <i>Toàn cảnh hội nghị</i></span><br><br> &nbsp; "
            f"<div class='detail'> {body}</div> &nbsp; <b> <em>Phạm Linh</em></b><br><br> "
            "<strong><em>Lê Xuân Hải</em></strong> <br><br> </div></div></div></div>"
            "</section></body></html>")


def test_each_div_of_a_page_without_paragraphs_is_a_line_and_the_signature_the_author():
    """The signature and the author field under it were one line ("Phạm Linh Lê Xuân Hải"),
    taken whole for the byline; the photo's caption ran into the paragraph below it."""
    found = extract_article(div_page())
    lines = found.text.splitlines()
    for line in ["Toàn cảnh hội nghị", SUBHEADING, *SENTENCES[1:]]:  # the caption was glued
        assert line in lines                                          # to the paragraph below
    assert found.author == "Phạm Linh"
    assert "Phạm Linh" not in found.text and "Lê Xuân Hải" not in found.text


def wrapped(text: str, width: int = 60) -> str:
    """The text broken into lines of at most `width` characters, as a page's source may be."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) >= width:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    return "\n    ".join([*lines, line])


def break_page() -> str:
    """No element for a paragraph: the sapo is the headline's tail, each paragraph a run of
    text ended by two <br>s, the source wrapped; the meta description repeats the sapo."""
    sapo, *paragraphs = SENTENCES
    runs = "".join(f"{wrapped(text)}<br><br>\n" for text in paragraphs)
    return (f'<html><head><title>{TITLE}</title><meta name="description" content="{sapo}">'
            f"</head><body><div class=\"detail\"><h1>{TITLE}</h1>\n{wrapped(sapo)}<br><br>\n"
            f"<div class=\"body\">{runs}<b>Phạm Linh</b><br><br></div></div></body></html>")


def test_runs_of_text_between_line_breaks_are_whole_paragraphs_and_the_sapo_is_read_once():
    found = extract_article(break_page())
    lines = found.text.splitlines()
    for sentence in SENTENCES:
        assert sentence in lines
    assert found.lead == SENTENCES[0]
    assert found.text.count(SENTENCES[0][:60]) == 1
    assert found.author == "Phạm Linh"


def test_a_sapo_printed_with_non_breaking_spaces_is_the_description_it_repeats():
    """"phó&nbsp;giám đốc" as printed, "phó giám đốc" in the description: the same words."""
    sapo = SENTENCES[0]
    printed = wrapped(sapo)
    found = extract_article(break_page().replace(printed, printed.replace(" ", "&nbsp;", 3)))
    assert found.lead == sapo
    assert " ".join(found.text.split()).count(sapo[:60]) == 1


def test_the_text_after_a_photos_layout_table_is_kept():
    """A photo printed in a table, the paragraph after it a bare run of text up to a <br>:
    the run was lost when the table became a block."""
    photo = ('<table class="picture"><tr><td><img src="/anh.jpg"></td></tr>'
             "<tr><td>Toàn cảnh hội nghị. Ảnh: Thu Lan</td></tr></table>")
    body = f"{photo}\n{SENTENCES[1]}<br><br>" + "".join(f"{s}<br><br>" for s in SENTENCES[2:])
    found = extract_article(
        f"<html><head><title>{TITLE}</title></head><body><article><h1>{TITLE}</h1>"
        f'<section class="main"><div class="body">{body}</div></section></article></body></html>')
    assert SENTENCES[1] in found.text.splitlines()
    assert found.text.splitlines()[-1] == SENTENCES[-1]


def test_divs_are_marked_only_where_the_page_has_no_paragraph_text():
    with_paragraphs = lxml_html.fromstring(
        "<html><body>" + "".join(f"<p>{sentence}</p>" for sentence in SENTENCES * 2)
        + "<div>Một dòng trong div</div></body></html>")
    assert mark_div_paragraphs(with_paragraphs) == 0
    without = lxml_html.fromstring(
        "<html><body><div><div>Một</div><div><b>Hai</b> ba</div><div><ul><li>Bốn</li></ul>"
        "</div><div>   </div></div></body></html>")
    assert mark_div_paragraphs(without) == 2  # "Một" and "Hai ba"; not a list's box or a blank
