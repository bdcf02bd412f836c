"""The learned half of the meeting-report classifier: a logistic regression over the rules' cues
and the character n-grams of the title, the lead or the sentence that states the meeting,
shipped as a JSON file of weights.

It was trained by bench/train_classifier.py (scikit-learn, rerun it to rebuild the file) on the
hand-labelled real texts of the tune split and the synthetic tuning half. Every feature is a
present-or-absent string, so the model's log-odds are its intercept plus the weights of the
features a text has: scoring needs no scikit-learn, only a dictionary, and `--explain` can name
the features that weighed most. How the model and the rules' score combine (the model decides,
or vetoes the rules' positives, and whether a dated periodic meeting of a local organ stands
against the veto) was chosen by cross-validation grouped by corpus and is stored in the file
with its threshold.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

MODEL_PATH = Path(__file__).parent / "data" / "classifier_model.json"
MODEL_VERSION = "model-4"
# Cumulative steps of the rules' score: the model learns its own curve over them.
SCORE_STEPS = (-6.0, -4.0, -2.0, 0.0, 1.0, 2.0, 3.0, 3.5, 4.0, 5.0, 6.0)
TOP_FEATURES = 8


@dataclass(frozen=True)
class Model:
    version: str
    combination: str  # "model", "veto" (rules positive and model agrees), "sum" or "rules"
    threshold: float  # on the model's probability
    gate: float  # "model": below this rules' score the model is not consulted, not a report
    veto_margin: float  # "veto": a rules' score this far above their threshold stands;
    # "sum": the weight of the model's centred log-odds added to the rules' score
    intercept: float
    weights: dict[str, float]
    title_ngrams: tuple[int, int]
    head_ngrams: tuple[int, int]
    head_characters: int
    sentence_ngrams: tuple[int, int] = (0, -1)  # of the sentence that states the meeting
    # "veto": a local organ's periodic meeting stated with its day in the lead is not vetoed
    dated_meeting_stands: bool = False


@dataclass
class Decision:
    is_report: bool
    probability: float  # centred: 0.5 is the decision's threshold
    top_features: list[tuple[str, float]] = field(default_factory=list)


@cache
def load_model(path: Path = MODEL_PATH) -> Model:
    """The shipped model, read once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Model(data["version"], data["combination"], data["threshold"], data["gate"],
                 data["veto_margin"], data["intercept"], data["weights"],
                 tuple(data["title_ngrams"]), tuple(data["head_ngrams"]), data["head_characters"],
                 tuple(data["sentence_ngrams"]), data["dated_meeting_stands"])


def _ngrams(prefix: str, text: str, sizes: tuple[int, int]) -> set[str]:
    padded = f" {text} "
    return {prefix + padded[i:i + n] for n in range(sizes[0], sizes[1] + 1)
            for i in range(len(padded) - n + 1)}


def text_features(title: str, head: str, sentence: str, cues: list[tuple[str, float]],
                  score: float, model: Model) -> set[str]:
    """A text's features: the cues that fired, the steps its rules' score reached, and the
    character n-grams of its folded title ("t:"), head ("h:", title and lead) and meeting
    sentence ("s:", the first of the lead that names a meeting and its day)."""
    found = {f"cue:{name.split(':')[0]}" for name, _ in cues}
    found |= {f"score>={step:g}" for step in SCORE_STEPS if score >= step}
    found |= _ngrams("t:", title, model.title_ngrams)
    found |= _ngrams("h:", head[:model.head_characters], model.head_ngrams)
    found |= _ngrams("s:", sentence, model.sentence_ngrams)
    return found


def _sigmoid(value: float) -> float:
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, value))))


def combine(model: Model, score: float, rule_threshold: float, log_odds: float | None,
            dated_meeting: bool = False) -> tuple[bool, float]:
    """(report?, centred probability) from the rules' score and the model's log-odds (None
    when the model was not consulted). `dated_meeting`: the rules found a local organ's
    periodic meeting stated with its day, which stands against a veto if the model says so."""
    rules_say = score >= rule_threshold
    if model.combination == "rules" or log_odds is None:
        return rules_say and model.combination == "rules", _sigmoid(score - rule_threshold)
    probability = _sigmoid(log_odds - math.log(model.threshold / (1 - model.threshold)))
    if model.combination == "model":
        return score >= model.gate and probability >= 0.5, probability
    if model.combination == "sum":
        centred = log_odds - math.log(model.threshold / (1 - model.threshold))
        total = score + model.veto_margin * centred
        return total >= rule_threshold, _sigmoid(total - rule_threshold)
    stands = (score >= rule_threshold + model.veto_margin
              or dated_meeting and model.dated_meeting_stands)
    return rules_say and (probability >= 0.5 or stands), probability


def model_log_odds(model: Model, features: set[str]) -> tuple[float, list[tuple[str, float]]]:
    """The model's log-odds for a text's features, and the features that weighed in."""
    weights = model.weights
    present = [(name, weights[name]) for name in features if name in weights]
    return model.intercept + sum(weight for _, weight in present), present


def decide(title: str, head: str, sentence: str, cues: list[tuple[str, float]], score: float,
           rule_threshold: float, dated_meeting: bool = False,
           model: Model | None = None) -> Decision:
    """Report or not, from the rules' cues and score and the model, as the model's
    `combination` says. `title`, `head` and `sentence` are folded."""
    model = model or load_model()
    # Not worth the n-grams: far from a report, or a veto with nothing to veto.
    if (model.combination == "rules" or model.combination == "model" and score < model.gate
            or model.combination == "veto" and score < rule_threshold
            or model.combination == "sum" and score < model.gate):
        return Decision(*combine(model, score, rule_threshold, None))
    log_odds, present = model_log_odds(
        model, text_features(title, head, sentence, cues, score, model))
    is_report, probability = combine(model, score, rule_threshold, log_odds, dated_meeting)
    top = sorted(present, key=lambda item: (-abs(item[1]), item[0]))[:TOP_FEATURES]
    return Decision(is_report, probability, [(name, round(weight, 3)) for name, weight in top])
