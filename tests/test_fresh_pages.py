"""Faults a first look at real pages of sites nobody here had seen found (national papers'
templates of 2012-2019: an ASP.NET theme, SharePoint, table layouts), each mended by a rule for a
kind of markup or text. The pages here are written for the tests, each in the shape of the kind
it stands for; the guards beside each rule are what the rule must leave alone."""

from __future__ import annotations

import lxml.html
import pytest

from pipelines.boilerplate import clean_lines
from pipelines.div_paragraphs import divs_among_paragraphs
from pipelines.extract import extract_article
from pipelines.signature import signature_after, signatures

HEADLINE = "Huyện ủy sơ kết công tác quý II năm 2024"
SENTENCES = [
    f"Đoạn thứ {n} của bài viết về hội nghị sơ kết công tác quý II năm 2024 của Huyện ủy, với "
    "đủ chữ để trình đọc coi là thân bài của trang." for n in range(1, 5)]
LAST = ("Kết luận hội nghị, đồng chí Bí thư Huyện ủy yêu cầu các cấp ủy, chính quyền tập trung "
        "hoàn thành các chỉ tiêu đã đề ra trong quý III.")
PARAGRAPHS = "".join(f"<p>{sentence}</p>" for sentence in SENTENCES)


def page(body: str, head: str = "", url_title: str = HEADLINE) -> str:
    return (f"<html><head><title>{url_title} - Báo Thử</title>{head}</head><body>"
            "<div class='menu'><a href='/'>Trang chủ</a> <a href='/thoi-su'>Thời sự</a></div>"
            f"<div class='k1'><h1>{HEADLINE}</h1><div class='k2'>{body}</div></div>"
            "<div class='k9'>Bản quyền thuộc về Báo Thử</div></body></html>")


# The outlet named in the author meta by its host's name and a word outlets add to it, the
# company or the technology behind the site, an account's handle.

@pytest.mark.parametrize("meta, host, signed, author", [
    ("VietNamNet News", "https://vietnamnet.vn/a-1.html", "", None),
    ("Thanh Niên Online", "https://www.thanhnien.vn/a-1.html", "", None),
    ("VietNamNet News", "https://vietnamnet.vn/a-1.html", "Ca Tiếu", "Ca Tiếu"),
    # The technology or the company behind the site, an account's handle.
    ("Công nghệ ChannelVN", "https://dantri.com.vn/a-1.htm", "", None),
    ("Công ty cổ phần Truyền thông Việt Nam", "https://dantri.com.vn/a-1.htm", "", None),
    ("baodantridientu", "https://dantri.com.vn/a-1.htm", "", None),
    ("Minh Anh", "https://dantri.com.vn/a-1.htm", "", "Minh Anh"),
    # A person bearing the place's name the host is: the name alone, stated, is the author.
    ("Nguyễn Thanh Hoa", "https://thanhhoa.gov.vn/a-1.html", "", "Nguyễn Thanh Hoa"),
    ("Thanh Hoa Minh", "https://thanhhoa.gov.vn/a-1.html", "", "Thanh Hoa Minh"),
])
def test_an_author_meta_naming_the_outlet_or_its_company_is_no_writer(meta, host, signed, author):
    signature = f"<p><b>{signed}</b></p>" if signed else ""
    found = extract_article(page(PARAGRAPHS + f"<p>{LAST}</p>{signature}",
                                 f"<meta name='author' content='{meta}'>"), url=host)
    assert found.author == author


# A description holding the sapo's markup.

SAPO = ("(Dân trí) - UBND Hà Nội vừa thông báo về việc hoán đổi ngày nghỉ hàng tuần vào các dịp "
        "nghỉ lễ, Tết năm 2025 của cán bộ, công chức.")
LINKED = "Công chức được nghỉ 9 ngày dịp Tết Âm lịch"


def test_a_description_holding_markup_is_read_for_its_text_without_its_closing_link():
    markup = (f"{SAPO}&lt;br&gt;&lt;a href='/x-1.htm'&gt;&lt;b&gt;&amp;nbsp;&gt;&gt;&amp;nbsp;"
              f"{LINKED}&lt;/b&gt;&lt;/a&gt;")
    body = (f"<h2>{SAPO}<br><a href='/x-1.htm'><b>&gt;&gt; {LINKED}</b></a></h2>"
            + PARAGRAPHS + f"<p>{LAST}</p>")
    found = extract_article(page(body, f'<meta name="description" content="{markup}">'))
    assert found.lead == SAPO
    assert "<" not in found.text and "href" not in found.text
    assert found.text.count(SAPO) == 1


