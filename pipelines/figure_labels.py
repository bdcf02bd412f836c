"""What a reported figure counts: its label, from the words around it.

"Thu ngân sách nhà nước trên địa bàn ước đạt 11.540 tỷ đồng, bằng 52% dự toán" gives the two
figures one label, "Thu ngân sách nhà nước trên địa bàn". The rule (measured by
bench/eval_figures.py on hand labels):

1. The words before the figure in its clause (a clause ends at , ; : . ( or a line break, and
   at the figure before it), without the words that link them to the number ("ước đạt", "là",
   "bằng", "tăng", "khoảng", "hơn", "được"), a period at their end ("trong tháng", "năm
   2024"), and what opens them without naming the thing measured: a time ("Năm 2023", "lũy kế
   5 tháng"), a subject ("toàn huyện", "Đảng ủy xã", "huyện Ngân Sơn"), a framing verb ("phấn
   đấu", "tổ chức", "dự kiến", "đặt mục tiêu"). After "với" only its measure is kept ("... với
   tổng kinh phí").
2. With nothing left, a share or a growth, or a figure in the unit of the one before it in
   the same sentence, qualifies that figure and takes its label ("…, bằng 52% dự toán");
   with no figure before it in the sentence, the comma clause before names it ("X không
   tăng, vẫn giữ ở mức 16,8%"). A clause after a comma that continues a measured noun
   ("tổng trị giá … của hệ thống phân phối, bán lẻ trên địa bàn đạt …") is joined to it.
3. Otherwise, or for a second item after "và", the thing measured follows the unit ("có
   thêm 1 xã đạt chuẩn nông thôn mới"): the words after it, up to the clause's end.

Hand-written: no Vietnamese library labels figures; the rule is a few word lists.
"""

from __future__ import annotations

import re
from functools import lru_cache

SPACE = r"[\s_]+"  # word-segmented corpora join words with "_"
BOUNDARY = re.compile(r"[,;:.!?](?:\s|$)|[()\n]|\s[-–]\s")
LINK_WORDS = ("ước thực hiện là", "ước thực hiện", "ước đạt", "đạt được", "ước", "đạt", "là",
              "có", "còn", "tăng trưởng", "tăng", "giảm", "vượt", "chiếm", "với", "gấp", "lên",
              "xuống", "từ", "tối thiểu", "ít nhất", "khoảng", "chừng", "trên", "hơn", "gần",
              "chỉ", "được", "đã", "hiện", "ở mức", "giữ ở mức", "tương đương", "như", "cho",
              "thêm", "và", "đến", "tới", "của", "hoàn thành", "bảo đảm", "đảm bảo", "mới đạt",
              "không")
TRAILING_LINK = re.compile(r"(?:^|\s)(?:" + "|".join(w.replace(" ", SPACE) for w in LINK_WORDS)
                           + r")$", re.I)
# "bằng" links ("bằng 52% dự toán") unless it ends a compound noun ("mặt bằng", "cân bằng").
TRAILING_EQUAL = re.compile(r"(?:^|(?<!mặt)(?<!cân)(?<!công)\s)bằng$", re.I)
TRAILING_TARGET = re.compile(r"(?:\svới)?[\s_](?:mục|chỉ)[\s_]tiêu$", re.I)
TRAILING_TIME = re.compile(r"(?:^|\s)(?:trong\s)?(?:\d{4}|tháng\s\d{1,2}(?:[/-]\d{4})?|"
                           r"quý\s[IV\d]+|năm\s\d{4}|\d{1,2}\stháng(?:\s(?:đầu|cuối))?(?:\snăm)?|"
                           r"tháng|quý|năm|"
                           r"từ\sđầu\snăm\sđến\snay|đến\snay|cả\snăm|đến\shết(?:\s(?:tháng\s\d{1,2}"
                           r"|quý\s[IV\d]+|năm))?)$", re.I)
