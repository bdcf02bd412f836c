"""Publication dates from a page's own signals, and meeting dates with the year inferred."""

from __future__ import annotations

import pytest
from lxml import html

from pipelines.dates import meeting_date, parse_dateline, publication_date
from pipelines.extract import extract_article


def page(body: str, head: str = "") -> html.HtmlElement:
    return html.fromstring(f"<html><head>{head}</head><body>{body}</body></html>")


@pytest.mark.parametrize(
    ("line", "expected"),
    [("Thứ sáu, 07/04/2023 10:15", "2023-04-07T10:15:00+07:00"),
     ("Thứ Tư, 08/04/2015, 08:11 [GMT+7]", "2015-04-08T08:11:00+07:00"),
     ("Cập nhật: 14:20 ngày 10/01/2024", "2024-01-10T14:20:00+07:00"),
     ("(24/08/2022)", "2022-08-24"), ("Ngày đăng: 05.03.2024", "2024-03-05"),
     ("06-12-2023 | 9h30", "2023-12-06T09:30:00+07:00"), ("31/02/2024", None)],
)
def test_datelines_are_day_first(line, expected):
    assert parse_dateline(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [("2017-01-23 09:05:00", "2017-01-23T09:05:00+07:00"),  # day first, it was 2023-01-17
     ("Ngày đăng: 2024/12/05", "2024-12-05"),
     ("Thứ năm, ngày 5 tháng 12 năm 2024", "2024-12-05"),
     ("15:42 ngày 05 tháng 5 năm 2024", "2024-05-05T15:42:00+07:00"),
     ("05 Tháng Mười Hai, 2024 | 08:30", "2024-12-05T08:30:00+07:00"),
     ("Thứ Năm, 05 Tháng 12 2024 08:30", "2024-12-05T08:30:00+07:00"),
     ("December 5, 2024 3:40 PM", "2024-12-05T15:40:00+07:00"),
     ("Posted on 5 Dec 2024", "2024-12-05"),
     ("ngày 30 tháng 2 năm 2024", None), ("tháng 12 năm 2024", None), ("123/12/2024", None)],
)
def test_datelines_in_the_other_forms_themes_print(line, expected):
    assert parse_dateline(line) == expected


def test_the_first_date_of_a_line_is_read_whatever_its_form():
    assert parse_dateline("Ngày 4 tháng 12 năm 2024, cập nhật 2024-12-05") == "2024-12-04"
    assert parse_dateline("2024-12-05, sửa ngày 6 tháng 12 năm 2024") == "2024-12-05"


def test_meta_wins_and_keeps_the_pages_own_offset():
    tree = page("<h1>T</h1>", '<meta property="article:published_time" '
                'content="2024-04-05T02:15:00Z">')
    found = publication_date(tree)
    assert (found.value, found.source) == ("2024-04-05T02:15:00+00:00", "meta")


def test_the_day_is_the_day_in_the_pages_offset():
    """23:32 in Moscow is the 21st in Hà Nội, but the page was published on the 20th."""
    tree = page("<h1>T</h1>", '<meta property="article:published_time" '
                'content="2020-09-20T23:32:00+03:00">')
    assert publication_date(tree).value == "2020-09-20T23:32:00+03:00"
    naive = page("<h1>T</h1>", '<meta property="article:published_time" '
                 'content="2020-09-20T23:32:00">')
    assert publication_date(naive).value == "2020-09-20T23:32:00+07:00"


@pytest.mark.parametrize(
    ("line", "expected"),
    [("23/01/2017 | 9:05 AM", "2017-01-23T09:05:00+07:00"),
     ("06/04/2022 | 2:24 PM", "2022-04-06T14:24:00+07:00"),
     ("12/05/2022 | 12:10 AM", "2022-05-12T00:10:00+07:00"),
     ("Cập nhật thứ hai, ngày 24/12/12 11:05 tối", "2012-12-24T23:05:00+07:00"),
     ("Thứ ba, 03/01/23, 8:15 SA", "2023-01-03T08:15:00+07:00"),
     ("Thứ ba, 03/01/23, 3:40 CH", "2023-01-03T15:40:00+07:00"),
     ("9h30 chiều ngày 5/3/2024", "2024-03-05T21:30:00+07:00")],
)
def test_twelve_hour_clocks_and_two_digit_years(line, expected):
    assert parse_dateline(line) == expected


