"""Train the learned half of the meeting-report classifier and write its weights.

    pip install -e '.[train]'                 # scikit-learn, for training only
    python bench/train_classifier.py          # cross-validate, choose, write the model file
    python bench/train_classifier.py --cv     # print the cross-validation table only

Training data: the real texts of the tune split (bench/labels/real_texts.tsv, the 2015-2021
corpora) and the synthetic tuning half (testweb/labels.csv). Never the real test split nor the
holdout. The regularisation, the way model and rules combine, the model's threshold and the
gate (the rules' score under which the model is not consulted), which n-grams it reads (title,
lead, the sentence that states the meeting) and whether a dated periodic meeting of a local
organ stands against the veto are chosen by cross-validation
grouped by corpus: each real corpus in turn is predicted by a model trained on the others and
the synthetic half, and the choice is the best F1 over those out-of-fold predictions. The same
data and code give the same file (liblinear is deterministic; weights are rounded).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.eval_classify import article_text, split_of  # noqa: E402
from bench.metrics import Counts  # noqa: E402
from bench.real_texts import load_texts, shared_folder, split_labels  # noqa: E402
from pipelines.classify import (  # noqa: E402
    THRESHOLD,
    is_teaser_list,
    read_head,
    rule_cues,
    states_dated_meeting,
)
from pipelines.classify_model import (  # noqa: E402
    MODEL_PATH,
    MODEL_VERSION,
    Model,
    combine,
    model_log_odds,
    text_features,
)
from testweb.content import load_articles, load_labels  # noqa: E402

# Which n-grams the model reads: the title's, the head's (title and lead) and the meeting
# sentence's ((0, -1): none). The sentence's tell a plan stated at the meeting from an incident
# raised there better than a topical headline does.
NONE = (0, -1)
SHAPES = {"title and head": ((3, 5), (3, 4), NONE), "title": ((3, 5), NONE, NONE),
          "head": (NONE, (3, 4), NONE), "title and sentence": ((3, 5), NONE, (3, 5)),
          "sentence": (NONE, NONE, (3, 5))}
HEAD_CHARACTERS = 600
GRID_C = (0.01, 0.03, 0.1, 0.3)
GATES = (0.0, 1.0)  # "model": the rules' score under which the model is not consulted
VETO_MARGINS = (0.5, 1.0, 1.5, 2.0, 99.0)  # "veto": how far above threshold a score stands
SUM_WEIGHTS = (0.25, 0.5, 1.0, 2.0)  # "sum": the weight of the model's log-odds
THRESHOLDS = tuple(round(0.02 * i, 2) for i in range(1, 48))
MIN_DOCUMENTS = 2  # an n-gram seen in one training text only is noise
# The shipped model must keep the real tune split at the floors tests/test_real_texts.py holds
# (precision and recall, the model trained on all of it): the best cross-validated choice that
# does is taken. (rules-7: the best, with C 0.01, fell under the precision floor in sample; the
# one taken, a veto with C 0.1, is within one text of it out of fold.)
IN_SAMPLE_FLOOR = 0.85
# The real labels trained on: the shipped model-4 was trained on the first three rounds of tune
# labels ("tune-1"). model-5, trained on the whole tune side with the fourth round ("tune"),
# lost on the holdouts and is kept on the branch labels4-rules9 (README, sixth round).
TRAIN_SPLIT = "tune-1"


@dataclass(frozen=True)
class Example:
    id: str
    group: str  # the corpus: the unit of cross-validation
    title: str  # folded
    head: str  # folded
    sentence: str  # folded: the sentence that states the meeting
    cues: tuple[tuple[str, float], ...]
    score: float
    dated_meeting: bool  # a local organ's periodic meeting stated with its day
    label: bool


def _example(item_id: str, group: str, title: str, text: str, label: bool) -> Example:
    head = read_head(title, text)
    cues = rule_cues(head)
    if is_teaser_list(head.text):
        cues.append(("a list of teasers (a listing page)", -10.0))
    return Example(item_id, group, head.folded["title"], head.folded["head"],
                   head.folded["meeting sentence"], tuple(cues), sum(w for _, w in cues),
                   states_dated_meeting(head, cues), label)


def training_examples() -> list[Example]:
    shared = shared_folder()
    if shared is None:
        sys.exit("../shared/real-texts is absent: the real tune split cannot be read")
    texts = load_texts(shared)
    examples = [_example(i, row["corpus"], texts[i].title, texts[i].text,
                         row["is_meeting_report"] == "1")
                for i, row in sorted(split_labels(TRAIN_SPLIT).items())]
    labels = load_labels()
    examples += [_example(a.id, "synthetic", a.title, article_text(a),
                          labels[a.id]["is_meeting_report"] == "1")
                 for a in load_articles() if split_of(a.id) == "tune"]
    return examples


def _shape_model(shape: str, weights: dict[str, float] | None = None,
                 intercept: float = 0.0) -> Model:
    title_ngrams, head_ngrams, sentence_ngrams = SHAPES[shape]
    return Model(MODEL_VERSION, "model", 0.5, -99.0, 99.0, intercept, weights or {},
                 title_ngrams, head_ngrams, HEAD_CHARACTERS, sentence_ngrams)


@cache
def _features(example: Example, shape: str) -> list[str]:
    return sorted(text_features(example.title, example.head, example.sentence,
                                list(example.cues), example.score, _shape_model(shape)))


def fit(examples: list[Example], c: float, shape: str) -> tuple[dict[str, float], float]:
    """Weights by feature name and the intercept of a logistic regression."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(analyzer=lambda e: _features(e, shape), binary=True,
                                 min_df=MIN_DOCUMENTS)
    matrix = vectorizer.fit_transform(examples)
    regression = LogisticRegression(C=c, solver="liblinear", class_weight="balanced",
                                    random_state=0, max_iter=1000)
    regression.fit(matrix, [e.label for e in examples])
    names = vectorizer.get_feature_names_out()
    weights = {str(n): round(float(w), 4) for n, w in zip(names, regression.coef_[0],
                                                          strict=True) if abs(w) >= 1e-4}
    return weights, round(float(regression.intercept_[0]), 4)


