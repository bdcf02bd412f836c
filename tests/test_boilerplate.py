"""The Vietnamese cleaning pass, on the seed articles' own text (tests/fixtures/seeds, the
text of five real pages as a naive extractor left it) and on single lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.boilerplate import byline_name, clean_lines, looks_like_byline

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed(prefix: str) -> list[str]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8").splitlines()


def test_sharepoint_ribbon_breadcrumb_file_name_and_repeated_title():
    lines = seed("003")
    cleaned = clean_lines(lines, title="UBND huyện triển khai nhiệm vụ tháng 6/2024")
    for gone in ("Skip Ribbon Commands", "Skip to main content", "Tin tức, sự kiện",
                 "69 (1) (1).png", "UBND huyện triển khai nhiệm vụ tháng 6/2024\n"):
        assert gone not in cleaned.text + "\n"
    assert cleaned.paragraphs[0].startswith("Sáng ngày 4/6/2024, UBND huyện tổ chức")
    assert cleaned.paragraphs[1].startswith("Trong tháng 5/2024")  # indentation removed
    assert "Đồng chí Nguyễn Đức Nhương - Phó Bí thư huyện ủy" in cleaned.text  # caption kept


def test_player_timecodes_agency_prefix_doubled_captions_and_see_more():
    cleaned = clean_lines(seed("004"), title="Huyện ủy Ngân Sơn triển khai nhiệm vụ năm 2024")
    assert "0:00" not in cleaned.text
    assert "Xem thêm" not in cleaned.text
    assert "BBK" not in cleaned.text
    assert any(p.startswith("Chiều 10/01, Huyện ủy Ngân Sơn") for p in cleaned.paragraphs)
    assert cleaned.text.count("Quang cảnh hội nghị.") == 1
    assert cleaned.text.count("Thường trực Huyện ủy khen thưởng các tập thể") == 1
    assert cleaned.text.count("phát biểu chỉ đạo.") == 1


def test_header_clock_dash_and_capitalised_byline():
    cleaned = clean_lines(seed("002"))
    assert "06/12/2023" not in cleaned.text
    assert cleaned.author == "THANH MAI – MINH KIÊN"
    assert "THANH MAI" not in cleaned.text
    first_text = next(p for p in cleaned.paragraphs if p.startswith("Ngày 7/4"))
    assert first_text.startswith("Ngày 7/4, Ban Chấp hành Đảng bộ huyện Hữu Lũng")


def test_byline_with_place_moves_to_author():
    cleaned = clean_lines(seed("001"))
    assert cleaned.author == "Trang Hằng (Hà Trung)"
    assert not cleaned.text.rstrip().endswith("(Hà Trung)")
    assert cleaned.paragraphs[-1].startswith("Theo đó, trong quý II")


def test_photo_credit_is_metadata():
    cleaned = clean_lines(seed("000"))
    assert cleaned.photo_credits == ["H.Lâm"]
    assert "Ảnh:" not in cleaned.text
    assert "Lãnh đạo Huyện ủy Thuận Bắc dự Hội nghị triển khai nhiệm vụ quý II/2024." in (
        cleaned.paragraphs)
    assert cleaned.author is None  # the last paragraph is a sentence, not a byline


@pytest.mark.parametrize(
    "line",
    ["Thứ Tư, 08/04/2015, 08:11 [GMT+7]", "Cập nhật: 14:20 ngày 10/01/2024", "(24/08/2022)",
     "0:00 / 0:00", "IMG_2024.JPG", "Ảnh: Minh Kiên", "Nguồn tin: UBND huyện", "(Xem trang 3)",
     "Tin tức nổi bật", "TIN MỚI NHẤT", "Xem nhiều nhất", "Ngày đăng", "29/07/2022 | 3:52 PM",
     "View count: 100", "Lượt xem: 1.204"],
)
def test_boilerplate_lines_are_dropped(line):
    assert clean_lines([line, "Nội dung bài viết còn lại."]).paragraphs == [
        "Nội dung bài viết còn lại."]


def test_end_marker_and_prefix_variants():
    assert clean_lines(["(BLĐ) - Sáng 5/3, hội nghị diễn ra."]).paragraphs == [
        "Sáng 5/3, hội nghị diễn ra."]
    assert clean_lines(["CTTĐT - Chiều 17.12, UBND huyện họp."]).paragraphs == [
        "Chiều 17.12, UBND huyện họp."]
    assert clean_lines(["Kết thúc hội nghị.../."]).paragraphs == ["Kết thúc hội nghị..."]


@pytest.mark.parametrize(
    ("line", "is_byline"),
    [("Trang Hằng (Hà Trung)", True), ("THANH MAI – MINH KIÊN", True), ("H.Lâm", True),
     ("Minh Phương - TTVH", True), ("Quang cảnh hội nghị.", False),
     ("Toàn cảnh hội nghị", False), ("Đồng chí Lê Văn Dậu phát biểu", False)],
)
def test_byline_recognition(line, is_byline):
    assert looks_like_byline(line) is is_byline


@pytest.mark.parametrize(
    ("printed", "name"),
    [("Tác giả: An Khương - Sở GDĐT AG", "An Khương"), ("Tin, ảnh: P.Y", "P.Y"),
     ("Bình Minh -", "Bình Minh"), ("Bài và ảnh: THANH MAI", "THANH MAI"),
     ("admin admin", None), ("Pho Ban bien tap", None), ("Super User", None),
     ("Sở Thông tin và Truyền thông", None), ("Tác giả", None),
     ("Ban Thời sự", "Ban Thời sự"), ("Bảo Bảo", "Bảo Bảo")],
)
def test_byline_names_without_labels_and_cms_credits(printed, name):
    assert byline_name(printed) == name


def test_labelled_byline_and_the_related_list_end_the_article():
    lines = ["Đoạn mở đầu của bài viết về hội nghị tổng kết công tác năm của huyện.",
             "Đoạn thứ hai với các số liệu về kết quả thực hiện nhiệm vụ trong năm.",
             "Tin, ảnh: Hữu Toàn", "Tin đã đưa:", "- Xã bên cạnh tổng kết phong trào năm 2023"]
    cleaned = clean_lines(lines)
    assert cleaned.author == "Hữu Toàn"
    assert cleaned.paragraphs == lines[:2]


def test_a_sapo_cut_short_is_kept_once_and_table_rules_go():
    whole = ("Thị trường chứng khoán Mỹ tiếp tục giảm điểm trong phiên giao dịch ngày thứ Năm "
             "(20/1).")
    cleaned = clean_lines([whole[:70] + "...", whole, "Chỉ tiêu | Dự toán", "---|---",
                           "Thu ngân sách | 412"])
    assert cleaned.paragraphs == [whole, "Chỉ tiêu | Dự toán", "Thu ngân sách | 412"]


def test_section_and_site_names_are_dropped_as_lines():
    cleaned = clean_lines(["Hoạt động Đảng, Đoàn thể", "Sáng ngày 17/1, Đảng bộ tổ chức hội nghị."],
                          page_labels={"hoạt động đảng, đoàn thể"})
    assert cleaned.paragraphs == ["Sáng ngày 17/1, Đảng bộ tổ chức hội nghị."]


def test_a_byline_signed_at_the_top_with_degrees_and_post():
    line = ("Bài viết được viết bởi TS.BS Trần Minh Khoa - Trưởng khoa Dinh dưỡng, Bệnh viện "
            "Đa khoa tỉnh")
    assert byline_name(line) == "Trần Minh Khoa"
    cleaned = clean_lines([line, "Chế độ ăn của người bệnh cần chia thành nhiều bữa nhỏ."])
    assert cleaned.author == "Trần Minh Khoa"
    assert cleaned.paragraphs == ["Chế độ ăn của người bệnh cần chia thành nhiều bữa nhỏ."]


def test_a_papers_imprint_ends_the_article_with_its_contact_lines():
    body = ["Sáng 23/12, Thanh tra thành phố tổ chức hội nghị tổng kết công tác năm 2025.",
            "Năm 2026, ngành Thanh tra xác định nhiệm vụ trọng tâm của năm."]
    foot = ["Chia sẻ bài viết", "Q.Tổng biên tập: Nguyễn Văn An",
            "Giấy phép số 789/GP-BTTTT, do Bộ Thông Tin và Truyền Thông cấp ngày 02-12-2021",
            "24 Trần Văn Hoài, P. Ninh Kiều - Điện thoại: (0292) 3830098",
            "Email: toasoan@example.vn", 'Ghi rõ nguồn "Báo X" khi phát hành lại thông tin']
    assert clean_lines(body + foot).paragraphs == body
    desk = ["Ban biên tập Báo Y", "Địa chỉ: Tầng 21, số 1 Nguyễn Huy Tưởng, Hà Nội.",
            "Email: info@example.vn", "Chịu trách nhiệm nội dung: Nguyễn Văn Bình"]
    assert clean_lines(body + desk).paragraphs == body


def test_a_licence_quoted_in_a_sentence_is_article_text():
    lines = ["Sở đã thu hồi Giấy phép số 12/GP-BTTTT của trang tin điện tử này vì vi phạm.",
             "Đơn vị có 30 ngày để nộp lại giấy phép đã cấp."]
    assert clean_lines(lines).paragraphs == lines


def test_a_rating_widget_is_dropped():
    lines = ["Sáng ngày 21/9/2024, nhà trường tổ chức Đại hội đại biểu cha mẹ học sinh.",
             "Tổng số điểm của bài viết là: 0 trong 0 đánh giá", "Click để đánh giá bài viết"]
    assert clean_lines(lines).paragraphs == lines[:1]


@pytest.mark.parametrize("credit", ["Pho Ban bien tap", "admin admin", "Quản trị viên"])
def test_the_cms_account_after_the_signature_is_no_line_and_the_signature_is_the_author(credit):
    body = "Đảng bộ nỗ lực hoàn thành thắng lợi các nhiệm vụ chính trị được giao./."
    cleaned = clean_lines([body, "Thu Lan", credit])
    assert (cleaned.paragraphs, cleaned.author) == ([body[:-2]], "Thu Lan")


def test_the_office_under_a_signature_is_no_line_but_alone_it_stays():
    body = "Các Ban quản lý dự án cam kết hoàn thành tốt các nhiệm vụ được giao."
    cleaned = clean_lines([body, "Huy Kiên", "Sở Thông tin và Truyền thông"])
    assert (cleaned.paragraphs, cleaned.author) == ([body], "Huy Kiên")
    office_ends = clean_lines([body, "Sở Thông tin và Truyền thông"])
    assert office_ends.paragraphs == [body, "Sở Thông tin và Truyền thông"]


@pytest.mark.parametrize("signature", ["Phạm Linh", "Linh Phạm"])
def test_the_author_field_naming_the_signer_in_full_leaves_the_signature_as_author(signature):
    body = "Sở sẽ tiếp tục tăng cường quản lý hoạt động các trang thông tin điện tử tổng hợp."
    cleaned = clean_lines([body, signature, "Phạm Văn Linh"])
    assert (cleaned.paragraphs, cleaned.author) == ([body], signature)


def test_the_signature_above_the_cms_author_field_naming_another_person_is_the_author():
    """"Thu Lan" signed the story, "Lê Xuân Hải" posted it (the real portal's page prints
    both; its author field is named as one, which a theme naming nothing does not say)."""
    body = "Khách có thể đến thưởng thức món ăn này vào ban đêm tại các chợ trên đảo."
    cleaned = clean_lines([body, "Thu Lan", "Lê Xuân Hải"])
    assert (cleaned.paragraphs, cleaned.author) == ([body], "Thu Lan")


def test_a_list_of_other_stories_stamped_with_their_times_ends_the_article():
    body = ["Giá vàng thế giới lập kỷ lục mới trên 4.400 USD/ounce trong phiên hôm nay.",
            "Các chuyên gia cho rằng lực hỗ trợ đến từ căng thẳng địa chính trị."]
    others = ["Động thái của thương lái khiến giá cau tươi lao dốc",
              "17 phút trước 10:13 23/12/2025", "0",
              "Bước vào cuối vụ, thương lái kén hàng khiến giá cau tươi tụt dốc.",
              "Sắp hết thời che giấu doanh thu bằng tài khoản cá nhân",
              "19 phút trước 10:11 23/12/2025", "0"]
    assert clean_lines(body + others).paragraphs == body


def test_one_dated_headline_in_the_text_is_no_list():
    lines = ["Huyện tổ chức hội nghị tổng kết công tác năm 2023 vào sáng nay.",
             "Các mốc chính của năm đã qua được điểm lại tại hội nghị.",
             "Khởi công cầu Bến Mới", "(12/03/2023)",
             "Cây cầu nối hai xã, dài 120 m, hoàn thành sau chín tháng."]
    assert clean_lines(lines).paragraphs == lines[:3] + lines[4:]


@pytest.mark.parametrize("line", ["- Thứ ba, 23/12/2025 09:02 (GMT+7)", "- 1 giờ trước",
                                  "Thứ ba, 23/12/2025 09:02 (GMT+7)", "• Xem thêm"])
def test_clocks_and_labels_are_dropped_as_list_items_too(line):
    body = "Giá vàng thế giới lập kỷ lục mới trên 4.400 USD/ounce trong phiên hôm nay."
    assert clean_lines([line, body]).paragraphs == [body]


def test_an_editor_line_with_the_article_going_on_after_it_is_article_text():
    lines = ["Hội đồng quản trị công bố các quyết định bổ nhiệm nhân sự mới của tòa soạn.",
             "Các chức danh được bổ nhiệm gồm:", "Tổng biên tập: Nguyễn Văn An",
             *[f"Đoạn {n} nói về nhiệm vụ của ban biên tập trong nhiệm kỳ mới." for n in range(13)]]
    assert clean_lines(lines).paragraphs == lines


def test_a_list_at_the_top_keeps_each_items_marker():
    """A list among the first paragraphs: its dash is each item's marker, not a dateline's
    ("HÀ NỘI -" printed apart), so every item keeps it, as the items after the first do."""
    lines = ["Ở giai đoạn muộn, sẽ xuất hiện các biểu hiện sau:", "- Đau hông lưng",
             "- Đau trên xương mu", "- Đau hạ vị"]
    assert clean_lines(lines).paragraphs == lines
    # the list's last item among the first paragraphs, a paragraph after it
    cases = ["- CA BỆNH 2831 ghi nhận tại tỉnh Yên Bái: bệnh nhân nam, 49 tuổi.",
             "- CA BỆNH 2832 ghi nhận tại tỉnh Thái Bình: bệnh nhân nam, 27 tuổi.",
             "Các bệnh nhân đang được cách ly, điều trị tại bệnh viện."]
    assert clean_lines(cases).paragraphs == cases
    dateline_apart = ["- Sáng 5/6, UBND huyện tổ chức hội nghị sơ kết công tác 6 tháng.",
                      "Dự hội nghị có lãnh đạo các phòng, ban của huyện."]
    assert clean_lines(dateline_apart).paragraphs[0].startswith("Sáng 5/6")


BODY = ["Sáng 22-3, UBND thành phố họp bàn việc thay thế cây xanh trên các tuyến phố.",
        "Thành phố giao thanh tra báo cáo kết quả trong 30 ngày."]


@pytest.mark.parametrize("keywords", [
    ["XUÂN LONG", "- Từ khóa", "- chặt cây xanh", "- Hà Nội", "- Thanh tra"],
    ["XUÂN LONG", "Tags:", "Hà Nội", "thanh tra"],
    ["XUÂN LONG", "Từ khoá: chặt cây xanh, Hà Nội; thanh tra"],
])
def test_a_keyword_list_under_the_body_is_no_text(keywords):
    cleaned = clean_lines(BODY + keywords)
    assert (cleaned.paragraphs, cleaned.author) == (BODY, "XUÂN LONG")


@pytest.mark.parametrize("line", [
    "Thẻ: BHYT được cấp cho mọi người dân từ đầu năm sau.",  # "thẻ", a card, in a sentence
    "Từ khóa: người dân cần nhớ rằng mọi khoản vay trực tuyến đều phải được kiểm tra kỹ",
])
def test_a_line_opening_like_a_keyword_label_but_a_sentence_stays(line):
    assert clean_lines([*BODY, line]).paragraphs == [*BODY, line]


def test_the_text_after_a_keyword_list_stays():
    after = "Đoàn thanh tra sẽ công bố kết luận sau khi hoàn thành."
    assert clean_lines([*BODY, "Từ khóa:", "Hà Nội", after]).paragraphs == [*BODY, after]


@pytest.mark.parametrize("source", ["Theo Reuters", "(Theo TTXVN)", "TTXVN", "Theo Báo Chính phủ"])
def test_the_signature_above_a_source_line_is_the_author_and_the_source_stays(source):
    body = "Khách có thể đến thưởng thức món ăn này vào ban đêm tại các chợ trên đảo."
    cleaned = clean_lines([body, "Nhật Linh", source])
    assert (cleaned.paragraphs, cleaned.author) == ([body, source], "Nhật Linh")


def test_a_source_line_alone_is_no_author():
    body = "Khách có thể đến thưởng thức món ăn này vào ban đêm tại các chợ trên đảo."
    cleaned = clean_lines([body, "Theo Reuters"])
    assert (cleaned.paragraphs, cleaned.author) == ([body, "Theo Reuters"], None)


def test_three_name_lines_under_the_body_leave_the_first_two_as_text():
    """A list's last items may look like names: only the last line is the byline then."""
    body = "Danh sách các cá nhân được khen thưởng gồm có:"
    cleaned = clean_lines([body, "Ông Nguyễn Văn An", "Bà Trần Thị Bình", "Thu Lan"])
    assert (cleaned.paragraphs, cleaned.author) == (
        [body, "Ông Nguyễn Văn An", "Bà Trần Thị Bình"], "Thu Lan")


