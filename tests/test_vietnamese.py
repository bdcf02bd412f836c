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
