"""The task of a crawl, an import and `reprocess` for one page leaves the decoded page out of
its result (the archive keeps the page's bytes in a WARC record, and no decoded copy), and
nothing else: whatever the page's encoding, every other field is the full task's, and a
result stays small. The stored page read back decoded is tested in tests/test_stored_pages.py
and, for a whole crawl, in tests/test_hostile_content.py."""

from __future__ import annotations

import pickle
import unicodedata

import pytest

from pipelines.encodings import ENCODERS
from pipelines.page_task import process_archived_page
from pipelines.process import process_page_in_region
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
def test_the_result_is_the_full_tasks_without_the_decoded_page(name):
    body = PAGES[name]
    expected, _ = process_page_in_region(body, URL, None, RegionRequest(None))
    fields, _ = process_archived_page(body, URL, None, RegionRequest(None))
    assert "Huyện ủy Thuận Bắc" in expected.pop("html")
    assert fields.pop("html") is None
    assert fields == expected
    assert all(paragraph in expected["text"] for paragraph in PARAGRAPHS)


@pytest.mark.parametrize("name", ["utf-8", "utf-16"])
def test_a_result_fits_in_a_pipe(name):
    body = PAGES[name]
    assert len(body) > 64 * 1024
    full = process_page_in_region(body, URL, None, RegionRequest(None))
    compact = process_archived_page(body, URL, None, RegionRequest(None))
    assert len(pickle.dumps(full)) > 64 * 1024 > len(pickle.dumps(compact))