def test_a_date_beside_the_headline_without_a_label():
    tree = page('<div class="sidebar"><h1>Tin tức nổi bật</h1></div>'
                '<div class="asset-title">Hội nghị tổng kết năm 2016</div>'
                '<div class="asset-date">23/01/2017 | 9:05 AM</div>'
                "<p>Sáng ngày 17/1/2017, Đảng bộ tổ chức hội nghị tổng kết công tác năm.</p>")
    found = publication_date(tree, title="Hội nghị tổng kết năm 2016",
                             heading=tree.xpath('//div[@class="asset-title"]')[0])
    assert (found.value, found.source) == ("2017-01-23T09:05:00+07:00", "dateline")


def test_a_labelled_date_anywhere():
    tree = page("<h1>T</h1><p>Một đoạn văn dài của bài viết, không có ngày tháng.</p>" * 8
                + '<div class="info"><span>Ngày đăng: 05/03/2024</span></div>')
    assert publication_date(tree).value == "2024-03-05"
    assert publication_date(tree).source == "label"


def test_a_teasers_time_in_the_article_is_not_taken():
    tree = page('<article><h1>T</h1><ul class="related"><li><a href="/old">Tin cũ '
                '<time datetime="2019-03-01">01/03/2019</time></a></li></ul>'
                '<div class="date"><time datetime="2024-05-06T10:00:00+07:00">06/05/2024'
                "</time></div><p>Nội dung.</p></article>")
    assert publication_date(tree).value == "2024-05-06T10:00:00+07:00"


def test_a_web_archive_capture_time_is_not_the_publication_date():
    replay = "http://web.archive.org/web/20130307194448/http://baoxyz.vn/2008/05/12/tin.html"
    tree = page('<div id="wm-ipp"><span>07 Mar 2013</span> 19:44:48 07/03/2013</div><h1>T</h1>'
                "<p>Nội dung bài viết.</p>")
    assert publication_date(tree, url=replay).value == "2008-05-12"
    bare = "https://web.archive.org/web/20130307194448id_/http://baoxyz.vn/tin-tuc/tin.html"
    assert publication_date(page("<h1>T</h1><p>Nội dung.</p>"), url=bare) is None


def test_htmldate_is_not_taken_from_a_teaser_list():
    tree = page('<h1>T</h1><p>Nội dung bài viết không có ngày đăng.</p><ul class="other">'
                '<li><a href="/a">Tin khác</a> <span class="edn_date">(14/11/2023)</span></li>'
                "</ul>")
    assert publication_date(tree) is None


@pytest.mark.parametrize(
    ("block", "expected"),
    [('{"@graph": [{"@type": "NewsArticle", "datePublished": "2023-12-06"}]}', "2023-12-06"),
     # not valid JSON (an unescaped quote, a trailing comma): read as text, not dropped whole
     ('{"@type": "NewsArticle", "headline": "Hội nghị "tổng kết"", '
      '"datePublished": "2023-12-06T08:00:00+07:00",}', "2023-12-06T08:00:00+07:00")],
)
def test_json_ld(block, expected):
    tree = page(f'<script type="application/ld+json">{block}</script><h1>T</h1>')
    assert (publication_date(tree).value, publication_date(tree).source) == (expected, "json-ld")


def test_header_clock_is_not_the_publication_date():
    tree = page('<div class="topbar"><span class="clock">Thứ tư, 06/12/2023</span></div>'
                '<nav>menu</nav><h1>Tiêu đề</h1><div class="date">Thứ sáu, 07/04/2023 10:15</div>'
                "<p>Ngày 6/4, huyện tổ chức hội nghị.</p>")
    assert publication_date(tree, title="Tiêu đề").value == "2023-04-07T10:15:00+07:00"
    clock_only = page('<div class="header">Thứ tư, 06/12/2023</div><h1>Tiêu đề</h1>'
                      "<p>Ngày 6/4, huyện tổ chức hội nghị đánh giá kết quả quý I/2023 và "
                      "triển khai nhiệm vụ tháng 5/2024 với nhiều nội dung quan trọng.</p>")
    assert publication_date(clock_only, title="Tiêu đề") is None