def test_a_link_inside_a_description_keeps_its_words():
    markup = "UBND &lt;a href='/h'&gt;huyện Lý Nhân&lt;/a&gt; tổ chức hội nghị sơ kết quý II."
    body = "<p>UBND huyện Lý Nhân tổ chức hội nghị sơ kết quý II.</p>" + PARAGRAPHS
    found = extract_article(page(body, f'<meta name="description" content="{markup}">'))
    assert found.lead == "UBND huyện Lý Nhân tổ chức hội nghị sơ kết quý II."


# A paragraph printed as a <div> among the <p>s.

DIV_SENTENCE = ("Cụ thể, trong dịp nghỉ Tết Dương lịch cán bộ, công chức, viên chức nghỉ Thứ hai "
                "và đi làm bù vào Thứ bảy tuần sau đó.")
CAPTION = "Quang cảnh hội nghị sơ kết công tác quý II năm 2024 của Huyện ủy, đông đủ đại biểu."


def paragraph_tags(body: str) -> list[tuple[str, str]]:
    """Each child of the body's element after divs_among_paragraphs: its tag and first words."""
    tree = lxml.html.fromstring(f"<html><body><div id='b'>{body}</div></body></html>")
    divs_among_paragraphs(tree)
    return [(child.tag, " ".join(child.text_content().split()[:2]))
            for child in tree.get_element_by_id("b")]


def test_a_div_printing_a_paragraph_among_the_ps_is_read_as_one():
    body = (f"<div align=left>{DIV_SENTENCE}<br></div>" + PARAGRAPHS
            + "<div>Các cơ quan không nghỉ thứ Bảy, Chủ nhật thì tự bố trí lịch nghỉ cho phù "
            f"hợp với kế hoạch.</div><div align=center><img src='/a.jpg'></div><div>{CAPTION}"
            "</div><div>Xem thêm</div>")
    assert paragraph_tags(body) == [
        ("p", "Cụ thể,"), *[("p", "Đoạn thứ")] * 4, ("p", "Các cơ"),
        ("div", ""), ("div", "Quang cảnh"), ("div", "Xem thêm")]  # a photo, its caption, a link


def test_divs_beside_ps_that_print_only_captions_are_left():
    captions = "".join(f"<div><img src='/{n}.jpg'></div><p>Ảnh {n}: quang cảnh hội nghị</p>"
                       f"<div>{sentence}</div>" for n, sentence in enumerate(SENTENCES))
    assert [tag for tag, _ in paragraph_tags(captions)] == ["div", "p", "div"] * 4


def test_the_article_keeps_a_paragraph_printed_as_a_div():
    second = "Các cơ quan không nghỉ thứ Bảy, Chủ nhật thì tự bố trí lịch nghỉ cho phù hợp."
    body = (f"<div align=left>{DIV_SENTENCE}<br></div><div><img src='/a.jpg'></div>"
            f"<div>Hoa đào đem không khí Tết đến mọi nhà</div>{PARAGRAPHS}<div>{second}</div>"
            f"<div>{PARAGRAPHS}<p>{LAST}</p><p align=right><b>Quang Phong</b></p></div>")
    found = extract_article(page(body))
    assert DIV_SENTENCE in found.text and second in found.text
    assert "Hoa đào" not in found.text
    assert found.author == "Quang Phong"


# The sapo printed as a div of lines between <br>s just before the body's block, under a class
# that names no lead: trafilatura reads such a div from its first line break on.

SAPO_LINES = ["- Huyện ủy hoàn thành 12 trên 15 chỉ tiêu đề ra cho sáu tháng đầu năm 2024.",
              "- Thu ngân sách đạt 62% dự toán, cao hơn cùng kỳ năm trước.",
              "- Quý III tập trung giải ngân vốn đầu tư công và chuẩn bị đại hội chi bộ."]


def sapo_page(sapo: str) -> str:
    body = "".join(f"<p style='text-align:left'>&nbsp;{sentence}</p><p><br></p>"
                   for sentence in SENTENCES * 3)
    return page(f"<div class='article-body'><div class='init_box o_h'>{sapo}</div>"
                f"<div align=center>{body}<p>{LAST}</p><p align=right><b>Minh Nguyễn</b></p>"
                "</div></div>")


