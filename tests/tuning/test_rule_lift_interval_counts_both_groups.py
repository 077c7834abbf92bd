"""
A rule's lift interval (backtest per-rule lift, and the suggested model's evidence) used to be
the matching group's Wilson interval divided by the others' rate, as if that rate were exact.
For a rule matching most leads, the others are few and noisy: on the demo data "Visited the
website" (188 won of 503 matching, 17 of 65 others) showed 1.43x (1.27-1.59) and "Agrees",
and a rule with no effect got a firm verdict about half the time, so the suggested model
could flip a sign on noise. The interval now counts both rates' uncertainty.
"""

from __future__ import annotations

import numpy as np
import pytest

from predictive import suggested_model
from scoring import engine
from scoring.backtest import rule_lift
from tests.tuning.test_backtest_metrics import obs


def _groups(won_in: int, n_in: int, won_out: int, n_out: int):
    data = [obs(i, 0, i < won_in, rules=[1]) for i in range(n_in)]
    data += [obs(10_000 + i, 0, i < won_out) for i in range(n_out)]
    return data


def test_a_rule_matching_most_leads_is_unclear_when_the_few_others_are_noisy():
    rule = engine.Rule(id=1, name="Visited the website", dimension="interest", points=1)
    (row,) = rule_lift(_groups(188, 503, 17, 65), [rule])

    assert row["lift"] == pytest.approx(1.43, abs=0.01)
    low, high = row["lift_ci"]
    assert low < 1 < high
    assert row["verdict"] == "unclear"


def test_the_suggested_model_does_not_count_such_a_rule_as_evidence():
    hit = np.array([True] * 503 + [False] * 65)
    y = np.array([1] * 188 + [0] * 315 + [1] * 17 + [0] * 48)
    row = suggested_model.lift_row(hit, y)

    assert row["lift_ci"][0] < 1 < row["lift_ci"][1]
    assert suggested_model.evidence_side(row) == 0


def test_a_clear_effect_still_gets_its_verdict():
    rule = engine.Rule(id=1, name="Asked for a demo", dimension="interest", points=20)
    (row,) = rule_lift(_groups(60, 100, 60, 300), [rule])

    assert row["lift_ci"][0] > 1
    assert row["verdict"] == "agrees"
