"""The meeting-report classifier and its fields, measured against the hand labels.

bench/eval_classify.py prints the full table; this test fails when a figure falls below its
floor. Floors are pinned from measured figures and may only rise.
"""

from __future__ import annotations

import json

import pytest

from bench.eval_classify import SEED_FIELDS, SEED_IDS, evaluate
from pipelines.classify import classify
from pipelines.meetings import find_figures, find_officials, parse_number
from tests.conftest import run_vnarchive

# Measured 2026-11-26 (python bench/eval_classify.py --split test).
F1_FLOOR = 0.95
FIELD_FLOORS = {"kind": 0.95, "organ": 0.95, "locality": 0.95, "province": 0.95,
                "meeting_date": 0.95, "period_deployed": 0.95, "period_reviewed": 0.90}


@pytest.fixture(scope="module")
def held_out():
    return evaluate("test")


def test_held_out_label_and_fields(held_out):
    print(f"\nheld-out: precision {held_out.precision:.3f} recall {held_out.recall:.3f} "
          f"F1 {held_out.f1:.3f}")
    assert held_out.f1 >= F1_FLOOR, held_out.confusions
    for field_name, floor in FIELD_FLOORS.items():
        assert held_out.accuracy(field_name) >= floor, (field_name, held_out.confusions)


def test_seeds_are_exactly_right(held_out):
    assert held_out.seed_misses == []
    assert len(SEED_IDS) == 5 and "province" in SEED_FIELDS


def test_hard_negatives_from_domain_notes():
    assert not classify(
        "Huyện ủy X tổ chức hội nghị quán triệt nghị quyết Trung ương 8",
        "Sáng 5/12, Huyện ủy X tổ chức hội nghị quán triệt, triển khai nhiệm vụ năm 2024."
    ).is_meeting_report
    assert not classify(
        "Triển khai Tháng hành động vì an toàn thực phẩm năm 2024",
        "Sáng 2/4, UBND huyện tổ chức lễ phát động, triển khai kế hoạch tháng 4/2024."
    ).is_meeting_report


def test_old_spelling_and_typo_are_tolerated():
    text = ("Ngày 4/4, Huyện uỷ Thuận Bắc tổ chức Hôi nghị đánh giá kết quả thực hiện nhiệm vụ "
            "quý 1 và triển khai nhiệm vụ quý 2/2024.")
    result = classify("Huyện uỷ Thuận Bắc triển khai nhiệm vụ quý 2/2024", text, "2024-04-05")
    assert result.is_meeting_report
    meeting = result.meeting
    assert (meeting.organ, meeting.locality, meeting.province, meeting.province_2025) == (
        "party_committee", "Thuận Bắc", "Ninh Thuận", "Khánh Hòa")
    assert (meeting.period_reviewed, meeting.period_deployed, meeting.meeting_date) == (
        "2024-Q1", "2024-Q2", "2024-04-04")


@pytest.mark.parametrize(("text", "value"), [("3.204", 3204), ("6,8", 6.8),
                                              ("22,756", 22.756), ("1.265,5", 1265.5)])
def test_vietnamese_numbers(text, value):
    assert parse_number(text) == value


def test_figures_and_officials():
    text = ("Đến nay có 7/14 chỉ tiêu hoàn thành; giá trị sản xuất các ngành ước đạt 3.204 tỷ "
            "đồng, tăng 22% so với cùng kỳ; thu ngân sách ước đạt 6,8 tỷ đồng. Dự hội nghị có "
            "đồng chí Phương Thị Thanh, Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh.")
    figures = {(f["text"], f["value"], f["unit"], f["label"]) for f in find_figures(text)}
    assert ("3.204 tỷ đồng", 3204, "tỷ đồng", "giá trị sản xuất các ngành") in figures
    assert ("6,8 tỷ đồng", 6.8, "tỷ đồng", "thu ngân sách") in figures
    assert ("7/14 chỉ tiêu", 7, "chỉ tiêu", "hoàn thành") in figures  # named after the unit
    assert find_officials(text) == [{"name": "Phương Thị Thanh",
                                     "title": "Phó Bí thư Thường trực Tỉnh ủy, Chủ tịch HĐND tỉnh"}]


@pytest.mark.timeout(60)
def test_classify_command_explains(tmp_path):
    page = tmp_path / "report.txt"
    page.write_text("UBND huyện triển khai nhiệm vụ tháng 6/2024\n"
                    "Sáng ngày 4/6/2024, UBND huyện tổ chức hội nghị thường kỳ đánh giá tình "
                    "hình phát triển kinh tế - xã hội tháng 5; triển khai nhiệm vụ trọng tâm "
                    "tháng 6/2024.", encoding="utf-8")
    result = run_vnarchive("classify", str(page), "--site", "hanam_lynhan", "--explain")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["is_meeting_report"] and 0.5 < output["confidence"] <= 1
    assert output["meeting"]["locality"] == "Lý Nhân"  # from the portal's owner
    assert output["meeting"]["period_deployed"] == "2024-06"
    assert {cue["cue"] for cue in output["explanation"]["cues"]} >= {"deploy act", "period"}
