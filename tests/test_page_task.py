"""The crawl's task for one page sends the decoded page back only when the crawl's own process
cannot rebuild it from the bytes it holds: whatever the page's encoding, the crawl stores the
page as the workers decoded it, and a plain UTF-8 page's result stays small."""

from __future__ import annotations

import pickle
import unicodedata

import pytest

from pipelines.encodings import ENCODERS
from pipelines.page_task import decoded_page, process_fetched_page, process_page
from pipelines.site_region import RegionRequest

URL = "http://127.0.0.1:1/tin-tuc/hoi-nghi-quy-ii.html"
PARAGRAPHS = [
    "Ngày 4/4, Huyện ủy Thuận Bắc tổ chức Hội nghị đánh giá kết quả thực hiện nhiệm vụ quý I "
    "và triển khai nhiệm vụ quý II/2024; thu ngân sách ước đạt 6,8 tỷ đồng.",
    "Đồng chí Bí thư Huyện ủy yêu cầu các xã, thị trấn tập trung chỉ đạo sản xuất vụ Hè Thu, "
    "phòng chống hạn hán và xâm nhập mặn.",
    "Các đại biểu thảo luận, làm rõ những tồn tại, hạn chế và đề xuất giải pháp khắc phục "
    "trong thời gian tới.",
]
# A portal's menus and scripts: real article pages weigh 50-80 KB.
MENU = "".join(f'<li><a href="/chuyen-muc/{i}.html">Chuyên mục số {i}</a></li>'
               for i in range(1000))


def page(charset: str = "utf-8") -> str:
    body = "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    return (f'<html><head><meta charset="{charset}"><title>Hội nghị quý II</title></head>'
            f"<body><ul>{MENU}</ul><article><h1>Huyện ủy Thuận Bắc triển khai nhiệm vụ quý "
            f"II/2024</h1>{body}</article></body></html>")


PAGES = {
    "utf-8": page().encode("utf-8"),
    "utf-8 with a byte order mark": b"\xef\xbb\xbf" + page().encode("utf-8"),
    "utf-8, tone marks decomposed": unicodedata.normalize("NFD", page()).encode("utf-8"),
    "utf-8 with a control reference": page().replace("Chuyên mục số 7<", "Chuyên mục số 7&#1;<")
    .encode("utf-8"),
    "tcvn3": ENCODERS["tcvn3"](page("tcvn3")),
    "vni": ENCODERS["vni"](page("vni")),
    "windows-1258": ENCODERS["windows-1258"](page("windows-1258")),
    "utf-16": page("utf-16").encode("utf-16"),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_crawl_stores_the_page_as_the_worker_decoded_it(name):
    body = PAGES[name]
    expected, _ = process_page(body, URL, None, RegionRequest(None))
    fields, _ = process_fetched_page(body, URL, None, RegionRequest(None))
    html = fields.pop("html")
    assert decoded_page(html, body, fields["encoding"]) == expected.pop("html")
    assert fields == expected
    assert all(paragraph in expected["text"] for paragraph in PARAGRAPHS)


def test_a_plain_pages_result_leaves_its_html_out_and_fits_in_a_pipe():
    body = PAGES["utf-8"]
    assert len(body) > 64 * 1024
    full = process_page(body, URL, None, RegionRequest(None))
    compact = process_fetched_page(body, URL, None, RegionRequest(None))
    assert compact[0]["html"] is None
    assert len(pickle.dumps(full)) > 64 * 1024 > len(pickle.dumps(compact))


@pytest.mark.parametrize("name", ["tcvn3", "vni", "utf-8, tone marks decomposed",
                                  "utf-8 with a control reference", "utf-16"])
def test_a_page_its_codec_alone_does_not_read_is_sent_whole(name):
    fields, _ = process_fetched_page(PAGES[name], URL, None, RegionRequest(None))
    assert fields["html"] is not None and "Huyện ủy Thuận Bắc" in fields["html"]