def out_of_fold(examples: list[Example], c: float, shape: str) -> list[tuple[Example, float]]:
    """Each real tune text with its log-odds by the model trained without its corpus."""
    predicted = []
    for group in sorted({e.group for e in examples} - {"synthetic"}):
        weights, intercept = fit([e for e in examples if e.group != group], c, shape)
        model = _shape_model(shape, weights, intercept)
        predicted += [(e, model_log_odds(model, set(_features(e, shape)))[0])
                      for e in examples if e.group == group]
    return predicted


def score_choice(predicted: list[tuple[Example, float]], model: Model) -> Counts:
    counts = Counts()
    for example, log_odds in predicted:
        got, _ = combine(model, example.score, THRESHOLD, log_odds, example.dated_meeting)
        counts.true_positive += got and example.label
        counts.false_positive += got and not example.label
        counts.false_negative += example.label and not got
    return counts


@dataclass(frozen=True)
class Choice:
    shape: str
    c: float
    combination: str
    threshold: float
    gate: float
    veto_margin: float
    dated_meeting_stands: bool
    counts: Counts

    def key(self) -> tuple:
        """Best F1, then recall (a veto that spares more reports); then the narrower veto,
        the higher gate (faster), the fewer n-grams, the stronger regularisation."""
        return (-self.counts.f1, -self.counts.recall, self.veto_margin, -self.gate,
                self.shape != "title", self.c, self.threshold, self.dated_meeting_stands)


def _choices() -> list[tuple[str, float, float, float, bool]]:
    """(combination, threshold, gate, veto margin, a dated meeting stands) to try."""
    return ([("model", t, gate, 99.0, False) for t in THRESHOLDS for gate in GATES]
            + [("veto", t, -99.0, margin, stands) for t in THRESHOLDS
               for margin in VETO_MARGINS for stands in (False, True)]
            + [("sum", t, 0.0, weight, False) for t in THRESHOLDS for weight in SUM_WEIGHTS])


def cross_validate(examples: list[Example]) -> list[Choice]:
    """Every choice with its out-of-fold counts, best first."""
    choices = []
    for shape in SHAPES:
        for c in GRID_C:
            predicted = out_of_fold(examples, c, shape)
            for combination, threshold, gate, margin, stands in _choices():
                model = Model(MODEL_VERSION, combination, threshold, gate, margin, 0.0, {},
                              NONE, NONE, 0, NONE, stands)
                choices.append(Choice(shape, c, combination, threshold, gate, margin, stands,
                                      score_choice(predicted, model)))
    return sorted(choices, key=Choice.key)


