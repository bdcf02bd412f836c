"""The headline of a page whose <title> names only the site (an old portal prints its own name
there on every page, with no og:title): the heading or title element nearest before the
article's first paragraph, not the first <h1> (a sidebar box's), and the section label printed
above it is no line of the text."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_article

SIDEBAR = ("<div class='col-left'><div class='portlet'><h1 class='portlet-title'><span>quy hoạch - "
           "kế hoạch</span></h1><ul><li><a href='/qh'>Quy hoạch ngành thông tin</a></li></ul>"
           "</div><div class='portlet'><h1 class='portlet-title'>LIÊN KẾT WEBSITE</h1><ul><li>"
           "<a href='/lk'>Cổng thông tin Chính phủ</a></li></ul></div></div>")
BODY = ("<p>Đồng chí Bí thư Đảng ủy chủ trì hội nghị; dự có các đồng chí trong Ban Chấp hành "
        "Đảng bộ và bí thư các chi bộ trực thuộc.</p><p>Hội nghị đã thảo luận, thống nhất các "
        "nhiệm vụ trọng tâm năm 2017 của Đảng bộ Sở.</p>")
SAPO = ("Sáng ngày 17/1/2017, Đảng bộ Sở Thông tin và Truyền thông tổ chức Hội nghị tổng kết "
        "công tác xây dựng Đảng năm 2016, triển khai nhiệm vụ năm 2017.")


def portal_page(headline: str, heading: str = "div class='asset-full-content-title'",
                sapo: str = f"<p class='sapo'><strong>{SAPO}</strong></p>") -> bytes:
    tag = heading.split()[0]
    return (f"<html><head><title>Cổng thông tin điện tử Sở Thông tin và Truyền thông</title>"
            f"</head><body><div class='page'>{SIDEBAR}<div class='col-main'><div class="
            f"'dd_chuyenmuc'><span><a href='/'>Trang chủ</a></span><span><p>Hoạt động Đảng, "
            f"Đoàn thể</p></span></div><div><{heading}>{headline}</{tag}><div class='date'>"
            f"23/01/2017 | 9:05 AM</div>{sapo}<div class='content'>{BODY}</div></div></div>"
            f"</div></body></html>").encode()


@pytest.mark.parametrize("headline", [
    "Đảng bộ Sở Thông tin và Truyền thông triển khai nhiệm vụ năm 2017",
    "6 tháng đầu năm 2016: Đảng ủy Sở tích cực lãnh đạo thực hiện nhiệm vụ",  # a digit first
])
def test_the_headline_before_the_article_when_the_title_names_the_site(headline):
    found = extract_article(portal_page(headline))
    assert found.title == headline
    assert found.published == "2017-01-23T09:05:00+07:00"  # the dateline under it
    assert "Hoạt động Đảng, Đoàn thể" not in found.text  # the section's label above it
    assert found.text.startswith("Đồng chí Bí thư Đảng ủy chủ trì hội nghị")


def test_a_sapo_printed_as_a_heading_is_not_the_headline():
    headline = "Đảng bộ Sở Thông tin và Truyền thông triển khai nhiệm vụ năm 2017"
    found = extract_article(portal_page(headline, heading="h1", sapo=f"<h2>{SAPO}</h2>"))
    assert found.title == headline


def test_texts_after_a_comment_are_read_in_their_element():
    """lxml gives a text that follows a comment as the comment's tail: the article's first
    paragraph and a labelled byline written so are read in the element holding them (the
    comment made XPath raise ValueError before)."""
    body = "Văn bản của bài viết, đủ dài để là một đoạn văn xuôi của bài báo này. " * 3
    page = (f"<html><head><title>Cổng thông tin điện tử</title></head><body><div><h1>Tiêu đề "
            f"của bài viết hôm nay</h1><!-- nội dung -->{body}</div><div><!-- tác giả -->Tác "
            f"giả: An Khương</div></body></html>")
    found = extract_article(page)
    assert (found.title, found.author) == ("Tiêu đề của bài viết hôm nay", "An Khương")


PARAGRAPHS = "".join(
    f"<p>Đoạn thứ {n} của bài viết về hội nghị tổng kết công tác xây dựng Đảng năm 2016 của Đảng"
    " bộ Sở, với đủ chữ để trình đọc coi là thân bài.</p>" for n in range(1, 5))


def test_the_sections_label_above_a_headline_named_by_the_title_is_no_line():
    """"Headline - Site" names no section: the section's label printed above the headline was
    the text's first line. A short line deep in the article stays, even if a menu prints it."""
    paragraphs = PARAGRAPHS
    html = ("<html><head><title>Đảng bộ Sở triển khai nhiệm vụ năm 2017 - Sở Thông tin"
            "</title></head><body><ul class='x'><li>Trang chủ</li><li>Kết quả</li></ul>"
            "<div class='c'><div class='dd'><span><a href='/'>Home</a></span>"
            "<span><p>Hoạt động Đảng, Đoàn thể</p></span></div>"
            "<h1>Đảng bộ Sở triển khai nhiệm vụ năm 2017</h1>" + paragraphs
            + "<p>Kết quả</p>" + paragraphs.replace("Đoạn thứ", "Phần") + "</div></body></html>")
    found = extract_article(html)
    lines = found.text.splitlines()
    assert lines[0].startswith("Đoạn thứ 1")
    assert "Hoạt động Đảng, Đoàn thể" not in lines
    assert "Kết quả" in lines  # printed above the headline too, but deep in the article