def test_a_sapo_of_lines_between_breaks_before_the_body_is_read_whole_once():
    found = extract_article(sapo_page("<br/>".join(SAPO_LINES)))
    for line in SAPO_LINES:
        assert found.text.count(line) == 1
    assert found.text.index(SAPO_LINES[0]) < found.text.index(SENTENCES[0])


@pytest.mark.parametrize("before", [
    "<div>Minh Nguyễn</div>",  # a byline: no sentence
    "<div>Thứ ba, 25/12/2012 - 10:03</div>",  # a dateline
    f"<div><ul><li>{SAPO_LINES[0]}</li></ul></div>",  # a block inside: a container
    f"<span>{SAPO_LINES[0]}</span>",  # no div
])
def test_only_a_div_printing_sentences_before_the_body_is_made_a_paragraph(before):
    tree = lxml.html.fromstring(f"<html><body><div id='b'>{before}<div>{PARAGRAPHS}</div>"
                                "</div></body></html>")
    divs_among_paragraphs(tree)
    assert tree.get_element_by_id("b")[0].tag == lxml.html.fromstring(before).tag


def test_a_div_printing_sentences_before_the_body_is_made_a_paragraph():
    tree = lxml.html.fromstring(f"<html><body><div id='b'><div>{'<br>'.join(SAPO_LINES)}</div>"
                                f"<div>{PARAGRAPHS}</div></div></body></html>")
    assert divs_among_paragraphs(tree) == 1
    assert [child.tag for child in tree.get_element_by_id("b")] == ["p", "div"]


# Another story's teaser card printed inside the article's element.

TEASER_REMOVED = "another story's teaser"  # pipelines/pruning.py's reason, in the explanation


def card(number: int) -> str:
    href = f"/cong-nghe/cach-tang-am-luong-{number}.html"
    return (f"<div class='c{number}'><a href='{href}#inner'><img src='/t{number}.jpg'></a>"
            f"<h4><a href='{href}'>Cách tăng âm lượng chỉ đường của bản đồ số {number}</a></h4>"
            f"<p>Tính năng chỉ đường bằng giọng nói giúp người dùng theo dõi đường đi thuận tiện "
            f"hơn, số {number}.</p></div>")


def test_a_teaser_card_inside_the_article_stays_out_and_the_signature_is_read():
    body = PARAGRAPHS + f"<p>{LAST}</p><p><b>Ca Tiếu</b></p>" + card(1)
    found = extract_article(page(body))
    assert any(TEASER_REMOVED in line for line in found.explanation)
    assert "Cách tăng âm lượng" not in found.text
    assert "Tính năng chỉ đường" not in found.text
    assert found.text.splitlines()[-1] == LAST
    assert found.author == "Ca Tiếu"


def test_a_photo_opened_full_size_a_list_of_cards_and_the_articles_head_are_no_teaser():
    photo = ("<div><a href='/anh/hoi-nghi.jpg'><img src='/anh/hoi-nghi-nho.jpg'></a>"
             "<p><a href='/anh/hoi-nghi.jpg'>Quang cảnh hội nghị sơ kết công tác quý II</a> của "
             "Huyện ủy.</p></div>")
    found = extract_article(page(PARAGRAPHS + photo + f"<p>{LAST}</p>"))
    assert "Quang cảnh hội nghị sơ kết công tác quý II" in found.text
    assert not any(TEASER_REMOVED in line for line in found.explanation)
    # Three cards: a list of stories, left to the rules that read lists.
    cards = "".join(card(number) for number in range(1, 4))
    found = extract_article(page(PARAGRAPHS + f"<p>{LAST}</p>" + cards))
    assert not any(TEASER_REMOVED in line for line in found.explanation)
    # The headline and the photo linked to the page itself, above the body.
    head = ("<div><a href='/huyen-uy-so-ket.html'><img src='/a.jpg'></a><h1><a href="
            f"'/huyen-uy-so-ket.html'>{HEADLINE}</a></h1></div>")
    found = extract_article(page(head + PARAGRAPHS + f"<p>{LAST}</p>"))
    assert not any(TEASER_REMOVED in line for line in found.explanation)


# A list of other stories' teasers, each cut short with an ellipsis, ending the text.

