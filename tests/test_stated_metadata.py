"""What a page states about its article in JSON-LD and its <meta> tags, read where no element
of the theme is named for it: the author (pipelines/json_ld.py) and the sapo its description
repeats (pipelines/headline.py)."""

from __future__ import annotations

import pytest

from pipelines import json_ld
from pipelines.extract import extract_article

BODY = ("<p>Sáng ngày 4/6/2024, UBND huyện tổ chức hội nghị thường kỳ đánh giá tình hình phát "
        "triển kinh tế - xã hội tháng 5; triển khai nhiệm vụ trọng tâm tháng 6/2024.</p>"
        "<p>Đồng chí Chủ tịch UBND huyện chủ trì hội nghị; dự có lãnh đạo các phòng, ban, "
        "ngành và Chủ tịch UBND các xã, thị trấn trên địa bàn huyện.</p>")


def page_stating(head: str) -> bytes:
    return (f"<html><head><title>Hội nghị tháng 5</title>{head}</head><body><div><h1>Hội nghị "
            f"tháng 5</h1>{BODY}</div></body></html>").encode()


@pytest.mark.parametrize(
    ("block", "names"),
    [('{"@type": "NewsArticle", "headline": "H", "author": {"@type": "Person", '
      '"name": "Anh Nguyễn "}}', ["Anh Nguyễn"]),
     ('{"@graph": [{"@type": "WebSite", "name": "Báo"}, {"@type": "Article", '
       '"datePublished": "2024-06-04", "author": [{"@type": "Person", "name": "Đoàn Loan"}, '
       '"Minh Anh"]}]}', ["Đoàn Loan", "Minh Anh"]),
     # the paper as author is not a byline; a comment's author is not the article's
     ('{"@type": "NewsArticle", "headline": "H", "author": {"@type": "Organization", '
      '"name": "Báo Cần Thơ"}, "comment": [{"@type": "Comment", "author": "Bạn đọc"}]}', []),
     # not valid JSON (an unescaped quote): read as text
     ('{"@type": "NewsArticle", "headline": "Hội nghị "tổng kết"", "author": {"@type": '
      '"Person", "name": "Bình Minh"}}', ["Bình Minh"])],
)
def test_author_names_of_the_article_object(block, names):
    assert json_ld.authors(block) == names


def test_the_stated_author_is_the_byline_when_no_element_is_named_so():
    block = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H", '
             '"author": {"@type": "Person", "name": "Anh Nguyễn"}}</script>')
    assert extract_article(page_stating(block)).author == "Anh Nguyễn"
    assert extract_article(page_stating('<meta name="author" content="Thu Lan">')).author \
        == "Thu Lan"


@pytest.mark.parametrize("head", [
    '<meta name="author" content="admin admin">',  # the CMS account
    '<meta property="article:author" content="https://www.facebook.com/baocantho">',
    '<meta name="author" content="Sở Thông tin và Truyền thông">',  # the office owning the site
])
def test_a_stated_account_address_or_office_is_no_byline(head):
    assert extract_article(page_stating(head)).author is None


def test_a_byline_element_comes_before_the_stated_author():
    head = '<meta name="author" content="Ban biên tập">'
    html = page_stating(head).replace(b"</div></body>",
                                      b'<p class="author">Minh Anh</p></div></body>')
    assert extract_article(html).author == "Minh Anh"


SAPO = ("Nếu có ít tiền, chị Huyền sẽ nấu nồi thịt kho cho ba ngày Tết, một nồi canh khổ qua "
        "ăn tất niên.")


@pytest.mark.parametrize(("stamp", "suffix"), [("", ""), ("TP HCM", " - VnExpress"),
                                                 ("<b>Hà Nội</b> - ", "")])
def test_the_sapo_is_found_by_its_description_after_a_place_stamp(stamp, suffix):
    """No element named as the lead: the sapo is the element printing the description, after
    a place stamp, and the lead is the description as printed (no site name after it)."""
    head = f'<meta name="description" content="{SAPO}{suffix}">'
    html = page_stating(head).replace(b"<h1>", f"<p>{stamp}{SAPO}</p><h1>".encode())
    found = extract_article(html)
    assert found.lead == SAPO
    assert found.text.count(SAPO[:60]) == 1


@pytest.mark.parametrize(("name", "head"), [
    ("Báo Lào Cai", ""),
    ("Ban biên tập", ""),
    ("Tin Địa Phương", '<meta property="og:site_name" content="Tin địa phương">'),
    ("VnExpress", ""),  # the host's own name, on vnexpress.net
])
def test_the_outlet_stated_as_a_person_is_no_byline(name, head):
    block = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H", '
             f'"author": {{"@type": "Person", "name": "{name}"}}}}</script>')
    html = page_stating(block + head)
    assert extract_article(html, url="https://vnexpress.net/a-1.html").author is None


def test_a_malformed_address_leaves_the_stated_author_to_its_name_alone():
    block = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "H", '
             '"author": {"@type": "Person", "name": "Minh Anh"}}</script>')
    assert extract_article(page_stating(block), url="http://[::1").author == "Minh Anh"


def test_a_json_ld_block_nested_past_the_stack_is_read_as_text():
    nested = "[" * 100_000 + "]" * 100_000
    assert json_ld.authors(nested) == []
    assert json_ld.dates_published(nested) == []


def page_with_foot(foot: str, head: str = "") -> bytes:
    """A page whose theme names nothing, with `foot` after the article's block."""
    return (f"<html><head><title>Hội nghị tháng 5</title>{head}</head><body><div><h1>Hội nghị "
            f"tháng 5</h1><div>{BODY}</div><hr><div><div>{foot}</div></div></div></body>"
            f"</html>").encode()


@pytest.mark.parametrize(("foot", "author"), [
    ('<span><i></i> <b>Tác giả:</b></span> An Khương - Sở GDĐT AG', "An Khương"),
    ("<p><em>Tác giả: Thu Hà</em></p>", "Thu Hà"),
    ("<span>TÁC GIẢ: Minh Đức</span>", "Minh Đức"),
])
def test_a_labelled_byline_beside_the_body_is_the_author(foot, author):
    assert extract_article(page_with_foot(foot)).author == author


@pytest.mark.parametrize("foot", [
    # the school owning the site, under the label: the page's stated author comes next
    '<span><b>Tác giả:</b></span> Trường THPT Nguyễn Bỉnh Khiêm',
    # the words in a sentence, or a label with a paragraph after it: no byline
    "<p>Tác giả của sáng kiến được khen thưởng: tổ chuyên môn Toán - Tin.</p>",
    "<p><b>Tác giả:</b> nhóm học sinh lớp 11A1 đã thực hiện đề tài trong suốt sáu tháng "
    "học kỳ vừa qua.</p>",
    # a comment form's fields
    '<form><label>Tác giả:</label><input name="a"> <label>Email:</label><input name="e"> '
    "<label>Nội dung:</label><textarea></textarea> <button>Gửi</button></form>",
])
def test_a_label_before_no_name_is_no_byline(foot):
    stated = '<meta name="author" content="Lan Anh">'
    assert extract_article(page_with_foot(foot, stated)).author == "Lan Anh"
