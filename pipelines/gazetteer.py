"""Vietnam's administrative divisions before 1 July 2025 and after it, and the 2025 merger.

Reports of 2023-2024 name districts that no longer exist, so localities are resolved against
the pre-2025 gazetteer of vietnam-provinces 0.6.0 (the last release with the district level:
63 provinces, about 700 districts, their communes), and each old province is mapped to the one
that absorbed it in 2025 (docs/domain.md). Names are matched on a key that folds case
and old/new tone placement ("Hoà Bình" and "Hòa Bình" are one name), and are returned in the
new placement. From 1 July 2025 the country has 34 provinces and about 3,300 communes, wards
and special zones, no districts: that structure is a small data file derived from
vietnam-provinces 2025.10.1 (data/divisions_2025.tsv), since that release cannot be installed
beside 0.6.0. A locality is resolved against the structure in force on the meeting's day.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

from pipelines.vietnamese import fold_diacritics, new_tone_placement, search_key

PREFIXES = ("Thành phố", "Thành Phố", "Tỉnh", "Huyện", "Quận", "Thị xã", "Thị trấn", "Xã",
            "Phường")
# Old province -> province after the 1 July 2025 merger; provinces not listed keep their name.
MERGED_INTO_2025 = {
    "Hà Giang": "Tuyên Quang", "Yên Bái": "Lào Cai", "Bắc Kạn": "Thái Nguyên",
    "Vĩnh Phúc": "Phú Thọ", "Hòa Bình": "Phú Thọ", "Bắc Giang": "Bắc Ninh",
    "Thái Bình": "Hưng Yên", "Hải Dương": "Hải Phòng", "Hà Nam": "Ninh Bình",
    "Nam Định": "Ninh Bình", "Quảng Bình": "Quảng Trị", "Quảng Nam": "Đà Nẵng",
    "Kon Tum": "Quảng Ngãi", "Bình Định": "Gia Lai", "Ninh Thuận": "Khánh Hòa",
    "Đắk Nông": "Lâm Đồng", "Bình Thuận": "Lâm Đồng", "Phú Yên": "Đắk Lắk",
    "Bình Dương": "Hồ Chí Minh", "Bà Rịa - Vũng Tàu": "Hồ Chí Minh", "Bình Phước": "Đồng Nai",
    "Long An": "Tây Ninh", "Sóc Trăng": "Cần Thơ", "Hậu Giang": "Cần Thơ",
    "Bến Tre": "Vĩnh Long", "Trà Vinh": "Vĩnh Long", "Tiền Giang": "Đồng Tháp",
    "Bạc Liêu": "Cà Mau", "Kiên Giang": "An Giang",
}
# Cities directly under the central government: their party committee is a "Thành ủy" of
# province level.
CENTRAL_CITIES = ("Hà Nội", "Hải Phòng", "Đà Nẵng", "Hồ Chí Minh", "Cần Thơ", "Huế")


@dataclass(frozen=True)
class Place:
    name: str  # without its prefix, in the new tone placement
    level: str  # tỉnh, huyện or xã
    province: str
    district: str | None = None
    kind: str = ""  # the prefix: Huyện, Thị xã, Thành phố, Xã, Phường, Thị trấn ...


def strip_prefix(name: str) -> tuple[str, str]:
    """("Thị xã", "Nghi Sơn") from "Thị xã Nghi Sơn"."""
    for prefix in PREFIXES:
        if name.startswith(prefix + " "):
            return prefix, name[len(prefix) + 1:]
    return "", name


def place_key(name: str) -> str:
    """The matching key of a place name: folded case and tone placement, one hyphen style."""
    return re.sub(r"\s*-\s*", "-", search_key(" ".join(name.split())))


def _clean(name: str) -> str:
    return re.sub(r"\s*-\s*", " - ", new_tone_placement(name))


@cache
def _index() -> dict[str, dict[str, list[Place]]]:
    with open(NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as handle:
        provinces = json.load(handle)
    index: dict[str, dict[str, list[Place]]] = {"tỉnh": {}, "huyện": {}, "xã": {}}
    for province in provinces:
        _, province_name = strip_prefix(province["name"])
        province_name = _clean(province_name)
        index["tỉnh"].setdefault(place_key(province_name), []).append(
            Place(province_name, "tỉnh", province_name))
        for district in province["districts"]:
            kind, district_name = strip_prefix(district["name"])
            district_name = _clean(district_name)
            index["huyện"].setdefault(place_key(district_name), []).append(
                Place(district_name, "huyện", province_name, kind=kind))
            for ward in district["wards"]:
                ward_kind, ward_name = strip_prefix(ward["name"])
                ward_name = _clean(ward_name)
                index["xã"].setdefault(place_key(ward_name), []).append(
                    Place(ward_name, "xã", province_name, district_name, ward_kind))
    return index


DIVISIONS_2025 = Path(__file__).parent / "data" / "divisions_2025.tsv"


@cache
def _index_2025() -> dict[str, dict[str, list[Place]]]:
    index: dict[str, dict[str, list[Place]]] = {"tỉnh": {}, "huyện": {}, "xã": {}}
    with open(DIVISIONS_2025, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            province, kind, name = line.rstrip("\n").split("\t")
            level = "tỉnh" if kind == "tỉnh" else "xã"
            index[level].setdefault(place_key(name), []).append(
                Place(_clean(name), level, _clean(province), kind=kind))
    return index


def load_indexes() -> None:
    """Build both structures' indexes now (about 0.25 s), not on the first place looked up: the
    pool's workers are forked from a process that has them (pipelines/worker_start.py)."""
    _index()
    _index_2025()
    _loose_index(False)
    _loose_index(True)


