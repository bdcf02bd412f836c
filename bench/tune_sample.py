"""Draw the fourth round of real labels, for the TUNE side: ids no label file had seen.

    python bench/tune_sample.py > /tmp/tune4_ids.txt

Issue 13's holdouts showed recall on fresh text as the weakness, and their misses as kinds the
tune split held few of: a local organ's periodic meeting under a topical headline, a statement
at a briefing, the meeting named before its organ. More and more varied training labels are the
honest remedy, so this draw (seed 2031) is enriched for them: texts that name a local organ
(a district, town or commune party committee, people's committee, council or Fatherland
Front: "Huyện ủy", "Đảng ủy xã", "UBND phường", "MTTQ huyện") together with a period or
meeting word anywhere in the text, the lead under another headline included. From each corpus:
texts where such an organ stands within 200 characters of a review, deployment, briefing,
session or conference phrase ("strong": where a report states its meeting), then the others
("local"). That draw held 2 reports in 315, so every unseen text left where an organ (any
level), a periodic-meeting act and a period word stand within 150 characters of each other
("dense": 53 texts) was added after it, all of them. 368 texts, 6 reports. It joins the tune
side (bench/labels/real_texts_tune_4.tsv), labelled by hand before any classifier scored it;
the holdouts stay untouched. The RSS items (2025-2026, after the reform) join the tune side
here too: the test split stays the RSS rows of real_texts.tsv.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.holdout_sample import PERIODIC, seen_ids  # noqa: E402
from bench.real_texts import (  # noqa: E402
    HOLDOUT_3_LABELS,
    HOLDOUT_LABELS,
    folded_head,
    load_texts,
    shared_folder,
)

SEED = 2031
# (strong, local) texts drawn from each corpus; unc_dantri has few of either.
SIZES = {"baomoi2017": (85, 25), "vietnews": (105, 15), "unc-dantri": (12, 12),
         "rss-tintuchangngay": (40, 43)}
LEVEL = r"(?:huyen|xa|phuong|thi xa|thi tran|quan|thanh pho|tp)"
LOCAL_ORGAN = re.compile(
    rf"\b(?:(?:huyen|thanh|thi|quan) ?uy|dang (?:uy|bo) {LEVEL}|"
    rf"(?:ubnd|hdnd|uy ban nhan dan|hoi dong nhan dan|mttq|mat tran to quoc(?: viet nam)?) "
    rf"{LEVEL})\b")

# A meeting or review act; not "ký hợp đồng" (signs a contract) nor "giao ban đầu" (first assigned).
ACT = re.compile(r"\b(?:so ket|tong ket|trien khai nhiem vu|giao ban(?! dau)|ky hop(?! dong)|"
                 r"phien hop|thuong ky|hoi nghi)\b")
NEAR = 200
# The "dense" tier: an organ of any level and a period word within WINDOW characters of a
# periodic act (a briefing, a review, a regular session, a plenary conference).
ANY_ORGAN = re.compile(r"\b(?:(?:tinh|thanh|huyen|quan|thi) ?uy|dang uy (?:xa|phuong|thi tran)|"
                       r"ubnd|hdnd|uy ban nhan dan|hoi dong nhan dan|ban chap hanh dang bo|"
                       r"ban thuong vu)\b")
PERIODIC_ACT = re.compile(
    r"\b(?:giao ban(?! dau| bao chi)|so ket|tong ket|trien khai nhiem vu|phien hop thuong ky|"
    r"ky hop thu|ky hop thuong|hoi nghi (?:ban chap hanh|thanh uy|tinh uy|huyen uy|lan thu)|"
    r"tinh hinh kinh te - xa hoi|kinh te - xa hoi (?:thang|quy|6 thang|9 thang|nam))\b")
PERIOD_WORD = re.compile(r"\b(?:thang \d{1,2}|quy (?:i{1,3}|iv|[1-4])|\d{1,2} thang|nam 20\d\d|"
                         r"dau nam|cuoi nam|lan thu)\b")
WINDOW = 150


def near_act(folded: str) -> bool:
    """A local organ within NEAR characters of a meeting or review act."""
    acts = [m.start() for m in ACT.finditer(folded)]
    return any(abs(organ.start() - act) <= NEAR for organ in LOCAL_ORGAN.finditer(folded)
               for act in acts)


def is_dense(title: str, text: str) -> bool:
    """An organ and a period word within WINDOW characters of a periodic act."""
    folded = folded_head(title, text, len(text))
    for act in PERIODIC_ACT.finditer(folded):
        window = folded[max(0, act.start() - WINDOW):act.end() + WINDOW]
        if ANY_ORGAN.search(window) and PERIOD_WORD.search(window):
            return True
    return False


def tier(title: str, text: str) -> str | None:
    """"strong", "local" or None (no local organ with a period or meeting word)."""
    folded = folded_head(title, text, len(text))
    if not (LOCAL_ORGAN.search(folded) and PERIODIC.search(folded)):
        return None
    return "strong" if near_act(folded) else "local"


def draw(shared: Path) -> list[tuple[str, str]]:
    """(id, tier) in the order drawn: per corpus, its strong texts then its local ones; then
    every dense text left, by id."""
    seen = seen_ids(shared, HOLDOUT_LABELS, HOLDOUT_3_LABELS)
    pools: dict[tuple[str, str], list[str]] = {}
    texts = load_texts(shared)
    for item_id, item in sorted(texts.items()):
        kind = None if item_id in seen else tier(item.title, item.text)
        if kind:
            pools.setdefault((item.corpus, kind), []).append(item_id)
    rng = random.Random(SEED)
    drawn = []
    for corpus, sizes in SIZES.items():
        for kind, size in zip(("strong", "local"), sizes, strict=True):
            pool = pools.get((corpus, kind), [])
            drawn += [(i, kind) for i in rng.sample(pool, min(size, len(pool)))]
    taken = seen | {i for i, _ in drawn}
    return drawn + [(i, "dense") for i, item in sorted(texts.items())
                    if i not in taken and is_dense(item.title, item.text)]


def main() -> int:
    shared = shared_folder()
    if shared is None:
        print("../shared/real-texts is absent", file=sys.stderr)
        return 2
    print("\n".join(f"{i}\t{kind}" for i, kind in draw(shared)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
