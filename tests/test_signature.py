"""The writer's signature printed under the body in an element of its own (a bold name in a
right-aligned <div>, after a share box), which trafilatura's text leaves out."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_article

PARAGRAPHS = "".join(
    f"<p>Đoạn thứ {n} của bài viết về việc thay thế cây xanh trên các tuyến phố của thành "
    "phố, với đủ chữ để trình đọc coi là thân bài của một bài báo.</p>" for n in range(1, 6))
LAST = ("<p>Chậm nhất trong 30 ngày, đoàn thanh tra phải báo cáo kết quả cho "
        "<b>UBND TP</b>./.</p>")


def page(after_body: str, before_body: str = "") -> str:
    return ("<html><head><title>Thanh tra vụ chặt cây xanh</title></head><body>"
            "<h1>Thanh tra vụ chặt cây xanh</h1>" + before_body
            + f'<div class="content">{PARAGRAPHS}{LAST}{after_body}</div>'
            '<div class="footer"><p>Bản quyền thuộc về cổng thông tin.</p></div></body></html>')


@pytest.mark.parametrize("signed", [
    '<div align="right"><b>Thu Lan</b></div>',
    '<div class="wrapper-qt"><div class="qtam_social"><iframe src="x"></iframe></div>'
    "<strong>XUÂN LONG</strong></div>",
    '<div style="text-align: right"><em>Hải Yến</em></div>',
    # Plain, in a span of its own, in a box under the body (its class names unknown).
    '<div class="n1"><!-- Ban Thời sự --><span class="n2">XUÂN LONG</span></div>',
])
def test_a_name_signed_under_the_last_paragraph_is_the_author(signed):
    found = extract_article(page(signed))
    name = signed.split(">")[-3].split("<")[0]
    assert found.author == name
    assert name not in found.text
    assert found.text.endswith("báo cáo kết quả cho UBND TP.")


@pytest.mark.parametrize("tag", ["b", "span"])
def test_a_bold_name_elsewhere_is_not(tag):
    """A bold place name before the body, and a name in a box after a list of other
    stories, follow no last paragraph of the text."""
    found = extract_article(page(
        '<ul><li><a href="/a">Hà Nội trồng thêm cây xanh trên các tuyến phố</a></li></ul>'
        f"<div><{tag}>Minh Anh</{tag}></div>",
        before_body=f"<p><{tag}>Hà Nội</{tag}></p>"))
    assert found.author is None


def test_the_texts_own_byline_comes_first():
    found = extract_article(page('<p>Tin, ảnh: P.Y</p><div align="right"><b>Thu Lan</b></div>'))
    assert found.author == "P.Y"


def test_the_signature_is_read_in_the_article_region_a_profile_or_a_crawl_names():
    """Read from the region alone (a profile's article_selector, or the region a crawl
    learned), the page's signature was taken for one removed with a side block."""
    found = extract_article(page('<div align="right"><b>Thu Lan</b></div>'),
                            article_selector="div.content")
    assert found.author == "Thu Lan"
    assert "Thu Lan" not in found.text


GALLERY = ("<p>Một số hình ảnh tại Hội nghị:</p>"
           '<p align="center"><img src="/anh/1.jpg"></p>'
           '<p align="center">Lãnh đạo thành phố trao bằng khen cho các tập thể</p>'
           '<p align="center"><img src="/anh/2.jpg"></p>'
           '<p align="center">Các đại biểu dự Hội nghị</p>')


@pytest.mark.parametrize("gallery", [
    GALLERY,
    '<p align="center"><img src="/anh/1.jpg"></p><p align="center">Các đại biểu dự Hội nghị</p>',
])
def test_a_name_signed_before_the_photos_and_their_captions_is_the_author(gallery):
    """Portals print the photos after the signature: the text ends with their captions."""
    found = extract_article(page('<p style="text-align: right;"><strong>Quý Hạnh</strong></p>'
                                 + gallery))
    assert found.text.endswith("Các đại biểu dự Hội nghị")
    assert found.author == "Quý Hạnh"


def test_a_bold_name_before_photos_and_more_prose_is_not_the_author():
    """A name printed bold over a photo in the middle of the body, with prose after the
    captions, signs nothing; nor does one before captions with no photo after it."""
    prose = ("<p>Sau hội nghị, các đại biểu đi thăm mô hình sản xuất của các hộ dân trong "
             "xã và ghi nhận nhiều cách làm hay để nhân rộng.</p>")
    with_prose = extract_article(page("<p><strong>Quý Hạnh</strong></p>" + GALLERY + prose))
    no_photo = extract_article(page("<p><strong>Quý Hạnh</strong></p>"
                                    "<p>Các đại biểu dự Hội nghị</p>"))
    assert with_prose.author is None and "hộ dân trong xã" in with_prose.text
    assert no_photo.author is None
