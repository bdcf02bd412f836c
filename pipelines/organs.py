"""Who meets: the organs a text names ("Huyện ủy X", "Ban Chấp hành Đảng bộ huyện X", "UBND
huyện", "HĐND xã X", "Ủy ban MTTQ huyện X"), and which of them holds the meeting.

Split from pipelines.meetings (one responsibility per module); patterns follow
docs/domain.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipelines.gazetteer import LONGEST_NAME_WORDS, is_place_name
from pipelines.vietnamese import UPPERCASE

# Organs --------------------------------------------------------------------------------------
CAPITALISED = rf"[{UPPERCASE}][\w'’]*"
# A place or person name: capitalised words, maybe hyphenated ("Phan Rang - Tháp Chàm"),
# maybe numbered ("Tam Xuân 1").
NAME = rf"{CAPITALISED}(?:\s*-\s*{CAPITALISED}|\s+{CAPITALISED}){{0,4}}(?:\s+\d{{1,2}}\b)?"
UNIT = r"(?:[tT]ỉnh|[tT]hành phố|[tT]hị xã|[hH]uyện|[qQ]uận|xã|phường|thị trấn|đặc khu|TP\.?)"
# Ho Chi Minh City's districts and many towns' wards were numbered ("quận 5", "Phường 3").
NUMBERED = r"(?:(?<=[qQ]uận )|(?<=[pP]hường ))\d{1,2}\b"
PLACE_NAME = rf"(?:{NAME}|{NUMBERED})"
# The joint standing bodies of a place ("Thường trực Thành ủy - HĐND - UBND thành phố Hà Nội")
# meet as its party committee (docs/labelling.md).
JOINT_BODIES = re.compile(
    rf"(?P<organ>(?:[Tt]hường trực |Ban Thường vụ )?(?:Huyện|Thị|Thành|Tỉnh|Quận) ?(?:ủy|uỷ)"
    rf"\s*[-–,]\s*(?:HĐND|Hội đồng nhân dân)\s*[-–,]\s*(?:UBND|(?:Ủy|Uỷ) ban nhân dân) "
    rf"(?P<unit>{UNIT})(?: (?P<name>{PLACE_NAME}))?)")
# The party committee of a provincial agency or bloc ("Đảng bộ Sở Thông tin và Truyền thông Hà
# Nội", "Ban Chấp hành Đảng bộ UBND TP Hồ Chí Minh"): its province is the one the text names.
AGENCY_COMMITTEE = re.compile(
    r"(?P<organ>(?:Hội nghị )?(?:Ban [Cc]hấp hành |BCH )?Đảng (?:bộ|ủy|uỷ) "
    # since 2025 also "Đảng bộ các cơ quan Đảng tỉnh X", the province's party agencies' bloc
    r"(?P<unit>Sở|Khối|UBND|Ủy ban nhân dân|Uỷ ban nhân dân|các cơ quan Đảng)(?P<name>)"
    r"[^,.;()]{0,60}?)"
    # not "… và các tổ chức cơ sở đảng": organisations it leads, not its act
    r"(?=(?<! các)(?<! và)\s+(?:đã |vừa )?(?:tổ chức|họp|lần|khóa|khoá|mở rộng|tổng kết|"
    r"sơ kết|triển khai|giao ban)\b|[,.;(])")
# Both open with optional words, so a scan would try them at every position of a text (a
# quarter of organ_mentions' time on a meeting report). Each has a gate, the words every match
# of it holds, found by a fast search (a plain letter first), and the most characters a match
# can run before them: the pattern is tried only there (`_matches`), and never in a text
# without its gate.
GATES = {
    JOINT_BODIES: (re.compile(r"(?:ủy|uỷ)\s*[-–,]\s*(?:HĐND|Hội đồng nhân dân)"),
                   len("Ban Thường vụ Huyện ")),
    AGENCY_COMMITTEE: (re.compile(r"Đảng (?:bộ|ủy|uỷ) (?:Sở|Khối|UBND|Ủy ban nhân dân|Uỷ ban "
                                  r"nhân dân|các cơ quan Đảng)"),
                       len("Hội nghị Ban Chấp hành ")),
}
# Order matters: the longest, most specific phrase for an organ comes first. A pattern whose
# first character is not a plain letter or one class (an optional word, a choice between
# classes) is tried at every position of the text, several times slower: such a pattern is
# written with one class first where it can be, or given a gate (GATES, above).
ORGAN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("front", re.compile(rf"(?P<organ>(?:Ủy|Uỷ) ban (?:MTTQ|Mặt trận Tổ quốc)(?: Việt Nam)?"
                         rf"(?: \(MTTQ\))? (?P<unit>{UNIT})(?: (?P<name>{PLACE_NAME}))?)")),
    ("front", re.compile(rf"(?P<organ>MTTQ(?: Việt Nam)? (?P<unit>{UNIT})"
                         rf"(?: (?P<name>{PLACE_NAME}))?)")),
    # The mass organisations of the front (domain.md): farmers, youth, women, veterans.
    ("front", re.compile(rf"(?P<organ>(?:Hội Nông dân|Đoàn Thanh niên|Huyện đoàn|Hội Liên hiệp "
                         rf"Phụ nữ|Hội LHPN|Hội Cựu chiến binh|Hội CCB|Liên đoàn Lao động) "
                         rf"(?P<unit>{UNIT})(?: (?P<name>{PLACE_NAME}))?)")),
    ("party_committee", JOINT_BODIES),
    ("party_committee", re.compile(
        # "Ban Chấp hành đảng bộ TP Hà Nội" too: less formal texts, word-segmented corpora
        rf"(?P<organ>(?:Ban [Cc]hấp hành|BCH|Hội nghị Ban [Cc]hấp hành) [Đđ]ảng bộ (?P<unit>{UNIT})"
        rf"(?: (?P<name>{PLACE_NAME}))?)")),
    ("party_committee", re.compile(
        rf"(?P<organ>(?:Ban Thường vụ|BTV|Thường trực) (?P<unit>Huyện|Thị|Thành|Tỉnh|Quận)"
        rf" ?(?:ủy|uỷ)(?: (?P<name>{PLACE_NAME}))?)")),
    ("party_committee", re.compile(
        # lower case too, as word-segmented corpora write it ("Bí thư thành uỷ Hà Nội")
        # (the unit's first letter as one class, the rest checked behind it: the same words)
        rf"(?P<organ>(?P<unit>[HhTtQq](?:(?<=[Hh])uyện|(?<=[Tt])(?:hị|hành|ỉnh)|(?<=[Qq])uận))"
        rf" ?(?:ủy|uỷ)"
        rf"(?! viên)(?: (?P<name>{PLACE_NAME}))?)")),
    ("party_committee", re.compile(
        rf"(?P<organ>[Đđ]ảng (?:ủy|uỷ|bộ) (?P<unit>xã|phường|thị trấn|huyện|quận|đặc khu)"
        rf"(?: (?P<name>{PLACE_NAME}))?)")),
    ("party_committee", AGENCY_COMMITTEE),
    ("people_council", re.compile(
        rf"(?P<organ>(?:HĐND|Hội đồng nhân dân) (?P<unit>{UNIT})(?: (?P<name>{PLACE_NAME}))?)")),
    ("people_committee", re.compile(
        rf"(?P<organ>(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân) (?P<unit>{UNIT})"
        rf"(?: (?P<name>{PLACE_NAME}))?)")),
]
UNIT_LEVEL = {
    "tỉnh": "tỉnh", "huyện": "huyện", "quận": "huyện", "thị xã": "huyện", "thị": "huyện",
    "thành phố": "huyện", "tp": "huyện", "tp.": "huyện", "xã": "xã", "phường": "xã",
    "thị trấn": "xã", "đặc khu": "xã", "thành": "huyện", "sở": "tỉnh", "khối": "tỉnh",
    "ubnd": "tỉnh", "các cơ quan đảng": "tỉnh",
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
    r"giao ban(?!\s+quản lý|\s+chỉ đạo)|tiến hành|"
    r"chủ trì\b(?!\s+(?:và\s+)?phối hợp))", re.I)  # "do UBND thành phố chủ trì": it holds it


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
    # The positions the mentions found cover: looking each new one up among all the mentions
    # made a text naming thousands of organs (a hostile page) quadratic.
    covered: set[int] = set()
    for organ, pattern in ORGAN_PATTERNS:
        for match in _matches(pattern, text):
            if match.start() in covered:
                continue  # inside a longer phrase already found
            name = _trim_name(match.group("name"))
            organ_name = match.group("organ")
            if match.group("name") and name != match.group("name"):
                organ_name = organ_name[: organ_name.rindex(match.group("name"))] + (name or "")
                organ_name = organ_name.rstrip()
            after = text[match.start() + len(organ_name): match.start() + len(organ_name) + 80]
            mention = found[match.start()] = OrganMention(
                organ=organ, organ_name=organ_name.strip(), unit=match.group("unit"),
                name=name, start=match.start(),
                is_subject=bool(ACTION_AFTER_ORGAN.match(after)),
            )
            covered.update(range(mention.start, mention.start + len(mention.organ_name)))
    return [found[start] for start in sorted(found)]


def _matches(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`; for a gated pattern, tried only at the positions up to its
    lead before each place its gate matches (overlapping ones too), in order, each after the
    last match's end: where else no match can start."""
    if pattern not in GATES:
        yield from pattern.finditer(text)
        return
    gate, lead = GATES[pattern]
    starts: set[int] = set()
    found = gate.search(text)
    while found:
        starts.update(range(max(0, found.start() - lead), found.start() + 1))
        if len(starts) > len(text) // 8:  # a text of gates (hostile): the scan in C is cheaper
            yield from pattern.finditer(text)
            return
        found = gate.search(text, found.start() + 1)
    done = 0
    for start in sorted(starts):
        match = pattern.match(text, start) if start >= done else None
        if match:
            yield match
            done = match.end()


def _trim_name(name: str | None) -> str | None:
    if not name:
        return None
    words = name.split()
    kept = []
    for at, word in enumerate(words):
        if word in NAME_STOP_WORDS and not _opens_place_name(words[at:]):
            break
        if kept and word.isupper() and len(word) > 1 and not word.isdigit():
            break
        kept.append(word)
    return " ".join(kept) or None


def _opens_place_name(words: list[str]) -> bool:
    """"Hội An", "Kỳ Anh", "Việt Yên": a stop word that begins a place's name."""
    return any(is_place_name(" ".join(words[:size]))
               for size in range(2, min(LONGEST_NAME_WORDS, len(words)) + 1))
