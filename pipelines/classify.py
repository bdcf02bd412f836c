"""Is an article a meeting report, and if so, of which meeting? Pure: text in, label out.

A meeting report is the report of a periodic meeting of a local party committee, people's
committee, council or front that reviews the last period and deploys the next
(docs/domain.md). The decision is a sum of weighted cues found in the title and lead, each
cue a named regular expression (the tables are pipelines.classify_cues), so `--explain` can
list exactly what decided; the weights and the threshold were set on the tuning half of the
hand-labelled set and are measured on the other half (bench/eval_classify.py). The fields
come from pipelines.meetings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.classify_cues import (
    CUES,
    DEPARTMENT_HOLDS,
    DISCIPLINE,
    ECONOMIC_COMMITTEE,
    GENERAL_REVIEW,
    MEETING_DAY,
    MEETING_WORD,
    PLENARY_CUES,
    PLENARY_UNNUMBERED,
    SOCIO_ECONOMIC,
)
from pipelines.classify_model import MODEL_VERSION, decide
from pipelines.dates import meeting_date as find_meeting_date
from pipelines.gazetteer import province_at
from pipelines.letter_case import in_written_case
from pipelines.meetings import MeetingFields, extract_fields
from pipelines.organs import organ_mentions
from pipelines.periods import reference_day
from pipelines.teasers import is_teaser_list
from pipelines.vietnamese import UPPERCASE, prepare_input
from pipelines.vietnamese import fold_nfc as fold  # the text is prepared (NFC) first

RULES_VERSION = "rules-16"  # (rules-9: a rejected branch)
CLASSIFIER_VERSION = f"{RULES_VERSION}+{MODEL_VERSION}"
HEAD_CHARACTERS = 600  # title plus lead: where a report states what the meeting was
THRESHOLD = 3.5
ORGAN_BONUS = 2.0  # the largest weight _organ_cues gives


LOCAL_ORGANS = {"party_committee", "people_committee", "people_council", "front"}


@dataclass
class Classification:
    is_meeting_report: bool
    confidence: float
    score: float
    cues: list[tuple[str, float]] = field(default_factory=list)
    meeting: MeetingFields | None = None
    is_listing: bool = False  # a list of teasers: the crawl should treat the page as a listing
    top_features: list[tuple[str, float]] = field(default_factory=list)  # the model's, if asked

    def as_json(self, explain: bool = False) -> dict:
        result = {"is_meeting_report": self.is_meeting_report, "is_listing": self.is_listing,
                  "confidence": round(self.confidence, 3),
                  "meeting": meeting_json(self.meeting) if self.meeting else None}
        if explain:
            result["explanation"] = {
                "score": round(self.score, 2), "threshold": THRESHOLD,
                "cues": [{"cue": n, "weight": w} for n, w in self.cues],
                "model": MODEL_VERSION, "model_features": [
                    {"feature": n, "weight": w} for n, w in self.top_features]
                or "not consulted: the model only vetoes what the rules' score accepts"}
        return result


def meeting_json(meeting: MeetingFields) -> dict:
    # Shallow (asdict deep-copied every figure, 1 ms a page): the dict is sent or printed.
    data = dict(vars(meeting))
    data.pop("locality_source")
    return data


def _organ_cues(title: str, lead: str, sentence: str) -> list[tuple[str, float]]:
    found = []
    lead_subjects = [m for m in organ_mentions(lead) if m.is_subject]
    if lead_subjects and lead_subjects[0].organ in LOCAL_ORGANS:
        found.append((f"local organ holds the meeting: {lead_subjects[0].organ_name}", ORGAN_BONUS))
        return found
    title_mentions = organ_mentions(title)  # only when the lead has no local subject
    if not lead.strip() and title_mentions and title_mentions[0].is_subject and (
            title_mentions[0].organ in LOCAL_ORGANS):
        # a headline-only item: its title is the only sentence ("UBND phường X họp phiên
        # thường kỳ tháng 9")
        found.append((f"local organ holds the meeting in the headline: "
                      f"{title_mentions[0].organ_name}", ORGAN_BONUS))
    elif any(m.organ in LOCAL_ORGANS for m in title_mentions):
        found.append(("local organ named in the title", 1.0))
    elif any(m.organ in LOCAL_ORGANS for m in organ_mentions(sentence)):
        found.append(("local organ named with the meeting", 1.0))
    return found


# "TP.HCM", "TP.Cần Thơ": papers glue the unit to the name; the organ patterns want a space.
GLUED_CITY = re.compile(r"\bTP\.\s?(?=[A-ZĐÂ])|\bT\.P\.\s?")
HCM = re.compile(r"\b(?:TP\s?HCM|TP\s?Hồ Chí Minh|HCM)\b")


# "TX Ba Đồn", "TX.Sơn Tây", "Q. Bình Thạnh", "Q.5": a town's and an urban district's unit
# abbreviated.
TOWN = re.compile(rf"\bTX\.?\s?(?=[{UPPERCASE}])")
URBAN_DISTRICT = re.compile(rf"\bQ\.\s?(?=[{UPPERCASE}]|\d{{1,2}}\b)")


def _prepared(text: str) -> str:
    """Text as it comes (pipelines/vietnamese.py), in the case a sentence is written in
    (pipelines/letter_case.py), its abbreviated units written out."""
    return _expand_abbreviations(in_written_case(prepare_input(text)))


def _expand_abbreviations(text: str) -> str:
    if "TX" in text:
        text = TOWN.sub("thị xã ", text)
    if "Q." in text:
        text = URBAN_DISTRICT.sub("quận ", text)
    if "TP" not in text and "HCM" not in text and "T.P" not in text:
        return text
    return HCM.sub("TP Hồ Chí Minh", GLUED_CITY.sub("TP ", text))


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.;!?])\s+|\n+", text)


def _meeting_sentence(text: str) -> str:
    """The sentence that states the meeting, as written: the first that names a meeting or a
    review and a day ("Ngày 11/4, Ban Chỉ huy … tổ chức hội nghị"), else the first that names
    one. A quote or a sapo before it may name the meeting only in passing ("cuộc họp chưa kết
    thúc")."""
    first = ""
    for sentence in _sentences(text):
        folded = fold(sentence)
        if MEETING_WORD.search(folded):
            if MEETING_DAY.search(folded):
                return sentence
            first = first or sentence
    return first


def _date_from_period(text: str, meeting: MeetingFields, title: str) -> str | None:
    """With no publication date, the meeting's year comes from the period it deploys or
    reviews, when the title or lead names either period's year ("Ngày 4/4" + "quý II năm 2024";
    "cuối ngày 3-1" + "ngân sách năm 2018", a review of 2018 that deploys 2019)."""
    head = f"{title} {text[:HEAD_CHARACTERS]}"
    periods = [value for value in (meeting.period_deployed, meeting.period_reviewed) if value]
    if not any(value[:4] in head for value in periods):
        return None
    return find_meeting_date(text, reference_day(meeting.period_deployed, meeting.period_reviewed))


# A headline that quotes a speaker: "Ông X: '…'", "Bí thư Hà Nội: …". What follows the colon is
# speech, not the name of the event.
SPEAKER_QUOTE = re.compile(r"^((?:ong|ba|bi thu|chu tich|pho chu tich|giam doc|thu truong|"
                           r"tong bi thu|thu tuong)\b[^:]{0,40}):.*")


@dataclass(frozen=True)
class Head:
    """What the decision reads: the title and lead as prepared, the sentence that states the
    meeting, and each place a cue looks at, folded."""
    title: str
    text: str  # the first 3 * HEAD_CHARACTERS of the text, prepared
    lead: str
    sentence: str
    folded: dict[str, str]


def read_head(title: str, text: str) -> Head:
    title = _prepared(title or "").strip()
    # The decision reads only the head; the whole text is prepared for a report's fields.
    text = _prepared((text or "")[:3 * HEAD_CHARACTERS])
    lead = text[:HEAD_CHARACTERS]
    first_sentence = re.split(r"(?<=[.;])\s", lead, maxsplit=1)[0]
    sentence = _meeting_sentence(lead) or _meeting_sentence(title)
    meeting_sentence = fold(sentence)
    folded_title = fold(title)
    folded = {"title": folded_title, "title unquoted": SPEAKER_QUOTE.sub(r"\1", folded_title),
              "first sentence": fold(first_sentence),
              "head": fold(f"{title}. {lead}"), "meeting sentence": meeting_sentence,
              "lead sentences": f"{fold(first_sentence)} {meeting_sentence}"}
    return Head(title, text, lead, sentence, folded)


# What a numbered plenary conference stated with its day discusses is its business, whatever its
# topic (docs/labelling.md: a leader's speech there, personnel, congress documents, its
# closing): the cues that read a topic as a single-topic meeting do not apply to it. Incidents,
# questions, briefings and term reviews still do.
AGENDA_TOPIC_CUES = {"single topic, campaign or event",
                     "single topic, campaign or event in the lead", "a sector's own review"}


# The cues that read "sẽ" (will) as a session still to come, and what reports an opening.
COMING_SESSION_CUES = {"a press briefing, a voter meeting or a coming session",
                       "a coming session in the title"}
OPENED = re.compile(r"(?<!se )(?<!sap )\b(?:phat bieu|dien van|bao cao) khai mac\b|\bda khai mac\b")


def dated_plenary(folded: dict[str, str], names: set[str]) -> bool:
    """The lead states a local party committee's numbered plenary conference with its day."""
    return ("a plenary conference of a local party committee" in names
            and bool(MEETING_DAY.search(folded["meeting sentence"])))


def rule_cues(head: Head) -> list[tuple[str, float]]:
    """Every cue of the rules that fires on the head, with its weight."""
    folded = head.folded
    meeting_sentence = folded["meeting sentence"]
    cues = [(c.name, c.weight) for c in CUES if c.pattern.search(folded[c.where])]
    if ("a review of one topic", -4.0) in cues and GENERAL_REVIEW.search(meeting_sentence):
        cues.remove(("a review of one topic", -4.0))
    names = {name for name, _ in cues}
    if "a plenary conference of a local party committee" in names:
        cues = [c for c in cues if c[0] != PLENARY_UNNUMBERED]  # the same conference, once
    # A department named beside a committee's plenary conference is a post or a speaker
    # there ("bầu ông X - trưởng Ban Tổ chức Tỉnh ủy"), not the meeting's holder.
    if names & PLENARY_CUES:
        cues = [c for c in cues if c[0] != DEPARTMENT_HOLDS]
    # A plenary conference's own decision on discipline is its business (docs/labelling.md):
    # a headline naming it is no incident raised there.
    if names & PLENARY_CUES and DISCIPLINE.search(folded["title"]):
        cues = [c for c in cues if c[0] != "the headline is an incident or a case"]
    if dated_plenary(folded, names):
        cues = [c for c in cues if c[0] not in AGENDA_TOPIC_CUES]
        # Its opening reported with its day ("Ngày 30/11, phát biểu khai mạc Hội nghị lần thứ
        # 15"): what it "sẽ" (will) consider is its agenda, not a session still to come.
        if OPENED.search(meeting_sentence):
            cues = [c for c in cues if c[0] not in COMING_SESSION_CUES]
    if ("socio-economic review", 1.0) in cues and not SOCIO_ECONOMIC.search(
            ECONOMIC_COMMITTEE.sub("ban", folded["head"])):
        cues.remove(("socio-economic review", 1.0))
    # The organ cues add at most ORGAN_BONUS; finding organs is the slowest step, so a text
    # that cannot reach the threshold with them is not searched for them.
    if sum(weight for _, weight in cues) + ORGAN_BONUS >= THRESHOLD:
        cues += _organ_cues(head.title, head.lead, head.sentence)
        if not any(name.startswith("local organ") for name, _ in cues):
            cues.append(("no local organ named", -2.0))
    if not MEETING_WORD.search(folded["head"]):
        cues.append(("no meeting named", -3.0))
    return cues


# The cues that name a local organ's periodic meeting as such (not a review word alone).
PERIODIC_MEETING_CUES = {"regular council session", "a general periodic meeting of the place",
                         "a plenary conference of a local party committee",
                         "the closing of a session"}


def states_dated_meeting(head: Head, cues: list[tuple[str, float]]) -> bool:
    """The lead states a local organ's periodic meeting with its day ("Chiều 25-11, Ban Chấp
    hành Đảng bộ TP tổ chức Hội nghị lần thứ ba"): the text reports that meeting, whatever
    its headline says (docs/labelling.md), so the model may be told not to veto it."""
    names = {name for name, _ in cues}
    return (bool(names & PERIODIC_MEETING_CUES)
            and any(name.startswith("local organ") for name in names)
            and bool(MEETING_DAY.search(head.folded["meeting sentence"])))


def classify(title: str, text: str, published: str | None = None, owner=None) -> Classification:
    """Label an article and, for a meeting report, extract its fields. `owner` is the site
    profile's owner (a portal's district), used when the text names no locality. The rules'
    cues make a score; the learned model (pipelines.classify_model) reads the cues and the
    head's character n-grams and decides as it was trained to (its `combination`)."""
    head = read_head(title, text)
    cues = rule_cues(head)
    listing = is_teaser_list(head.text)
    if listing:
        cues.append(("a list of teasers (a listing page)", -10.0))
    score = sum(weight for _, weight in cues)
    decision = decide(head.folded["title"], head.folded["head"], head.folded["meeting sentence"],
                      cues, score, THRESHOLD, states_dated_meeting(head, cues))
    # A dated plenary conference that nothing speaks against is the rules' to decide: the model
    # reads the headline, and a plenary's headline is its agenda's topic (see dated_plenary).
    plenary_stands = (dated_plenary(head.folded, {name for name, _ in cues})
                      and all(weight > 0 for _, weight in cues) and score >= THRESHOLD)
    if plenary_stands and not decision.is_report:
        cues.append(("a dated plenary conference stands against the model's veto", 0.0))
    is_report = (decision.is_report or plenary_stands) and not listing
    confidence = decision.probability
    meeting = None
    if is_report:
        meeting = _fields(head, text or "", published, owner)
    return Classification(is_report, confidence, score, cues, meeting, listing,
                          decision.top_features)


def extract_meeting(title: str, text: str, published: str | None = None,
                    owner=None) -> MeetingFields:
    """The fields of the meeting a text reports, whatever the decision (the evaluation
    measures extraction on every labelled report)."""
    return _fields(read_head(title, text), text or "", published, owner)


def _fields(head: Head, raw_text: str, published: str | None, owner) -> MeetingFields:
    title, sentence = head.title, head.sentence
    text = _prepared(raw_text)
    # A paper's sapo (a quote, a topical summary) may come before the sentence that
    # states the meeting: the fields are read from that sentence on.
    start = max(0, text.find(sentence)) if sentence and sentence in head.lead else 0
    meeting = extract_fields(title, text[start:], published,
                             find_meeting_date(text[start:], published), owner=owner,
                             sapo=text[:start])
    if meeting.meeting_date is None and not published:
        meeting.meeting_date = _date_from_period(text, meeting, title)
        meeting.province = province_at(meeting.province, meeting.meeting_date)
    return meeting
