"""Draw the holdout sample of real texts: ids no label file had seen, by a fixed seed.

    python bench/holdout_sample.py > /tmp/holdout_ids.txt

The sample was drawn once (seed 2026, 2026-12-03) before the learned model existed, and
labelled by hand into bench/labels/real_texts_holdout.tsv; nothing is trained or tuned on it.
It leans toward candidates, as the reviewers' set does: 100 texts whose title or lead names an
organ and a review, deployment or session phrase ("strong"), 60 that name an organ and any
period or meeting word ("weak"), and 40 drawn from all the rest, from all four corpora.
That first draw held only 2 reports in 200, too few to measure recall, so a second draw
(seed 2027, from what the first left) adds 60 texts whose title or first 300 characters pair
an organ with a review, deployment or regular-session phrase ("head"): the texts where
reports are. Both were labelled before any classifier scored them.
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.real_texts import LABELS, load_texts, shared_folder  # noqa: E402
from pipelines.vietnamese import fold_diacritics, prepare_input  # noqa: E402

SEED = 2026
SIZES = {"strong": 100, "weak": 60, "rest": 40}
SECOND_SEED = 2027
SECOND_SIZE = 60
ORGAN = re.compile(r"\b(?:(?:tinh|thanh|huyen|quan|thi) ?uy|dang (?:uy|bo)|ubnd|hdnd|"
                   r"uy ban nhan dan|hoi dong nhan dan|ban chap hanh|ban thuong vu)\b")
STRONG = re.compile(r"\b(?:so ket|tong ket|trien khai nhiem vu|giao ban|ky hop|thuong ky)\b")
HEAD_ACT = re.compile(r"\b(?:so ket|tong ket|trien khai nhiem vu|giao ban|ky hop thu|"
                      r"phien hop thuong ky)\b")
WEAK = re.compile(r"\b(?:hoi nghi|phien hop|cuoc hop|quy (?:i{1,3}|iv|[1-4])|\d{1,2} thang|"
                  r"thang \d{1,2})\b")


def tier(title: str, text: str) -> str:
    head = fold_diacritics(prepare_input(f"{title}. {text[:600]}"))
    if ORGAN.search(head) and STRONG.search(head):
        return "strong"
    return "weak" if ORGAN.search(head) and WEAK.search(head) else "rest"


def in_head(title: str, text: str) -> bool:
    """An organ and a review, deployment or session phrase in the title or the first 300
    characters: where a report states its meeting."""
    head = fold_diacritics(prepare_input(f"{title}. {text[:300]}"))
    return bool(ORGAN.search(head) and HEAD_ACT.search(head))


def seen_ids(shared: Path) -> set[str]:
    seen = set()
    for path in (LABELS, shared / "real-texts" / "hand_labels.tsv"):
        with open(path, encoding="utf-8") as handle:
            seen |= {row["id"] for row in csv.DictReader(handle, delimiter="\t")}
    return seen


def main() -> int:
    shared = shared_folder()
    if shared is None:
        print("../shared/real-texts is absent", file=sys.stderr)
        return 2
    seen = seen_ids(shared)
    texts = {i: item for i, item in load_texts(shared).items() if i not in seen}
    tiers: dict[str, list[str]] = {name: [] for name in SIZES}
    for item in texts.values():
        tiers[tier(item.title, item.text)].append(item.id)
    rng = random.Random(SEED)
    drawn = set()
    for name, size in SIZES.items():
        for item_id in rng.sample(sorted(tiers[name]), size):
            drawn.add(item_id)
            print(f"{item_id}\t{name}")
    heads = sorted(i for i, item in texts.items()
                   if i not in drawn and in_head(item.title, item.text))
    for item_id in random.Random(SECOND_SEED).sample(heads, SECOND_SIZE):
        print(f"{item_id}\thead")
    return 0


if __name__ == "__main__":
    sys.exit(main())
