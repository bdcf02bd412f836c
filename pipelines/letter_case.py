"""Text written in capitals, given back the case Vietnamese writes it in.

Portals and papers set some titles, datelines and whole leads in capitals ("HỘI NGHỊ BAN CHẤP
HÀNH ĐẢNG BỘ HUYỆN MƯỜNG LA LẦN THỨ 20", "SƠN LA - Sáng 8/7, ..."). The organ patterns read a
place by its capital letters and an organ by the case its name is written in ("Huyện ủy",
"Ban Chấp hành", "xã"), so a line written all in capitals is rewritten as a sentence would
have it: lower case, with the names of places the gazetteer knows, a person's name after a
place or an honorific, and the names of institutions capitalised as Vietnamese writes them;
abbreviations ("UBND", "HĐND", "BCH"), single letters and Roman numerals kept. No library does
this for Vietnamese; the gazetteer is ours.
"""

from __future__ import annotations

import re

from pipelines import gazetteer
from pipelines.vietnamese import FOLD_TABLE, UPPERCASE

# Two or more words in capitals in a row.
SHOUTED_RUN = re.compile(rf"(?<![^\W\d_])[{UPPERCASE}]{{2,}}(?:[ \-–]+[{UPPERCASE}]+)+"
                         r"(?![^\W\d_])")
WORD = re.compile(rf"[{UPPERCASE}]+(?:-[{UPPERCASE}]+)*")  # "TT-BYT" is one
# A Vietnamese syllable without its marks: onset, one to three vowels, coda. An abbreviation
# ("UBND", "HĐND", "BCH", "TP", "MTTQ", "COVID") is none.
SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}"
                      r"(?:ng|nh|ch|[cmnpt])?")
ROMAN_NUMERAL = re.compile("[IVX]+")  # "QUÝ II", "KHÓA XIV"
# Institutions as Vietnamese capitalises them (docs/domain.md), which the organ patterns of
# pipelines/organs.py are written for.
INSTITUTIONS = [(re.compile(rf"\b{lower}\b", re.IGNORECASE), written) for lower, written in (
    ("ban chấp hành", "Ban Chấp hành"), ("ban thường vụ", "Ban Thường vụ"),
    ("ủy ban", "Ủy ban"), ("uỷ ban", "Uỷ ban"), ("hội đồng nhân dân", "Hội đồng nhân dân"),
    ("mặt trận tổ quốc", "Mặt trận Tổ quốc"), ("hội nông dân", "Hội Nông dân"),
    ("đoàn thanh niên", "Đoàn Thanh niên"), ("hội liên hiệp phụ nữ", "Hội Liên hiệp Phụ nữ"),
    ("hội cựu chiến binh", "Hội Cựu chiến binh"), ("liên đoàn lao động", "Liên đoàn Lao động"),
    ("huyện đoàn", "Huyện đoàn"), ("hội nghị", "Hội nghị"), ("việt nam", "Việt Nam"),
    ("trung ương", "Trung ương"), ("chính phủ", "Chính phủ"), ("quốc hội", "Quốc hội"),
    ("đảng", "Đảng"))]
PARTY_COMMITTEE = re.compile(r"\b(huyện|tỉnh|thành|quận|thị) (ủy|uỷ)\b")
# The party committee of a department or a bloc: "Đảng bộ Sở Thông tin", "Đảng ủy Khối".
AGENCY_PARTY = re.compile(r"\b(Đảng (?:bộ|ủy|uỷ)) (sở|khối)\b")
# A unit's name, which a place name's last word must not begin: "cơ quan thành phố" is no
# "Quan Thành".
UNIT_WORDS = {("thành", "phố"), ("thị", "xã"), ("thị", "trấn")}
# A person's name after a place, an abbreviation or an honorific ("CHỦ TỊCH UBND TP HÀ NỘI
# NGUYỄN ĐỨC CHUNG", "ÔNG TRẦN VĂN AN"): a family name, then up to three given names.
FAMILY_NAMES = set(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào đoàn trịnh "
    "mai trương đinh lâm phùng lương hà tạ cao chu lưu tô vương thái quách triệu kiều tôn la "
    "nông lò hầu thân âu châu giang khúc lại mạc tăng".split())
