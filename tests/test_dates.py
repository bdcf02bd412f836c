"""Publication dates from a page's own signals, and meeting dates with the year inferred."""

from __future__ import annotations

import pytest
from lxml import html

from pipelines.dates import meeting_date, parse_dateline, publication_date


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


def test_meta_wins_and_is_converted_to_vietnam_time():
    tree = page("<h1>T</h1>", '<meta property="article:published_time" '
                'content="2024-04-05T02:15:00Z">')
    found = publication_date(tree)
    assert (found.value, found.source) == ("2024-04-05T09:15:00+07:00", "meta")


def test_json_ld():
    tree = page('<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
                '"datePublished": "2023-12-06"}]}</script><h1>T</h1>')
    assert publication_date(tree).value == "2023-12-06"
    assert publication_date(tree).source == "json-ld"


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
     ("Thực hiện kế hoạch năm 2024, huyện đã", "2024-03-01", None)],
)
def test_meeting_date_year_is_inferred(text, published, expected):
    assert meeting_date(text, published) == expected
