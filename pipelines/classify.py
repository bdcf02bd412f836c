"""Is this article a meeting report? A first rule-based label over the title and the lead.

Pure functions, no Scrapy: text in, label out. A meeting report is the report of a periodic
meeting of a local party committee, people's committee, council or front that reviews the last
period and deploys the next (shared/docs/domain.md). The rules need all three cues (an organ,
a review/deploy act, a period) near the top, and no single-topic or campaign cue in the title.
The full classifier with extracted fields comes later; tests/test_classify.py measures this one
against the hand labels.
"""

from __future__ import annotations

import re
import unicodedata

CLASSIFIER_VERSION = "rules-1"
HEAD_CHARACTERS = 600  # title plus lead: where a report states what the meeting was

ORGAN_CUES = re.compile(
    r"\b(?:huyen uy|thanh uy|thi uy|tinh uy|dang uy|dang bo|ban chap hanh|bch|ban thuong vu|"
    r"ubnd|uy ban nhan dan|hdnd|hoi dong nhan dan|mttq|mat tran to quoc|thuong truc huyen uy)\b"
)
ACT_CUES = re.compile(
    r"\b(?:trien khai (?:cac )?(?:nhiem vu|phuong huong|ke hoach|muc tieu)|so ket|tong ket|"
    r"danh gia (?:ket qua|tinh hinh)|giao ban|thuong ky|ky hop thu|hoi nghi (?:ban chap hanh|bch)|"
    r"hoi nghi lan thu|ky hop lan thu)"
)
PERIOD_CUES = re.compile(
    r"\b(?:quy (?:i{1,3}|iv|[1-4])\b|thang \d{1,2}\b|\d+ thang|nam 20\d\d|lan thu \d+|"
    r"ky hop thu \d+|cuoi nam|dau nam)"
)
# In the title these name a meeting on one topic, a campaign, an event, or the review of a
# sector or an enterprise: not a periodic review of a local party or state organ.
TITLE_NEGATIVE_CUES = re.compile(
    r"\b(?:tap huan|quan triet|thang hanh dong|doi thoai|khach hang|dai hoi|ra quan|phat dong|"
    r"le hoi|hoi thao|hoi thi|cong ty|tong cong ty|ngan hang|so [a-z ]+tinh|nganh|dien luc|"
    r"san xuat kinh doanh)\b"
)


def fold(text: str) -> str:
    """Lower case without diacritics, "đ" as "d": a key that old and new spellings share."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def is_meeting_report(title: str, text: str) -> bool:
    """The first label: True when the title and lead read as a periodic review meeting."""
    folded_title = fold(title or "")
    head = fold(f"{title or ''}. {(text or '')[:HEAD_CHARACTERS]}")
    if TITLE_NEGATIVE_CUES.search(folded_title):
        return False
    return bool(ORGAN_CUES.search(head) and ACT_CUES.search(head) and PERIOD_CUES.search(head))


class ClassifyPipeline:
    """Pipeline step 2: label each article."""

    def process_item(self, item):
        item["is_meeting_report"] = is_meeting_report(item.get("title"), item.get("text"))
        item["classifier_version"] = CLASSIFIER_VERSION
        return item
