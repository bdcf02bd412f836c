"""Precision, recall and F1 from counts, and the share of true values: what both evaluations
report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Counts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        return self.true_positive / max(1, self.true_positive + self.false_positive)

    @property
    def recall(self) -> float:
        return self.true_positive / max(1, self.true_positive + self.false_negative)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 0.0
