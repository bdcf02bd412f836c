"""The classifier on the labelled real texts rewritten in the forms text arrives in (issue 13,
"input as it comes"): each form is a mechanical rewrite of every labelled text, so what the
labels say still holds, and a form that costs recall or fields shows here beside the texts as
written.

    python bench/eval_forms.py [--split test|tune|holdout|holdout-3|tune-4|all]

Forms: as written; NFD (decomposed marks, as some portals and copy-paste give); the title in
capitals (portal titles); the title and the first paragraph in capitals; no-break spaces
between words (HTML's &nbsp;); zero-width spaces after every word (copied from some editors);
the old tone placement ("hoà", "thuỷ"); lines broken inside sentences at 70 characters (text
copied from a PDF); a news agency's prefix before the lead ("(TTXVN) - "); a byline line before
the text; HTML entities left in the text (a feed's description escaped twice).
Needs ../shared (or VNARCHIVE_SHARED); prints a clear message and exits 2 without it.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.metrics import Counts, share  # noqa: E402
from bench.real_texts import (  # noqa: E402
    FIELDS,
    _same,
    load_pages,
    load_texts,
    shared_folder,
    split_labels,
)
from pipelines.classify import classify  # noqa: E402

Form = Callable[[str, str], tuple[str, str]]


def _first_paragraph_in_capitals(title: str, text: str) -> tuple[str, str]:
    first, _, rest = text.partition("\n")
    return title.upper(), first.upper() + ("\n" + rest if rest else "")


# The old tone placement, as one corpus and many older portals write it: "hòa" as "hoà",
# "thủy" as "thuỷ" (pipelines/vietnamese.py reads it back).
NEW_PLACEMENT = re.compile(r"(?<![^\W\d_])([bcdđghklmnprstvxBCDĐGHKLMNPRSTVX]*)"
                           r"([òóỏõọùúủũụÒÓỎÕỌÙÚỦŨỤ])([aeyAEY])(?![^\W\d_])")


def _old_placement(match: re.Match) -> str:
    onset, toned, vowel = match.groups()
    decomposed = unicodedata.normalize("NFD", toned)
    return onset + decomposed[0] + unicodedata.normalize("NFC", vowel + decomposed[1:])


def old_tone_placement(text: str) -> str:
    return NEW_PLACEMENT.sub(_old_placement, text)


def wrapped(text: str, width: int = 70) -> str:
    """Lines broken inside sentences, as text copied from a PDF or a fixed-width page is."""
    return "\n".join("\n".join(textwrap.wrap(line, width)) for line in text.split("\n"))


def entities(text: str) -> str:
    return "".join(c if ord(c) < 128 else f"&#{ord(c)};" for c in text.replace("&", "&amp;"))


FORMS: dict[str, Form] = {
    "as written": lambda title, text: (title, text),
    "NFD": lambda title, text: (unicodedata.normalize("NFD", title),
                                unicodedata.normalize("NFD", text)),
    "title in capitals": lambda title, text: (title.upper(), text),
    "title and first paragraph in capitals": _first_paragraph_in_capitals,
    "no-break spaces": lambda title, text: (title.replace(" ", "\u00a0"),
                                            text.replace(" ", "\u00a0")),
    "zero-width spaces": lambda title, text: (title.replace(" ", " \u200b"),
                                              text.replace(" ", " \u200b")),
    "old tone placement": lambda title, text: (old_tone_placement(title),
                                               old_tone_placement(text)),
    "lines wrapped at 70 characters": lambda title, text: (title, wrapped(text)),
    # a feed's description escaped twice: every letter with a mark as a numeric entity
    "HTML entities left in the text": lambda title, text: (entities(title), entities(text)),
    "an agency's prefix before the lead": lambda title, text: (title, f"(TTXVN) - {text}"),
    "a byline line before the text": lambda title, text: (title, f"Tin, ảnh: Minh Anh\n{text}"),
}


def evaluate_form(form: Form, labels: dict[str, dict], items: dict) -> tuple[Counts, dict]:
    counts = Counts()
    hits: dict[str, list[bool]] = {name: [] for name in FIELDS}
    for item_id, label in labels.items():
        item = items[item_id]
        title, text = form(item.title, item.text)
        got = classify(title, text, item.published)
        want = label["is_meeting_report"] == "1"
        counts.true_positive += got.is_meeting_report and want
        counts.false_positive += got.is_meeting_report and not want
        counts.false_negative += want and not got.is_meeting_report
        if want and got.meeting is not None:
            for name in FIELDS:
                if label[name]:
                    hits[name].append(_same(name, getattr(got.meeting, name), label[name]))
    return counts, hits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test",
                        choices=["test", "tune", "tune-1", "tune-4", "holdout", "holdout-3",
                                 "all"])
    args = parser.parse_args()
    shared = shared_folder()
    if shared is None:
        print("the real texts are not here: ../shared/real-texts and ../shared/real-pages "
              "(or VNARCHIVE_SHARED) hold them; nothing to measure", file=sys.stderr)
        return 2
    splits = ["test", "tune", "holdout", "holdout-3"] if args.split == "all" else [args.split]
    labels = {key: value for split in splits for key, value in split_labels(split).items()}
    items = load_texts(shared)
    items.update(load_pages(shared, {i for i in labels if i.startswith("page-")}))
    reports = sum(label["is_meeting_report"] == "1" for label in labels.values())
    print(f"split {args.split}: {len(labels)} labelled texts, {reports} reports; fields are "
          "scored on the reports found")
    print(f"{'form':<40} {'precision':>9} {'recall':>7} " + " ".join(
        f"{name[:13]:>13}" for name in FIELDS))
    for name, form in FORMS.items():
        counts, hits = evaluate_form(form, labels, items)
        print(f"{name:<40} {counts.precision:>9.3f} {counts.recall:>7.3f} " + " ".join(
            f"{share(hits[field]):>13.3f}" for field in FIELDS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
