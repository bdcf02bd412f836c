"""Which periods a meeting reviews and deploys, in both numeral styles ("quý II/2024", "quý
1/2024", "6 tháng cuối năm", "9 tháng", "7 tháng"), and the kind of meeting they make.

Split from pipelines.meetings (one responsibility per module).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Periods -------------------------------------------------------------------------------------
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# "quý II/2024", "quý 2-2024", "quý II năm 2024", and with a space alone, "quý IV 2017".
YEAR_SUFFIX = r"(?:(?:\s*(?:/|-|–|năm)\s*|\s+)(?P<year>20\d\d))?"
# Months counted from an event, not from the year's start: "sơ kết 3 tháng hoạt động (sau sắp
# xếp)", "sau 3 tháng vận hành chính quyền hai cấp" (the 2025 reform's communes, reviewed in
# October).
SINCE_AN_EVENT = r"(?!\s+(?:hoạt động|vận hành|đi vào|sau|kể từ))"
PERIOD_PATTERNS = [
    ("half", re.compile(r"(?:(?:6|sáu) tháng|nửa) (?P<which>đầu|cuối) năm" + YEAR_SUFFIX, re.I)),
    ("nine", re.compile(r"(?<![\d/])(?<!sau )(?:9|chín) tháng(?: đầu năm)?" + SINCE_AN_EVENT
                        + YEAR_SUFFIX, re.I)),
    ("last_quarter", re.compile(r"(?<![\d/])[1-3] tháng cuối năm" + YEAR_SUFFIX, re.I)),
    # "những tháng cuối năm": the second half, as papers use it
    ("last_months", re.compile(r"(?:những|các) tháng cuối năm" + YEAR_SUFFIX, re.I)),
    # "7 tháng", "10 tháng đầu năm": the months so far, ending with that month
    ("months_so_far", re.compile(r"(?<![\d/])(?<!sau )(?P<months>[2-9]|1[01]) tháng"
                                 r"(?: đầu năm)?(?! cuối)" + SINCE_AN_EVENT + YEAR_SUFFIX, re.I)),
    ("quarter", re.compile(r"quý (?P<quarter>IV|I{1,3}|[1-4])\b" + YEAR_SUFFIX, re.I)),
    ("month", re.compile(r"tháng (?P<month>1[0-2]|0?[1-9])(?![\d/.-]\d{1,2}[/.-])" + YEAR_SUFFIX,
                         re.I)),
    # Not a target year: "định hướng đến năm 2025", "từ năm 2030", "trước năm 2020".
    ("year", re.compile(r"(?:công tác |nhiệm vụ |kế hoạch |"
                        r"(?<!tháng )(?<!đến )(?<!tới )(?<!từ )(?<!vào )(?<!trước )(?<!sau )năm |"
                        r"kinh tế\s*[-–]?\s*xã hội )"
                        r"(?:năm )?"
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


# "9 tháng" is the third quarter's review; "3 tháng cuối năm" the fourth quarter; "những tháng
# cuối năm" the second half.
FIXED_PART = {"nine": ("quarter", "Q3"), "last_quarter": ("quarter", "Q4"),
              "last_months": ("half", "H2")}
# The first 3 and 6 months of a year are its first quarter and half.
MONTHS_THAT_ARE_PARTS = {3: ("quarter", "Q1"), 6: ("half", "H1")}


def _period(kind: str, match: re.Match, year: int) -> tuple[str, str]:
    groups = match.groupdict()
    if groups.get("year"):
        year = int(groups["year"])
    if kind in FIXED_PART:
        period_kind, part = FIXED_PART[kind]
        return period_kind, f"{year}-{part}"
    if kind == "half":
        return "half", f"{year}-H{1 if groups['which'].lower() == 'đầu' else 2}"
    if kind == "months_so_far":
        months = int(groups["months"])
        if months in MONTHS_THAT_ARE_PARTS:  # "sơ kết 6 tháng": the first half
            period_kind, part = MONTHS_THAT_ARE_PARTS[months]
            return period_kind, f"{year}-{part}"
        return "month", f"{year}-{months:02d}"
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


def first_written_year(text: str) -> int | None:
    """The year of the first part of a year that writes its own ("quý II năm 2024", "6 tháng
    đầu năm 2023"), if any. A year alone is left out: a lead's "năm 2016" is as often a
    figure's ("năm 2016 tăng 8,05%") as the meeting's."""
    written = [(match.start(), int(match.group("year"))) for kind, pattern in PERIOD_PATTERNS
               if kind != "year" for match in pattern.finditer(text)
               if match.groupdict().get("year")]
    return min(written)[1] if written else None


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
# "phiên họp thường kỳ tháng 11" reviews November (held early in December)
REVIEW_CUE = re.compile(r"đánh giá|tổng kết|sơ kết|kết quả|xem xét|giao ban|thường kỳ|"
                        r"kinh tế\s*-?\s*xã hội", re.I)
REVIEW_REACH = 120  # characters from the review cue to its period


def _same_sentence(text: str, start: int, end: int, clauses: bool = False) -> bool:
    """No sentence end between; with `clauses`, a ";" between two clauses of one sentence
    ("đánh giá … tháng 1-2017; chỉ đạo … nhiệm vụ trọng tâm") does not end it."""
    return not re.search(r"[.!?]\s" if clauses else r"[.;!?]\s", text[start:end])


def _is_last_part(head: str, period: Period) -> bool:
    # a year is never one ("ngân sách năm 2018 cuối ngày 3-1": the day, not the period)
    return period.kind != "year" and "cuối" in head[period.start: period.start + 20]


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
                  and _same_sentence(head, p.start, deploy.start(), clauses=True)]
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
    if earlier and _is_last_part(head, deployed):
        # "10 tháng … 2 tháng cuối năm 2023", "6 tháng đầu năm … 6 tháng cuối năm 2023": the
        # first part of the year the deployed part ends
        reviewed = deployed.value[:4] + earlier[-1].value[4:]
    elif same_kind:
        reviewed = same_kind[-1].value
    elif earlier and (deployed.kind == "quarter" and earlier[-1].kind == "half"
                      or _is_last_part(head, earlier[-1])):
        # "6 tháng đầu năm … quý III"; "2 tháng cuối năm 2025 … năm 2026": the period named
        # before the deployment is the one reviewed
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


# A period value as stored: 2024, 2024-Q2, 2024-H1, 2024-06.
PERIOD_VALUE = re.compile(r"^(?P<year>\d{4})(?:-(?:Q(?P<quarter>[1-4])|H(?P<half>[12])|"
                          r"(?P<month>0[1-9]|1[0-2])))?$")


def period_months(value: str | None) -> tuple[int, int, int] | None:
    """(year, first month, last month) of a period value, or None when it is not one."""
    match = PERIOD_VALUE.match(value or "")
    if match is None:
        return None
    year = int(match["year"])
    if match["month"]:
        return year, int(match["month"]), int(match["month"])
    if match["quarter"]:
        quarter = int(match["quarter"])
        return year, 3 * quarter - 2, 3 * quarter
    if match["half"]:
        half = int(match["half"])
        return year, 6 * half - 5, 6 * half
    return year, 1, 12


def period_start(value: str) -> tuple[int, int]:
    """(year, first month) of a period value: 2024-Q2, 2024-06, 2024-H2 or 2024."""
    months = period_months(value)
    if months is None:
        raise ValueError(f"not a period value: {value!r}")
    return months[0], months[1]


def reference_day(deployed: str | None, reviewed: str | None) -> str:
    """A day just after the meeting that deploys or reviews these periods, to give a day and
    month with no year their year: a meeting that deploys a period is held before it starts
    or within its first month; a review is held just after its period."""
    value = deployed or reviewed or ""
    year, month = period_start(value)
    if deployed is None:
        year, month = (year + 1, 1) if month >= 7 or len(value) == 4 else (year, month + 6)
    year, month = (year + 1, month - 11) if month >= 12 else (year, month + 1)
    return f"{year}-{month:02d}-28"


DAY = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-\d{2}")  # a meeting's or a publication's day


def as_held_on(deployed: Period, reviewed: str | None, day: str | None,
               ) -> tuple[Period, str | None]:
    """The periods of a meeting held on `day` (YYYY-MM-DD): one held once the period read as
    deployed was over, in the period after it, reviews that period and deploys the next ("thành
    phố triển khai nhiệm vụ ... 6 tháng đầu năm" told at a session of 5 July is what was done).
    Held after the next one too (a text printed long after), the reading stands."""
    held = (int(day[:4]), int(day[5:7])) if day and DAY.match(day) else None
    if held is None or not _over_before(deployed.value, held):
        return deployed, reviewed
    following = next_period(deployed)
    if _over_before(following.value, held):
        return deployed, reviewed
    return following, deployed.value


def _over_before(value: str, held: tuple[int, int]) -> bool:
    """Whether the period ended before the month `held` (year, month) began."""
    year, _, last_month = period_months(value)
    return (year, last_month) < held