def in_sample(examples: list[Example], choice: Choice,
              fitted: dict[tuple[str, float], tuple[dict[str, float], float]]) -> Counts:
    """The choice's counts on the real tune texts, the model trained on all of them."""
    key = (choice.shape, choice.c)
    if key not in fitted:
        fitted[key] = fit(examples, choice.c, choice.shape)
    weights, intercept = fitted[key]
    model = dataclasses.replace(_shape_model(choice.shape, weights, intercept),
                                combination=choice.combination, threshold=choice.threshold,
                                gate=choice.gate, veto_margin=choice.veto_margin,
                                dated_meeting_stands=choice.dated_meeting_stands)
    return score_choice([(e, model_log_odds(model, set(_features(e, choice.shape)))[0])
                         for e in examples if e.group != "synthetic"], model)


def best_within_floors(examples: list[Example], choices: list[Choice]) -> tuple[Choice, dict]:
    """The first choice (best out of fold) whose model keeps the tune split at the floors."""
    fitted: dict[tuple[str, float], tuple[dict[str, float], float]] = {}
    for choice in choices:
        counts = in_sample(examples, choice, fitted)
        if min(counts.precision, counts.recall) >= IN_SAMPLE_FLOOR:
            return choice, fitted
    sys.exit("no choice keeps the tune split at its floors")


def rules_alone(examples: list[Example]) -> Counts:
    counts = Counts()
    for example in examples:
        if example.group == "synthetic":
            continue
        got = example.score >= THRESHOLD
        counts.true_positive += got and example.label
        counts.false_positive += got and not example.label
        counts.false_negative += example.label and not got
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="print the table, write nothing")
    args = parser.parse_args()
    examples = training_examples()
    rules = rules_alone(examples)
    print(f"{len(examples)} training texts ({sum(e.label for e in examples)} reports); rules "
          f"alone on the real tune split: precision {rules.precision:.3f}, recall "
          f"{rules.recall:.3f}, F1 {rules.f1:.3f}")
    choices = cross_validate(examples)
    print("cross-validation by corpus (out-of-fold, real tune texts), best first:")
    for choice in choices[:10]:
        counts = choice.counts
        print(f"  F1 {counts.f1:.3f}  precision {counts.precision:.3f}  recall "
              f"{counts.recall:.3f}  {choice.combination:<6} n-grams of the {choice.shape:<15}"
              f"C {choice.c:<5} threshold {choice.threshold:.2f}  gate {choice.gate:g}  "
              f"veto margin {choice.veto_margin:g}  dated meeting stands "
              f"{choice.dated_meeting_stands}")
    if args.cv:
        return 0
    best, fitted = best_within_floors(examples, choices)
    print(f"chosen (the best that keeps the tune split at {IN_SAMPLE_FLOOR} in sample): "
          f"{best.combination}, n-grams of the {best.shape}, out-of-fold F1 {best.counts.f1:.3f}")
    weights, intercept = fitted[(best.shape, best.c)]
    title_ngrams, head_ngrams, sentence_ngrams = SHAPES[best.shape]
    model = {"version": MODEL_VERSION, "combination": best.combination,
             "threshold": best.threshold, "gate": best.gate,
             "veto_margin": best.veto_margin,
             "dated_meeting_stands": best.dated_meeting_stands, "intercept": intercept,
             "C": best.c, "title_ngrams": title_ngrams, "head_ngrams": head_ngrams,
             "sentence_ngrams": sentence_ngrams, "head_characters": HEAD_CHARACTERS,
             "trained_on": {"texts": len(examples),
                            "reports": sum(e.label for e in examples)},
             "cross_validation": {"f1": round(best.counts.f1, 4),
                                  "precision": round(best.counts.precision, 4),
                                  "recall": round(best.counts.recall, 4)},
             "weights": dict(sorted(weights.items()))}
    MODEL_PATH.write_text(json.dumps(model, ensure_ascii=False, indent=0) + "\n",
                          encoding="utf-8")
    print(f"wrote {MODEL_PATH.relative_to(ROOT)}: {len(weights)} weights, "
          f"{MODEL_PATH.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
