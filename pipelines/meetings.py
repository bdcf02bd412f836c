"""The fields of a meeting report: organ, locality, province, kind, periods, officials, figures.

Pure functions over the title and text; no Scrapy. Each field has one small function; the
organs, periods and localities have modules of their own (pipelines.organs, pipelines.periods,
pipelines.locality). The patterns follow docs/domain.md: numbers with "." for thousands
and "," for decimals, officials as "đồng chí NAME, TITLE" or "NAME - TITLE".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.figure_labels import figure_label
from pipelines.gazetteer import province_2025, province_at
from pipelines.locality import resolve_locality
from pipelines.organs import CAPITALISED, OrganMention, organ_mentions
from pipelines.periods import (
    Period,
    as_held_on,
    deployed_and_reviewed,
    first_written_year,
    meeting_kind,
)
from pipelines.vietnamese import UPPERCASE

__all__ = ["MeetingFields", "extract_fields", "find_figures", "find_officials", "organ_mentions",
           "parse_number", "subject_organ"]

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
    # "(?<![\wÀ-ỹ]){PERSON}" written to start with one class, the name's capital, and the
    # look-behind after it: tried at capitals only, not at every position of the text.
    re.compile(rf"(?P<name>[{UPPERCASE}](?<![\wÀ-ỹ].)[\w'’]*(?:\s+{CAPITALISED}){{1,4}})"
               rf"\s+-\s+(?P<title>{TITLE}){TITLE_END}"),
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
# A number as printed ("." for thousands, "," for decimals: "3.204", "6,8", "1.265,5"), not
# preceded by a digit, "/", "." or ",". The patterns open with the digit and test what
# precedes it by a lookbehind after it ("\d(?<![\d/.,]\d)" is "(?<![\d/.,])\d"): a pattern
# that opens with a character class lets the re module skip to the next digit in C, where one
# that opens with a lookbehind is tried at every character (four times slower; the same
# matches on the 11,254 texts of shared/real-texts).
NUMBER = r"\d(?<![\d/.,]\d)(?:\d{0,2}(?:\.\d{3})+(?:,\d+)?|\d*(?:,\d+)?)"
UNITS = (r"nghìn tỷ đồng|tỷ đồng|triệu đồng|nghìn đồng|triệu USD|tỷ USD|USD|%|ha|tấn|km|hộ|"
         r"triệu lượt khách|lượt khách|người|lao động|"
         r"đảng viên|trường|công trình|dự án|doanh nghiệp|hợp tác xã|xã|tạ/ha")
FIGURE = re.compile(rf"(?P<number>{NUMBER})\s*(?P<unit>{UNITS})(?![\wÀ-ỹ])")
RATIO = re.compile(r"(?P<done>\d(?<![\d/]\d)\d{0,2})/(?P<total>\d{1,3})\s+"
                   r"(?P<unit>chỉ tiêu|tiêu chí|xã|trường|nhiệm vụ)")
# No report counts beyond this in any unit (the largest of 18,959 figures in the 11,246 real
# texts of shared/real-texts is 431.417.950 triệu đồng): a larger number is a typo or digits
# run together, and past 2^63 SQLite could not even store it (400 digits read as infinity).
MAX_FIGURE = 10**15


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
        if value > MAX_FIGURE:
            continue
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


# After an organ, its official's name and "chủ trì": the organ of the one who chairs (a title
# list "Phó Bí thư Thành ủy, Chủ tịch UBND TP" names the chair's organ last).
CHAIRS = re.compile(rf"(?:\s+{CAPITALISED}){{0,4}}\s+(?:đã |vừa )?chủ trì\b")


def subject_organ(title: str, head: str) -> OrganMention | None:
    """The organ that holds the meeting: the subject of the first sentence that has one, else
    the organ named right after a meeting word, else the first organ of the title, else the
    first organ of the lead."""
    lead_mentions = organ_mentions(head)
    for mention in lead_mentions:
        if mention.is_subject:
            return mention
    for mention in lead_mentions:  # the chair's own organ: "Chủ tịch UBND TP X [name] chủ trì"
        if CHAIRS.match(head, mention.start + len(mention.organ_name)):
            return mention
    for mention in lead_mentions:
        if mention.organ_name.startswith("Hội nghị") or MEETING_BEFORE.search(
                head[max(0, mention.start - 40): mention.start]):
            return mention
    title_mentions = organ_mentions(title)
    if title_mentions:
        return title_mentions[0]
    return lead_mentions[0] if lead_mentions else None


def _organ_name(mention: OrganMention | None, place: str | None) -> str | None:
    """The organ as named, without the words that ran on after its place: a person's name
    ("UBND TP Hà Nội Nguyễn Đức Chung" is "UBND TP Hà Nội")."""
    if mention is None:
        return None
    name = mention.name
    if place and name and name != place and name.startswith(f"{place} "):
        return mention.organ_name[: mention.organ_name.rindex(name)] + place
    return mention.organ_name


# Two years no text writes (a period's own year is 20xx), assumed in turn for a text nothing
# dates (meetings._reference_year): a period value that differs between them was guessed.
ASSUMED_YEARS = (1900, 2900)


def _reference_year(title: str, head: str, published: str | None,
                    meeting_date: str | None) -> int | None:
    """The year a period mention without its own year belongs to: the meeting's, else a year
    in the title, else the publication's, else the year another period mention of the lead
    writes ("3 tháng, triển khai nhiệm vụ quý II năm 2024"); None when nothing dates it."""
    title_year = _title_year(title)
    if title_year and not meeting_date:
        return title_year
    reference = meeting_date or published
    return int(reference[:4]) if reference else first_written_year(head)


# A year in a headline that is a target or a span's bound, not the meeting's: "cấm xe máy từ
# năm 2030", "kế hoạch ... đến năm 2020", "nhiệm kỳ 2025-2030", "giai đoạn 2017 – 2020".
TARGET_BEFORE = re.compile(r"(?:đến|tới|từ|vào|trước|sau|giai[ _]đoạn|nhiệm[ _]kỳ|tầm[ _]nhìn)"
                           r"(?:[ _]hết)?(?:[ _]năm)?[ _]*$", re.I)
SPAN_AFTER = re.compile(r"\s*[-–]\s*20\d\d")
SPAN_BEFORE = re.compile(r"20\d\d\s*[-–]\s*$")


def _title_year(title: str) -> int | None:
    """The first year in a headline that may be its meeting's."""
    for match in re.finditer(r"20\d\d", title):
        before = title[:match.start()]
        if not (SPAN_AFTER.match(title, match.end()) or SPAN_BEFORE.search(before)
                or TARGET_BEFORE.search(before)):
            return int(match.group(0))
    return None