TRAILING_RANGE = re.compile(r"\s*\d[\d.,]*\s*[-–]$")
LEADING = re.compile(
    r"^(?:(?:trong\s)?năm\s\d{4}|trong\s(?:tháng\s\d{1,2}|quý|năm|tháng|\d{1,2}\stháng)"
    r"(?:\sđầu\snăm|\snày)?|lũy\skế\s\d{1,2}\stháng|luỹ\skế\s\d{1,2}\stháng|"
    r"tính\schung\s\d{1,2}\stháng|đến\snay|hiện\snay|hiện|tuy\snhiên|nhưng|ngoài\sra|"
    r"đặc\sbiệt|riêng|với|đã|cả\snăm|bảo\sđảm|đảm\sbảo|"
    r"toàn\s(?:huyện|tỉnh|xã|thị\sxã|thành\sphố|quận|Đảng\sbộ|ngành)|"
    r"(?:Ban\sThường\svụ|Thường\strực|Ủy\sban\sKiểm\stra)\s(?:Huyện|Tỉnh|Thành|Thị)\s?ủy|"
    r"(?:Huyện|Tỉnh|Thành|Thị)\s?ủy|Đảng\s(?:ủy|bộ)(?:\s(?:xã|huyện|tỉnh|thị\sxã))?|"
    r"các\scấp\sủy|các\scấp|"
    r"(?:nông\sdân|nhân\sdân)(?:\strong\s(?:xã|huyện))?|các\s(?:địa\sphương|ngành|xã)|"
    r"(?:huyện|xã|tỉnh|thị\sxã|thành\sphố|TP)\s(?:(?-i:[A-ZĐ])[\wÀ-ỹ]*\s?){1,3}(?=\s|$)|"
    r"hội|xã|huyện|thị\sxã|có|vẫn|\d{4}|"
    r"so(?:\svới)?\s(?:tháng\strước|cùng\skỳ|năm\strước|kế\shoạch|dự\stoán)"
    r"(?:\snăm\strước)?(?:\svà)?|"
    r"lãnh\sđạo|chỉ\sđạo|phấn\sđấu|tập\strung|tổ\schức|dự\skiến)(?:\s+|$)", re.I)
TARGET = re.compile(r"^.*?\b(?:mục|chỉ)[\s_]tiêu\s+(?=\S)", re.I)
WITH_MEASURE = re.compile(r"^.*\svới\s(?=(?:tổng|số\stiền|kinh\sphí|trị\sgiá)\b)", re.I)
SUBSET = re.compile(r"^trong\sđó\s(?:có\s)?", re.I)
COUNT_BEFORE_AND = re.compile(r"\s\d[\d.,]*\s[^\d]*$")
# A count inside the clause ("bán mỗi ngày 2-3 tiếng thu nhập"): the label is what follows it.
INNER_COUNT = re.compile(r"^.*\d[\d.,/-]*\s+\S+\s+(?=\S)")
# "nâng cao chất lượng sinh hoạt và phấn đấu kết nạp 8 đảng viên": the last action counts.
LAST_ACTION = re.compile(r"^.*\svà\s(?=(?:phấn\sđấu|tập\strung|tổ\schức|chỉ\sđạo)\s)", re.I)
# "X có Y 30 tỷ đồng": Y is what was counted, X who has it.
HAVING = re.compile(r"^.*\scó\s(?=\S)", re.I)
AFTER_WORDS = 8
# The nouns that open a measured quantity: a clause after a comma continues one of them
# ("tổng trị giá hàng hóa ... của hệ thống phân phối, bán lẻ trên địa bàn đạt ...").
MEASURE_HEAD = re.compile(r"^(?:tổng|giá\strị|sản\slượng|doanh\sthu|kim\sngạch|thu\sngân\ssách)\b",
                          re.I)