def find_places(name: str, level: str, day: str | None = None) -> list[Place]:
    """Every place of that level with that name (many communes share one), in the structure
    in force on `day`: the 2025 one (no districts) from 1 July 2025, else the old one. A name
    of two words or more written with other or missing marks ("Krông Buk", "Dak Mil", "Ea
    H'leo") is the one place it can only be."""
    new = bool(day and day[:10] >= REFORM_DAY)
    places = (_index_2025() if new else _index())[level].get(place_key(name), [])
    if not places and len(name.split()) > 1:
        loose = _loose_index(new)[level].get(loose_key(name), [])
        places = loose if len(loose) == 1 else []
    return list(places)


LONGEST_NAME_WORDS = 4  # "Phan Rang - Tháp Chàm"


def is_place_name(name: str) -> bool:
    """Whether some place of any level, before or after 2025, bears this name of two words or
    more ("Hội An", "Kỳ Anh", "Năm Căn": names that open with a word that usually ends one)."""
    return place_key(name) in _names_of_two_words_or_more()


@cache
def _names_of_two_words_or_more() -> frozenset[str]:
    keys = set()
    for index in (_index(), _index_2025()):
        for names in index.values():
            keys.update(key for key in names if " " in key or "-" in key)
    return frozenset(keys)


def provinces_by_joined_name(joined: str) -> list[Place]:
    """The province whose name without marks and spaces is `joined` ("thanhhoa", "nghean"), as
    a provincial paper's domain spells it ("baothanhhoa.vn")."""
    return list(_joined_province_names().get(joined.casefold(), []))


@cache
def _joined_province_names() -> dict[str, list[Place]]:
    index: dict[str, list[Place]] = {}
    for places in _index()["tỉnh"].values():
        for place in places:
            index.setdefault(loose_key(place.name).replace(" ", ""), []).append(place)
    return index


def loose_key(name: str) -> str:
    """A name without its marks, apostrophes and hyphens: "Đắk Glei", "Đăk Glei", "Dak Glei"."""
    return " ".join(re.sub(r"['’\-]", " ", fold_diacritics(name).casefold()).split())


@cache
def _loose_index(new: bool) -> dict[str, dict[str, list[Place]]]:
    index: dict[str, dict[str, list[Place]]] = {}
    for level, names in (_index_2025() if new else _index()).items():
        loose: dict[str, list[Place]] = index.setdefault(level, {})
        for places in names.values():
            for place in places:
                loose.setdefault(loose_key(place.name), []).append(place)
    return index


def province_2025(province: str | None) -> str | None:
    """The province an old one became part of on 1 July 2025 (itself when unchanged)."""
    if not province:
        return None
    canonical = _clean(province)
    merged = {place_key(old): new for old, new in MERGED_INTO_2025.items()}
    return merged.get(place_key(canonical), canonical)


REFORM_DAY = "2025-07-01"  # 34 provinces and no district level from this day
# Names papers use for a province that the gazetteer spells otherwise.
ALIASES = {"hcm": "Hồ Chí Minh", "tp.hcm": "Hồ Chí Minh", "tphcm": "Hồ Chí Minh",
           "sài gòn": "Hồ Chí Minh", "tt-huế": "Huế", "thừa thiên huế": "Huế",
           "thừa thiên - huế": "Huế", "brvt": "Bà Rịa - Vũng Tàu"}


def province_at(province: str | None, day: str | None) -> str | None:
    """The province as it was on `day`: the old one before 1 July 2025, the merged one after
    (a locality of old Long An reported in 2026 is in Tây Ninh)."""
    if province and day and day[:10] >= REFORM_DAY:
        return province_2025(province)
    return province


def alias(name: str) -> str:
    """The gazetteer's spelling of a name papers abbreviate ("TP.HCM", "HCM"), without a
    leading unit word ("TP", "Quận 5" is district 5)."""
    name = re.sub(r"^(?:TP\.?|Thành phố|Quận|Phường)\s*", "", name)
    key = search_key(name)
    return ALIASES.get(key, ALIASES.get(key.replace(" ", ""), name))
