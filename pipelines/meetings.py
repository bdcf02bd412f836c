"""The fields of a meeting report: organ, locality, province, kind, periods, officials, figures.

Pure functions over the title and text; no Scrapy. Each field has one small function. The
patterns follow docs/domain.md: who meets ("Huyện ủy X", "Ban Chấp hành Đảng bộ huyện
X", "UBND huyện", "HĐND xã X", "Ủy ban MTTQ huyện X"), periods in both numeral styles
("quý II/2024", "quý 1/2024", "6 tháng cuối năm", "9 tháng"), numbers with "." for thousands
and "," for decimals, officials as "đồng chí NAME, TITLE" or "NAME - TITLE".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.figure_labels import figure_label
from pipelines.gazetteer import (
    CENTRAL_CITIES,
    REFORM_DAY,
    Place,
    alias,
    find_places,
    place_key,
    province_2025,
    province_at,
)
from pipelines.vietnamese import UPPERCASE, search_key

# Organs --------------------------------------------------------------------------------------
CAPITALISED = rf"[{UPPERCASE}][\w'’]*"
# A place or person name: capitalised words, maybe hyphenated ("Phan Rang - Tháp Chàm"),
# maybe numbered ("Tam Xuân 1").
NAME = rf"{CAPITALISED}(?:\s*-\s*{CAPITALISED}|\s+{CAPITALISED}){{0,4}}(?:\s+\d{{1,2}}\b)?"
UNIT = r"(?:[tT]ỉnh|[tT]hành phố|[tT]hị xã|[hH]uyện|[qQ]uận|xã|phường|thị trấn|TP\.?)"
# Order matters: the longest, most specific phrase for an organ comes first.
ORGAN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("front", re.compile(rf"(?P<organ>(?:Ủy|Uỷ) ban (?:MTTQ|Mặt trận Tổ quốc)(?: Việt Nam)?"
                         rf"(?: \(MTTQ\))? (?P<unit>{UNIT})(?: (?P<name>{NAME}))?)")),
    ("front", re.compile(rf"(?P<organ>MTTQ(?: Việt Nam)? (?P<unit>{UNIT})(?: (?P<name>{NAME}))?)")),
    # The mass organisations of the front (domain.md): farmers, youth, women, veterans.
    ("front", re.compile(rf"(?P<organ>(?:Hội Nông dân|Đoàn Thanh niên|Huyện đoàn|Hội Liên hiệp "
                         rf"Phụ nữ|Hội LHPN|Hội Cựu chiến binh|Hội CCB|Liên đoàn Lao động) "
                         rf"(?P<unit>{UNIT})(?: (?P<name>{NAME}))?)")),
    ("party_committee", re.compile(
        rf"(?P<organ>(?:Ban [Cc]hấp hành|BCH|Hội nghị Ban [Cc]hấp hành) Đảng bộ (?P<unit>{UNIT})"
        rf"(?: (?P<name>{NAME}))?)")),
    ("party_committee", re.compile(
        rf"(?P<organ>(?:Ban Thường vụ|BTV|Thường trực) (?P<unit>Huyện|Thị|Thành|Tỉnh|Quận)"
        rf" ?(?:ủy|uỷ)(?: (?P<name>{NAME}))?)")),
    ("party_committee", re.compile(
        rf"(?P<organ>(?P<unit>Huyện|Thị|Thành|Tỉnh|Quận) ?(?:ủy|uỷ)(?: (?P<name>{NAME}))?)")),
    ("party_committee", re.compile(
        rf"(?P<organ>Đảng (?:ủy|uỷ|bộ) (?P<unit>xã|phường|thị trấn|huyện)(?: (?P<name>{NAME}))?)")),
    # The party committee of a provincial agency or bloc ("Đảng bộ Sở Thông tin và Truyền
    # thông Hà Nội", "Ban Chấp hành Đảng bộ UBND TP Hồ Chí Minh"): its province is the one the
    # text names.
    ("party_committee", re.compile(
        r"(?P<organ>(?:Hội nghị )?(?:Ban [Cc]hấp hành |BCH )?Đảng (?:bộ|ủy|uỷ) "
        r"(?P<unit>Sở|Khối|UBND|Ủy ban nhân dân|Uỷ ban nhân dân)(?P<name>)[^,.;()]{0,60}?)"
        r"(?=\s+(?:đã |vừa )?(?:tổ chức|họp|lần|khóa|khoá|mở rộng)\b|[,.;(])")),
    ("people_council", re.compile(
        rf"(?P<organ>(?:HĐND|Hội đồng nhân dân) (?P<unit>{UNIT})(?: (?P<name>{NAME}))?)")),
    ("people_committee", re.compile(
        rf"(?P<organ>(?:UBND|(?:Ủy|Uỷ) ban nhân dân) (?P<unit>{UNIT})(?: (?P<name>{NAME}))?)")),
]
UNIT_LEVEL = {
    "tỉnh": "tỉnh", "huyện": "huyện", "quận": "huyện", "thị xã": "huyện", "thị": "huyện",
    "thành phố": "huyện", "tp": "huyện", "tp.": "huyện", "xã": "xã", "phường": "xã",
    "thị trấn": "xã", "thành": "huyện", "sở": "tỉnh", "khối": "tỉnh", "ubnd": "tỉnh",
    "ủy ban nhân dân": "tỉnh", "uỷ ban nhân dân": "tỉnh",
}
# Words that follow an organ's name and are not part of it ("Huyện ủy Thuận Bắc tổ chức").
NAME_STOP_WORDS = {"Khóa", "Khoá", "Tổ", "Lần", "Nhiệm", "Việt", "Hội", "Ban", "Quý", "Tháng",
                   "Năm", "Kỳ", "Triển", "Sơ", "Tổng", "Về", "Và", "Với", "Đã", "Cho", "Ngày"}
ACTION_AFTER_ORGAN = re.compile(
    r"^[\s,]*(?:khóa [IVXLC]+[^,]*,\s*)?(?:nhiệm kỳ [\d\s–-]+,?\s*)?"
    # a place after the organ's name: "Đảng ủy phường Tam Bình, TP Hồ Chí Minh tổ chức"
    r"(?:,\s*(?:TP|tỉnh|thành phố) [^\s,]+(?: [^\s,]+){0,3},?\s*)?"
    r"(?:\([^()]{0,60}\)\s*)?"  # "xã Y Tý (huyện Bát Xát) tổ chức"
    r"(?:đã |vừa |long trọng )?(?:tổ chức|họp|khai mạc|tổng kết|sơ kết|triển khai|đánh giá|"
    r"giao ban(?!\s+quản lý|\s+chỉ đạo)|tiến hành)", re.I)


@dataclass
class OrganMention:
    organ: str
    organ_name: str
    unit: str
    name: str | None
    start: int
    is_subject: bool


def organ_mentions(text: str) -> list[OrganMention]:
    """Every organ named in the text, in order; `is_subject` when it is the one that holds
    the meeting ("... tổ chức hội nghị")."""
    found: dict[int, OrganMention] = {}
    for organ, pattern in ORGAN_PATTERNS:
        for match in pattern.finditer(text):
            if any(m.start <= match.start() < m.start + len(m.organ_name) for m in found.values()):
                continue  # inside a longer phrase already found
            name = _trim_name(match.group("name"))
            organ_name = match.group("organ")
            if match.group("name") and name != match.group("name"):
                organ_name = organ_name[: organ_name.rindex(match.group("name"))] + (name or "")
                organ_name = organ_name.rstrip()
            after = text[match.start() + len(organ_name): match.start() + len(organ_name) + 80]
            found[match.start()] = OrganMention(
                organ=organ, organ_name=organ_name.strip(), unit=match.group("unit"),
                name=name, start=match.start(),
                is_subject=bool(ACTION_AFTER_ORGAN.match(after)),
            )
    return [found[start] for start in sorted(found)]


def _trim_name(name: str | None) -> str | None:
    if not name:
        return None
    words = name.split()
    kept = []
    for word in words:
        if word in NAME_STOP_WORDS or (kept and word.isupper() and len(word) > 1
                                       and not word.isdigit()):
            break
        kept.append(word)
    return " ".join(kept) or None


# Periods -------------------------------------------------------------------------------------
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
YEAR_SUFFIX = r"(?:\s*(?:/|-|–|năm)\s*(?P<year>20\d\d))?"
PERIOD_PATTERNS = [
    ("half", re.compile(r"(?P<half>6|sáu) tháng (?P<which>đầu|cuối) năm" + YEAR_SUFFIX, re.I)),
    ("nine", re.compile(r"(?<![\d/])(?:9|chín) tháng(?: đầu năm)?" + YEAR_SUFFIX, re.I)),
    ("last_quarter", re.compile(r"(?<![\d/])[1-3] tháng cuối năm" + YEAR_SUFFIX, re.I)),
    # "những tháng cuối năm": the second half, as papers use it
    ("last_months", re.compile(r"(?:những|các) tháng cuối năm" + YEAR_SUFFIX, re.I)),
    # "7 tháng", "10 tháng đầu năm": the months so far, ending with that month
    ("months_so_far", re.compile(r"(?<![\d/])(?P<months>[2-9]|1[01]) tháng(?: đầu năm)?(?! cuối)"
                                 + YEAR_SUFFIX, re.I)),
    ("quarter", re.compile(r"quý (?P<quarter>IV|I{1,3}|[1-4])\b" + YEAR_SUFFIX, re.I)),
    ("month", re.compile(r"tháng (?P<month>1[0-2]|0?[1-9])(?![\d/.-]\d{1,2}[/.-])" + YEAR_SUFFIX,
                         re.I)),
    ("year", re.compile(r"(?:công tác |nhiệm vụ |kế hoạch |(?<!tháng )năm )(?:năm )?"
                        r"(?P<year>20\d\d)"
                        r"(?!\s*[-–]\s*20\d\d)", re.I)),
]
# "thực hiện nhiệm vụ quý I" reviews; "triển khai nhiệm vụ quý II" deploys.
DEPLOY_CUE = re.compile(r"triển khai|phương hướng|nhiệm vụ tr[ọo]ng tâm|nhiệm vụ,? giải pháp|"
                        r"bàn (?:các )?giải pháp|quyết định (?:kế hoạch|nhiệm vụ)|"
                        r"kế hoạch phát triển|kế hoạch (?=quý|tháng|năm)", re.I)


@dataclass(frozen=True)
class Period:
    kind: str  # quarter, month, half, year
    value: str  # 2024-Q2, 2024-06, 2024-H2, 2024
    start: int


def _period(kind: str, match: re.Match, year: int) -> tuple[str, str]:
    groups = match.groupdict()
    if groups.get("year"):
        year = int(groups["year"])
    if kind == "half":
        return "half", f"{year}-H{1 if groups['which'].lower() == 'đầu' else 2}"
    if kind == "nine":
        return "quarter", f"{year}-Q3"
    if kind == "last_quarter":
        return "quarter", f"{year}-Q4"
    if kind == "last_months":
        return "half", f"{year}-H2"
    if kind == "months_so_far":
        return "month", f"{year}-{int(groups['months']):02d}"
    if kind == "quarter":
        return "quarter", f"{year}-Q{ROMAN[groups['quarter'].lower()]}"
    if kind == "month":
        return "month", f"{year}-{int(groups['month']):02d}"
    return "year", str(year)


def find_periods(text: str, default_year: int) -> list[Period]:
    """Period mentions in order, the year taken from the mention or else `default_year`."""
    taken: list[tuple[int, int]] = []
    periods = []
    for kind, pattern in PERIOD_PATTERNS:
        for match in pattern.finditer(text):
            if any(a <= match.start() < b for a, b in taken):
                continue
            taken.append((match.start(), match.end()))
            period_kind, value = _period(kind, match, default_year)
            periods.append(Period(period_kind, value, match.start()))
    return sorted(periods, key=lambda period: period.start)


def previous_period(period: Period) -> str:
    """The period a meeting that deploys `period` reviews."""
    value = period.value
    if period.kind == "quarter":
        year, quarter = int(value[:4]), int(value[-1])
        return f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"
    if period.kind == "month":
        year, month = int(value[:4]), int(value[5:])
        return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
    if period.kind == "half":
        year = int(value[:4])
        return f"{year}-H1" if value.endswith("H2") else f"{year - 1}-H2"
    return str(int(value) - 1)


def next_period(period: Period) -> Period:
    """The period after `period`: what a meeting that reviews `period` goes on to."""
    value = period.value
    year = int(value[:4])
    if period.kind == "quarter":
        quarter = int(value[-1])
        following = f"{year + 1}-Q1" if quarter == 4 else f"{year}-Q{quarter + 1}"
    elif period.kind == "month":
        month = int(value[5:])
        following = f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"
    elif period.kind == "half":
        following = f"{year}-H2" if value.endswith("H1") else f"{year + 1}-H1"
    else:
        following = str(year + 1)
    return Period(period.kind, following, period.start)


# With no deploy cue, the period right after a review cue is the one reviewed ("đánh giá kinh
# tế - xã hội tháng 2", "xem xét kết quả thực hiện ... của năm 2025").
REVIEW_CUE = re.compile(r"đánh giá|tổng kết|sơ kết|kết quả|xem xét|giao ban|"
                        r"kinh tế\s*-?\s*xã hội", re.I)
REVIEW_REACH = 120  # characters from the review cue to its period


def _same_sentence(text: str, start: int, end: int) -> bool:
    return not re.search(r"[.;!?]\s", text[start:end])


def _is_last_part(head: str, period: Period) -> bool:
    return "cuối" in head[period.start: period.start + 20]


REGULAR_SESSION = re.compile(
    r"kỳ họp thường (?:lệ|kỳ) (?P<which>cuối|giữa) năm(?: (?P<year>20\d\d))?", re.I)


def deployed_and_reviewed(head: str, default_year: int) -> tuple[Period | None, str | None]:
    """The period a meeting deploys (the first period after a deploy cue) and the one it
    reviews (stated before that cue, or else the period before the deployed one). A council's
    regular session at the end of a year reviews that year and decides the next; one at
    mid-year reviews the first half and decides the second."""
    session = REGULAR_SESSION.search(head)
    if session:
        year = int(session.group("year") or default_year)
        if session.group("which").lower() == "cuối":
            return Period("year", str(year + 1), session.start()), str(year)
        return Period("half", f"{year}-H2", session.start()), f"{year}-H1"
    periods = find_periods(head, default_year)
    deploy = DEPLOY_CUE.search(head)
    review = REVIEW_CUE.search(head)
    if not deploy and review:
        reviewed = next((p for p in periods
                         if 0 <= p.start - review.start() <= REVIEW_REACH), None)
        if reviewed is not None and _is_last_part(head, reviewed):
            # "6 tháng cuối năm", "những tháng cuối năm" are what the meeting prepares
            return reviewed, previous_period(reviewed)
        if reviewed is not None:
            later = [p for p in periods if p.start > reviewed.start and _is_last_part(head, p)]
            return (later[0] if later else next_period(reviewed)), reviewed.value
    deployed = None
    if deploy:
        deployed = next((p for p in periods if p.start >= deploy.start()
                         and _same_sentence(head, deploy.start(), p.start)), None)
        before = [p for p in periods if p.start < deploy.start()
                  and _same_sentence(head, p.start, deploy.start())]
        if deployed is None and before:  # "tháng 1 và đề ra phương hướng cho thời gian tới"
            return next_period(before[-1]), before[-1].value
        if deployed is None:  # a deploy cue with no period of its own
            deployed = next((p for p in periods if p.start >= deploy.start()), None)
    if deployed is None and periods:
        deployed = periods[-1] if len(periods) > 1 else periods[0]
    if deployed is None:
        return None, None
    earlier = [p for p in periods if p.start < deployed.start and p.value != deployed.value]
    same_kind = [p for p in earlier if p.kind == deployed.kind]
    if same_kind:
        reviewed = same_kind[-1].value
    elif deployed.kind == "quarter" and earlier and earlier[-1].kind == "half":
        reviewed = earlier[-1].value
    else:
        reviewed = previous_period(deployed)
    return deployed, reviewed


# Kind ----------------------------------------------------------------------------------------
SESSION = re.compile(r"kỳ họp (?:lần )?thứ\s*\d+|(?:hội nghị|kỳ họp)(?: [^,.;]{0,60})? lần thứ\s*"
                     r"(?:\d+|[IVXLC]+)\b", re.I)
KIND_OF_PERIOD = {"quarter": "quarterly", "month": "monthly", "half": "half_year",
                  "year": "annual"}


def meeting_kind(head: str, deployed: Period | None) -> str:
    if SESSION.search(head):
        return "session"
    return KIND_OF_PERIOD.get(deployed.kind, "other") if deployed else "other"


# Locality ------------------------------------------------------------------------------------
@dataclass
class Locality:
    name: str | None
    level: str | None
    province: str | None
    source: str  # text, owner, or none


CENTRAL_KEYS = {place_key(city) for city in CENTRAL_CITIES}


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
    name = alias(name)
    words = name.split()
    for length in range(len(words), 0, -1):
        candidate = alias(" ".join(words[:length]))
        if find_places(candidate, level) or (day and find_places(candidate, level, day)):
            return candidate
    return name


def _narrowed(places: list[Place], unit: str, text: str) -> list[Place]:
    """Communes that share a name: the one whose old district the text names ("xã Tân Quới
    (huyện Bình Tân)"), else those of the kind the text names."""
    folded = search_key(text)
    in_district = [place for place in places if place.district and re.search(
        rf"(?:huyện|quận|thị xã|thành phố|tp\.?) {re.escape(search_key(place.district))}\b",
        folded)]
    return in_district if len(in_district) == 1 else _of_kind(places, unit)


def _of_kind(places: list[Place], unit: str) -> list[Place]:
    """The places of the kind the text names ("phường Tam Bình", not "xã Tam Bình"), when
    there are any."""
    same = [place for place in places if place.kind.casefold() == unit.casefold()]
    return same or places


def _choose(places: list[Place], province_hints: list[str]) -> Place | None:
    if not places:
        return None
    for hint in province_hints:  # an old province's name also points to the merged one
        for place in places:
            if place_key(place.province) in (place_key(hint), place_key(province_2025(hint))):
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
    if mention is not None:
        level = _level(mention)
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
                return Locality(place.name, level, place.province, "text")
            if level == "tỉnh" and find_places(name, "tỉnh"):
                province = find_places(name, "tỉnh")[0].province
                return Locality(province, "tỉnh", province, "text")
            province = hints[0] if hints else None
            return Locality(name, level, province, "text")
        named = _named_place(text, level, hints) or _title_place(text, level, hints)
        if named is not None:
            return Locality(named.name, level, named.province, "text")
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


def _owner_level(owner) -> str:
    return getattr(owner, "locality_level", "huyện") or "huyện"


PLACE_AFTER_UNIT = re.compile(rf"\b(?P<unit>huyện|thị xã|thành phố|xã|phường|thị trấn|tỉnh) "
                              rf"(?P<name>{NAME})")


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
PROVINCE_NAMED = re.compile(rf"\b(?:tỉnh|TP|thành phố|Báo) (?P<name>{NAME})")


def _province_hints(text: str, owner) -> list[str]:
    hints = []
    if owner is not None and getattr(owner, "province", None):
        hints.append(owner.province)
    for match in PROVINCE_NAMED.finditer(text):
        name = _known_prefix(_trim_name(match.group("name")) or "", "tỉnh")
        places = find_places(name, "tỉnh") if name else []
        if places and (match.group(0).startswith(("tỉnh", "Báo"))
                       or place_key(places[0].province) in CENTRAL_KEYS):
            hints.append(places[0].province)
    # Last, a central city named anywhere: "Đảng bộ Sở Thông tin và Truyền thông Hà Nội".
    hints += [city for city in CENTRAL_CITIES if city in text[:2000]]
    return hints


# Officials -----------------------------------------------------------------------------------
PERSON = rf"(?P<name>{CAPITALISED}(?:\s+{CAPITALISED}){{1,4}})"
TITLE_START = (r"(?:Phó |Nguyên )?(?:Bí thư|Chủ tịch|Ủy viên|Uỷ viên|Trưởng|Giám đốc|Tỉnh ủy viên|"
               r"Tỉnh uỷ viên|Thường trực|Chánh|Phó|Đại biểu|Thành ủy viên|Huyện ủy viên)")
# A title stops at the verb of its sentence ("... trình bày", "... điều hành kỳ họp") or at
# a comma that does not open a further title ("Phó Bí thư Huyện ủy, Chủ tịch UBND huyện" is
# one title; "..., các đồng chí ..." is not).
TITLE_VERBS = (r"chủ trì|phát biểu|dự|đã|nhấn mạnh|yêu cầu|đề nghị|ghi nhận|cho biết|chỉ đạo|"
               r"kết luận|trao|khẳng định|biểu dương|đánh giá|lưu ý|và|cùng|trình bày|báo cáo|"
               r"cho thấy|thông tin|thông qua|điều hành|điều khiển|quán triệt|phổ biến|nêu|"
               r"tặng|khen|tham dự|tới dự|về dự|thay mặt|giới thiệu|công bố|tuyên bố|"
               r"khai mạc|bế mạc|đọc|nhận định|phân tích|thống nhất|giải trình|tiếp thu")
TITLE_END = rf"(?=\s+(?:{TITLE_VERBS})\b|[.;:()]|,(?!\s*{TITLE_START})|$)"
TITLE = rf"{TITLE_START}[^.,;:()]*?(?:,\s*{TITLE_START}[^.,;:()]*?)*"
# "đồng chí NAME, TITLE" / "đồng chí NAME - TITLE"; and "NAME - TITLE" (portals' style).
OFFICIAL_PATTERNS = (
    re.compile(rf"(?:đồng chí|Đồng chí|ông|bà|Ông|Bà)\s+{PERSON}\s*(?:,|-|–)\s*"
               rf"(?P<title>{TITLE}){TITLE_END}"),
    re.compile(rf"(?<![\wÀ-ỹ]){PERSON}\s+-\s+(?P<title>{TITLE}){TITLE_END}"),
)


def find_officials(text: str) -> list[dict[str, str]]:
    """Officials named with their titles, once each, in order of first mention."""
    found: list[tuple[int, str, str]] = []
    for pattern in OFFICIAL_PATTERNS:
        for match in pattern.finditer(text):
            name, title = match.group("name").strip(), match.group("title").strip(" ,-–")
            if title:
                found.append((match.start(), name, title))
    officials: dict[str, str] = {}
    for _, name, title in sorted(found):
        officials.setdefault(name, title)
    return [{"name": name, "title": title} for name, title in officials.items()]


# Figures -------------------------------------------------------------------------------------
NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
UNITS = (r"nghìn tỷ đồng|tỷ đồng|triệu đồng|nghìn đồng|triệu USD|tỷ USD|USD|%|ha|tấn|km|hộ|"
         r"triệu lượt khách|lượt khách|người|lao động|"
         r"đảng viên|trường|công trình|dự án|doanh nghiệp|hợp tác xã|xã|tạ/ha")
FIGURE = re.compile(rf"(?<![\d/.,])(?P<number>{NUMBER})\s*(?P<unit>{UNITS})(?![\wÀ-ỹ])")
RATIO = re.compile(r"(?<![\d/])(?P<done>\d{1,3})/(?P<total>\d{1,3})\s+(?P<unit>chỉ tiêu|tiêu chí|"
                   r"xã|trường|nhiệm vụ)")
def parse_number(text: str) -> float:
    """Vietnamese number format: "3.204" is 3204, "6,8" is 6.8, "1.265,5" is 1265.5."""
    return float(text.replace(".", "").replace(",", "."))


def find_figures(text: str) -> list[dict]:
    """Reported figures: the text as printed, the value, the unit and a label."""
    return [{key: value for key, value in figure.items() if key not in ("start", "end")}
            for figure in figures_at(text).values()]


def figures_at(text: str) -> dict[int, dict]:
    """The figures by where they start in the text, each labelled with what it counts
    (pipelines/figure_labels.py): in order, since a figure may take the label of the one
    before it."""
    found = []
    for match in RATIO.finditer(text):
        found.append({"text": match.group(0), "value": int(match.group("done")),
                      "total": int(match.group("total")), "unit": match.group("unit"),
                      "start": match.start(), "end": match.end()})
    for match in FIGURE.finditer(text):
        value = parse_number(match.group("number"))
        found.append({"text": match.group(0), "value": int(value) if value.is_integer()
                      else value, "unit": match.group("unit"), "start": match.start(),
                      "end": match.end()})
    found.sort(key=lambda figure: figure["start"])
    for index, figure in enumerate(found):
        following = found[index + 1]["start"] if index + 1 < len(found) else len(text)
        figure["label"] = figure_label(text, figure["start"], figure["end"], figure["unit"],
                                       found[index - 1] if index else None, following)
    return {figure["start"]: figure for figure in found}


@dataclass
class MeetingFields:
    kind: str
    organ: str
    organ_name: str | None
    locality: str | None
    locality_level: str | None
    province: str | None
    province_2025: str | None
    meeting_date: str | None
    period_reviewed: str | None
    period_deployed: str | None
    officials: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    locality_source: str = "none"


# "Hội nghị Ban Chấp hành Đảng bộ X", "phiên họp UBND TP thường kỳ", "kỳ họp thứ 7 HĐND":
# the organ named right after the meeting word is the one that meets.
MEETING_BEFORE = re.compile(r"(?<!dự )(?:hội nghị|kỳ họp|phiên họp|cuộc họp|giao ban)"
                            r"(?: (?!có |với |dự )[^\s,.;]+){0,3}(?: của)? ?$", re.I)


def subject_organ(title: str, head: str) -> OrganMention | None:
    """The organ that holds the meeting: the subject of the first sentence that has one, else
    the organ named right after a meeting word, else the first organ of the title, else the
    first organ of the lead."""
    lead_mentions = organ_mentions(head)
    for mention in lead_mentions:
        if mention.is_subject:
            return mention
    for mention in lead_mentions:
        if mention.organ_name.startswith("Hội nghị") or MEETING_BEFORE.search(
                head[max(0, mention.start - 40): mention.start]):
            return mention
    title_mentions = organ_mentions(title)
    if title_mentions:
        return title_mentions[0]
    return lead_mentions[0] if lead_mentions else None


def extract_fields(title: str, text: str, published: str | None, meeting_date: str | None,
                   owner=None, head_characters: int = 700) -> MeetingFields:
    head = text[:head_characters]
    default_year = int((meeting_date or published or "2024")[:4])
    title_year = re.search(r"20\d\d", title)
    if title_year and not meeting_date:
        default_year = int(title_year.group(0))
    # The lead states the periods most fully; the title only helps when the lead has none.
    deployed, reviewed = deployed_and_reviewed(head, default_year)
    if deployed is None:
        deployed, reviewed = deployed_and_reviewed(f"{title}. {head}", default_year)
    mention = subject_organ(title, head)
    locality = resolve_locality(mention, f"{title}. {text}", owner, meeting_date or published)
    return MeetingFields(
        kind=meeting_kind(f"{title}. {head}", deployed),
        organ=mention.organ if mention else "other",
        organ_name=mention.organ_name if mention else None,
        locality=locality.name,
        locality_level=locality.level,
        province=province_at(locality.province, meeting_date or published),
        province_2025=province_2025(locality.province),
        meeting_date=meeting_date,
        period_reviewed=reviewed,
        period_deployed=deployed.value if deployed else None,
        officials=find_officials(text),
        figures=find_figures(text),
        locality_source=locality.source,
    )
