"""The classifier on real Vietnamese news: texts and pages nobody on the team wrote.

The texts and pages stay in ../shared (their licences allow evaluation only); the project keeps
only the hand labels (bench/labels/real_texts.tsv, written by reading each text; the rules for
borderline cases are in docs/labelling.md). The split is by time and source, fixed before any
tuning: the 2015-2021 corpora (baomoi2017, vietnews, unc_dantri) tune; the 2025-2026 RSS items
and the real article pages test. A third set, the holdout (bench/labels/real_texts_holdout.tsv,
drawn by bench/holdout_sample.py from texts no label file had seen), is never trained or
tuned on: it is scored, as the reviewers' set is, and nothing is changed for it.

    python bench/eval_classify.py --real [--split tune|holdout] [--confusions]
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.metrics import Counts, share  # noqa: E402
from pipelines.classify import classify, extract_meeting  # noqa: E402
from pipelines.gazetteer import place_key  # noqa: E402
from pipelines.vietnamese import fold_diacritics, prepare_input  # noqa: E402

LABELS = ROOT / "bench" / "labels" / "real_texts.tsv"
HOLDOUT_LABELS = ROOT / "bench" / "labels" / "real_texts_holdout.tsv"
# The third holdout (issue 13, fifth round), drawn after model-2: its own file, so "holdout"
# keeps meaning the first two rounds and their figures stay comparable.
HOLDOUT_3_LABELS = ROOT / "bench" / "labels" / "real_texts_holdout_3.tsv"
# The fourth round of labels (issue 13, sixth round; bench/tune_sample.py): TUNE side, every
# corpus, the RSS items included (the test split stays the RSS rows of real_texts.tsv).
TUNE_4_LABELS = ROOT / "bench" / "labels" / "real_texts_tune_4.tsv"
LABEL_FILES = (LABELS, HOLDOUT_LABELS, HOLDOUT_3_LABELS, TUNE_4_LABELS)
CORPORA = ("baomoi2017", "vietnews", "unc_dantri", "rss_2025_2026")
TEST_CORPORA = ("rss-tintuchangngay", "real-pages")
FIELDS = ("organ", "locality", "province", "meeting_date", "period_reviewed", "period_deployed")
# The one-line baseline: an organ and a review/deploy or session phrase near the start.
BASELINE = re.compile(
    r"(?=.*\b(?:(?:tinh|thanh|huyen|quan|thi) ?uy|dang (?:uy|bo)|ubnd|hdnd|uy ban nhan dan|"
    r"hoi dong nhan dan)\b)(?=.*\b(?:so ket|tong ket|giao ban|trien khai nhiem vu|ky hop))")


def shared_folder() -> Path | None:
    """../shared beside the repository (/work/main) or beside its worktree folder."""
    candidates = [os.environ.get("VNARCHIVE_SHARED"), ROOT.parent / "shared",
                  ROOT.parent.parent / "shared"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "real-texts").is_dir():
            return Path(candidate)
    return None


@dataclass(frozen=True)
class RealText:
    id: str
    corpus: str
    title: str
    text: str
    published: str | None


def _published(record: dict) -> str | None:
    value = record.get("published") or record.get("first_committed")
    return value[:10] if value else None


def load_texts(shared: Path) -> dict[str, RealText]:
    texts = {}
    for name in CORPORA:
        with open(shared / "real-texts" / f"{name}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                texts[record["id"]] = RealText(record["id"], record["corpus"],
                                               record.get("title") or "", record.get("text") or "",
                                               _published(record))
    return texts


def load_pages(shared: Path, wanted: set[str]) -> dict[str, RealText]:
    """The labelled article pages, extracted as a crawl would."""
    from pipelines.extract import extract_article

    pages = {}
    for folder in ("articles", "more"):
        for label in json.loads((shared / "real-pages" / folder / "labels.json").read_text()):
            page_id = f"page-{folder}/{label['file']}"
            if page_id not in wanted:
                continue
            html = (shared / "real-pages" / folder / label["file"]).read_bytes()
            extracted = extract_article(html, url=label.get("url"))
            pages[page_id] = RealText(page_id, "real-pages", extracted.title or "",
                                      extracted.text, extracted.published)
    return pages


@cache
def load_labels(path: Path = LABELS) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle, delimiter="\t")}


HOLDOUT_1_ROWS = 260  # the first holdout (batches 8-9); the second (batch 10) follows


def split_labels(split: str) -> dict[str, dict]:
    """The labels of one split: "test" (of real_texts.tsv), "tune" (its tune rows and the
    fourth round's file), "tune-1" (those rows alone) or "tune-4" (the file alone), or the
    "holdout" (its first two rounds), "holdout-1", "holdout-2" or "holdout-3"."""
    if split == "tune":
        return split_labels("tune-1") | split_labels("tune-4")
    if split == "tune-4":
        return dict(load_labels(TUNE_4_LABELS))
    if split == "holdout-3":
        return dict(load_labels(HOLDOUT_3_LABELS))
    if split.startswith("holdout"):
        rows = list(load_labels(HOLDOUT_LABELS).items())
        rows = {"holdout": rows, "holdout-1": rows[:HOLDOUT_1_ROWS],
                "holdout-2": rows[HOLDOUT_1_ROWS:]}[split]
        return dict(rows)
    side = "tune" if split == "tune-1" else split
    return {i: row for i, row in load_labels().items() if split_of(row["corpus"]) == side}


def split_of(corpus: str) -> str:
    return "test" if corpus in TEST_CORPORA else "tune"


def folded_head(title: str, text: str, characters: int) -> str:
    """The title and the text's first `characters`, as the rules read them: NFC, the new
    tone placement, no underscores of word segmentation, then folded."""
    return fold_diacritics(prepare_input(f"{title}. {text[:characters]}"))


def baseline(title: str, text: str) -> bool:
    return bool(BASELINE.search(folded_head(title, text, 400)))


@dataclass
class RealEvaluation(Counts):
    true_negative: int = 0
    base: Counts = field(default_factory=Counts)
    field_hits: dict[str, list[bool]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    # The same fields read from every labelled report, found or not: extraction alone.
    extraction_hits: dict[str, list[bool]] = field(
        default_factory=lambda: {f: [] for f in FIELDS})
    confusions: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def accuracy(self, field_name: str) -> float:
        return share(self.field_hits[field_name])


def _same(field_name: str, got, want: str) -> bool:
    if field_name in ("locality", "province"):
        return place_key(got or "") == place_key(want)
    return (got or "") == want


def _count(counts: Counts, got: bool, want: bool) -> None:
    if got and want:
        counts.true_positive += 1
    elif got:
        counts.false_positive += 1
    elif want:
        counts.false_negative += 1


def evaluate_real(split: str, shared: Path) -> RealEvaluation:
    labels = split_labels(split)
    items = load_texts(shared)
    items.update(load_pages(shared, {i for i in labels if i.startswith("page-")}))
    result = RealEvaluation()
    started = time.perf_counter()
    for item_id, label in labels.items():
        item = items[item_id]
        want = label["is_meeting_report"] == "1"
        got = classify(item.title, item.text, item.published)
        _count(result, got.is_meeting_report, want)
        _count(result.base, baseline(item.title, item.text), want)
        result.true_negative += not (got.is_meeting_report or want)
        if got.is_meeting_report != want:
            kind = "false positive" if got.is_meeting_report else "false negative"
            result.confusions.append(f"{kind}  {item_id}  {item.title[:90]}")
        if want:
            meeting = got.meeting or extract_meeting(item.title, item.text, item.published)
            _score_fields(result, item_id, label, meeting, found=got.meeting is not None)
    result.seconds = time.perf_counter() - started
    return result


def _score_fields(result: RealEvaluation, item_id: str, label: dict, meeting,
                  found: bool) -> None:
    for field_name in FIELDS:
        if not label[field_name]:
            continue  # the text does not tell: not scored
        value = getattr(meeting, field_name)
        hit = _same(field_name, value, label[field_name])
        result.extraction_hits[field_name].append(hit)
        if found:
            result.field_hits[field_name].append(hit)
        if not hit:
            where = "" if found else " (a report not found)"
            result.confusions.append(f"{field_name:<16} {item_id}: got {value!r}, "
                                     f"labelled {label[field_name]!r}{where}")


def classification_speed(shared: Path) -> tuple[int, float]:
    """Texts classified per second over every real text, in this one process (one core).
    CPU time, not wall time: other processes sharing the machine do not count."""
    texts = list(load_texts(shared).values())
    for item in texts[:50]:  # warm up: the gazetteer's index is built once per process
        classify(item.title, item.text, item.published)
    started = time.process_time()
    for item in texts:
        classify(item.title, item.text, item.published)
    return len(texts), len(texts) / (time.process_time() - started)


def main_real(split: str, confusions: bool, speed: bool = False) -> int:
    shared = shared_folder()
    if shared is None:
        print("the real texts are not here: ../shared/real-texts and ../shared/real-pages "
              "(or VNARCHIVE_SHARED) hold them; nothing to measure", file=sys.stderr)
        return 2
    result = evaluate_real(split, shared)
    total = result.true_positive + result.false_positive + result.false_negative
    total += result.true_negative
    print(f"real texts, split {split} ({total} labelled; tune: the 2015-2021 corpora, "
          f"test: RSS 2025-2026 and the real pages, holdout: a fresh sample never tuned on)")
    from bench.eval_classify import counts_line, field_lines

    for name, counts in (("classifier", result), ("regex baseline", result.base)):
        print(f"{counts_line(name, counts)})")
    print("fields of the reports found:")
    print("\n".join(field_lines(result.field_hits)))
    print("fields read from every labelled report (extraction alone):")
    print("\n".join(field_lines(result.extraction_hits)))
    if speed:
        count, rate = classification_speed(shared)
        print(f"speed: {count} real texts at {rate:,.0f} texts/s on one core (target 1,000)")
    if confusions:
        print("\n".join(["", *result.confusions]))
    return 0