def test_body_dates_are_not_taken_but_the_url_is():
    tree = page("<h1>T</h1><p>Sáng ngày 4/6/2024, UBND huyện tổ chức hội nghị thường kỳ đánh "
                "giá tình hình phát triển kinh tế - xã hội tháng 5; triển khai nhiệm vụ.</p>")
    assert publication_date(tree) is None
    found = publication_date(tree, url="https://baohatinh.vn/2024/06/05/ubnd-huyen.html")
    assert (found.value, found.source) == ("2024-06-05", "url")


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [("Ngày 4/4, Huyện ủy Thuận Bắc tổ chức", "2024-04-05T08:40:00+07:00", "2024-04-04"),
     ("Chiều 10/01, Huyện ủy Ngân Sơn tổ chức", "2024-01-11", "2024-01-10"),
     ("Ngày 28-12, Ủy ban MTTQ huyện tổng kết", "2024-01-02", "2023-12-28"),
     ("Sáng ngày 4/6/2024, UBND huyện tổ chức", "2024-06-05", "2024-06-04"),
     ("Chiều 17.12, HĐND huyện khai mạc kỳ họp", "2023-12-18", "2023-12-17"),
     ("Sáng thứ Hai (8/1), Huyện ủy Phù Ninh tổ chức", "2024-01-09", "2024-01-08"),
     ("Chiều qua (7-1), UBND huyện họp phiên thường kỳ", "2024-01-08", "2024-01-07"),
     ("Chủ nhật (7/1), Đảng ủy xã tổ chức", "2024-01-08", "2024-01-07"),
     ("Sáng thứ Ba, ngày 9/1, HĐND huyện khai mạc", "2024-01-10", "2024-01-09"),
     # rules-12: the first ten days ("mùng 8/7") and the official style ("ngày 8 tháng 7 năm")
     ("Sáng mùng 8/7, UBND huyện tổ chức", "2024-07-09", "2024-07-08"),
     ("Ngày 8 tháng 7 năm 2024, Huyện ủy tổ chức", None, "2024-07-08"),
     ("Chiều mồng 2 tháng 1, HĐND xã khai mạc kỳ họp", "2024-01-03", "2024-01-02"),
     ("Thực hiện kế hoạch năm 2024, huyện đã", "2024-03-01", None)],
)
def test_meeting_date_year_is_inferred(text, published, expected):
    assert meeting_date(text, published) == expected


@pytest.mark.parametrize("offset", ["+25:00", "-24:00", "+99:99", "+07:75", "+1500"])
def test_an_impossible_offset_is_read_as_none_not_a_lost_page(offset):
    """datetime refuses an offset of 24 hours or more: one meta tag with "+25:00" failed the
    whole page's extraction. No place keeps more than 14 hours; beyond, the page's default
    zone is used, as when no offset is given."""
    tree = html.fromstring(f'<html><head><meta property="article:published_time" '
                           f'content="2024-05-10T23:30:00{offset}"></head><body>'
                           "<p>Nội dung.</p></body></html>")
    found = publication_date(tree)
    assert found is not None and found.value == "2024-05-10T23:30:00+07:00"


@pytest.mark.parametrize("offset, expected", [("+14:00", "+14:00"), ("-12:00", "-12:00"),
                                              ("+05:45", "+05:45"), ("Z", "+00:00")])
def test_every_offset_a_place_keeps_is_kept(offset, expected):
    tree = html.fromstring(f'<html><head><meta property="article:published_time" '
                           f'content="2024-05-10T23:30:00{offset}"></head></html>')
    assert publication_date(tree).value == f"2024-05-10T23:30:00{expected}"


LONG_PARAGRAPHS = "<p>Một đoạn văn dài của bài viết, không có ngày tháng nào cả ở đây.</p>" * 8


