"""Remove what trafilatura leaves behind on Vietnamese news pages, line by line.

Every rule here comes from a real page (the seed articles and docs/domain.md): SharePoint
ribbon links, "Xem thêm", player timecodes, header clocks and datelines, image file names,
photo credits, agency prefixes, doubled captions, the "/." end marker and the byline on the last
line, which is metadata (the author), not text. trafilatura has no notion of these: they sit
inside the article element, so it keeps them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass, field

from pipelines.vietnamese import SENTENCE_END, is_headline

# Whole lines that are never article text.
BOILERPLATE_LINES = {
    "skip ribbon commands", "skip to main content", "xem thêm", "chia sẻ", "in bài", "a- a+",
    "tin tức, sự kiện", "tin liên quan", "tin cùng chuyên mục", "bài viết liên quan",
    "đọc nhiều", "quay lại", "trang chủ", "quảng cáo", "advertisement",
    # The headings of a portal's side boxes (featured, latest, most read), which a page read
    # whole leaves on a line of their own: a real Liferay portal's "Tin tức nổi bật".
    "tin nổi bật", "tin tức nổi bật", "sự kiện nổi bật", "tin mới nhất", "tin xem nhiều",
    "tin đọc nhiều", "xem nhiều nhất", "đọc nhiều nhất", "tin tiêu điểm",
    # A publication label whose date the theme prints on the next line.
    "ngày đăng", "ngày đăng:", "đăng ngày", "ngày xuất bản", "ngày cập nhật", "ngày cập nhật:",
    # The page's tool bar under the body, a button a line or joined by "|": print, send, save,
    # back to the top, the networks to share on.
    "in", "in bài viết", "in trang", "bản in", "gửi bài viết", "lưu bài viết", "về đầu trang",
    "đầu trang", "lên đầu trang", "trở về", "trở lại", "email", "facebook", "zalo", "twitter",
    # The button copying the link of the story a paper took the article from.
    "copy link", "lấy link", "lấy link!", "sao chép link", "link bài gốc",
}
WEEKDAY = r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|chủ\s+nhật)"
DATE = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"
DATE_STAMP = rf"\(?{DATE}(?:\s*[|,-]?\s*{CLOCK}(?:\s*[AP]M)?)?\)?"
RELATIVE_TIME = (rf"\d{{1,3}}\s+(?:giây|phút|giờ|ngày|tuần|tháng)\s+trước"
                 rf"(?:\s+{CLOCK})?(?:\s+{DATE})?")
LINE_PATTERNS = [
    # header clocks: "Thứ ba, 23/12/2025 09:02 (GMT+7)"
    re.compile(rf"^{WEEKDAY},?\s*{DATE}(?:,?\s*{CLOCK})?(?:\s*[\[(]?GMT\+7[\])]?)?$", re.I),
    re.compile(rf"^cập nhật:?\s*(?:{CLOCK}\s*)?(?:ngày\s*)?{DATE}(?:\s*{CLOCK})?$", re.I),
    # "(24/08/2022)" in listings and portals; "29/07/2022 | 3:52 PM" under an English interface
    re.compile(rf"^{DATE_STAMP}$", re.I),
    re.compile(rf"^{CLOCK}(?:\s*/\s*{CLOCK})?$"),  # player timecodes "0:00 / 0:00"
    re.compile(r"^[-|:\s]+$"),  # the rule under a table's header row, "---|---|---"
    re.compile(r"^[^\n]{0,80}\.(?:png|jpe?g|gif|webp|bmp)$", re.I),  # "69 (1) (1).png"
    re.compile(r"^ảnh:?\s+\S.{0,40}$", re.I),  # a credit on a line of its own
    re.compile(r"^nguồn(?: tin)?:\s*\S.{0,60}$", re.I),
    re.compile(r"^\(xem trang \d+\)$", re.I),
    re.compile(r"^theo dõi .{2,60} trên google news$", re.I),
    re.compile(rf"^(?:ngày đăng|đăng ngày|ngày cập nhật|cập nhật|ngày)\s*:?\s*{DATE}"
               rf"(?:\s*[-|,]?\s*{CLOCK})?$", re.I),
    re.compile(r"^[-•]\s.{5,200}\(\d{1,2}/\d{1,2}/\d{4}\)$"),  # "- Related title (03/05/2024)"
    re.compile(r"^(?:tin đã đăng|tin khác|các tin khác|tin mới hơn|tin cũ hơn)$", re.I),
    re.compile(r"^(?:đang truy cập|đang trực tuyến|trực tuyến|tổng lượt truy cập|tổng truy cập|"
               r"lượt truy cập|hôm nay|tổng số lượt xem|lượt xem|số lượt xem|view count|views)"
               r"\s*:?\s*[\d.,]+$", re.I),  # counters
    # A pointer to another story, marked or not: "Xem thêm: ...", ">> Đọc thêm: ...".
    re.compile(r"^(?:[>»→=*•-]+\s*)?(?:xem thêm|đọc thêm|xem tiếp|tin liên quan|bài liên quan)"
               r"\s*:\s*\S.{0,200}$", re.I),
    # A headline marked ">>" or "»" is a link to another story (none of the real texts' own
    # lines opens so).
    re.compile(r"^(?:>>|»)\s*\S.{2,160}$"),
    # The outlet's pointers: "Xem thêm trên Báo Đầu Tư", "Link bài gốc Lấy link! https://...".
    re.compile(r"^xem (?:thêm|tiếp|bài gốc) (?:trên|tại) [^.]{2,60}$", re.I),
    re.compile(r"^link bài gốc(?:\s*lấy link!?)?\s*:?\s*https?://\S+$", re.I),
    re.compile(r"^(?:gửi email|gửi bài|bình luận|lượt xem:?\s*\d*|chia sẻ:?)$", re.I),
    re.compile(rf"^{RELATIVE_TIME}$", re.I),  # "1 giờ trước", "17 phút trước 10:13 23/12/2025"
    # A rating widget (NukeViet's, on many school and office sites).
    re.compile(r"^(?:tổng số điểm của bài viết là:?\s*[\d.,]+ trong [\d.,]+ đánh giá|"
               r"click để đánh giá bài viết|xếp hạng:?\s*[\d.,]+\s*-\s*[\d.,]+ phiếu bầu)$", re.I),
    # Its question: "Bạn đánh giá bài viết này thế nào?", "Bài viết có hữu ích với bạn không?"
    re.compile(r"^(?:bạn )?(?:đánh giá|thấy) bài viết(?: này)?(?: (?:như )?thế nào| ra sao)?"
               r"\s*[?:]?$|^bài viết(?: này)? có hữu ích (?:với|cho) bạn không\s*\??$", re.I),
]
# The heading of a related-news list: where the article has ended (with its byline above).
RELATED_HEADING = re.compile(r"^(?:tin đã đưa|tin đã đăng|tin khác|các tin khác|tin liên quan|"
                             r"tin bài liên quan|"
                             r"bài liên quan|tin cùng chuyên mục|bài viết liên quan|other news|"
                             r"related (?:news|posts|articles))\s*:?$", re.I)
# The heading of the readers' comments or of the form to write one ("Ý kiến bạn đọc (5)",
# "BÌNH LUẬN", "Gửi ý kiến"): where the article has ended. None of the 11,246 real texts
# prints such a line inside its body.
COMMENTS_HEADING = re.compile(r"^(?:ý kiến bạn đọc|bạn đọc bình luận|ý kiến|bình luận|"
                              r"(?:gửi|viết) (?:ý kiến|bình luận)(?: của bạn)?|"
                              r"(?:ý kiến|bình luận) của bạn)\s*(?:\(\d+\))?\s*:?$", re.I)
# The rules a comment form prints for its readers ("Bạn đọc thảo luận bằng tiếng Việt có dấu",
# "Các thảo luận sẽ được xem xét trước", "Ý kiến của bạn đọc không nhất thiết thể hiện quan
# điểm của ..."): where the article has ended too. None of the real texts prints one.
COMMENT_RULES = re.compile(r"tiếng việt có dấu|(?:thảo luận|bình luận|ý kiến của bạn(?: đọc)?)"
                           r" (?:sẽ )?được (?:xem xét|biên tập|kiểm duyệt|duyệt) trước|"
                           r"không nhất thiết (?:thể hiện|phản ánh) quan điểm", re.I)
COMMENT_RULES_CHARACTERS = 600
# A keyword list's label, alone on its line ("Từ khóa", "- Tags:") or before the keywords
# ("Tags: Hà Nội, thanh tra"): the page's index terms, printed under the body, are not its
# text. Each keyword is a few words and ends no sentence.
KEYWORDS_LABEL = re.compile(r"^(?:từ khóa|từ khoá|tags?|keywords?|thẻ)\s*(?::\s*|$)", re.I)
KEYWORD_SEPARATORS = re.compile(r"\s*[,;|]\s*")
KEYWORD_WORDS = 8
# A line that only stamps the headline above it with its time: a list of other stories.
STAMP_LINE = re.compile(rf"^(?:{RELATIVE_TIME}|{DATE_STAMP}|{CLOCK}\s+{DATE})$", re.I)
LIST_MARKERS = ("- ", "• ", "* ")
# A paper's imprint, the legal lines at the foot of every page of its site: its licence, its
# copyright, its editor, the rule on quoting it. A page read whole (no theme element names the
# article) brings it in after the body; nothing of the article follows it.
IMPRINT = re.compile(
    r"^(?:giấy phép(?: hoạt động)?(?: báo(?: điện tử| chí)?)?(?: số)?\s*:?\s*\d+/GP-\S+.{0,80}"
    r"|ghi rõ nguồn\b.{0,160}\b(?:phát hành lại|sử dụng lại|trích dẫn)\b.{0,60}"
    r"|(?:©\s*)?bản quyền thuộc\b.{1,120}|(?:copyright\s*)?©\s*.{1,120}"
    r"|chịu trách nhiệm (?:nội dung|xuất bản|quản lý nội dung)\s*:.{1,60}"
    r"|(?:q\.|quyền |phó )?tổng biên tập\s*:.{1,60})$", re.I)
# Lines a page's foot may hold after an imprint line: an "editor:" line with more text after
# it is an article's (a list of appointments), not the foot of its page.
IMPRINT_TAIL = 12
# The imprint's contact lines just before it: the desk, the address, telephones, e-mails.
IMPRINT_CONTACT = re.compile(
    r"^(?:ban biên tập\b.{0,40}|chia sẻ bài viết|(?:địa chỉ|trụ sở|tòa soạn)\s*:.{1,150}"
    r"|(?:điện thoại|đt|tel|hotline|fax)\s*:.{1,120}|.{0,60}\b(?:e-?mail)\s*:\s*\S+@\S+"
    r"|.{0,80}\S+@\S+\.\w+)$", re.I)
# Prefixes of the first paragraph: "BBK - ", "(BLĐ) - ", "CTTĐT - ", "– ".
DATELINE_PREFIX = re.compile(
    r"^(?:\((?:[A-ZĐ]{2,8}|[\w.]+\.vn)\)\s*[-–]\s*|[A-ZĐ]{2,8}\s+[-–]\s+|[-–]\s+)"
)
DASHES = ("- ", "– ")
PREFIX_LINES = 3  # the prefix opens the first paragraph, which may follow a sapo and a caption
PHOTO_CREDIT = re.compile(r"\s*\(?ảnh:\s*([^()]{1,40}?)\)?\s*$", re.I)
END_MARKER = re.compile(r"\s*/\.\s*$")
DIGEST_POINTER = re.compile(r"\s*\(xem (?:tiếp )?trang \d+\)\s*$", re.I)  # "... (Xem trang 2)"
# A byline: one or two names ("THANH MAI – MINH KIÊN"), each of capitalised words, maybe a
# "(Place)" after them ("Trang Hằng (Hà Trung)") or an agency ("Minh Phương - TTVH").
BYLINE_PLACE = re.compile(r"\s*\([^()]{2,30}\)$")
BYLINE_SEPARATOR = re.compile(r"\s+[-–]\s+|,\s*")
# A byline citing where the story comes from: "Theo Ngoisao", "Theo Minh Nguyễn/Vcamp.vn".
CITED = re.compile(r"^theo\s+([^/]+?)(?:\s*/\s*(\S.*))?$", re.I)
BARE_ADDRESS = re.compile(r"^https?://\S+$")
# A source cited in brackets after the signature: "according to" is no place.
SIGNED_SOURCE = re.compile(r"\s*\((?:theo|nguồn:?)\s+[^()]{2,40}\)$", re.I)


@dataclass
class CleanText:
    paragraphs: list[str]
    author: str | None = None
    photo_credits: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def normalize_line(line: str) -> str:
    """NFC, one space for any run of white space (non-breaking ones included), no table pipes."""
    line = unicodedata.normalize("NFC", line).replace("\u00a0", " ")
    line = " ".join(line.split())
    return line.strip("| ").strip()


def is_boilerplate(line: str) -> bool:
    if line.casefold() in BOILERPLATE_LINES:
        return True
    if any(pattern.match(line) for pattern in LINE_PATTERNS):
        return True
    return "|" in line and _boilerplate_parts(line)


# A clock alone, as a part of a piped line prints it ("3:52 PM").
CLOCK_PART = re.compile(rf"^{CLOCK}(?:\s*[AP]M)?$", re.I)


def _boilerplate_parts(line: str) -> bool:
    """A line of the page's stamps joined by "|" ("Ngày đăng 29/07/2022 | 3:52 PM | View count:
    100"), each of them boilerplate or a clock: a theme prints them as one line, or a page's
    source had them on lines of their own, one space apart as a browser prints them."""
    parts = [part.strip() for part in line.split("|")]
    parts = [part for part in parts if part]
    return len(parts) >= 2 and all(CLOCK_PART.match(part) or is_boilerplate(part)
                                   for part in parts)


# Portals often sign with an office instead of a name ("Văn phòng Huyện ủy", "Trung tâm
# Chính trị huyện", "Phòng Văn hóa - Thông tin").
INSTITUTION_BYLINE = re.compile(
    r"^(?:Văn phòng|Trung tâm|Phòng|Ban|Đài|Huyện đoàn|Thành đoàn|Hội|UBND|BBT|Ban biên tập)"
    r"(?:\s+[\wÀ-ỹ.&-]+){1,6}$")


# "Tác giả: X", "Tin, ảnh: X", "Bài và ảnh: X": a byline with its label, printed after the body.
LABELLED_BYLINE = re.compile(
    r"^(?:tác giả|(?:tin|bài)(?:,\s*|\s+và\s+)ảnh|tin|bài)\s*:\s*(\S.{0,70})$", re.I)
BYLINE_LABELS = {"tác giả", "author", "by", "tin", "bài", "người viết"}
# "Bài viết được viết bởi TS.BS Phan Nguyễn Thanh Bình - Trưởng khoa Dinh dưỡng, ...": health
# and school sites sign at the top, with the writer's degrees and post.
WRITTEN_BY = re.compile(r"^(?:bài viết )?(?:được )?viết bởi:?\s+(?:(?:GS|PGS|TS|ThS|BSCKI{1,2}|BS|"
                        r"CN|KS|DS)\.?\s*)*([^,–-]{3,60}?)\s*(?:[,–-].*)?$", re.I)
# After a name: " -" left by a cut, or " - Sở GDĐT AG", the writer's office.
BYLINE_TAIL = re.compile(r"\s*[-–]\s*(?:(?:Sở|Phòng|Trường|Ban|Văn phòng|UBND)\b.*)?$")
# What a CMS prints in its author field when no one signed: the account ("admin admin"), an
# editor's role ("Pho Ban bien tap"), the office or school that owns the site.
CMS_ACCOUNT = (r"\b(?:admin|administrator|super user|quản trị|quan tri|biên tập|bien tap|editor|"
               r"webmaster)\b")
CMS_OFFICE = r"^(?:Sở|Trường (?:THPT|THCS|TH|Tiểu học|Mầm non|Đại học))\b"
CMS_CREDIT = re.compile(f"{CMS_ACCOUNT}|{CMS_OFFICE}", re.I)
# The account or role alone on the body's last line, where a theme prints its author field
# after the writer's own signature ("Thu Lan" / "Pho Ban bien tap"; "admin admin").
TRAILING_ACCOUNT = re.compile(rf"^(?:\S+\s+){{0,3}}?{CMS_ACCOUNT}(?:\s+\S+){{0,3}}$", re.I)
# The source a story is taken from, printed under the body and the writer's signature:
# "Theo Reuters", "(Theo TTXVN)", "Nguồn Báo Chính phủ", the news agency alone ("TTXVN").
# ("Nguồn: X" with its colon is no line at all: LINE_PATTERNS.)
SOURCE_LINE = re.compile(r"^\(?(?:theo|nguồn:?)\s+[^.()]{2,60}\)?$|^\(?TTXVN(?:/[\w+ ]{2,20})?\)?$",
                         re.I)
# The office owning the site under the writer's signature ("Huy Kiên" / "Sở Thông tin và
# Truyền thông"): the author field again, not a line of the article.
TRAILING_OFFICE = re.compile(rf"{CMS_OFFICE}(?:\s+[\wÀ-ỹ.&-]+){{1,7}}$")


def byline_name(text: str) -> str | None:
    """The name of a byline without its label or office ("Tác giả: An Khương - Sở GDĐT AG"
    is "An Khương"); None for a bare label or a CMS credit (an account, an editor's role, the
    department or school owning the site). A newsroom desk ("Ban Thời sự") signs its items and
    stays a byline."""
    text = normalize_line(text)
    labelled = LABELLED_BYLINE.match(text) or WRITTEN_BY.match(text)
    if labelled:
        text = labelled.group(1)
    cited = CITED.match(text)
    if cited:
        # "Theo Ngoisao": a source, no writer; "Theo Minh Nguyễn/Vcamp.vn": the writer the
        # story is taken from, and the outlet.
        if not cited.group(2) or len(cited.group(1).split()) < 2:
            return None
        text = cited.group(1)
    text = BYLINE_TAIL.sub("", text).strip()
    if not text or text.casefold().rstrip(":") in BYLINE_LABELS or CMS_CREDIT.search(text):
        return None
    return text


# A writer signing with initials alone: "H.V.", "P.Y", "T.H.N."
INITIALS = re.compile(r"^(?:[A-ZĐ]\.){1,3}[A-ZĐ]\.?$")


def looks_like_byline(line: str) -> bool:
    # Sentences end with a full stop; initials inside a name ("H.Lâm") do not end one, and
    # initials alone may ("H.V.").
    if INITIALS.match(line):
        return True
    if len(line) > 70 or line.endswith(".") or any(mark in line for mark in ':;!?"'):
        return False
    if INSTITUTION_BYLINE.match(line):
        return True
    names = BYLINE_SEPARATOR.split(BYLINE_PLACE.sub("", line))
    return all(
        1 <= len(name.split()) <= 5 and all(word[0].isupper() for word in name.split())
        for name in names
    )


def _in_dash_list(line: str, lines: list[str], number: int) -> bool:
    """Whether the line's dash is a list item's marker: the line next to it, after or before,
    opens with one too ("- Đau hông lưng" / "- Đau hạ vị"; an interview's turns), so the dash
    is no dateline's ("HÀ NỘI -" printed apart). `number` counts `line` from 1 in `lines`."""
    if not line.startswith(DASHES):
        return False
    following = next((raw for raw in lines[number:] if raw.strip()), "")
    preceding = next((raw for raw in reversed(lines[:number - 1]) if raw.strip()), "")
    return any(normalize_line(raw).startswith(DASHES) for raw in (following, preceding))


ELLIPSES = ("...", "…")  # what ends a text cut short


def _cut_copy_of(previous: str, line: str) -> bool:
    """Whether `previous` is `line` cut short with an ellipsis."""
    stem = previous.rstrip(".… ")
    return len(stem) >= 40 and previous.endswith(ELLIPSES) and line.startswith(stem) \
        and len(line) > len(stem)


def _stamped_list_start(stamped: list[int], paragraphs: int) -> int | None:
    """Where the list of other stories at the end of the text starts, or None: two headlines
    or more each stamped with its time (`stamped`, their indexes), running to the end with a
    teaser or a counter each, after at least two paragraphs of the article. (When a theme
    names nothing, such a list comes without a heading RELATED_HEADING would see.)"""
    if len(stamped) < 2 or stamped[0] < 2 or paragraphs - stamped[0] > 4 * len(stamped) + 2:
        return None
    return stamped[0]


# Another story's teaser: its sapo cut short with an ellipsis, under its headline (a line
# of a headline's length ending with no full stop).
TEASER_CHARACTERS = 40
TEASER_HEADLINE_CHARACTERS = 160


def _teaser_list_start(paragraphs: list[str]) -> int | None:
    """Where a list of other stories ends the text, or None: two teasers or more, each a
    headline and its sapo cut short, running to the end after two paragraphs of the article
    or more. (A box with no heading and no time stamps: "ĐỪNG BỎ QUA", named nothing.)"""
    start = len(paragraphs)
    while start >= 4 and _is_teaser(paragraphs[start - 2], paragraphs[start - 1]):
        start -= 2
    return start if len(paragraphs) - start >= 4 else None


def _is_teaser(headline: str, sapo: str) -> bool:
    return (len(sapo) >= TEASER_CHARACTERS and sapo.endswith(ELLIPSES)
            and len(headline) <= TEASER_HEADLINE_CHARACTERS
            and not headline.endswith((".", *ELLIPSES)))


# A first paragraph this long is a sapo (or a sentence): printed once in the text.
SAPO_COPY_CHARACTERS = 80


def _drop_sapo_copies(paragraphs: list[str]) -> None:
    """The text's first paragraph printed again further down goes: the sapo repeated as the
    body's opening, or this story's own teaser in a list of stories after the article."""
    if paragraphs and len(paragraphs[0]) >= SAPO_COPY_CHARACTERS:
        paragraphs[1:] = [line for line in paragraphs[1:] if line != paragraphs[0]]


def _cms_credit_line(paragraphs: list[str]) -> bool:
    """Whether the last paragraph is the CMS's author field printed after the body."""
    last = paragraphs[-1]
    return bool(TRAILING_ACCOUNT.match(last)) or (
        len(paragraphs) >= 2 and bool(TRAILING_OFFICE.match(last))
        and looks_like_byline(paragraphs[-2]))


def clean_lines(lines: list[str], title: str = "",
                page_labels: frozenset[str] | set[str] = frozenset(),
                top_labels: Container[str] = frozenset()) -> CleanText:
    """Clean trafilatura's text lines: drop boilerplate, fold doubles, lift the byline.
    `page_labels` are casefolded lines that are the page's own labels (its section and site
    names, from the document title): a line that is only one of them is dropped; a line of
    `top_labels` (the short texts printed above the headline) only among the first lines."""
    title_key = normalize_line(title).casefold()
    result = CleanText(paragraphs=[])
    stamped: list[int] = []  # the paragraphs that are headlines stamped with their time
    keywords: str | None = None  # in a keyword list: the marker its items carry ("" none)
    resume_at = 0  # the line the article goes on at after a related list inside it
    for number, raw in enumerate(lines, start=1):
        line = normalize_line(raw)
        if number < resume_at:
            continue  # a related list printed inside the article
        if RELATED_HEADING.match(line) and len(result.paragraphs) >= 2:
            resume_at = _article_after_list(lines, number)
            if resume_at is None:
                break  # what follows is the list of other stories
            continue
        if COMMENTS_HEADING.match(line) and result.paragraphs:
            break  # the readers' comments, or the form to write one
        if (len(result.paragraphs) >= 2 and len(line) <= COMMENT_RULES_CHARACTERS
                and COMMENT_RULES.search(line)):
            break  # the comment form's rules for its readers
        if keywords is not None and _is_keyword(line, keywords):
            continue
        keywords = None
        if len(result.paragraphs) >= 2 and _keyword_list_label(line):
            keywords = line[:2] if line.startswith(LIST_MARKERS) else ""
            continue
        if (IMPRINT.match(line) and len(result.paragraphs) >= 2
                and len(lines) - number <= IMPRINT_TAIL):
            while len(result.paragraphs) > 1 and IMPRINT_CONTACT.match(result.paragraphs[-1]):
                result.paragraphs.pop()
            break  # the foot of the page
        labelled = LABELLED_BYLINE.match(line) or WRITTEN_BY.match(line)
        if labelled and byline_name(line):  # "Tin, ảnh: P.Y" is the byline, not a credit
            result.author = byline_name(line)
            continue
        # A list item's marker ("- ", trafilatura's) does not make a clock or a label text.
        bare = _without_marker(line)
        if (not line or is_boilerplate(bare) or line.casefold() == title_key
                or line.casefold() in page_labels
                or (len(result.paragraphs) < PREFIX_LINES and line.casefold() in top_labels)):
            if STAMP_LINE.match(bare) and result.paragraphs and is_headline(result.paragraphs[-1]):
                stamped.append(len(result.paragraphs) - 1)
            continue
        if len(result.paragraphs) < PREFIX_LINES and not _in_dash_list(line, lines, number):
            line = DATELINE_PREFIX.sub("", line)
        # Each pattern below opens with "\s*" and is tried at every position of the line: asked
        # only when the line holds its words (cutting its end cannot bring them in).
        lowered = line.lower()
        credit = PHOTO_CREDIT.search(line) if "ảnh:" in lowered else None
        if credit and len(line) < 300:
            result.photo_credits.append(credit.group(1).strip())
            line = line[: credit.start()].rstrip()
        if "/." in line:
            line = END_MARKER.sub("", line)
        if "(xem " in lowered:
            line = DIGEST_POINTER.sub("", line)
        if result.paragraphs and _cut_copy_of(result.paragraphs[-1], line):
            result.paragraphs.pop()  # a sapo cut short with "...", repeated whole below
        if line and (not result.paragraphs or result.paragraphs[-1] != line):
            result.paragraphs.append(line)
    related = _stamped_list_start(stamped, len(result.paragraphs))
    if related is None:
        related = _teaser_list_start(result.paragraphs)
    if related is not None:
        del result.paragraphs[related:]
    _drop_sapo_copies(result.paragraphs)
    while result.paragraphs and _cms_credit_line(result.paragraphs):
        result.paragraphs.pop()
    if not result.author:
        result.author = _lifted_signature(result.paragraphs)
    return result


def _lifted_signature(paragraphs: list[str]) -> str | None:
    """The writer's signature on the text's last lines, taken out of them (None if there is
    none). Under the signature a paper may print its source ("Nhật Linh" / "Theo Reuters"),
    which stays the text's last line and is no byline, and a CMS its author field, whoever
    posted the story ("Phạm Linh" / "Phạm Văn Linh", "Thu Lan" / "Lê Xuân Hải"), which goes:
    the signature, as printed, is the byline. Where a third name line stands above the
    two, they may be a list's last items: only the last line is the byline, as before."""
    # The source's address printed under it ("Theo Báo Đắk Nông điện tử" / "http://...").
    address = ([paragraphs.pop()] if len(paragraphs) >= 3 and BARE_ADDRESS.match(paragraphs[-1])
               and SOURCE_LINE.match(paragraphs[-2]) else [])
    source = (paragraphs.pop() if len(paragraphs) >= 2 and SOURCE_LINE.match(paragraphs[-1])
              else None)
    cited = SIGNED_SOURCE.search(paragraphs[-1]) if paragraphs and source is None else None
    if cited and cited.start() > 0 and _is_signature(paragraphs[-1][:cited.start()].rstrip()):
        # "Ca Tiếu (theo online-tech-tips)": the name signs, the bracket cites the source.
        source = cited.group().strip()
        paragraphs[-1] = paragraphs[-1][:cited.start()].rstrip()
    author = None
    if paragraphs and _is_signature(paragraphs[-1]):
        author = paragraphs.pop()
        if (paragraphs and _is_signature(paragraphs[-1])
                and not (len(paragraphs) >= 2 and _is_signature(paragraphs[-2]))):
            author = paragraphs.pop()
    if source is not None:
        paragraphs.append(source)
    paragraphs.extend(address)
    return author


def _is_signature(line: str) -> bool:
    return looks_like_byline(line) and not SOURCE_LINE.match(line)


def _without_marker(line: str) -> str:
    """The line without its list item's marker ("- ", trafilatura's), if it has one."""
    return line[2:] if line.startswith(LIST_MARKERS) else line


def _article_after_list(lines: list[str], number: int) -> int | None:
    """Where the article goes on after a related list printed inside it (a "Tin liên quan"
    box between two paragraphs): the number of the first line after the list's headlines,
    when it and the next line are both prose. None where the list runs to the end, or where
    what follows alternates a headline and its sapo (other stories' teasers): the article
    has ended. `number` counts the heading's line from 1 in `lines`."""
    following = [(at, normalize_line(raw))
                 for at, raw in enumerate(lines[number:], start=number + 1) if raw.strip()]
    items = 0
    while items < len(following) and _is_listed_headline(following[items][1]):
        items += 1
    after = following[items:items + 2]
    if items and len(after) == 2 and not any(_is_listed_headline(line) for _, line in after):
        return after[0][0]
    return None


def _is_listed_headline(line: str) -> bool:
    bare = _without_marker(line)
    return is_headline(bare) or STAMP_LINE.match(bare) is not None


def _keyword_list_label(line: str) -> bool:
    """A keyword list's label alone, or the label with its keywords on the line."""
    bare = _without_marker(line)
    label = KEYWORDS_LABEL.match(bare)
    if label is None:
        return False
    listed = bare[label.end():]
    return not listed or all(_is_keyword(item, "") for item in KEYWORD_SEPARATORS.split(listed))


def _is_keyword(line: str, marker: str) -> bool:
    """An item of a keyword list whose items carry `marker`: a few words, no sentence."""
    if not line.startswith(marker):
        return False
    item = line[len(marker):]
    return (bool(item) and len(item.split()) <= KEYWORD_WORDS
            and not item.endswith(SENTENCE_END))


def _same_person(first: str, second: str) -> bool:
    """Two names of two words or more, the words of one all in the other ("Linh Phạm" and
    "Phạm Văn Linh"); "Nhật Linh" and "Theo Reuters", a writer and a source, are not."""
    words, other = set(first.casefold().split()), set(second.casefold().split())
    return min(len(words), len(other)) >= 2 and (words <= other or other <= words)
