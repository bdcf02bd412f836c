"""What sites print under an article, whatever their theme calls it: the readers' comments under
their heading, the form to write one, the tool bar, the rating's question, a bar of share links.
None of it is the article's text, and none of it may take the article's last paragraph or its
signature away."""

from __future__ import annotations

import pytest

from pipelines.boilerplate import clean_lines, is_boilerplate
from pipelines.extract import extract_article

PARAGRAPHS = "".join(
    f"<p>Đoạn thứ {n} của bài viết về hội nghị sơ kết công tác quý II năm 2024 của Huyện ủy, với "
    "đủ chữ để trình đọc coi là thân bài của trang.</p>" for n in range(1, 5))
LAST = ("Kết luận hội nghị, đồng chí Bí thư Huyện ủy yêu cầu các cấp ủy, chính quyền tập trung "
        "hoàn thành các chỉ tiêu đã đề ra trong quý III.")
COMMENT = "Bài viết rất hay, mong chính quyền địa phương tiếp tục quan tâm đến đời sống người dân."


def page(under: str) -> str:
    return ("<html><head><title>Huyện ủy sơ kết quý II - Cổng thông tin huyện</title></head>"
            "<body><div class='n1'><h1>Huyện ủy sơ kết quý II</h1><div class='n2'>" + PARAGRAPHS
            + f"<p>{LAST}</p><p style='text-align:right'><b>Minh Phương</b></p>{under}</div></div>"
            "</body></html>")


@pytest.mark.parametrize("under", [
    f"<div class='n3'><h3>Ý kiến bạn đọc (2)</h3><ul><li><b>Nguyễn Văn Nam</b> <span>09/01/2026"
    f" 09:15</span><p>{COMMENT}</p></li><li><b>Trần Thị Hoa</b><p>{COMMENT} Tôi đồng ý.</p></li>"
    "</ul></div>",
    f"<div class='n3'><div>BÌNH LUẬN</div><div><div><strong>Nguyễn Văn Nam</strong> - 09/01/2026"
    f"</div><div>{COMMENT}</div></div></div>",
    f"<div class='n3'><p>Gửi bình luận của bạn</p><form><textarea>Nội dung</textarea></form><p>"
    f"{COMMENT}</p></div>",
])
def test_the_readers_comments_stay_out_and_the_signature_stays(under):
    found = extract_article(page(under))
    assert COMMENT[:40] not in found.text
    assert found.text.splitlines()[-1] == LAST
    assert found.author == "Minh Phương"


def test_a_comments_heading_ends_the_text_even_after_one_paragraph():
    lines = [LAST, "Ý kiến bạn đọc (2)", "Nguyễn Văn Nam 09/01/2026", COMMENT]
    assert clean_lines(lines).paragraphs == [LAST]


def test_a_subheading_that_opens_with_the_words_is_no_comments_heading():
    lines = [LAST, "Ý kiến cử tri", COMMENT, "Bình luận của chuyên gia về kết quả quý II",
             "Theo các chuyên gia, kết quả quý II cho thấy nhiều chuyển biến tích cực."]
    assert clean_lines(lines).paragraphs == lines


@pytest.mark.parametrize("line", [
    "In bài viết | Gửi email | Về đầu trang | Quay lại",
    "Bạn đánh giá bài viết này thế nào?",
    "Bài viết có hữu ích với bạn không?",
    "Facebook | Zalo | Twitter",
])
def test_a_tool_bar_and_a_ratings_question_are_boilerplate(line):
    assert is_boilerplate(line)


def test_a_bar_of_short_links_under_the_last_paragraph_takes_nothing_with_it():
    """The last paragraph in a block of its own inside the body's last element, a rating's bar
    after it: trafilatura reads that element, short and ending in short links, as navigation
    and dropped it whole, the paragraph included."""
    html = ("<html><head><title>Huyện ủy sơ kết quý II - Cổng thông tin huyện</title></head>"
            "<body><div class='n1'><h1>Huyện ủy sơ kết quý II</h1><div class='n2'>" + PARAGRAPHS
            + f"<div class='n4'><figure><img src='a.jpg'></figure><div class='n5'><p>{LAST}</p>"
            "</div><div class='n6'><p>Bạn đánh giá bài viết này thế nào?</p><a href='#'>Hay</a> "
            "<a href='#'>Không hay</a></div></div></div><div class='n7'><span>Minh Phương</span>"
            "</div></div></body></html>")
    found = extract_article(html)
    assert LAST in found.text
    assert "Không hay" not in found.text


def test_links_with_words_between_them_are_no_bar():
    sentence = ("Đoàn công tác đã đến thăm <a href='/x'>xã Đức Lạc</a> và <a href='/y'>xã Đức "
                "Hòa</a>, nơi có nhiều hộ nghèo.")
    found = extract_article(page(f"<p>{sentence}</p>"))
    assert "nơi có nhiều hộ nghèo" in found.text and "xã Đức Lạc" in found.text