def _read_periods(title: str, head: str, year: int) -> tuple[Period | None, str | None]:
    """The periods deployed and reviewed: the lead states them most fully; the title only
    helps when the lead has none."""
    deployed, reviewed = deployed_and_reviewed(head, year)
    if deployed is None:
        deployed, reviewed = deployed_and_reviewed(f"{title}. {head}", year)
    return deployed, reviewed


def extract_fields(title: str, text: str, published: str | None, meeting_date: str | None,
                   owner=None, head_characters: int = 700, sapo: str = "") -> MeetingFields:
    """`sapo` is what a paper prints before the sentence that states the meeting (a source
    line such as "Báo Sơn La", a summary): it may name the place, never the organ."""
    head = text[:head_characters]
    year = _reference_year(title, head, published, meeting_date)
    deployed, reviewed = _read_periods(title, head, year or ASSUMED_YEARS[0])
    if deployed is not None:
        deployed, reviewed = as_held_on(deployed, reviewed, meeting_date or published)
    deployed_value = deployed.value if deployed else None
    if year is None:
        # Nothing dates the text: a period whose year it does not write gets none, where a
        # fixed year assumed stored 2024 for reports of 2017. Read again with another year
        # assumed: a value that changes with the assumption depends on it.
        other, other_reviewed = _read_periods(title, head, ASSUMED_YEARS[1])
        deployed_value = deployed_value if other and other.value == deployed_value else None
        reviewed = reviewed if other_reviewed == reviewed else None
    mention = subject_organ(title, head)
    locality = resolve_locality(mention, f"{title}. {sapo} {text}", owner,
                                meeting_date or published)
    return MeetingFields(
        kind=meeting_kind(f"{title}. {head}", deployed),
        organ=mention.organ if mention else "other",
        organ_name=_organ_name(mention, locality.name),
        locality=locality.name,
        locality_level=locality.level,
        province=province_at(locality.province, meeting_date or published),
        province_2025=province_2025(locality.province),
        meeting_date=meeting_date,
        period_reviewed=reviewed,
        period_deployed=deployed_value,
        officials=find_officials(text),
        figures=find_figures(text),
        locality_source=locality.source,
    )
