"""How often a figure's label names what was counted, against hand labels.

    python bench/eval_figures.py              # the share right, synthetic and real, on the
                                              # tuning labels and on the held-out ones
    python bench/eval_figures.py --failures   # and every miss with both labels

bench/labels/figure_labels.tsv holds the labels, written by a person reading each figure in
its text: 80 figures of meeting reports of the test web (testweb/content) and 31 of real
texts in shared/real-texts (only ids and offsets are kept; the texts stay there). The
rule the labels follow: the words before the figure in its clause that name the thing
measured, without the verb that links them to the number ("đạt", "ước đạt", "bằng", "tăng"),
without a time ("tháng 5", "lũy kế 5 tháng") or a subject ("toàn huyện", "Đảng ủy xã")
opening it; a share or growth that only follows another figure ("…, bằng 52% dự toán") takes
that figure's label; with nothing before it, the words after the unit name it. A label is
right when it equals the hand label, ignoring case and spacing. Real texts are read where
they are; without them only the synthetic share is printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.real_texts import shared_folder  # noqa: E402
from pipelines.meetings import figures_at  # noqa: E402
from testweb.content import load_articles  # noqa: E402

LABELS = ROOT / "bench" / "labels" / "figure_labels.tsv"  # the rule was tuned on these
HELD_OUT = ROOT / "bench" / "labels" / "figure_labels_heldout.tsv"  # labelled after, read once
# ../shared/real-texts: VNARCHIVE_SHARED, or beside the clone (CI) or the worktrees' folder, as
# the other evaluations find it (bench/real_texts.py).
_SHARED = shared_folder()
REAL_TEXTS = (_SHARED or ROOT.parent / "shared") / "real-texts"
FLOOR = 0.90  # tests/test_research.py fails below it


def load_rows(path: Path = LABELS) -> list[dict]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def texts_of(rows: list[dict]) -> dict[tuple[str, str], str]:
    """The text each label was read in: a test-web article's paragraphs, or a real record."""
    texts = {("testweb", a.id): "\n".join(a.paragraphs) for a in load_articles()}
    wanted = {(row["source"], row["id"]) for row in rows if row["source"] != "testweb"}
    for source in {source for source, _ in wanted}:
        path = REAL_TEXTS / source
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if (source, record["id"]) in wanted:
                    texts[(source, record["id"])] = record["text"]
    return texts


def normal(label: str | None) -> str:
    return " ".join((label or "").casefold().split())


def evaluate(rows: list[dict]) -> dict[str, list[tuple[dict, str | None]]]:
    """Per source kind (synthetic, real): each labelled row with the label found for it."""
    texts = texts_of(rows)
    results: dict[str, list[tuple[dict, str | None]]] = {"synthetic": [], "real": []}
    for row in rows:
        text = texts.get((row["source"], row["id"]))
        if text is None:
            continue
        found = figures_at(text).get(int(row["offset"]))
        kind = "synthetic" if row["source"] == "testweb" else "real"
        results[kind].append((row, found["label"] if found else None))
    return results


def share_right(pairs: list[tuple[dict, str | None]]) -> float:
    return sum(normal(row["label"]) == normal(found) for row, found in pairs) / max(1, len(pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true")
    args = parser.parse_args()
    for name, path in (("tuning", LABELS), ("held out", HELD_OUT)):
        results = evaluate(load_rows(path))
        every = results["synthetic"] + results["real"]
        for kind, pairs in (*results.items(), ("all", every)):
            print(f"{name:<9} {kind:<10} {len(pairs):>4} figures  labels right "
                  f"{share_right(pairs):.3f}")
        if args.failures:
            for row, found in every:
                if normal(row["label"]) != normal(found):
                    print(f"  {row['id']}@{row['offset']}: want {row['label']!r}, got {found!r}")


if __name__ == "__main__":
    main()
