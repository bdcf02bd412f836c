"""Where a meeting was: the organ's place resolved in the gazetteer of the meeting's day, with
the province at the time; hints from the text (a province, a central city, the paper in the
source line) and the site's owner.

Split from pipelines.meetings (one responsibility per module).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.gazetteer import (
    CENTRAL_CITIES,
    REFORM_DAY,
    Place,
    alias,
    find_places,
    place_key,
    province_2025,
    provinces_by_joined_name,
)
from pipelines.organs import NAME, PLACE_NAME, UNIT_LEVEL, OrganMention, _trim_name, organ_mentions
from pipelines.vietnamese import UPPERCASE, search_key


# Locality ------------------------------------------------------------------------------------
@dataclass
class Locality:
    name: str | None
    level: str | None
    province: str | None
    source: str  # text, owner, or none


CENTRAL_KEYS = {place_key(city) for city in CENTRAL_CITIES}
LATER_MENTION_CHARACTERS = 3000  # how far a report names its organ in full


def _level(mention: OrganMention) -> str:
    unit = mention.unit.lower()
    if unit in ("thành", "thành phố", "tp", "tp.") and mention.name and place_key(
            _known_prefix(mention.name, "tỉnh")) in {place_key(city) for city in CENTRAL_CITIES}:
        return "tỉnh"
    return UNIT_LEVEL.get(unit, "huyện")


def _known_prefix(name: str, level: str, day: str | None = None) -> str:
    """The longest leading words of `name` that name a place of that level: an organ's name
    often runs into the next words ("UBND TP Hà Nội Vũ Đại Thắng"). The name itself when none
    does."""
    words = name.split()
    for length in range(len(words), 0, -1):
        written = " ".join(words[:length])
        # the name as written first: "phường Sài Gòn" is a ward, not the city papers call so
        for candidate in dict.fromkeys((written, alias(written))):
            if find_places(candidate, level) or (day and find_places(candidate, level, day)):
                return candidate
    return alias(name)


def _narrowed(places: list[Place], unit: str, text: str) -> list[Place]:
    """Communes that share a name: the one whose old district the text names ("xã Tân Quới
    (huyện Bình Tân)"), else those of the kind the text names."""
    folded = search_key(text)
    in_district = [place for place in places if place.district and re.search(
        rf"(?:huyện|quận|thị xã|thành phố|tp\.?) {re.escape(search_key(place.district))}\b",
        folded)]
    return in_district if len(in_district) == 1 else _of_kind(places, unit)


# An organ's unit word as the gazetteer's kind: "Thị ủy Sơn Tây" is the town (thị xã), not the
# district of the same name in another province.
UNIT_KIND = {"thị": "thị xã", "thành": "thành phố", "tp": "thành phố", "tp.": "thành phố"}


def _of_kind(places: list[Place], unit: str) -> list[Place]:
    """The places of the kind the text names ("phường Tam Bình", not "xã Tam Bình"), when
    there are any."""
    kind = UNIT_KIND.get(unit.casefold(), unit.casefold())
    same = [place for place in places if place.kind.casefold() == kind]
    return same or places


def _choose(places: list[Place], province_hints: list[str]) -> Place | None:
    if not places:
        return None
    for hint in province_hints:
        for place in places:
            if place_key(place.province) == place_key(hint):
                return place
        # an old province's name also points to the merged one ("tỉnh Long An" in 2026 names
        # Tây Ninh), once no place of the named province itself is left
        for place in places:
            if place_key(place.province) == place_key(province_2025(hint)):
                return place
    return places[0] if len(places) == 1 else None


def resolve_locality(mention: OrganMention | None, text: str, owner=None,
                     day: str | None = None) -> Locality:
    """Where the meeting was: the organ's own place name, else a place named with the same
    unit in the text ("huyện X"), else the site owner's locality (a portal that writes only
    "UBND huyện"). A commune is looked up in the structure in force on `day` first (from
    1 July 2025 communes and wards are new, many named after an old district), then in the
    old one."""
    hints = _province_hints(text, owner)
    if mention is not None and _central_city_organ(mention, hints):
        return Locality(hints[0], "tỉnh", hints[0], "text")
    if mention is not None:
        level = _level(mention)
        mention = _named_later(mention, text)
        name = _known_prefix(mention.name, level, day) if mention.name else None
        if name:
            place = None
            if level == "xã" and day and day[:10] >= REFORM_DAY:
                place = _choose(_of_kind(find_places(name, "xã", day), mention.unit), hints)
            place = place or _choose(_narrowed(find_places(name, level), mention.unit, text),
                                     hints)
            if place is None and level == "xã":
                place = _choose(find_places(name, "huyện"), hints)
            if place is not None:
                return Locality(_shown(place), level, place.province, "text")
            if level == "tỉnh" and find_places(name, "tỉnh"):
                province = find_places(name, "tỉnh")[0].province
                return Locality(province, "tỉnh", province, "text")
            province = hints[0] if hints else None
            return Locality(name, level, province, "text")
        named = _named_place(text, level, hints) or _title_place(text, level, hints)
        if named is not None:
            return Locality(_shown(named), level, named.province, "text")
        if owner is not None and _owner_level(owner) == level:
            return Locality(owner.locality, level, owner.province, "owner")
        if level == "tỉnh" or (mention.unit.lower() in ("thành phố", "tp", "tp.")
                               and hints and place_key(hints[0]) in CENTRAL_KEYS):
            if hints:  # "UBND thành phố" in a text about a central city; "Tỉnh ủy" + source
                return Locality(hints[0], "tỉnh", hints[0], "text")
        if owner is not None and level == "tỉnh":
            return Locality(owner.province, "tỉnh", owner.province, "owner")
    if owner is not None and _owner_level(owner) != "tỉnh":
        return Locality(owner.locality, _owner_level(owner), owner.province, "owner")
    return Locality(None, None, hints[0] if hints else None, "none")


def _shown(place: Place) -> str:
    """A place's name as a reader writes it: a numbered one with its kind ("Quận 5")."""
    return f"{place.kind} {place.name}" if place.name.isdigit() else place.name


def _named_later(mention: OrganMention, text: str) -> OrganMention:
    """An organ stated without its place ("Huyện ủy tổ chức hội nghị …") is often named in
    full further on ("Bí thư Huyện ủy Phù Ninh"): the first such mention of the same organ and
    unit, else the mention as it is."""
    if mention.name:
        return mention
    for later in organ_mentions(text[:LATER_MENTION_CHARACTERS]):
        if (later.name and later.organ == mention.organ
                and later.unit.casefold() == mention.unit.casefold()):
            return later
    return mention


def _central_city_organ(mention: OrganMention, hints: list[str]) -> bool:
    """"Thành ủy", "UBND TP" with no place of their own, or followed by a person's name ("UBND
    TP Nguyễn Đức Chung"), in a text about a central city: that city's organ."""
    if mention.unit.lower() not in ("thành", "thành phố", "tp", "tp.") or not hints:
        return False
    if place_key(hints[0]) not in CENTRAL_KEYS:
        return False
    return not mention.name or not any(
        find_places(_known_prefix(mention.name, level), level) for level in ("tỉnh", "huyện", "xã"))


def _owner_level(owner) -> str:
    return getattr(owner, "locality_level", "huyện") or "huyện"


# The unit's first letter as one class, so the text is scanned fast for it (a leading "\b" or a
# choice of words is tried at every position); then the word's rest, each behind its letter,
# and no letter or digit before the word: the same matches as "\b(?:[hH]uyện|[qQ]uận|...)".
PLACE_AFTER_UNIT = re.compile(
    r"(?P<unit>[hHqQtTxpđ](?<!\w[hHqQtTxpđ])(?:(?<=[hH])uyện|(?<=[qQ])uận|(?<=[tT])hị xã|"
    r"(?<=[tT])hành phố|(?<=x)ã|(?<=p)hường|(?<=t)hị trấn|(?<=đ)ặc khu|(?<=[tT])ỉnh))"
    rf" (?P<name>{PLACE_NAME})")


def _named_place(text: str, level: str, hints: list[str]) -> Place | None:
    for match in PLACE_AFTER_UNIT.finditer(text):
        if UNIT_LEVEL.get(match.group("unit").lower()) != level:
            continue
        name = _trim_name(match.group("name"))
        place = _choose(find_places(name, level), hints) if name else None
        if place is not None:
            return place
    return None


TITLE_OPENING = re.compile(rf"^(?P<name>{NAME})")


def _title_place(text: str, level: str, hints: list[str]) -> Place | None:
    """Papers often open a title with the district alone ("Chư Sê: ...", "Mang Thít triển
    khai ..."); `text` starts with the title."""
    match = TITLE_OPENING.match(text)
    if not match:
        return None
    words = match.group("name").split()
    for length in range(len(words), 0, -1):  # the longest known place name wins
        place = _choose(find_places(" ".join(words[:length]), level), hints)
        if place is not None:
            return place
    return None


# Where a text names its province: "tỉnh X", a central city ("TP Hồ Chí Minh", "thành phố Hà
# Nội"), or the provincial paper in its source line ("Báo Sơn La", "Theo Báo Lạng Sơn").
# (Written to start with one class, as PLACE_AFTER_UNIT: "\b(?:tỉnh|TP|thành phố|Báo)".)
PROVINCE_NAMED = re.compile(r"[tTB](?<!\w[tTB])(?:(?<=t)ỉnh|(?<=T)P|(?<=t)hành phố|(?<=B)áo)"
                            rf" (?P<name>{NAME})")


BRACKETED = re.compile(rf"\((?:tỉnh )?(?P<name>{NAME})\)")
# A paper's dateline or source before its first sentence: "NGHỆ AN - Sáng 8/7, ...",
# "(Baothanhhoa.vn) - Chiều 8/7, ..." (a provincial paper's domain is "bao" and its province).
DATELINE = re.compile(rf"(?:^|[.)]\s)\s*(?P<name>{NAME})\s+[-–]\s+(?=[{UPPERCASE}\d])")
PAPER_DOMAIN = re.compile(r"\b(?:www\.)?bao(?P<name>[a-z]+)\.(?:com\.)?vn\b", re.IGNORECASE)
DATELINE_CHARACTERS = 400  # the title, then the sapo and the first sentence


def _dateline_provinces(text: str) -> list[str]:
    """The province of a dateline, or of a provincial paper's domain before the first sentence
    or in the source line that ends the text ("Nguồn: baosonla.vn")."""
    head = text[:DATELINE_CHARACTERS]
    named = [find_places(match.group("name"), "tỉnh") for match in DATELINE.finditer(head)]
    ends = head if len(text) <= DATELINE_CHARACTERS else f"{head} {text[-DATELINE_CHARACTERS:]}"
    named += [provinces_by_joined_name(match.group("name"))
              for match in PAPER_DOMAIN.finditer(ends)]
    return [places[0].province for places in named if places]


def _province_hints(text: str, owner) -> list[str]:
    hints = []
    if owner is not None and getattr(owner, "province", None):
        hints.append(owner.province)
    hints += _dateline_provinces(text)
    for match in PROVINCE_NAMED.finditer(text):
        name = _known_prefix(_trim_name(match.group("name")) or "", "tỉnh")
        places = find_places(name, "tỉnh") if name else []
        if places and (match.group(0).startswith(("tỉnh", "Báo"))
                       or place_key(places[0].province) in CENTRAL_KEYS):
            hints.append(places[0].province)
    # A province in brackets after a place it holds: "huyện Châu Thành (Tây Ninh)".
    for match in BRACKETED.finditer(text[:2000]):
        places = find_places(match.group("name"), "tỉnh")
        if places:
            hints.append(places[0].province)
    # Last, a central city named anywhere: "Đảng bộ Sở Thông tin và Truyền thông Hà Nội".
    hints += [city for city in CENTRAL_CITIES if city in text[:2000]]
    return hints
