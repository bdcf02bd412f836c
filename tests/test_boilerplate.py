"""The Vietnamese cleaning pass, on the seed articles' own text (tests/fixtures/seeds, the
text of five real pages as a naive extractor left it) and on single lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.boilerplate import clean_lines, looks_like_byline

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
     "0:00 / 0:00", "IMG_2024.JPG", "Ảnh: Minh Kiên", "Nguồn tin: UBND huyện", "(Xem trang 3)"],
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
