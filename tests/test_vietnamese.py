"""Normalisation keys: old and new tone placement, NFC and NFD, "Ð" and "Đ" meet."""

from __future__ import annotations

import unicodedata

import pytest

from pipelines.vietnamese import fold_diacritics, new_tone_placement, normalize_text, search_key


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
