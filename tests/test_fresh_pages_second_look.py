"""Faults a second look at real pages nobody here had seen found (a district portal on
SharePoint, a ministry's paper, business papers of 2025-2026), each mended by a rule for a kind
of markup. The pages here are written for the tests in the shape of the kind they stand for;
the guards beside each rule are what it must leave alone."""

from __future__ import annotations

import lxml.html
import pytest

from pipelines.boilerplate import clean_lines
from pipelines.dates import _in_clock_container
from pipelines.extract import extract_article
from pipelines.pruning import prune_side_blocks

HEADLINE = "Phòng, chống dịch bệnh trong hoạt động văn hóa, văn nghệ, thể dục thể thao"
SENTENCES = [
    f"Đoạn thứ {n} của văn bản chỉ đạo về phòng, chống dịch bệnh trong các hoạt động văn hóa, "
    "văn nghệ của tỉnh, đủ chữ để trình đọc coi là thân bài." for n in range(1, 5)]
PARAGRAPHS = "".join(f"<p>{sentence}</p>" for sentence in SENTENCES)


def sharepoint_news(title_class: str = "Title", row_class: str = "ms-news-header") -> str:
    """A district portal's news item on SharePoint: the section and the day in a header row
    of the news part, the headline in a <p> named "Title" under it, a <title> saying nothing."""
    return ("<html><head><title>Print Me</title></head><body>"
            "<div class='s4-title'><h1 style='display:none'>Home</h1></div>"
            "<div class='menu'><a href='/'>Trang chủ</a> <a href='/tin'>Tin tức</a></div>"
            "<div class='container_top_mid2'><table><tr class='" + row_class + "'>"
            "<td class='FolderTitle'>Tin Chính trị - Xã hội</td>"
            "<td class='Time'>03/02/2020</td></tr></table></div>"
            f"<div id='part1'><table><tr><td><p class='{title_class}'>{HEADLINE}</p></td></tr>"
            f"<tr><td><div id='content-print'>{PARAGRAPHS}<p>H.M</p></div></td></tr></table>"
            "</div></body></html>")


def test_a_headline_in_an_element_named_title_in_capitals_is_the_headline():
    found = extract_article(sharepoint_news())
    assert found.title == HEADLINE


def test_the_day_in_the_news_parts_header_row_is_the_articles():
    assert extract_article(sharepoint_news()).published == "2020-02-03"


@pytest.mark.parametrize("name, clock", [
    ("ms-news-header", False), ("article-header", False), ("entry-header", False),
    ("post_header", False),
    # The site's header and menus still hold a clock, not the article's day.
    ("header", True), ("site-header", True), ("top-header", True), ("main-menu", True),
])
def test_only_the_sites_header_is_a_clocks_container(name, clock):
    tree = lxml.html.fromstring(f"<html><body><div class='{name}'><span>03/02/2020</span>"
                                "</div></body></html>")
    assert _in_clock_container(tree.find(".//span")) is clock


# A document cited in a paragraph, printed as a widget's link.

CITED_SENTENCE = ("quy định chi tiết danh mục hàng dự trữ quốc gia do Bộ Tài chính trực tiếp quản "
                  "lý, áp dụng đối với tất cả cơ quan, tổ chức liên quan.")


def test_a_link_named_a_widget_that_a_sentence_goes_on_after_is_kept():
    body = (f"<h1>{HEADLINE}</h1><div class='detail'>{PARAGRAPHS}<p><a class="
            f"'___widget_file_in_article' href='/f/131.pdf'>Thông tư số 131/2026/TT-BTC</a> "
            f"{CITED_SENTENCE}</p></div>")
    found = extract_article(f"<html><body>{body}</body></html>")
    assert f"Thông tư số 131/2026/TT-BTC {CITED_SENTENCE}" in found.text


@pytest.mark.parametrize("inline", [
    "<a class='share-facebook' href='/s'>Chia sẻ Facebook</a>",  # nothing after it
    "<span class='ads'>Quảng cáo</span> ",  # a short word after it
])
def test_a_link_or_span_named_a_side_block_with_no_sentence_after_it_goes(inline):
    tree = lxml.html.fromstring(f"<html><body><div>{PARAGRAPHS}<p>{inline}</p></div>"
                                "</body></html>")
    removed = prune_side_blocks(tree)
    assert removed and "Chia sẻ" not in tree.text_content() and "Quảng cáo" not in (
        tree.text_content())


# The lead named twice: a "summary" box holding the writer's box and the "desc".

SAPO = ("Ngày 4/9/2026, Thứ trưởng Bộ Tài chính đã ký ban hành Thông tư quy định về "
        "danh mục chi tiết hàng dự trữ quốc gia do Bộ Tài chính trực tiếp quản lý.")