@lru_cache(maxsize=16384)
def _strip(phrase: str) -> str:
    """The clause without its link words, closing period, opening time, subject or frame."""
    previous = None
    while phrase != previous:
        previous = phrase
        phrase = TRAILING_RANGE.sub("", phrase)
        phrase = TRAILING_LINK.sub("", phrase).strip()
        phrase = TRAILING_TARGET.sub("", phrase).strip()
        phrase = TRAILING_EQUAL.sub("", phrase).strip()
        phrase = TRAILING_TIME.sub("", phrase).strip()
        phrase = LEADING.sub("", phrase).strip()
        phrase = WITH_MEASURE.sub("", phrase).strip()
        phrase = TARGET.sub("", phrase).strip()
    return phrase.strip(" ,;:-–\"“”'")


def _clause_before(text: str, start: int, floor: int) -> tuple[str, str, bool]:
    """The clause before `start`, the comma clause before it in the same sentence (when no
    figure lies between), and whether the clause begins at the figure before (`floor`)."""
    window = text[max(floor, start - 200):start]
    cuts = [match for match in BOUNDARY.finditer(window)]
    begins_at_figure = not cuts and 0 < floor and start - 200 < floor
    clause = window[cuts[-1].end() if cuts else 0:]
    earlier = ""
    if cuts and cuts[-1].group(0).startswith(","):
        earlier = window[cuts[-2].end() if len(cuts) > 1 else 0:cuts[-1].start()]
        if len(cuts) < 2 and floor == 0 and start > 200:
            earlier = ""  # it may have begun before the window
    return clause, earlier, begins_at_figure


def _words_after(text: str, end: int, ceiling: int) -> str:
    window = text[end:min(ceiling, end + 200)]
    boundary = BOUNDARY.search(window)
    words = window[:boundary.start() if boundary else len(window)].split()[:AFTER_WORDS]
    phrase = " ".join(words)
    phrase = re.sub(r"^(?:mới|là)\s+", "", phrase, flags=re.I)
    return re.sub(r"\s+(?:như|và|là)$", "", phrase, flags=re.I).strip(" -–\"“”'")


def figure_label(text: str, start: int, end: int, unit: str, previous: dict | None,
                 following_start: int) -> str:
    """The label of the figure at text[start:end]; `previous` is the figure before it (with
    its `end`, `unit`, `label`), `following_start` where the next one begins."""
    floor = previous["end"] if previous else 0
    clause, earlier, continues = _clause_before(text, start, floor)
    if MEASURE_HEAD.match(earlier.strip()) and not MEASURE_HEAD.match(_strip(clause)):
        clause = f"{earlier.strip()}, {clause.strip()}"  # one measured noun split by a comma
    # "trong đó có 19 đảng viên là người dân tộc thiểu số": a part, named after its unit.
    subset = bool(SUBSET.match(clause.strip())) and not _strip(SUBSET.sub("", clause.strip()))
    if SUBSET.match(clause.strip()):
        clause = SUBSET.sub("", clause.strip())
    opens_clause = not clause.strip()  # "…; 100% chi bộ …": nothing links it to a figure before
    if continues and re.search(r"\svà\s*$", " " + clause):
        # "1 xã đạt chuẩn và 1 xã đạt chuẩn nâng cao": a second item, named after its unit.
        return _words_after(text, end, following_start) or (previous or {}).get("label", "")
    elif re.search(r"\svà\s*$", clause):
        clause = COUNT_BEFORE_AND.sub("", re.sub(r"\svà\s*$", "", clause))
    label = "" if subset else _strip(clause)
    for narrower in (INNER_COUNT, HAVING, LAST_ACTION):
        inner = _strip(narrower.sub("", label))
        if inner and inner != label:
            label = inner
    if label:
        return label
    same_sentence = previous is not None and not re.search(r"[.!?]\s", text[floor:start])
    if same_sentence and not subset and not opens_clause and (
            unit == "%" or unit == previous["unit"]):
        return previous["label"]
    if not same_sentence and not subset and not opens_clause and _strip(earlier):
        return _strip(earlier)  # "X không tăng, vẫn giữ ở mức 16,8%": X is what was measured
    return _words_after(text, end, following_start)
