"""Text written in capitals (pipelines/letter_case.py): the case a sentence has, and the
classifier reading a title or a lead set in capitals as it reads the same text written normally.
Every text here was written for the test."""

from __future__ import annotations

import pytest

from pipelines.classify import classify
from pipelines.letter_case import in_written_case


@pytest.mark.parametrize(("shouted", "written"), [
    ("HUYỆN ỦY MƯỜNG LA: SƠ KẾT 6 THÁNG ĐẦU NĂM 2024",
     "Huyện ủy Mường La: Sơ kết 6 tháng đầu năm 2024"),
    ("HỘI NGHỊ BAN CHẤP HÀNH ĐẢNG BỘ HUYỆN MƯỜNG LA LẦN THỨ 20",
     "Hội nghị Ban Chấp hành Đảng bộ huyện Mường La lần thứ 20"),
    ("BAN THƯỜNG VỤ HUYỆN ỦY PHAN RANG - THÁP CHÀM SƠ KẾT QUÝ II",
     "Ban Thường vụ Huyện ủy Phan Rang - Tháp Chàm sơ kết quý II"),
    ("UBND TỈNH QUẢNG NINH TRIỂN KHAI NHIỆM VỤ NĂM 2024",
     "UBND tỉnh Quảng Ninh triển khai nhiệm vụ năm 2024"),
    ("ỦY BAN MTTQ VIỆT NAM TỈNH QUẢNG NINH HỌP PHIÊN THƯỜNG KỲ",
     "Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh họp phiên thường kỳ"),
    ("THỰC HIỆN THÔNG TƯ TT-BYT TẠI ĐH Y HÀ NỘI", "Thực hiện thông tư TT-BYT tại ĐH Y Hà Nội"),
    # a department's or a bloc's party committee; "cơ quan thành phố" holds no "Quan Thành"
    ("ĐẢNG BỘ KHỐI CÁC CƠ QUAN THÀNH PHỐ HÀ NỘI TỔNG KẾT NĂM 2016",
     "Đảng bộ Khối các cơ quan thành phố Hà Nội tổng kết năm 2016"),
    ("ĐẢNG BỘ SỞ Y TẾ TRIỂN KHAI NHIỆM VỤ", "Đảng bộ Sở Y tế triển khai nhiệm vụ"),
    # a person's name after a place or an honorific; "La" of "Mường La" begins no name
    ("CHỦ TỊCH UBND TỈNH LÀO CAI TRẦN VĂN AN ĐÃ CHỦ TRÌ HỘI NGHỊ",
     "Chủ tịch UBND tỉnh Lào Cai Trần Văn An đã chủ trì Hội nghị"),
    ("ÔNG NGUYỄN THỊ HOA PHÁT BIỂU", "Ông Nguyễn Thị Hoa phát biểu"),
    ("HUYỆN ỦY MƯỜNG LA SƠ KẾT QUÝ I", "Huyện ủy Mường La sơ kết quý I"),
])
def test_a_line_in_capitals_is_written_as_a_sentence(shouted: str, written: str) -> None:
    assert in_written_case(shouted) == written


def test_only_lines_all_in_capitals_change() -> None:
    text = "Sáng 8/7, UBND TP Hà Nội họp.\nẢNH: QUANG ĐỊNH\nĐó là HĐND TP HÀ NỘI khóa XVI."
    assert in_written_case(text) == (
        "Sáng 8/7, UBND TP Hà Nội họp.\nẢNH: Quang định\nĐó là HĐND TP HÀ NỘI khóa XVI.")


LEAD = ("Sáng 8/7/2024, {organ} tổ chức hội nghị sơ kết 6 tháng đầu năm, triển khai nhiệm vụ 6 "
        "tháng cuối năm 2024.")


@pytest.mark.parametrize(("title", "organ", "expected"), [
    ("HUYỆN ỦY MƯỜNG LA: SƠ KẾT 6 THÁNG ĐẦU NĂM 2024", "Huyện ủy",
     ("party_committee", "Mường La", "huyện", "Sơn La")),
    ("HỘI NGHỊ BAN CHẤP HÀNH ĐẢNG BỘ HUYỆN MƯỜNG LA LẦN THỨ 20", "Ban Chấp hành Đảng bộ huyện",
     ("party_committee", "Mường La", "huyện", "Sơn La")),
    ("UBND TỈNH QUẢNG NINH SƠ KẾT 6 THÁNG ĐẦU NĂM 2024", "UBND tỉnh",
     ("people_committee", "Quảng Ninh", "tỉnh", "Quảng Ninh")),
    ("ĐẢNG ỦY PHƯỜNG BA ĐÌNH SƠ KẾT 6 THÁNG ĐẦU NĂM 2024", "Đảng ủy phường",
     ("party_committee", "Ba Đình", "xã", "Hà Nội")),
])
def test_a_title_in_capitals_names_the_place(title: str, organ: str, expected: tuple) -> None:
    """The lead names the organ without its place; the title in capitals names it."""
    result = classify(title, LEAD.format(organ=organ))
    meeting = result.meeting
    assert result.is_meeting_report
    assert (meeting.organ, meeting.locality, meeting.locality_level, meeting.province) == expected
    assert (meeting.meeting_date, meeting.period_reviewed, meeting.period_deployed) == (
        "2024-07-08", "2024-H1", "2024-H2")


def test_a_report_typed_all_in_capitals() -> None:
    title = "HUYỆN ỦY MƯỜNG LA SƠ KẾT QUÝ I, TRIỂN KHAI NHIỆM VỤ QUÝ II NĂM 2024"
    lead = ("NGÀY 8/4/2024, HUYỆN ỦY MƯỜNG LA TỔ CHỨC HỘI NGHỊ SƠ KẾT QUÝ I, TRIỂN KHAI NHIỆM "
            "VỤ QUÝ II NĂM 2024.")
    result = classify(title, lead)
    assert result.is_meeting_report
    meeting = result.meeting
    assert (meeting.organ, meeting.locality, meeting.province, meeting.meeting_date,
            meeting.period_reviewed, meeting.period_deployed) == (
        "party_committee", "Mường La", "Sơn La", "2024-04-08", "2024-Q1", "2024-Q2")


def test_a_bloc_leading_its_grassroots_organisations_is_not_holding_a_meeting() -> None:
    """"… và các tổ chức cơ sở đảng đã lãnh đạo": the organisations it leads, not "tổ chức"
    (holds) as its act, once a lead in capitals is written in lower case."""
    title = "NĂM 2017: ĐẢNG ỦY KHỐI CHỈ ĐẠO THỰC HIỆN 8 NHIỆM VỤ TRỌNG TÂM"
    lead = ("Trong năm 2016, Đảng ủy Khối các cơ quan thành phố và các tổ chức cơ sở đảng đã tập "
            "trung lãnh đạo, hoàn thành các nhiệm vụ được giao; năm 2017, Đảng ủy Khối chỉ đạo "
            "thực hiện 8 nhiệm vụ trọng tâm.")
    assert not classify(title, lead).is_meeting_report