def test_the_lead_is_the_element_named_so_inside_another_named_so():
    summary = ("<div class='article-detail-summary'><div class='bx-author-info'>"
               "<h2><a href='/tac-gia/duc-minh-54.sign'>Đức Minh</a></h2>"
               "<a href='mailto:minh@example.vn'>minh@example.vn</a><span>19:51 | 07/09/2026"
               f"</span></div><div class='article-detail-desc'>{SAPO}</div></div>")
    found = extract_article(f"<html><body><h1>{HEADLINE}</h1>{summary}<div class='content'>"
                            f"{PARAGRAPHS}</div></body></html>")
    assert found.lead == SAPO
    assert "minh@example.vn" not in found.text


def test_a_lead_named_box_alone_is_the_lead():
    found = extract_article(f"<html><body><h1>{HEADLINE}</h1><div class='summary'>{SAPO}</div>"
                            f"<div class='content'>{PARAGRAPHS}</div></body></html>")
    assert found.lead == SAPO


# A description cutting the sapo short ("... đây là điều có thể ..."), on a page whose names
# say nothing.

WHOLE_SAPO = ("Sự thu hút của một người không nhất thiết bắt nguồn từ yếu tố bẩm sinh. Giống như "
              "nhiều loại kỹ năng khác, đây là điều có thể trau dồi hằng ngày.")
CUT = WHOLE_SAPO[:120].rsplit(" ", 1)[0] + " ..."


def test_a_description_cut_short_gives_the_sapo_as_printed_whole():
    page = (f"<html><head><meta name='description' content='{CUT}'></head><body>"
            f"<h1>{HEADLINE}</h1><div class='x1'><div class='x2'><span>Ngày đăng:</span> "
            f"06/09/2020 - 14:32</div><div class='x3'><p><b>{WHOLE_SAPO}</b></p></div>"
            f"<div class='x4'>{PARAGRAPHS}</div></div></body></html>")
    found = extract_article(page)
    assert found.lead == WHOLE_SAPO
    assert found.text.count(WHOLE_SAPO) == 1


def test_a_description_cutting_the_first_paragraph_gives_no_lead():
    first = SENTENCES[0] + " Câu thứ hai của đoạn mở đầu, cũng thuộc thân bài."
    cut = first[:120].rsplit(" ", 1)[0] + "..."
    page = (f"<html><head><meta name='description' content='{cut}'></head><body>"
            f"<h1>{HEADLINE}</h1><div class='x4'><p>{first}</p>{PARAGRAPHS}</div></body></html>")
    found = extract_article(page)
    assert found.lead is None
    assert found.text.count(first) == 1


# A <title> naming only the site, printed by the site's logo in its banner.

SITE = "Báo Pháp Luật Thành phố"


def test_the_sites_logo_printing_the_title_is_no_headline():
    page = (f"<html><head><title>{SITE}</title><meta property='og:title' content='{SITE}'>"
            f"</head><body><header class='site-header'><div class='hdr'><h2 class='logo'>"
            f"<a href='/'>{SITE}</a></h2></div><div class='hotline'>Đường dây nóng của tòa "
            "soạn: 0982 000 333, tiếp nhận phản ánh của bạn đọc cả ngày lẫn đêm.</div>"
            f"</header><main><h1>{HEADLINE}</h1>{PARAGRAPHS}</main></body></html>")
    assert extract_article(page).title == HEADLINE


@pytest.mark.parametrize("header", [
    f"<article><header><h1>{HEADLINE}</h1></header>",  # the article's header, with its h1
    f"<article><header class='entry-header'><h2 class='entry-title'>{HEADLINE}</h2></header>",
])
def test_a_headline_printed_in_the_articles_header_is_the_headline(header):
    page = (f"<html><head><title>{HEADLINE}</title></head><body><div class='menu'><a href='/'>"
            f"Trang chủ</a></div>{header}{PARAGRAPHS}</article></body></html>")
    assert extract_article(page).title == HEADLINE


# A day cited in a sentence cut by a link ("Nghị định số <a>31/2026/NĐ-CP</a> ngày 21/01/2026")
# is no label's.

def test_a_day_going_on_a_sentence_after_a_link_is_not_the_publication_day():
    body = (f"<h1>{HEADLINE}</h1>{PARAGRAPHS * 4}<p>Nghị định số <a href='/vb/31'>31/2026/NĐ-CP"
            "</a> ngày 21/01/2026 <a href='/vb/32'>sửa đổi</a> một số điều.</p>"
            f"{PARAGRAPHS}<p>Ngày đăng: 01/03/2026</p>")
    assert extract_article(f"<html><body>{body}</body></html>").published == "2026-03-01"


@pytest.mark.parametrize("label", ["Ngày 01/03/2026", "Ngày: 01/03/2026", "ngày đăng 01/03/2026"])
def test_a_days_label_printed_on_its_own_line_is_read(label):
    body = f"<h1>{HEADLINE}</h1>{PARAGRAPHS}<p>{SENTENCES[0]}</p><div>{label}</div>"
    assert extract_article(f"<html><body>{body}</body></html>").published == "2026-03-01"


