"""The learned half of the classifier (pipelines/classify_model.py): the shipped weights, how the
model's log-odds and the rules' score combine, and what --explain says of it."""

from __future__ import annotations

import dataclasses
import math

import pytest

from pipelines.classify import THRESHOLD, classify
from pipelines.classify_model import (
    MODEL_PATH,
    MODEL_VERSION,
    Model,
    combine,
    decide,
    load_model,
    text_features,
)


def _model(combination: str, weights: dict[str, float] | None = None, threshold: float = 0.5,
           gate: float = 0.0, margin: float = 1.5, intercept: float = 0.0) -> Model:
    return Model("test", combination, threshold, gate, margin, intercept, weights or {},
                 (0, -1), (0, -1), 600)  # no n-grams: only the cues and the score's steps


def test_the_shipped_model_is_small_versioned_and_read_once():
    assert MODEL_PATH.stat().st_size < 5_000_000  # the limit for a shipped model
    model = load_model()
    assert model.version == MODEL_VERSION == "model-4"
    assert model.combination in {"model", "veto", "sum", "rules"} and model.weights
    assert load_model() is model  # loaded once per process


@pytest.mark.parametrize(("score", "log_odds", "want"), [
    (4.0, 1.0, True),     # the rules accept and the model agrees
    (4.0, -1.0, False),   # the model vetoes a score just over the rules' threshold
    (5.5, -1.0, True),    # a score 1.5 over the threshold stands
    (3.0, 5.0, False),    # a veto never adds a report
])
def test_a_veto(score, log_odds, want):
    assert combine(_model("veto"), score, THRESHOLD, log_odds)[0] is want


def test_a_dated_periodic_meeting_stands_against_a_veto_only_if_the_model_says_so():
    stands = dataclasses.replace(_model("veto"), dated_meeting_stands=True)
    assert combine(stands, 4.0, THRESHOLD, -1.0, dated_meeting=True)[0]
    assert not combine(stands, 4.0, THRESHOLD, -1.0, dated_meeting=False)[0]
    assert not combine(_model("veto"), 4.0, THRESHOLD, -1.0, dated_meeting=True)[0]


def test_the_model_alone_and_the_rules_alone():
    assert combine(_model("model"), 1.0, THRESHOLD, 2.0)[0]  # over the gate, the model decides
    assert not combine(_model("model"), -1.0, THRESHOLD, 2.0)[0]  # under the gate: not asked
    assert combine(_model("rules"), 4.0, THRESHOLD, -9.0)[0]
    assert not combine(_model("rules"), 3.0, THRESHOLD, 9.0)[0]


def test_the_threshold_centres_the_probability():
    # log-odds of 0.2 is probability 0.2: with threshold 0.2 that is exactly the decision's edge
    _, probability = combine(_model("model", threshold=0.2), 1.0, THRESHOLD, math.log(0.25))
    assert probability == pytest.approx(0.5)


def test_decide_sums_the_weights_of_the_features_a_text_has():
    cues = [("review act", 1.5), ("deploy act", 1.5), ("local organ named in the title", 1.0)]
    weights = {"cue:review act": -3.0, "score>=4": 0.5, "cue:never fired": 9.0}
    decision = decide("", "", "", cues, 4.0, THRESHOLD, model=_model("veto", weights))
    assert not decision.is_report  # -3.0 + 0.5: vetoed
    assert decision.top_features == [("cue:review act", -3.0), ("score>=4", 0.5)]


def test_the_meeting_sentence_gives_features_of_its_own():
    model = dataclasses.replace(_model("veto"), sentence_ngrams=(3, 3))
    features = text_features("tieu de", "tieu de. dau bai", "hoi nghi lan thu ba", [], 4.0, model)
    assert "s:hoi" in features and "s:lan" in features and not any(
        f.startswith(("t:", "h:")) for f in features)


def test_explain_names_the_cues_and_the_model_features():
    report = classify("Huyện ủy Thuận Bắc triển khai nhiệm vụ quý 2/2024",
                      "Ngày 4/4, Huyện ủy Thuận Bắc tổ chức Hội nghị đánh giá kết quả thực hiện "
                      "nhiệm vụ quý 1 và triển khai nhiệm vụ quý 2/2024.", "2024-04-05")
    explanation = report.as_json(explain=True)["explanation"]
    assert explanation["model"] == MODEL_VERSION
    assert {cue["cue"] for cue in explanation["cues"]} >= {"review act", "deploy act"}
    assert explanation["model_features"] and all(
        set(item) == {"feature", "weight"} for item in explanation["model_features"])
    other = classify("Giá vàng hôm nay", "Giá vàng trong nước tăng nhẹ.", "2024-04-05")
    assert isinstance(other.as_json(explain=True)["explanation"]["model_features"], str)