HONORIFICS = {"ông", "bà", "chí", "anh", "chị"}  # "đồng chí" ends with "chí"
NOT_GIVEN_NAMES = set("đã vừa sẽ và là cho tại chủ phát khẳng nhấn yêu cùng trong về có được "
                      "đến dự làm ký nêu biết".split())


def in_written_case(text: str) -> str:
    """Every line written all in capitals (a title, a lead, a byline) rewritten in the case a
    sentence has. Only whole lines: str.isupper reads a line in C, where a pattern that looked
    for a run of capitals in every text (most name "UBND TP") would cost the classifier a tenth
    of its time."""
    if text.isupper():
        return SHOUTED_RUN.sub(_written_run, text)
    if "\n" not in text:
        return text
    lines = text.split("\n")
    if not any(line.isupper() for line in lines):
        return text
    return "\n".join(SHOUTED_RUN.sub(_written_run, line) if line.isupper() else line
                     for line in lines)


def _written_run(match: re.Match) -> str:
    run = match.group(0)
    words = [(m.start(), m.end()) for m in WORD.finditer(run)]
    kept = {i for i, (start, end) in enumerate(words) if _is_abbreviation(run[start:end])}
    named = _place_name_words(run, words, kept)
    named |= _person_name_words(run, words, kept, named)
    if _starts_sentence(match.string, match.start()):
        named.add(0)
    pieces, last = [], 0
    for i, (start, end) in enumerate(words):
        word = run[start:end]
        if i not in kept:
            word = word[0] + word[1:].lower() if i in named else word.lower()
        pieces += [run[last:start], word]
        last = end
    written = "".join(pieces) + run[last:]
    written = PARTY_COMMITTEE.sub(lambda m: m.group(1).capitalize() + " " + m.group(2), written)
    for pattern, institution in INSTITUTIONS:
        written = pattern.sub(institution, written)
    return AGENCY_PARTY.sub(lambda m: f"{m.group(1)} {m.group(2).capitalize()}", written)


def _person_name_words(run: str, words: list[tuple[int, int]], kept: set[int],
                       named: set[int]) -> set[int]:
    person: set[int] = set()
    for i in range(1, len(words)):
        before = run[words[i - 1][0]:words[i - 1][1]].lower()
        if i in named or run[words[i][0]:words[i][1]].lower() not in FAMILY_NAMES or not (
                i - 1 in named or i - 1 in kept or before in HONORIFICS):
            continue
        person.add(i)
        for j in range(i + 1, min(i + 4, len(words))):
            if j in kept or run[words[j][0]:words[j][1]].lower() in NOT_GIVEN_NAMES:
                break
            person.add(j)
    return person


def _begins_a_unit(run: str, words: list[tuple[int, int]], last: int) -> bool:
    if last + 1 >= len(words):
        return False
    pair = tuple(run[start:end].lower() for start, end in (words[last], words[last + 1]))
    return pair in UNIT_WORDS


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in ".!?:;-–("


def _is_abbreviation(word: str) -> bool:
    """"UBND", "TT-BYT", "XIV", and a single letter ("ĐH Y", "Nguyễn Văn A")."""
    return len(word) == 1 or any(
        ROMAN_NUMERAL.fullmatch(part) or not SYLLABLE.fullmatch(part.translate(FOLD_TABLE).lower())
        for part in word.split("-"))


def _place_name_words(run: str, words: list[tuple[int, int]], kept: set[int]) -> set[int]:
    """The words that make a place name the gazetteer knows (two words or more, the longest
    first, so that "Phú Yên" inside "Tây Phú Yên" is not taken alone)."""
    named: set[int] = set()
    i = 0
    while i < len(words):
        for size in range(min(gazetteer.LONGEST_NAME_WORDS, len(words) - i), 1, -1):
            span = range(i, i + size)
            if kept.intersection(span) or _begins_a_unit(run, words, i + size - 1):
                continue
            if gazetteer.is_place_name(run[words[i][0]:words[i + size - 1][1]]):
                named.update(span)
                i += size
                break
        else:
            i += 1
    return named