def test_with_no_heading_and_no_title_the_headline_is_the_text_above_the_dateline():
    """A theme whose names say nothing under a <title> naming only the site: not the side
    box's heading, not the photo's caption between the dateline and the first paragraph."""
    paragraphs = PARAGRAPHS
    html = ("<html><head><title>Sở Thông tin</title></head><body>"
            "<div class='n1'><h2>Tin tức nổi bật</h2><div><a href='/a'>Một tin khác của Sở</a>"
            "</div></div><div class='n2'><div class='n3'>Đảng bộ Sở triển khai nhiệm vụ năm 2017"
            "</div><div class='n4'>23/01/2017 | 9:05 AM</div><div class='n5'><img src='a.jpg'>"
            "<div>Các đại biểu dự hội nghị tại hội trường lớn</div></div>" + paragraphs
            + "</div></body></html>")
    found = extract_article(html)
    assert found.title == "Đảng bộ Sở triển khai nhiệm vụ năm 2017"
    assert found.published.startswith("2017-01-23")


SAPO = ("Sau 8 tháng khởi công, dự án mở rộng đường Nguyễn Thị Định đã hoàn thành phần mặt đường"
        " và thông xe kỹ thuật.")


def sapo_page(under_headline: str) -> str:
    return ("<html><head><title>Thông xe đường Nguyễn Thị Định - Báo X</title></head><body>"
            "<div class='c'><h1>Thông xe đường Nguyễn Thị Định</h1>" + under_headline
            + "<div class='body'>" + PARAGRAPHS + "</div></div></body></html>")


@pytest.mark.parametrize("printed", [
    f"<h2 class='font18 bold inline-nb'>{SAPO}</h2>",  # a heading that ends a sentence
    f"<div class='brief-detail'><p><b>{SAPO}</b></p></div>",  # a class naming a brief
])
def test_the_sapo_printed_under_the_headline_with_no_description_is_the_lead(printed):
    found = extract_article(sapo_page(printed))
    assert found.lead == SAPO
    assert found.text.splitlines()[0] == SAPO and found.text.count(SAPO) == 1


def test_a_subtitle_under_the_headline_is_no_sapo():
    found = extract_article(sapo_page("<h2>Dự án giao thông trọng điểm của thành phố</h2>"))
    assert found.lead is None


HEADLINE = "Huyện ủy Đức Thọ triển khai nhiệm vụ quý II năm 2024"
# A new theme's page: its names say nothing, its <title> is the site's name, its headline a
# styled div among others of the same look (a side box's heading before it, a banner line).
BARE_PAGE = ("<html><head><title>Cổng thông tin điện tử huyện</title>{head}</head><body>"
             "<div class='n1'><div class='n2'>Tin tức nổi bật trong tuần</div><div><a href='/a'>"
             "Một tin khác của huyện</a></div></div><div class='n3'>{printed}<div class='n4'>"
             "Cập nhật lúc 9:05 AM</div>" + PARAGRAPHS + "</div></body></html>")


def bare_page(head: str, printed: str = f"<div class='n5'>{HEADLINE}</div>") -> str:
    return BARE_PAGE.format(head=head, printed=printed)


@pytest.mark.parametrize("head", [
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    f'"NewsArticle", "headline": "{HEADLINE}", "datePublished": "2024-04-05"}}</script>',
    # only the article's "name"; the page's own object names the site
    '<script type="application/ld+json">[{"@type": "WebPage", "name": "Cổng thông tin điện '
    f'tử huyện"}}, {{"@type": "NewsArticle", "name": "{HEADLINE}"}}]</script>',
    # a careless block JSON cannot read, its letters escaped
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Huyện ủy Đức '
    'Th\\u1ecd triển khai nhiệm vụ quý II năm 2024",}</script>',
    f'<meta name="DC.Title" content="{HEADLINE}">',
    f'<meta itemprop="headline" content="{HEADLINE}">',
])
def test_with_no_heading_the_headline_stated_for_machines_finds_its_element(head):
    """The headline the page states in JSON-LD or a meta names the element printing it, so
    the text's first line is the article's, not the headline again."""
    found = extract_article(bare_page(head))
    assert found.title == HEADLINE
    assert not found.text.startswith(HEADLINE)