def test_a_label_in_an_element_of_its_own_reads_the_date_after_it():
    tree = page("<h1>T</h1>" + LONG_PARAGRAPHS + '<div class="news-date"><span>Ngày đăng:</span>'
                "&nbsp;06/09/2020 - 17:20 </div>")
    found = publication_date(tree, title="T")
    assert (found.value, found.source) == ("2020-09-06T17:20:00+07:00", "label")
    beside = page("<h1>T</h1>" + LONG_PARAGRAPHS * 2
                  + "<div><b>Ngày đăng:</b><span>06/09/2020</span></div>")
    assert publication_date(beside, title="T").source == "label"


def test_a_text_opening_like_a_label_is_not_one():
    """"Ngày hội đọc sách" opens with "Ngày": the date after it is not the page's."""
    tree = page("<h1>T</h1>" + LONG_PARAGRAPHS
                + '<div class="event"><span>Ngày hội đọc sách</span> 05/09/2020</div>')
    found = publication_date(tree, title="T")
    assert found is None or found.source != "label"


def test_a_list_of_the_articles_own_facts_holds_its_dateline():
    tree = page('<h1>Giá vàng tăng</h1><ul class="the-article-meta">'
                '<li class="the-article-publish">Thứ ba, 23/12/2025 09:02 (GMT+7)</li>'
                '<li><a href="/tac-gia/an">An Khương</a></li></ul>' + LONG_PARAGRAPHS)
    found = publication_date(tree, title="Giá vàng tăng")
    assert (found.value, found.source) == ("2025-12-23T09:02:00+07:00", "dateline")


def test_a_teasers_list_item_does_not():
    tree = page('<h1>Giá vàng tăng</h1><ul class="related">'
                '<li><a href="/bai-khac">Giá bạc giảm</a> 20/12/2025</li></ul>' + LONG_PARAGRAPHS)
    found = publication_date(tree, title="Giá vàng tăng")
    assert found is None or found.source != "dateline"


def test_an_articles_own_header_is_not_the_sites():
    inside = page('<article><header><span class="post-date">Thứ 2, 13/02/2023 | 14:14</span>'
                  "</header><h1>Hoạt động STEM</h1>" + LONG_PARAGRAPHS + "</article>")
    found = publication_date(inside, title="Hoạt động STEM")
    assert (found.value, found.source) == ("2023-02-13T14:14:00+07:00", "dateline")
    site = page('<header><span class="today">Thứ 2, 13/02/2023 | 14:14</span></header>'
                "<article><h1>Hoạt động STEM</h1>" + LONG_PARAGRAPHS + "</article>")
    found = publication_date(site, title="Hoạt động STEM")
    assert found is None or found.source != "dateline"


def stamped_page(stamp_after: int) -> str:
    """Thirty paragraphs, the day printed alone under the paragraph `stamp_after` (far from
    the headline), and other stories with their own days after the article (what htmldate
    took)."""
    paragraphs = [f"<p>Một đoạn của bài viết về hội nghị sơ kết công tác sáu tháng đầu năm "
                  f"của Huyện ủy, đủ dài để là thân bài: đoạn thứ {n}.</p>" for n in range(1, 31)]
    paragraphs.insert(stamp_after, '<p style="text-align:right"><em>(08/01/2026)</em></p>')
    others = "".join(f'<li><a href="/tin/{n}.html">Tin khác số {n} của cổng thông tin</a> '
                     f"({n + 10}/12/2025)</li>" for n in range(1, 4))
    return ("<html><head><title>Huyện ủy sơ kết sáu tháng</title></head><body>"
            f"<h1>Huyện ủy sơ kết sáu tháng</h1><div class='content'>{''.join(paragraphs)}"
            f"</div><ul class='x'>{others}</ul></body></html>")


def test_the_day_printed_alone_under_the_body_is_the_publication_date():
    found = extract_article(stamped_page(30))
    assert (found.published, found.published_source) == ("2026-01-08", "stamp")
    assert "08/01/2026" not in found.text


def test_a_bare_day_in_the_first_half_of_the_text_is_no_stamp():
    found = extract_article(stamped_page(13))
    assert (found.published, found.published_source) != ("2026-01-08", "stamp")
