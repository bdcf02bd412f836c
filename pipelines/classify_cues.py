"""The rules' cue tables: each cue a named, weighted regular expression over folded text, and
the patterns that find the sentence stating a meeting and its day.

Split from pipelines.classify, which reads a text's head, runs these tables and decides
(one responsibility per module). Patterns run on folded text: lower case, no diacritics, "đ"
as "d". Their weights and the threshold were set on the tuning halves (bench/eval_classify.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    name: str
    weight: float
    pattern: re.Pattern[str]
    where: str  # "title", "title unquoted" (its speaker, not the quote), "head" (title and
    # lead), "first sentence" (of the lead),
    # "meeting sentence" or "lead sentences" (the first and the meeting sentence)


def cue(name: str, weight: float, where: str, pattern: str) -> Cue:
    return Cue(name, weight, re.compile(pattern), where)


# A local party committee (province, district, commune) and the number of its plenary
# conference, in figures or words, the first excepted.
LOCAL_PARTY = (r"(?:ban chap hanh dang bo (?:tinh|tp|thanh pho|huyen|quan|thi xa|xa|phuong)|"
               r"(?:tinh|thanh|huyen|quan|thi) uy|dang uy (?:xa|phuong))")
# The unit a local party committee is named by, after its executive ("Ban Chấp hành [Đảng bộ]
# tỉnh", "Ban Chấp hành Thành ủy").
LOCAL_UNIT = r"(?:tinh|tp|thanh pho|huyen|quan|thi xa|xa|phuong|(?:tinh|thanh|huyen|quan|thi) uy)"
PLENARY_NUMBER = (r"(?:(?!1\b)\d+|hai|ba|tu|nam|sau|bay|tam|chin|"
                  r"muoi(?: (?:mot|hai|ba|bon|tu|lam|nam|sau|bay|tam|chin))?)\b")
# "lần thứ 15", "lần thứ ba", and "lần hai" with no "thứ".
PLENARY = rf"lan (?:thu )?{PLENARY_NUMBER}"


# Patterns run on folded text: lower case, no diacritics, "đ" as "d" (so "sơ kết" and "số kết"
# meet: "so ket(?! qua)" keeps "một số kết quả" out). "meeting sentence" is
# the first sentence of the head that names a meeting or a review: real papers often open with
# a quote or a topical sapo and state the meeting only there.
# Named where rule_cues weighs it against a plenary conference.
DEPARTMENT_HOLDS = "a committee's own department holds it"

CUES = [
    cue("review act", 1.5, "head",
        r"\b(?:danh gia (?:ket qua|tinh hinh)|so ket(?! qua)|tong ket|ket qua thuc hien|"
        r"xem xet ket qua|hoi nghi bao cao ket qua|"
        r"bao cao (?:ve )?ket qua (?:phat trien )?kinh te)"),
    cue("deploy act", 1.5, "head",
        r"\btrien khai (?:cac |thuc hien )?(?:nhiem vu|phuong huong|ke hoach|giai phap|muc tieu)"
        r"|\bphuong huong,? nhiem vu|\bnhiem vu trong tam|"
        r"\btrien khai chuong trinh (?:cong tac|hanh dong)"
        r"|\bban (?:cac )?giai phap|\bquyet dinh ke hoach|\bde ra (?:phuong huong|giai phap)"
        r"|\bnhiem vu,? giai phap"),
    cue("periodic meeting", 1.0, "head",
        r"\b(?:thuong ky|giao ban(?! quan ly| chi dao| can su)|ky hop (?:lan )?thu|"
        rf"hoi nghi (?:\d+ )?(?:ban chap hanh|bch)|lan thu \d+|hoi nghi lan thu {PLENARY_NUMBER}"
        r"|hoi nghi (?:tinh|thanh|huyen|quan|thi) uy|phien hop (?:ve )?kinh te)"),
    cue("the closing of a session", 1.5, "meeting sentence",
        r"\bbe mac\b[^.]{0,20}\b(?:hoi nghi|ky hop)\b|\b(?:hoi nghi|ky hop)\b[^.]{0,80}\bbe mac\b"),
    # A place's general periodic meeting: its leaders' briefing with all its departments or
    # districts. Whatever is said there is its business, unless the headline is an incident.
    cue("a general periodic meeting of the place", 1.5, "meeting sentence",
        # who meets whom may run on, with commas ("giao ban Chủ tịch, Phó chủ tịch UBND TP với
        # Giám đốc, Thủ trưởng các sở"; "giao ban trực tuyến quý IV của Thường trực Thành ủy,
        # HĐND, UBND với lãnh đạo các quận, huyện")
        r"\bgiao ban (?!can su)(?:truc tuyen )?[^.;]{0,110}?\b(?:voi|giua)\b[^.]{0,60}"
        r"\b(?:cac so|so,? nganh|quan,? huyen|cac quan|cac huyen|cac dia phuong|"
        r"(?:dai dien )?(?:cac )?dia ban)\b"),
    # A numbered plenary conference of a local party committee ("Hội nghị lần thứ 16 Thành ủy
    # TP HCM khóa X", "Hội nghị Thành ủy TP lần thứ 15"): its business is the place's, as a
    # regular council session's is (docs/labelling.md).
    # The organ may come first ("Ban Chấp hành Đảng bộ TP khóa XVIII tổ chức Hội nghị lần thứ
    # ba", "Thành ủy tổ chức hội nghị lần thứ 10"), the number in words; not the first
    # conference of a term (it elects officials).
    cue("a plenary conference of a local party committee", 2.0, "meeting sentence",
        rf"\bhoi nghi (?:{PLENARY} (?:- )?)?{LOCAL_PARTY}\b[^.]{{0,50}}?"
        rf"\b{PLENARY}|\bhoi nghi {PLENARY} (?:- )?{LOCAL_PARTY}\b"
        # the committee's executive after its number ("Hội nghị lần thứ 16 Ban Chấp hành
        # Thành ủy", "Hội nghị 16 Ban Chấp hành Đảng bộ tỉnh"; not "Hội nghị 2 Tỉnh ủy", two
        # committees meeting)
        rf"|\bhoi nghi (?:{PLENARY}|{PLENARY_NUMBER}) (?:ban chap hanh|bch) (?:dang bo )?"
        rf"{LOCAL_UNIT}\b"
        rf"|\b{LOCAL_PARTY}\b[^.]{{0,50}}?\b(?:to chuc|hop|khai mac) hoi nghi "
        rf"{PLENARY}"),
    # The same conference reported without its number ("Hội nghị Ban Chấp hành Đảng bộ huyện
    # X", "kết luận hội nghị Thành ủy"), the first of a term excepted: weaker, as a standing
    # committee's or a personnel announcement's conference can be named so too.
    cue("a plenary conference of a local party committee, unnumbered", 1.5, "meeting sentence",
        rf"^(?!.*\blan thu nhat\b).*\bhoi nghi {LOCAL_PARTY}\b"),
    # A place's conference that deploys its year's socio-economic plan, named by the plan
    # ("hội nghị triển khai kế hoạch phát triển kinh tế - xã hội năm 2024 của thành phố").
    cue("a conference deploying the place's socio-economic plan", 1.5, "meeting sentence",
        r"\bhoi nghi trien khai (?:thuc hien )?(?:ke hoach|nhiem vu) (?:phat trien )?"
        r"kinh te ?-? ?xa hoi"),
    cue("regular council session", 2.5, "head",
        r"\bky hop thuong (?:le|ky)\b|\bky hop (?:cuoi|giua) nam\b|"
        r"\bphien hop (?:ubnd |uy ban nhan dan )?(?:tp |tinh |huyen )?(?:[a-z]+ )?thuong ky\b"),
    cue("question time at the session", -2.0, "meeting sentence", r"\bchat van\b"),
    cue("socio-economic review", 1.0, "head",
        r"\bkinh te ?-? ?xa hoi\b|\bkt-?xh\b|\bnhiem vu chinh tri\b|\bthu ?-? ?chi ngan sach"
        r"|\bkinh te,? van hoa,? xa hoi"),
    cue("period", 1.0, "head",
        r"\b(?:quy (?:i{1,3}|iv|[1-4])\b|thang \d{1,2}\b|(?:[1-9]|1[01]) thang (?:dau|cuoi) nam|"
        r"(?:nua|sau thang) (?:dau|cuoi) nam|"
        r"(?:[2-9]|1[01]) thang\b|(?:cong tac|nhiem vu|ke hoach|hanh dong)(?: [a-z]+){0,3} "
        r"nam 20\d\d|ket qua(?: [a-z-]+){0,5} nam 20\d\d)"),  # "kết quả thu - chi … năm 2018"
    # In the title these name a meeting on one topic, a campaign, an event or a visit; not
    # inside a quote after its speaker ("Ông X: 'TP cần 167 năm mới đạt chuẩn …'").
    cue("single topic, campaign or event", -4.0, "title unquoted",
        r"\b(?:tap huan|quan triet|thang hanh dong|doi thoai|khach hang|ra quan|"
        # a congress, not preparing for one ("chuẩn bị chu đáo cho Đại hội", "hướng tới Đại hội")
        r"dai hoi(?<!chuan bi dai hoi)(?<!tien toi dai hoi)(?<!huong toi dai hoi)"
        r"(?<! cho dai hoi)(?<!chao mung dai hoi)(?<!phuc vu dai hoi)|"
        r"phat dong|le hoi|hoi thao|hoi thi|xuc tien|chuyen de|khai giang|le cong bo|"
        r"ngay hoi|diem tin|ban tin|tin tuan|tin tuc|tham|chuc tet|"
        r"thang thanh nien|tuyen duong|mua du lich|don bang|dat chuan|cong nhan|thoi su)\b"
        r"|\b(?:so ket(?! qua)|tong ket) \d+ nam (?:thuc hien|trien khai)"),
    cue("single topic, campaign or event in the lead", -2.0, "lead sentences",
        r"\b(?:hoi nghi (?:tap huan|quan triet|doi thoai|khach hang|xuc tien|chuyen de)|"
        r"le phat dong|le ra quan|"
        # a congress, not its documents discussed at a plenary conference
        r"(?<!van kien )dai hoi (?:dai bieu|dang bo|mat tran|mttq|hoi)|"
        r"hoi nghi chuyen de|ky hop (?:\w+ )?chuyen de|ky hop bat thuong|lam viec voi|"
        r"cong bo quyet dinh|trien khai (?:cac )?quyet dinh|tiep xuc cu tri|hoi nghi can bo|"
        r"thong bao nhanh|lay phieu tin nhiem|"  # a vote of confidence: one item of a session
        r"(?<!thay mat )(?<!truong )ban chi dao|"
        r"hop khan|ung pho|khac phuc hau qua|thang hanh dong|"
        r"(?:ky|phien) hop thu nhat)"),  # a new term's first session elects its officials
    # Reviews held by a department, a sector, an enterprise or a bank are not reports of a
    # local party or state organ.
    cue("department, sector or enterprise", -4.0, "title",
        r"^(?:so |nganh |cong ty|tong cong ty|ngan hang|chi nhanh|dien luc|cuc |chi cuc |"
        r"bo (?!tri |sung |nhiem )|"  # "Bộ", not "Bố trí", "Bổ sung", "Bổ nhiệm"
        r"truong |benh vien|trung tam |bao hiem|kho bac|cong an|quan doi|bo chi huy|"
        r"ban chi huy quan su|phong giao dich)"
        r"|(?<!so, )(?<!cac )\b(?:nganh [a-z]+(?: [a-z]+)? (?:tong ket|so ket(?! qua)|trien khai)|"
        r"san xuat kinh doanh|nam hoc|"
        r"nhcsxh|ngan hang chinh sach)\b"),
    cue("a national body holds it", -5.0, "meeting sentence",
        r"\b(?:dang uy|ban thuong vu dang uy|ban can su dang) (?:chinh phu|quoc hoi|cong an|"
        r"quan doi|khoi cac co quan trung uong|mat tran)|\bquan uy (?:trung uong|tw)\b|"
        r"(?<!uy vien )\b(?:trung uong|t\.u|tw)\b ?(?:doan|dang|hoi|mttq|mat tran)|"
        r"\bubt[uw]\b|\bquoc hoi khoa\b|\bky hop[^.]{0,20}quoc hoi|\btoan quan\b|"
        r"\b(?:ban|uy ban|hoi dong|dang uy) [a-z ]{0,25}(?:trung uong|t\.u|tw)\b|"
        r"uy ban thuong vu quoc hoi|\bubtvqh\b|phien hop chinh phu|chinh phu (?:hop|to chuc)|"
        r"hoi nghi (?:truc tuyen )?(?:chinh phu|toan quoc|toan quan)|"
        r"thu tuong[^.]{0,80}chu tri|bo truong[^.]{0,60}chu tri|"
        r"\bbo (?:noi vu|tai chinh|cong thuong|y te|giao duc|quoc phong|cong an) (?:to chuc|hop)|"
        r"\bbo [a-z&]+(?: [a-z&]+){0,3} phoi hop voi\b|"
        # a steering committee holds it; not one whose head reports at another meeting
        r"(?<!thay mat )(?<!truong )\bban chi (?:dao|huy)\b|"
        r"\b(?:cua|toan) nganh (?:thanh tra|y te|giao duc|cong an|thue|kiem sat|toa an|"
        r"ngan hang|tu phap)|\bban chi dao (?:nha nuoc|quoc gia|trung uong)"),
    cue("a mass organisation or an enterprise holds it", -4.0, "meeting sentence",
        r"\b(?:doan thanh nien|thanh doan|tinh doan|huyen doan|hoi nong dan|"
        r"hoi lien hiep phu nu|hoi lhpn|hoi cuu chien binh|hoi luat gia|lien doan lao dong|"
        r"cong doan|hoi sinh vien|hoi nha bao|hiep hoi|cum thi dua|khoi thi dua)\b|"
        r"\b(?:uy ban )?(?:mttq|mat tran to quoc)(?: viet nam)? (?:tinh\b|(?:tp|thanh pho) "
        r"(?:ho chi minh|ha noi|hai phong|da nang|can tho|hue)\b)|"
        r"\bdang (?:bo|uy) (?:than|tap doan|tong cong ty|cong ty|ngan hang|khoi doanh nghiep)\b|"
        r"\btap doan\b|\btong cong ty\b|"
        r"\bso [a-z]+ (?:[a-z]+ )?(?:to chuc|tong ket|so ket(?! qua))|"
        r"\bdo (?:so|nganh|cuc|bo) [a-z]+[^.]{0,40}to chuc"),
    cue("a press briefing, a voter meeting or a coming session", -4.0, "meeting sentence",
        r"\bhop bao\b|giao ban bao chi|tiep xuc cu tri|\b(?:se|sap|du kien|chuan bi|"
        r"trieu tap)\b[^.]{0,40}\b(?:ky hop|hop|hoi nghi|xem xet|chat van)\b|"
        r"\b(?:ky hop|hoi nghi)\b[^.]{0,100}\bse (?:tien hanh|xem xet|thong qua|chat van|bau)"),
    cue("a sector's own review", -4.0, "meeting sentence",
        r"\bnganh (?:y te|giao duc|cong thuong|thue|thanh tra|tu phap|ngan hang|nong nghiep|"
        r"van hoa|du lich|giao thong|xay dung|tai chinh|noi vu|lao dong|kiem sat|toa an)\b"),
    cue("said on the sidelines of the meeting or after it", -4.0, "meeting sentence",
        r"\bben le\b|\bsau khi\b[^.]{0,80}\btai (?:cuoc hop|hoi nghi|phien hop)"),
    cue(DEPARTMENT_HOLDS, -3.0, "meeting sentence",
        r"\bban (?:phap che|kinh te(?: - (?:ngan sach|xa hoi))?|van hoa - xa hoi|dan toc|do thi|"
        r"to chuc|tuyen giao|dan van|noi chinh)"
        r"(?: va dan van)? (?:hdnd|(?:tinh|thanh|huyen|quan) uy)\b|"
        r"\buy ban kiem tra (?:tinh|thanh|huyen|quan) uy\b|"
        # its office: "Văn phòng UBND tỉnh", "Văn phòng HĐND và UBND huyện", "Văn phòng Tỉnh ủy"
        r"(?<!chanh )\bvan phong (?:(?:doan dbqh|doan dai bieu quoc hoi|hdnd|ubnd)"
        r"(?: va (?:hdnd|ubnd))?|(?:tinh|thanh|huyen|quan|thi) uy)(?: [a-z]+){0,4}? "
        r"(?:to chuc|tong ket|so ket|hop)\b"),
    # A headline on an incident, a case or a scandal: the meeting in the lead is only where it
    # was raised (docs/labelling.md).
    # (Not "chay" among them: "cháy" and "chạy" fold alike.)
    cue("the headline is an incident or a case", -2.0, "title",
        r"\bvu\b(?<!nhiem vu)(?<!phuc vu)(?<!noi vu)(?<!mua vu)(?<!dich vu)(?<!chuc vu)"
        # "Ban Thường vụ" (a standing committee), a duty, a crop season: no case
        r"(?<!thoi vu)(?<!thuong vu)(?<!nghia vu)(?<!cong vu)"
        r"(?! (?:mua|dong|he|xuan|chiem|lua|san xuat)\b)|"
        r"\bsai pham\b|\bvi pham\b|\bky luat\b|\bxam hai\b|"
        r"\bkhoi to\b|\bcuong che\b|\btham nhung\b|\btai nan\b|\bchet\b|"
        r"\btu vong\b|\bdieu tra\b|\bbat giu\b|\bkhieu nai\b|\bkhieu kien\b|\bto cao\b|"
        r"\bbi (?:dap pha|tan cong|hanh hung|cuop|chem|dam|lua dao)\b|"
        r"\bbao hanh\b|\bdinh chi\b|\bthoi viec\b|\bcach chuc\b|\bphe binh\b|\bmai dam\b|"
        r"\bma tuy\b|\blam .?nong\b"),  # "X làm 'nóng' phiên họp": a dispute raised there
    cue("the headline is one delegate's view", -2.0, "title", r"^dai bieu\b"),
    # A meeting cited in passing by an analysis or a later story ("phát biểu tại Hội nghị
    # Thành ủy mới đây"): a report states its day (docs/labelling.md, an opinion citing a
    # meeting).
    # "Trước đó, tại hội nghị …": an earlier meeting recalled by a story about what followed.
    cue("a meeting cited in passing", -2.0, "meeting sentence",
        r"\b(?:hoi nghi|ky hop|phien hop|cuoc hop|giao ban)\b[^.]{0,60}\bmoi day\b"
        r"|\btruoc do,? tai (?:hoi nghi|ky hop|phien hop|cuoc hop|buoi giao ban)\b"),
    # A department's head reporting or answering at a council session: one item of it
    # (docs/labelling.md), as a delegate's question is.
    cue("a department's head speaks at the session", -2.0, "meeting sentence",
        r"\bky hop\b[^.]{0,120}\b(?:pho )?giam doc so\b|"
        r"\b(?:pho )?giam doc so\b[^.]{0,120}\bky hop\b"),
    # A question put at a session or a conference is one delegate's view, like a headline's.
    cue("a question raised at the meeting", -2.0, "meeting sentence",
        r"\bcau hoi\b.{0,80}?\b(?:dat ra|neu ra|gui den)\b"),  # "GS.TS X đặt ra": dots
    # A district's or commune's official speaking at the province's meeting: the text is about
    # that place's issue, raised there, not about the meeting.
    cue("a lower level's official speaks at the meeting", -2.0, "meeting sentence",
        r"\bcua (?:ubnd )?(?:tinh|tp|thanh pho)\b[^.]{0,30}, (?:ong|ba) [a-z ]{3,30}"
        r"(?: -|,) (?:pho )?chu tich (?:ubnd )?(?:huyen|quan|thi xa|xa|phuong)\b"),
    # A review of the term, or of half of it, is not a period's ("sơ kết nửa nhiệm kỳ").
    cue("a review of the term", -4.0, "head",
        r"\b(?:so ket|tong ket|danh gia)\b[^.]{0,60}\b(?:nua|giua) nhiem ky\b"),
    cue("a coming session in the title", -3.0, "title",
        r"\b(?:se|sap|du kien)\b[^.]{0,30}\b(?:hop|xem xet|chat van|thong qua|bau)\b"),
    cue("a review of one topic", -4.0, "meeting sentence",
        r"(?:so ket(?! qua)|tong ket|danh gia ket qua)"
        r"(?: ?,)?(?: [a-z0-9/.\u201c\u201d\u2018\u2019\"'-]+){0,14}? "
        r"(?:phong chong|phong thu|"
        r"thi dua|dan so|an toan|trat tu|xay dung (?:tp|thanh pho|xa hoi|nong thon|do thi)|"
        r"chuyen doi so|cai cach hanh chinh|phoi hop|quy che|tuyen sinh|de an|nghi quyet|cong dien|"
        r"chi thi|ket luan|thu nghiem|thi diem|rut kinh nghiem|(?:\d+|mot|hai|ba) nam(?! 20)|"
        r"giai doan|nhiem ky|dien dan|cham lo tet|"
        r"hoat dong he|van hoc|luat|quyet dinh|chuong trinh (?!cong tac)|hoc ky|nam hoc|"
        r"bao ve (?:va phat trien )?rung|phat trien rung|"
        r"(?:\d+|mot|hai|ba) (?:thang|nam) thuc hien|"  # "sơ kết 6 tháng thực hiện X"
        r"(?:cong tac )?(?:[a-z]+ ){0,3}(?:khoa [ivxlc]+,? )?nhiem ky|"
        r"cong tac (?:kiem tra|"
        r"thanh tra|tuyen giao|dan van|to chuc|noi chinh|bau cu|phong))"),
]
CUES.append(cue(
    "a department, sector, enterprise or bank holds it", -3.0, "first sentence",
    r"^(?:(?:sang|chieu|toi|trua|ngay)[^,]{0,25}, )?(?:cong ty|tong cong ty|ngan hang|"
    r"chi nhanh|so [a-z]+|nganh|dien luc|tap doan|hop tac xa|ban chi huy quan su|cong an|"
    r"phong giao dich)"))
# A review of one topic is still a report when the same meeting reviews the period as a whole
# ("tổng kết chăm lo Tết và đánh giá tình hình kinh tế - xã hội tháng 2").
# The general review is a second item of the agenda ("… và đánh giá tình hình kinh tế - xã
# hội"), not a word inside the topic's own name ("chương trình hợp tác phát triển kinh tế - xã
# hội"); a regular session or briefing is general whatever else it does.
GENERAL_REVIEW = re.compile(
    r"(?:,|\bva\b) (?:[a-z]+ ){0,4}(?:kinh te ?-? ?xa hoi|kt-?xh\b|nhiem vu chinh tri|"
    r"xay dung dang|thu ?-? ?chi ngan sach)|\bthuong le|\bthuong ky|\bgiao ban (?!bao chi)")
PLENARY_UNNUMBERED = "a plenary conference of a local party committee, unnumbered"
PLENARY_CUES = {"a plenary conference of a local party committee", PLENARY_UNNUMBERED}
DISCIPLINE = re.compile(r"\b(?:ky luat|khien trach|canh cao|cach chuc|khai tru)\b")
# A council's economic committee ("Ban Kinh tế - Xã hội HĐND") reviews nothing by its name.
# (A look-behind in the cue itself would slow every search of it fourfold.)
ECONOMIC_COMMITTEE = re.compile(r"\bban kinh te ?-? ?xa hoi\b")
SOCIO_ECONOMIC = next(c.pattern for c in CUES if c.name == "socio-economic review")
MEETING_WORD = re.compile(r"\b(?:hoi nghi|ky hop|phien hop|giao ban(?! quan ly| chi dao)|"
                          r"hop (?:phien )?thuong ky|"  # "họp phiên thường kỳ tháng 9"
                          r"cuoc hop|so ket(?! qua)|tong ket|hop bao|trien khai nhiem vu|"
                          r"danh gia (?:ket qua|tinh hinh))\b")
# A day as a report states its meeting: "ngày 11/4", "sáng 6-7", "chiều nay", "sáng 22-6".
MEETING_DAY = re.compile(r"\b(?:ngay|sang|chieu|toi|trua) (?:(?:mung|mong) )?"
                         r"(?:\d{1,2}[-/.]\d{1,2}\b|\d{1,2} thang \d{1,2}\b|nay\b|hom nay)"
                         r"|\b(?:sang|chieu|toi) (?:ngay )?(?:(?:mung|mong) )?\d{1,2}\b"
                         # "sáng thứ Hai (8/1)", "hôm qua (7-1)"
                         r"|\b(?:thu (?:hai|ba|tu|nam|sau|bay|[2-7])|chu nhat|qua) ?[(,] ?"
                         r"\d{1,2}[-/.]\d{1,2}\b")