def test_a_stated_headline_no_element_prints_gives_way_to_the_printed_one():
    """An editor changed the headline after the JSON-LD was written: the heading printed
    above the article is the headline; the stated one is kept for a page that prints none."""
    stated = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
              '"Đức Thọ: hội nghị quý II"}</script>')
    printed = f"<h1 class='n5'>{HEADLINE}</h1>"
    assert extract_article(bare_page(stated, printed)).title == HEADLINE
    assert extract_article(bare_page(stated, "")).title == "Đức Thọ: hội nghị quý II"


def test_a_title_cut_short_finds_the_element_printing_it_whole():
    """A CMS cuts the <title> and its metas at a hundred characters: the element printing the
    cut title's words and more is the headline, whole (not a teaser link cut the same way)."""
    whole = ("Sở Giáo dục và Đào tạo triển khai kế hoạch điều chỉnh nội dung, phân phối chương "
             "trình các môn học cấp trung học cơ sở")
    cut = whole[:70] + "..."
    html = (bare_page("", f"<div class='n5'>{whole}</div>")
            .replace("<title>Cổng thông tin điện tử huyện</title>", f"<title>{cut}</title>")
            .replace("Một tin khác của huyện", cut))
    assert extract_article(html).title == whole


def test_with_no_heading_the_headline_printed_right_under_the_dateline():
    """An older theme prints the day first, then the headline, then the article (the headline
    long enough to read as the first paragraph; the page's script repeats it)."""
    html = ("<html><head><title>VnExpress</title></head><body><div class='n1'><a href='/'>Xã hội"
            "</a> <a href='/v'>Video</a></div><div class='n2'><span>Thứ năm, 13/6/2013, 08:28 "
            "GMT+7</span><script>share('Chiến+thuật+giành+học+bổng+đại+học+danh+tiếng+Mỹ', "
            "'sociable', 1002329338);</script><div class='n3'>Chiến thuật giành học bổng đại học "
            "danh tiếng Mỹ</div>" + PARAGRAPHS + "</div></body></html>")
    found = extract_article(html)
    assert found.title == "Chiến thuật giành học bổng đại học danh tiếng Mỹ"
    assert found.published.startswith("2013-06-13")


def test_a_web_pages_name_in_json_ld_is_no_headline():
    """Only an article's object names the headline: the WebPage's or the publisher's name is
    the site's, printed in its banner."""
    head = ('<script type="application/ld+json">[{"@type": "WebPage", "name": "Tin tức nổi bật '
            'trong tuần"}, {"@type": "Organization", "name": "Tin tức nổi bật trong tuần"}]'
            '</script>')
    assert extract_article(bare_page(head)).title != "Tin tức nổi bật trong tuần"


LEAD = ("Sáng 8/1, Huyện ủy Đức Thọ tổ chức hội nghị sơ kết công tác quý II, triển khai nhiệm vụ "
        "trọng tâm quý III năm 2024.")


@pytest.mark.parametrize("head", [
    '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "' + HEADLINE
    + '", "description": "' + LEAD + '"}</script>',
    f'<meta name="DC.Description" content="{LEAD}">',
])
def test_with_no_description_meta_the_sapo_stated_for_machines_is_found(head):
    """No description meta, the sapo in a box named nothing we know, apart from the body: the
    description the page states in JSON-LD or Dublin Core finds it, and the text opens with it
    once."""
    html = (f"<html><head><title>{HEADLINE} - Cổng thông tin huyện</title>{head}</head><body>"
            f"<div class='n1'><h1>{HEADLINE}</h1><div class='n2'><span>{LEAD}</span></div></div>"
            f"<div class='n3'>{PARAGRAPHS}</div></body></html>")
    found = extract_article(html)
    assert found.lead == LEAD
    assert found.text.splitlines()[0] == LEAD and found.text.count(LEAD) == 1


def test_a_web_pages_description_in_json_ld_is_no_sapo():
    head = ('<script type="application/ld+json">{"@type": "WebSite", "description": "Cổng thông '
            'tin điện tử của huyện Đức Thọ, tỉnh Hà Tĩnh, nơi đăng tin tức và văn bản."}</script>')
    html = (f"<html><head><title>{HEADLINE}</title>{head}</head><body><h1>{HEADLINE}</h1>"
            f"<div class='n3'>{PARAGRAPHS}</div></body></html>")
    assert extract_article(html).lead is None
