"""The writer's name printed in a bar under the headline, with no name in the markup saying so
(pipelines/top_byline.py), and the lines there that are no byline."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_article

SAPO = ("Sáng 8/1, Huyện ủy Đức Thọ tổ chức hội nghị sơ kết công tác quý II, triển khai nhiệm vụ "
        "trọng tâm quý III năm 2024.")
BODY = "".join(
    f"<p>Đoạn thứ {n} của bài viết về hội nghị sơ kết công tác quý II năm 2024 của Huyện ủy, với "
    f"đủ chữ để trình đọc coi là thân bài của trang, phần {n}.</p>" for n in range(1, 5))


def page(bar: str, head: str = "", after_sapo: bool = False) -> str:
    sapo = f"<p class='n4'><b>{SAPO}</b></p>"
    return ("<html><head><title>Huyện ủy Đức Thọ sơ kết quý II - Cổng thông tin huyện</title>"
            f"{head}</head><body><div class='n1'><a href='/'>Trang chủ</a></div><div class='n2'>"
            "<h1 class='n3'>Huyện ủy Đức Thọ sơ kết quý II</h1>"
            + (sapo + bar if after_sapo else bar + sapo) + BODY + "</div></body></html>")


@pytest.mark.parametrize("bar", [
    "<div class='n5'><span>Minh Phương</span> | <span>08/01/2026 08:30</span></div>",
    "<div class='n5'>Thứ Hai, 08/01/2026 - Minh Phương</div>",
    "<p><strong>Minh Phương</strong></p>",
    "<p><em>Bài, ảnh: Minh Phương</em></p>",
])
@pytest.mark.parametrize("after_sapo", [False, True])
def test_the_name_in_the_bar_under_the_headline_is_the_author(bar, after_sapo):
    found = extract_article(page(bar, after_sapo=after_sapo))
    assert found.author == "Minh Phương"
    assert "Minh Phương" not in found.text


@pytest.mark.parametrize("bar", [
    "<div class='n5'>Hà Nội - 08/01/2026</div>",  # a dateline: a province's name
    "<div class='n5'>TP.HCM | 08/01/2026 08:30</div>",
    "<p><strong>CHỨC NĂNG, NHIỆM VỤ</strong></p>",  # a subheading in capitals
    "<div class='n5'><a href='/thoi-su'>Thời Sự</a> | 08/01/2026</div>",  # a category's link
    "<div class='n5'>08/01/2026 08:30 | Lượt xem: 120</div>",
])
def test_a_dateline_a_subheading_or_a_link_under_the_headline_is_no_author(bar):
    assert extract_article(page(bar)).author is None


def test_a_name_printed_in_the_body_is_no_byline():
    late = page("").replace("Đoạn thứ 3", "<strong>Nguyễn Văn Nam</strong></p><p>Đoạn thứ 3")
    assert extract_article(late).author is None


def test_an_author_the_page_names_otherwise_comes_first():
    head = "<meta name='author' content='Lê Thu Hà'>"
    bar = "<div class='n5'><span>Minh Phương</span> | <span>08/01/2026 08:30</span></div>"
    assert extract_article(page(bar, head)).author == "Lê Thu Hà"


def test_a_name_in_capitals_beside_the_day_is_the_author():
    bar = "<div class='n5'><span>XUÂN LONG</span> | <span>23/03/2015 08:06 GMT+7</span></div>"
    assert extract_article(page(bar)).author == "XUÂN LONG"


def test_a_cms_field_label_in_english_is_no_byline():
    """A SharePoint page prints "Page Content" under its headline: capitalized as a name is."""
    assert extract_article(page("<div class='n5'>Page Content</div>")).author is None