TEASERS = ["Đừng xem thị trường lớn là thị trường dễ tính!",
           "(TBKTSG) - Không ít sản phẩm rau quả khi sang thị trường lớn đã chọn đi theo đường ...",
           "Công nghệ và tôn giáo",
           "(TBKTSG) - Tôn giáo đang ở đâu và sẽ như thế nào trong thời đại 4.0? Đó là câu hỏi ..."]


def test_teasers_cut_short_under_their_headlines_end_the_text():
    assert clean_lines([*SENTENCES, LAST, *TEASERS]).paragraphs == [*SENTENCES, LAST]


def test_one_teaser_or_teasers_inside_the_body_are_left():
    lines = [*SENTENCES, LAST, *TEASERS[:2]]
    assert clean_lines(lines).paragraphs == lines
    lines = [*SENTENCES, *TEASERS, LAST]
    assert clean_lines(lines).paragraphs == lines


# The comment form's rules for its readers.

RULES = ("Thanh Niên Online hoan nghênh ý kiến của bạn đọc. Các thảo luận sẽ được xem xét trước "
         "và có thể được lược trích khi đăng tải. Bạn đọc thảo luận bằng tiếng Việt có dấu.")


@pytest.mark.parametrize("rules", [
    RULES, "Vui lòng gõ tiếng Việt có dấu",
    "Ý kiến của bạn đọc không nhất thiết thể hiện quan điểm của Báo Thử."])
def test_a_comment_forms_rules_end_the_text(rules):
    other = "(TNO) Sáng nay gió mùa đông bắc cường độ mạnh đã bao trùm các tỉnh miền Bắc."
    assert clean_lines([*SENTENCES, LAST, rules, other]).paragraphs == [*SENTENCES, LAST]


def test_a_quote_welcoming_opinions_is_the_articles_text():
    quote = ("Chúng tôi hoan nghênh ý kiến góp ý của người dân, dư luận để đường đèn ngày càng "
             "đẹp hơn, ý kiến của cử tri sẽ được xem xét trước kỳ họp.")
    lines = [*SENTENCES, quote, LAST]
    assert clean_lines(lines).paragraphs == lines


# A signature citing its source in brackets; a signature after its label.

def test_the_source_cited_after_the_signature_is_no_part_of_the_name():
    cleaned = clean_lines([*SENTENCES, LAST, "Ca Tiếu(theo online-tech-tips)"])
    assert cleaned.author == "Ca Tiếu"
    assert cleaned.paragraphs == [*SENTENCES, LAST, "(theo online-tech-tips)"]
    place = clean_lines([*SENTENCES, LAST, "Trang Hằng (Hà Trung)"])
    assert place.author == "Trang Hằng (Hà Trung)"


@pytest.mark.parametrize("label", ["<em>Tin, ảnh</em>: ", "Bài và ảnh: ", "Tác giả: "])
def test_a_signature_after_its_label_is_read_right_under_the_last_paragraph(label):
    # Where the text leaves the line out (trafilatura's fallback on a long page keeps the long
    # paragraphs only), the name is found in the page, under the text's last paragraph.
    tree = lxml.html.fromstring(
        f"<html><body><div>{PARAGRAPHS}<p>{LAST}</p><p style='text-align:right'>{label}"
        "<strong>Vũ Phương Thảo</strong></p><p><b>Nguyễn Văn Nam</b></p></div></body></html>")
    found = signatures(tree)
    assert signature_after(tree, found, [*SENTENCES, LAST]) == "Vũ Phương Thảo"
    # Under another paragraph, or with words that are no label before it: no signature.
    assert signature_after(tree, found, SENTENCES) is None
    tree = lxml.html.fromstring(
        f"<html><body><div>{PARAGRAPHS}<p>{LAST}</p><p>Người kể: <strong>Vũ Phương Thảo"
        "</strong></p></div></body></html>")
    assert signature_after(tree, signatures(tree), [*SENTENCES, LAST]) is None


def test_the_article_reads_a_labelled_signature_above_a_paragraph_of_links():
    links = "<br>".join(f"<a href='/t{n}.aspx'>&gt;&gt; Tin khác về phòng chống ma túy số {n}</a>"
                        for n in range(6))
    body = (PARAGRAPHS + f"<p>{LAST}</p><p style='text-align:right'><em>Tin, ảnh</em>: "
            f"<strong>Vũ Phương Thảo</strong></p><p>{links}</p>")
    found = extract_article(page(body))
    assert found.author == "Vũ Phương Thảo"
    assert "Tin, ảnh" not in found.text


# The date a script writes into the page's dateline.

