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

    python bench/holdout_sample.py --round 2 > /tmp/holdout2_ids.txt

The second holdout (seed 2028, drawn after model-1, excluding every id of both label files):
120 candidates, 30 a corpus where there are that many, whose title or lead names a local
organ together with a periodic-meeting or period word ("candidate"), so that reports are
common enough to measure recall. That draw held 1 report in 120, so every text left whose
title or first 300 characters names an organ, a meeting word and a period or regular-session
word ("meeting") was added, all of them (82). Both were labelled before any classifier scored
them.

    python bench/holdout_sample.py --round 3 > /tmp/holdout3_ids.txt

The third holdout (seed 2029, drawn after model-2, excluding every id of every label file,
bench/labels/real_texts_holdout_3.tsv): every text left whose title or first 600 characters
names an organ with a review, deployment or session phrase (the "strong" tier of the first
draw: 175 texts, where reports are), then 35 a corpus of the remaining candidates (an organ
with a periodic-meeting or period word, round 2's filter). Labelled by hand before any
classifier scored them. That draw held 2 reports in 280, so 60 more were drawn (seed 2030)
from the unseen texts whose title or first 1,500 characters name an organ with a review,
deployment, session or plenary-conference phrase ("deep": where a report states its meeting
after a long sapo).
"""

from __future__ import annotations

import csv
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.real_texts import (  # noqa: E402
    CORPORA,
    HOLDOUT_LABELS,
    LABELS,
    folded_head,
    load_texts,
    shared_folder,
)

SEED = 2026
SIZES = {"strong": 100, "weak": 60, "rest": 40}
SECOND_SEED = 2027
SECOND_SIZE = 60
ROUND_1_ROWS = sum(SIZES.values()) + SECOND_SIZE
ROUND_2_SEED = 2028
ROUND_2_SIZE = 120
ROUND_3_SEED = 2029
ROUND_3_EACH = 35
ROUND_3_DEEP_SEED = 2030
ROUND_3_DEEP_SIZE = 60
DEEP_ACT = re.compile(r"\b(?:so ket|tong ket|trien khai nhiem vu|giao ban|ky hop thu|"
                      r"phien hop thuong ky|hoi nghi ban chap hanh|"
                      r"hoi nghi (?:tinh|thanh|huyen|quan) uy)\b")
ORGAN = re.compile(r"\b(?:(?:tinh|thanh|huyen|quan|thi) ?uy|dang (?:uy|bo)|ubnd|hdnd|"
                   r"uy ban nhan dan|hoi dong nhan dan|ban chap hanh|ban thuong vu)\b")
STRONG = re.compile(r"\b(?:so ket|tong ket|trien khai nhiem vu|giao ban|ky hop|thuong ky)\b")
HEAD_ACT = re.compile(r"\b(?:so ket|tong ket|trien khai nhiem vu|giao ban|ky hop thu|"
                      r"phien hop thuong ky)\b")
WEAK = re.compile(r"\b(?:hoi nghi|phien hop|cuoc hop|quy (?:i{1,3}|iv|[1-4])|\d{1,2} thang|"
                  r"thang \d{1,2})\b")


def tier(title: str, text: str) -> str:
    head = folded_head(title, text, 600)
    if ORGAN.search(head) and STRONG.search(head):
        return "strong"
    return "weak" if ORGAN.search(head) and WEAK.search(head) else "rest"


def in_head(title: str, text: str) -> bool:
    """An organ and a review, deployment or session phrase in the title or the first 300
    characters: where a report states its meeting."""
    head = folded_head(title, text, 300)
    return bool(ORGAN.search(head) and HEAD_ACT.search(head))


# A periodic meeting or a period named beside the organ (round 2's candidates).
PERIODIC = re.compile(r"\b(?:so ket|tong ket|giao ban|ky hop|thuong ky|hoi nghi|phien hop|"
                      r"trien khai nhiem vu|quy (?:i{1,3}|iv|[1-4])|\d{1,2} thang|thang \d{1,2}|"
                      r"nam 20\d\d|cuoi nam|dau nam)\b")

MEETING = re.compile(r"\b(?:hoi nghi|ky hop|phien hop|giao ban|so ket|tong ket)\b")
PERIOD = re.compile(r"\b(?:quy (?:i{1,3}|iv|[1-4])|\d{1,2} thang|thang \d{1,2}|nam 20\d\d|cuoi nam|"
                    r"dau nam|thuong ky|thuong le|lan thu)\b")


def is_candidate(title: str, text: str) -> bool:
    head = folded_head(title, text, 600)
    return bool(ORGAN.search(head) and PERIODIC.search(head))


def seen_ids(shared: Path, *more: Path) -> set[str]:
    seen = set()
    for path in (LABELS, shared / "real-texts" / "hand_labels.tsv", *more):
        with open(path, encoding="utf-8") as handle:
            seen |= {row["id"] for row in csv.DictReader(handle, delimiter="\t")}
    return seen


def round_1_ids() -> set[str]:
    """The first holdout's ids: the first rows of the holdout file (round 2 follows them)."""
    with open(HOLDOUT_LABELS, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {row["id"] for row in rows[:ROUND_1_ROWS]}


def draw_round_2(shared: Path) -> list[str]:
    """120 candidates no label file had seen, 30 a corpus where there are that many."""
    seen = seen_ids(shared) | round_1_ids()
    by_corpus: dict[str, list[str]] = {}
    texts = load_texts(shared)
    for item_id, item in sorted(texts.items()):
        if item_id not in seen and is_candidate(item.title, item.text):
            by_corpus.setdefault(item.corpus, []).append(item_id)
    rng = random.Random(ROUND_2_SEED)
    share_each = ROUND_2_SIZE // len(CORPORA)
    drawn = [i for name in sorted(by_corpus)
             for i in rng.sample(by_corpus[name], min(share_each, len(by_corpus[name])))]
    rest = sorted(set().union(*by_corpus.values()) - set(drawn))
    drawn += rng.sample(rest, ROUND_2_SIZE - len(drawn))
    return drawn + sorted(i for i, item in texts.items() if i not in seen and i not in drawn
                          and names_meeting(item.title, item.text))


def draw_round_3(shared: Path) -> list[tuple[str, str]]:
    """Every unseen "strong" text, 35 a corpus of the other unseen candidates, then 60 of
    the unseen texts that name an organ and a meeting act in their first 1,500 characters."""
    seen = seen_ids(shared, HOLDOUT_LABELS)
    strong, rest = [], {}
    for item_id, item in sorted(load_texts(shared).items()):
        if item_id in seen:
            continue
        if tier(item.title, item.text) == "strong":
            strong.append(item_id)
        elif is_candidate(item.title, item.text):
            rest.setdefault(item.corpus, []).append(item_id)
    rng = random.Random(ROUND_3_SEED)
    drawn = [(i, "strong") for i in strong]
    for name in sorted(rest):
        drawn += [(i, "candidate") for i in rng.sample(rest[name], min(ROUND_3_EACH,
                                                                          len(rest[name])))]
    taken = seen | {i for i, _ in drawn}
    deep = sorted(i for i, item in load_texts(shared).items()
                  if i not in taken and names_act_deep(item.title, item.text))
    return drawn + [(i, "deep") for i in random.Random(ROUND_3_DEEP_SEED).sample(
        deep, ROUND_3_DEEP_SIZE)]


def names_act_deep(title: str, text: str) -> bool:
    head = folded_head(title, text, 1500)
    return bool(ORGAN.search(head) and DEEP_ACT.search(head))


def names_meeting(title: str, text: str) -> bool:
    """An organ, a meeting word and a period or regular-session word in the title or the
    first 300 characters."""
    head = folded_head(title, text, 300)
    return bool(ORGAN.search(head) and MEETING.search(head) and PERIOD.search(head))


def main() -> int:
    shared = shared_folder()
    if shared is None:
        print("../shared/real-texts is absent", file=sys.stderr)
        return 2
    if sys.argv[1:] == ["--round", "2"]:
        drawn = draw_round_2(shared)
        print("\n".join(f"{i}\t{'candidate' if n < ROUND_2_SIZE else 'meeting'}"
                        for n, i in enumerate(drawn)))
        return 0
    if sys.argv[1:] == ["--round", "3"]:
        print("\n".join(f"{i}\t{kind}" for i, kind in draw_round_3(shared)))
        return 0
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
