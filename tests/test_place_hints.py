"""Where a report's place and period come from when papers write them their own way (rules-12):
a dateline or a provincial paper's domain before the first sentence names the province of an
organ written only as "tỉnh"; a 2025 ward that bears a name papers use for a city ("phường Sài
Gòn") is the ward; a name that opens with a word that usually ends one ("Hội An", "Kỳ Anh") is
kept; months counted from the 2025 reform are not the year's first months. Every text here was
written for the test."""

from __future__ import annotations

import pytest

from pipelines.classify import classify, extract_meeting

PLENARY = ("Ban Chấp hành Đảng bộ tỉnh tổ chức hội nghị lần thứ 15, sơ kết 6 tháng đầu năm, "
           "triển khai nhiệm vụ 6 tháng cuối năm 2024.")


@pytest.mark.parametrize(("opening", "province"), [
    ("NGHỆ AN - Sáng 8/7/2024, ", "Nghệ An"),
    ("Nghệ An – Sáng 8/7/2024, ", "Nghệ An"),
    ("(Baothanhhoa.vn) - Sáng 8/7/2024, ", "Thanh Hóa"),
    ("(baolaocai.vn) Sáng 8/7/2024, ", "Lào Cai"),
])
def test_a_dateline_or_a_papers_domain_names_the_province(opening: str, province: str) -> None:
    result = classify("Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15", opening + PLENARY)
    meeting = result.meeting
    assert result.is_meeting_report
    assert (meeting.locality, meeting.locality_level, meeting.province) == (
        province, "tỉnh", province)


def test_a_dateline_that_is_no_province_names_none() -> None:
    result = classify("Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15",
                      "BẢN TIN - Sáng 8/7/2024, " + PLENARY)
    assert result.is_meeting_report
    assert result.meeting.province is None


@pytest.mark.parametrize(("organ", "locality", "province"), [
    ("UBND phường Sài Gòn", "Sài Gòn", "Hồ Chí Minh"),
    ("Đảng ủy phường Hội An", "Hội An", "Đà Nẵng"),
    ("Đảng ủy phường Kỳ Anh", "Kỳ Anh", "Hà Tĩnh"),
    ("Đảng ủy xã Năm Căn", "Năm Căn", "Cà Mau"),
])
def test_a_2025_commune_or_ward_by_its_own_name(organ: str, locality: str,
                                               province: str) -> None:
    result = classify(f"{organ} sơ kết quý III",
                      f"Ngày 2/10/2025, {organ} tổ chức hội nghị sơ kết quý III, triển khai "
                      "nhiệm vụ quý IV năm 2025.")
    meeting = result.meeting
    assert result.is_meeting_report
    assert (meeting.locality, meeting.locality_level, meeting.province) == (
        locality, "xã", province)


@pytest.mark.parametrize("review", [
    "sơ kết 3 tháng hoạt động theo mô hình chính quyền hai cấp",
    "đánh giá kết quả sau 3 tháng vận hành chính quyền địa phương hai cấp",
])
def test_months_counted_from_the_reform_are_not_the_first_quarter(review: str) -> None:
    result = classify("Đảng ủy phường Bến Thành sơ kết quý III",
                      f"Chiều 20/10/2025, Đảng ủy phường Bến Thành tổ chức hội nghị {review}, "
                      "triển khai nhiệm vụ quý IV năm 2025.")
    meeting = result.meeting
    assert result.is_meeting_report
    assert meeting.period_reviewed != "2025-Q1"
    assert meeting.period_deployed == "2025-Q4"


def test_a_papers_domain_in_the_closing_source_line_names_the_province() -> None:
    body = " ".join(["Hội nghị đã thảo luận, cho ý kiến vào nhiều nội dung quan trọng."] * 12)
    result = classify("Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ 15",
                      f"Sáng 8/7/2024, {PLENARY} {body}\nNguồn: baosonla.vn")
    assert result.is_meeting_report
    assert (result.meeting.locality, result.meeting.province) == ("Sơn La", "Sơn La")


@pytest.mark.parametrize("committee", ["Ban Chấp hành đảng bộ TP Hà Nội",
                                       "BCH đảng bộ thành phố Hà Nội"])
def test_a_plenary_written_in_lower_case_is_the_citys_not_a_speakers_district(
        committee: str) -> None:
    """"đảng bộ" in lower case (less formal texts, word-segmented corpora) was not read as the
    committee, so the district in a speaker's title became the meeting's place."""
    meeting = extract_meeting(
        "Hà Nội bố trí công an chính quy về xã",
        f"Tại hội nghị {committee} sáng 10/4, ông Nguyễn Văn Thọ - Bí thư Huyện ủy Thanh "
        "Oai, đề nghị thành phố đẩy nhanh việc bố trí công an chính quy về các xã.",
        "2017-04-10")
    assert (meeting.organ, meeting.locality, meeting.locality_level, meeting.province) == (
        "party_committee", "Hà Nội", "tỉnh", "Hà Nội")


def test_a_communes_party_committee_written_in_lower_case() -> None:
    meeting = extract_meeting("Xã Tân Hòa sơ kết quý III",
                              "Ngày 2/10/2025, đảng ủy xã Tân Hòa, tỉnh Phú Thọ tổ chức hội nghị "
                              "sơ kết quý III, triển khai nhiệm vụ quý IV năm 2025.", "2025-10-02")
    assert (meeting.organ, meeting.locality, meeting.locality_level) == (
        "party_committee", "Tân Hòa", "xã")