def test_the_pages_stamps_joined_by_pipes_are_no_line():
    body = "Chiều 29/7, Sở tổ chức hội nghị sơ kết công tác sáu tháng đầu năm 2022."
    lines = ["Ngày đăng 29/07/2022 | 3:52 PM | View count: 100", body, "Trang chủ | Tin tức mới"]
    assert clean_lines(lines).paragraphs == [body, "Trang chủ | Tin tức mới"]


def test_the_sapo_printed_again_further_down_is_kept_once():
    """A theme's list of stories after the article shows this story's own teaser: its sapo
    printed again. A short first line repeated stays."""
    sapo = ("Phạm Kim Long, người viết bộ gõ tiếng Việt Unikey, đã rời công ty anh gắn bó "
            "tám năm để nhận một công việc mới.")
    body = ["Anh xuất hiện trước báo giới trong buổi ra mắt hội đồng chuyên gia của công ty.",
            "Anh cho biết công việc mới có những thách thức thiết thực hơn."]
    other = "Ngân hàng Quốc Dân vừa có quý lỗ nặng nhất lịch sử sau nhiều năm kinh doanh."
    assert clean_lines([sapo, *body, sapo, other]).paragraphs == [sapo, *body, other]
    short = ["Ông nói thêm.", *body, "Ông nói thêm."]
    assert clean_lines(short).paragraphs == short
