"""Is an article a meeting report, and if so, of which meeting? Pure: text in, label out.

A meeting report is the report of a periodic meeting of a local party committee, people's
committee, council or front that reviews the last period and deploys the next
(shared/docs/domain.md). The decision is a sum of weighted cues found in the title and lead,
each cue a named regular expression, so `--explain` can list exactly what decided; the
weights and the threshold were set on the tuning half of the hand-labelled set and are
measured on the other half (bench/eval_classify.py). The fields come from pipelines.meetings.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

from pipelines.dates import meeting_date as find_meeting_date
from pipelines.meetings import MeetingFields, extract_fields, organ_mentions
from pipelines.vietnamese import fold_diacritics as fold

CLASSIFIER_VERSION = "rules-2"
HEAD_CHARACTERS = 600  # title plus lead: where a report states what the meeting was
THRESHOLD = 3.5


@dataclass(frozen=True)
class Cue:
    name: str
    weight: float
    pattern: re.Pattern[str]
    where: str  # "title", "head" (title and lead) or "first sentence" (of the lead)


def cue(name: str, weight: float, where: str, pattern: str) -> Cue:
    return Cue(name, weight, re.compile(pattern), where)


# Patterns run on folded text: lower case, no diacritics, "đ" as "d".
CUES = [
    cue("review act", 1.5, "head",
        r"\b(?:danh gia (?:ket qua|tinh hinh)|so ket|tong ket|ket qua thuc hien)"),
    cue("deploy act", 1.5, "head",
        r"\btrien khai (?:cac |thuc hien )?(?:nhiem vu|phuong huong|ke hoach|giai phap|muc tieu)"
        r"|\bphuong huong,? nhiem vu|\bnhiem vu trong tam|\btrien khai chuong trinh"
        r"|\bban (?:cac )?giai phap|\bquyet dinh ke hoach"),
    cue("periodic meeting", 1.0, "head",
        r"\b(?:thuong ky|giao ban|ky hop (?:lan )?thu|hoi nghi (?:ban chap hanh|bch)|lan thu \d+)"),
    cue("regular council session", 1.5, "head", r"\bky hop thuong le\b"),
    cue("period", 1.0, "head",
        r"\b(?:quy (?:i{1,3}|iv|[1-4])\b|thang \d{1,2}\b|6 thang (?:dau|cuoi) nam|9 thang|"
        r"3 thang cuoi nam|(?:cong tac|nhiem vu|ke hoach|hanh dong)(?: [a-z]+){0,3} nam 20\d\d)"),
    # In the title these name a meeting on one topic, a campaign, an event or a visit.
    cue("single topic, campaign or event", -4.0, "title",
        r"\b(?:tap huan|quan triet|thang hanh dong|doi thoai|khach hang|dai hoi|ra quan|"
        r"phat dong|le hoi|hoi thao|hoi thi|xuc tien|chuyen de|khai giang|le cong bo|"
        r"ngay hoi|diem tin|ban tin|tin tuan|tin tuc|lam viec (?:voi|tai)|tham|chuc tet|"
        r"thang thanh nien|tuyen duong|mua du lich|don bang|dat chuan|cong nhan|thoi su)\b"
        r"|\b(?:so ket|tong ket) \d+ nam (?:thuc hien|trien khai)"),
    cue("single topic, campaign or event in the lead", -2.0, "first sentence",
        r"\b(?:hoi nghi (?:tap huan|quan triet|doi thoai|khach hang|xuc tien|chuyen de)|"
        r"le phat dong|le ra quan|dai hoi (?:dai bieu|dang bo|mat tran|mttq|hoi)|"
        r"hoi nghi chuyen de)"),
    # Reviews held by a department, a sector, an enterprise or a bank are not reports of a
    # local party or state organ.
    cue("department, sector or enterprise", -4.0, "title",
        r"^(?:so |nganh |cong ty|tong cong ty|ngan hang|chi nhanh|dien luc|bo |cuc |chi cuc |"
        r"truong |benh vien|trung tam |bao hiem|kho bac|cong an|quan doi|bo chi huy|"
        r"ban chi huy quan su|phong giao dich)"
        r"|\b(?:nganh [a-z ]+ (?:tong ket|so ket|trien khai)|san xuat kinh doanh|nam hoc|"
        r"nhcsxh|ngan hang chinh sach)\b"),
]
CUES.append(cue(
    "a department, sector, enterprise or bank holds it", -3.0, "first sentence",
    r"^(?:(?:sang|chieu|toi|trua|ngay)[^,]{0,25}, )?(?:cong ty|tong cong ty|ngan hang|"
    r"chi nhanh|so [a-z]+|nganh|dien luc|tap doan|hop tac xa|ban chi huy quan su|cong an|"
    r"phong giao dich)"))
LOCAL_ORGANS = {"party_committee", "people_committee", "people_council", "front"}


@dataclass
class Classification:
    is_meeting_report: bool
    confidence: float
    score: float
    cues: list[tuple[str, float]] = field(default_factory=list)
    meeting: MeetingFields | None = None

    def as_json(self, explain: bool = False) -> dict:
        result = {"is_meeting_report": self.is_meeting_report,
                  "confidence": round(self.confidence, 3),
                  "meeting": meeting_json(self.meeting) if self.meeting else None}
        if explain:
            result["explanation"] = {"score": round(self.score, 2), "threshold": THRESHOLD,
                                     "cues": [{"cue": n, "weight": w} for n, w in self.cues]}
        return result


def meeting_json(meeting: MeetingFields) -> dict:
    data = asdict(meeting)
    data.pop("locality_source")
    return data


def _organ_cues(title: str, lead: str) -> list[tuple[str, float]]:
    found = []
    lead_subjects = [m for m in organ_mentions(lead) if m.is_subject]
    if lead_subjects and lead_subjects[0].organ in LOCAL_ORGANS:
        found.append((f"local organ holds the meeting: {lead_subjects[0].organ_name}", 2.0))
    elif any(m.organ in LOCAL_ORGANS for m in organ_mentions(title)):
        found.append(("local organ named in the title", 1.0))
    return found


def classify(title: str, text: str, published: str | None = None, owner=None) -> Classification:
    """Label an article and, for a meeting report, extract its fields. `owner` is the site
    profile's owner (a portal's district), used when the text names no locality."""
    title = title or ""
    text = text or ""
    lead = text[:HEAD_CHARACTERS]
    first_sentence = re.split(r"(?<=[.;])\s", lead, maxsplit=1)[0]
    folded = {"title": fold(title), "first sentence": fold(first_sentence),
              "head": fold(f"{title}. {lead}")}
    cues = [(c.name, c.weight) for c in CUES if c.pattern.search(folded[c.where])]
    cues += _organ_cues(title, lead)
    score = sum(weight for _, weight in cues)
    is_report = score >= THRESHOLD
    confidence = 1 / (1 + math.exp(-(score - THRESHOLD)))
    meeting = None
    if is_report:
        meeting = extract_fields(title, text, published,
                                 find_meeting_date(text, published), owner=owner)
    return Classification(is_report, confidence, score, cues, meeting)
