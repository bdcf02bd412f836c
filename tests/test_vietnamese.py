"""Normalisation keys: old and new tone placement, NFC and NFD, "Ð" and "Đ" meet."""

from __future__ import annotations

import unicodedata

import pytest

from pipelines.vietnamese import (
    fold_diacritics,
    new_tone_placement,
    normalize_text,
    prepare_input,
    search_key,
)


@pytest.mark.parametrize(
    ("old", "new"),
    [("hoà", "hòa"), ("Hoà Bình", "Hòa Bình"), ("thuỷ lợi", "thủy lợi"), ("Uỷ ban", "Ủy ban"),
     ("khoẻ", "khỏe"), ("tuỳ", "tùy"), ("quý", "quý"), ("hoàng", "hoàng"), ("khuya", "khuya"),
     ("quỳnh", "quỳnh"), ("Thuận Bắc", "Thuận Bắc"), ("ngoài", "ngoài"), ("Nguyễn", "Nguyễn"),
     ("thuý", "thúy"), ("xoá", "xóa")],
)
def test_new_tone_placement(old, new):
    assert new_tone_placement(old) == new


def test_keys_fold_spellings_and_forms():
    nfd = unicodedata.normalize("NFD", "Huyện uỷ Đồng Hoà")
    assert search_key(nfd) == search_key("HUYỆN ỦY ĐỒNG HÒA") == "huyện ủy đồng hòa"
    assert normalize_text("\u00d0ảng bộ") == "Đảng bộ"
    assert fold_diacritics("Đảng bộ huyện") == "dang bo huyen"


def test_input_in_nfd_and_word_segmented_reads_as_the_same_words():
    """A word-segmented text in NFD ("Hà_Nội" decomposed) is read like one in NFC: in NFD a
    mark, not a letter, stands before the "_" that joins the syllables."""
    segmented = "UBND TP Hà_Nội tổ_chức hội_nghị kinh_tế - xã_hội"
    decomposed = unicodedata.normalize("NFD", segmented)
    assert prepare_input(decomposed) == prepare_input(segmented) == (
        "UBND TP Hà Nội tổ chức hội nghị kinh tế - xã hội")


def test_lines_broken_inside_sentences_are_joined():
    """Text wrapped at a fixed width (copied from a PDF, a portal's <br> in mid-paragraph) is
    read as its paragraphs; a line going on in lower case joins the one before it."""
    wrapped = ("Chiều 27-2, UBND thành phố tổ chức hội nghị tổng kết công tác chăm lo Tết\n"
               "Nguyên đán và đánh giá tình hình kinh tế - xã hội tháng 2, triển khai\n"
               "nhiệm vụ trọng tâm tháng 3.")
    assert prepare_input(wrapped) == " ".join(wrapped.split("\n"))
    assert prepare_input("Sáng 8/7, Huyện ủy tổ\nchức hội nghị.") == (
        "Sáng 8/7, Huyện ủy tổ chức hội nghị.")


def test_a_listings_lines_stay_apart():
    listing = ("Huyện ủy Kim Sơn sơ kết 6 tháng đầu năm\n"
               "Ngày 5/7, Huyện ủy Kim Sơn tổ chức hội nghị sơ kết 6 tháng đầu năm 2024 với sự "
               "tham dự của các đồng chí trong Ban Chấp hành Đảng bộ huyện.\n"
               "UBND huyện Yên Khánh họp phiên thường kỳ tháng 6\n"
               "26/06/2024 | 09:50")
    assert prepare_input(listing) == listing


def test_html_entities_left_in_a_feeds_text_are_read():
    assert prepare_input("UBND huy&#7879;n Kim S&#417;n h&#7885;p&nbsp;phi&ecirc;n") == (
        "UBND huyện Kim Sơn họp phiên")
    assert prepare_input("Ngân hàng Đầu tư & Phát triển, R&D") == (
        "Ngân hàng Đầu tư & Phát triển, R&D")
