"""The predictive score picks boosting when it clearly ranks better, else logistic regression."""

from __future__ import annotations

import math
import random

from predictive import training


def _rows(n: int, label, seed: int) -> list[training.Row]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        a, b, x = rng.random() < 0.5, rng.random() < 0.5, rng.gauss(0, 1)
        features = {"prop:a": "yes" if a else "no", "prop:b": "yes" if b else "no", "prop:x": x}
        rows.append(training.Row(features=features, won=label(rng, a, b, x)))
    return rows


def test_boosting_is_chosen_when_it_clearly_ranks_better():
    # Won when exactly one of a and b holds: an interaction no additive model can see.
    rows = _rows(1200, lambda rng, a, b, x: (a != b) == (rng.random() < 0.9), seed=1)
    trained = training.train(rows)
    boosting = next(c for c in trained.candidates if c["name"] == "boosting")
    assert trained.algorithm == "boosting"
    assert boosting["bootstrap"]["wins"] >= training.BOOTSTRAP_CONFIDENCE
    assert trained.metrics["test"]["auc"] > 0.8


def test_logistic_regression_stays_when_boosting_gains_nothing_real():
    # The log-odds are linear in x: boosting has nothing to add.
    rows = _rows(1200, lambda rng, a, b, x: rng.random() < 1 / (1 + math.exp(-1.5 * x)), seed=2)
    trained = training.train(rows)
    boosting = next(c for c in trained.candidates if c["name"] == "boosting")
    assert trained.algorithm.startswith("logistic")
    assert boosting["bootstrap"]["wins"] < training.BOOTSTRAP_CONFIDENCE
    assert not boosting["chosen"]