def scripted(element_id: str, target: str) -> str:
    teasers = "".join(f"<li><a href='/t{n}.htm'>Tin khác số {n} của chuyên mục</a> (20/12)</li>"
                      for n in range(3))
    return page(f"{target}{PARAGRAPHS}<p>{LAST}</p><ul>{teasers}</ul><script>document."
                f'getElementById("{element_id}").innerHTML="Th&#7913; n&#259;m, 20/12/2012, '
                '16:10 GMT+7";</script>')


def test_a_dateline_a_script_writes_into_the_page_is_its_date():
    found = extract_article(scripted("pDateTime", "<span id='pDateTime'></span>"))
    assert found.published == "2012-12-20T16:10:00+07:00"
    assert found.published_source == "script"


@pytest.mark.parametrize("element_id, target", [
    ("clock", "<span id='clock'></span>"),  # a header's clock: the day the page was served
    ("pDateTime", ""),  # no such element on the page
])
def test_a_script_writing_a_clock_or_into_nothing_dates_nothing(element_id, target):
    assert extract_article(scripted(element_id, target)).published_source != "script"


# Pointers, initials and sources under the body.

def test_a_headline_marked_as_a_link_to_another_story_is_no_text():
    pointers = [">> Xem tiếp: Hình ảnh người đẹp đăng quang năm trước",
                ">> Công chức được nghỉ 9 ngày dịp Tết Âm lịch", "» Tin khác của chuyên mục"]
    assert clean_lines([*SENTENCES, *pointers, LAST]).paragraphs == [*SENTENCES, LAST]


@pytest.mark.parametrize("initials", ["H.V.", "P.Y", "T.H.N."])
def test_a_writer_signing_with_initials_alone_is_the_author(initials):
    cleaned = clean_lines([*SENTENCES, LAST, initials])
    assert (cleaned.author, cleaned.paragraphs[-1]) == (initials, LAST)


def test_a_sentence_ending_the_text_is_no_signature():
    assert clean_lines([*SENTENCES, LAST, "Đó là Q.Đ."]).author is None


@pytest.mark.parametrize("byline, author", [
    ("<span itemprop='author'>Theo Ngoisao</span>", None),  # a source, no writer
    ("<span itemprop='author'>Theo TTXVN</span>", None),
    ("<span itemprop='author'>Minh Anh</span>", "Minh Anh"),
])
def test_a_byline_citing_a_source_names_no_writer(byline, author):
    assert extract_article(page(byline + PARAGRAPHS + f"<p>{LAST}</p>")).author == author


def test_the_writer_a_story_is_taken_from_signs_it_and_a_publishers_address_does_not():
    body = (PARAGRAPHS + f"<p>{LAST}</p><p><br></p><div style='text-align:right'><i>Theo Minh "
            "Nguyễn/Vcamp.vn</i></div><div style='text-align:right'><i>Forbes</i></div>")
    found = extract_article(page(body, "<meta name='author' content='VCCorp.vn'>"))
    assert found.author == "Minh Nguyễn"
    found = extract_article(page(PARAGRAPHS + f"<p>{LAST}</p>",
                                 "<meta name='author' content='VCCorp.vn'>"))
    assert found.author is None


# Paragraphs printed as spans in divs, one div each (an editor's paste from a word processor).

def test_paragraphs_printed_as_spans_in_divs_are_the_article_not_the_sites_banner():
    banner = ("<div class='h'><h2>Báo Thử Điện tử – Tiếng nói của Liên đoàn Lao động thành phố"
              "</h2><p>Tổng biên tập: Nguyễn Văn A - Giấy phép số 1872/GP-BTTTT cấp ngày "
              "12/5/2010. Địa chỉ: 127 đường Võ Văn Tần, phường 6, quận 3. Điện thoại: 028 "
              "3930 6262, fax 028 3930 4707. Ghi rõ nguồn khi phát hành lại thông tin từ "
              "website này. Mọi ý kiến đóng góp xin gửi về ban biên tập của báo.</p></div>")
    spans = "".join(f"<DIV><SPAN style='FONT-FAMILY: Times'>{sentence}</SPAN></DIV><DIV>"
                    "<SPAN><BR></SPAN></DIV>" for sentence in [*SENTENCES, LAST])
    html = ("<html><head><title>Báo Thử</title></head><body>" + banner
            + f"<h1>{HEADLINE}</h1><p class='time'>Thứ Tư, 26/12/2012 17:14</p>"
            f"<div class='content'>{spans}</div></body></html>")
    found = extract_article(html)
    assert (found.title, found.published) == (HEADLINE, "2012-12-26T17:14:00+07:00")
    assert found.text.splitlines()[-1] == LAST