# The site's copyright line under the body, on a page read whole.

@pytest.mark.parametrize("line", [
    "Bản quyền thuộc Báo Điện tử Chính phủ - Cổng Thông tin điện tử Chính phủ.",
    "© Bản quyền thuộc về Báo Thử, cơ quan của Tỉnh ủy.",
    "Copyright © 2026 Báo Thử. All rights reserved.",
])
def test_the_sites_copyright_line_ends_the_text(line):
    quoting = ('Ghi rõ nguồn "Cổng Thông tin điện tử Chính phủ", "Báo Điện tử Chính phủ" hoặc '
               '"www.chinhphu.vn" khi phát hành lại thông tin từ các nguồn này.')
    cleaned = clean_lines([*SENTENCES, line, quoting], title=HEADLINE)
    assert cleaned.paragraphs == SENTENCES


def test_a_sentence_on_copyright_inside_the_article_stays():
    sentence = ("Theo luật sư, bản quyền thuộc về tác giả ngay khi tác phẩm được sáng tạo, không "
                "phụ thuộc vào việc đăng ký.")
    cleaned = clean_lines([SENTENCES[0], sentence, *SENTENCES[1:]], title=HEADLINE)
    assert sentence in cleaned.paragraphs


# An element named "author" that prints the day and a share button names no one.

def test_an_author_named_bar_printing_the_day_and_a_share_button_is_no_byline():
    bar = ("<div class='vnbcb-author'><span class='time'>19:41 | 07/09/2026</span>"
           "<a class='share' href='javascript:;'><span>Chia sẻ</span></a></div>")
    page = (f"<html><body><h1>{HEADLINE}</h1>{bar}<div class='detail'>{PARAGRAPHS}"
            "<div style='text-align:right'><b>Thuỳ Linh</b></div></div></body></html>")
    assert extract_article(page).author == "Thuỳ Linh"


# The outlet's pointers printed under the body of a page read whole.

@pytest.mark.parametrize("tail", [
    ["Tin bài liên quan", "Cổ phiếu ngân hàng tăng mạnh phiên cuối tuần"],
    ["Xem thêm trên Báo Đầu Tư"],
    ["Copy link", "Link bài gốc", "https://dongvon.example.vn/co-phieu-42202697193048795.htm"],
    ["Link bài gốc Lấy link! https://markettimes.example.vn/thoi-diem-109319.html"],
])
def test_the_outlets_pointers_under_the_body_are_no_text(tail):
    cleaned = clean_lines([*SENTENCES, *tail], title=HEADLINE)
    assert cleaned.paragraphs[:len(SENTENCES)] == SENTENCES
    assert not any(line in cleaned.paragraphs for line in tail[:-1] or tail)


def test_a_sentence_pointing_to_a_decree_stays():
    sentence = "Xem thêm tại Điều 5 của Nghị định số 10/2026/NĐ-CP về quản lý dự trữ quốc gia."
    assert sentence in clean_lines([*SENTENCES, sentence], title=HEADLINE).paragraphs


# A footer whose text nodes are indented by hundreds of spaces (a SharePoint portal's nested
# <font>s) outweighed the article when its white space was counted.

def test_a_footer_indented_by_white_space_is_not_the_articles_holder():
    padding = " " * 400
    footer = "".join(f"<font>{padding}Dòng chân trang số {n} của cổng thông tin huyện{padding}"
                     "</font><br>" for n in range(30))
    page = (f"<html><head><title>Trang Thông Tin Điện Tử huyện - tỉnh</title></head><body>"
            f"<div class='Home'><h1 style='display:none'>Home</h1></div>"
            f"<table><tr><td><p class='Title'>{HEADLINE}</p></td></tr><tr><td>"
            f"<div id='content-print'>{PARAGRAPHS}</div></td></tr></table>"
            f"<div class='Footer-Text'>{footer}</div></body></html>")
    found = extract_article(page)
    assert found.title == HEADLINE
    assert found.text.startswith(SENTENCES[0])


# The signature above the source and the source's address.

def test_the_signature_above_a_source_and_its_address_is_the_byline():
    cleaned = clean_lines([*SENTENCES, "Lê Phước", "Theo Báo Đắk Nông điện tử",
                           "http://baodaknong.example.vn/cong-bo-nghi-quyet-76588.html"],
                          title=HEADLINE)
    assert cleaned.author == "Lê Phước"
    assert cleaned.paragraphs[-2:] == [
        "Theo Báo Đắk Nông điện tử", "http://baodaknong.example.vn/cong-bo-nghi-quyet-76588.html"]


def test_an_address_alone_under_the_text_leaves_the_last_line_to_the_text():
    cleaned = clean_lines([*SENTENCES, "Lê Phước", "http://example.vn/a.html"], title=HEADLINE)
    assert cleaned.author is None