def test_a_title_a_cms_escaped_twice_names_the_headline_as_printed():
    quoted = '5 "bóng hồng" buôn ma túy lãnh án'
    html = ("<html><head><title>Báo Thử</title><meta name='title' content='5 &amp;quot;bóng "
            "hồng&amp;quot; buôn ma túy lãnh án'></head><body><div class='m'><h2>Tin mới</h2>"
            f"</div><div><div class='t'>5 &quot;bóng hồng&quot; buôn ma túy lãnh án</div>"
            f"{PARAGRAPHS}<p>{LAST}</p></div></body></html>")
    assert extract_article(html).title == quoted


# The sapo printed as a heading under the headline, on a page stating no description.

SAPO_TEXT = ("Cho rằng chủ hụi kể với mẹ vợ chuyện mình thiếu nợ, bị cáo đã xách dao đi "
             "nói chuyện khiến một người vô can chết oan...")


def headed(under: str, body_first: str = "") -> str:
    return ("<html><head><title>Báo Thử</title></head><body><div class='a'>"
            f"<h1>{HEADLINE}</h1>{under}<div class='c'>{body_first}{PARAGRAPHS}<p>{LAST}</p>"
            "</div></div></body></html>")


@pytest.mark.parametrize("under", [
    # An <h3> under the dateline.
    f"<p class='time'>Thứ Tư, 26/12/2012 17:14</p><h3>{SAPO_TEXT}</h3>",
    # An <h2> past the dateline, the byline and a share bar's boxes.
    "<span><span>Theo Ngoisao</span> | <span>25/12/2012 10:25</span></span><div><div><iframe>"
    f"</iframe></div><div></div></div><div></div><h2>{SAPO_TEXT}</h2>",
    # A link to another story ending it.
    f"<h2>{SAPO_TEXT}<br><a href='/x-1.htm'><b>&gt;&gt; Công chức được nghỉ 9 ngày</b></a></h2>",
])
def test_a_sapo_printed_as_a_heading_under_the_headline_is_the_lead(under):
    found = extract_article(headed(under))
    assert found.lead == SAPO_TEXT
    assert found.text.splitlines()[0] == SAPO_TEXT
    assert "Công chức được nghỉ" not in found.text


@pytest.mark.parametrize("under", [
    # In bold beside the photo, under the dateline (a Liferay portal's "sapo" with its name
    # hidden).
    f"<div>06/04/2022 | 2:29 PM</div><div><img src='/a.jpg'><p><strong>{SAPO_TEXT}</strong>"
    "</p></div>",
    "<p><b>{}, </b><b><i>{}</i></b></p>".format(*SAPO_TEXT.split(", ", 1)),
])
def test_a_sapo_printed_as_a_paragraph_all_in_bold_under_the_headline_is_the_lead(under):
    found = extract_article(headed(under))
    assert found.lead == SAPO_TEXT
    assert found.text.splitlines()[0] == SAPO_TEXT


@pytest.mark.parametrize("under, body_first", [
    # Only its place and day bold ("<b>Chiều 6/4,</b> ...").
    (f"<p><strong>{SAPO_TEXT[:20]}</strong>{SAPO_TEXT[20:]}</p>", ""),
    # All in bold, but the first of the body's paragraphs.
    ("", f"<p><strong>{SAPO_TEXT}</strong></p>"),
])
def test_a_first_paragraph_of_the_body_printed_in_bold_is_no_lead(under, body_first):
    found = extract_article(headed(under, body_first))
    assert found.lead is None


def test_a_subheading_after_the_bodys_first_paragraph_is_no_lead():
    subheading = "<h3>Kết quả quý II vượt kế hoạch đề ra của huyện trong năm nay.</h3>"
    found = extract_article(headed("", f"<p>{SENTENCES[0]}</p>{subheading}"))
    assert found.lead is None


def test_a_sapo_opening_with_an_agencys_prefix_is_the_lead_as_the_text_prints_it():
    found = extract_article(headed(f"<h3>(NLĐO) - {SAPO_TEXT}</h3>"))
    assert found.text.splitlines()[0] == SAPO_TEXT
    assert found.lead == SAPO_TEXT
