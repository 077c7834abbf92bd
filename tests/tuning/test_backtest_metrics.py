"""Backtest figures against hand-computed cases (scoring.backtest is pure)."""

from datetime import UTC, datetime, timedelta

import pytest

from scoring import engine
from scoring.backtest import (
    Observation,
    backtest,
    deciles,
    metrics,
    roc_auc,
    rule_lift,
    wilson,
)

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def obs(i, combined, won, qualifies=False, rules=(), days=0):
    return Observation(
        contact_id=i,
        won=won,
        decided_at=DAY + timedelta(days=days),
        fit=combined,
        interest=0,
        grade="A" if combined >= 40 else "D",
        band=3,
        qualifies=qualifies,
        rule_ids=frozenset(rules),
    )


SIX = [
    obs(1, 50, True, qualifies=True, rules=[1]),
    obs(2, 40, True, qualifies=True, rules=[1]),
    obs(3, 40, False, qualifies=True, rules=[1]),
    obs(4, 30, True),
    obs(5, 20, False),
    obs(6, 10, False),
]


def test_auc_counts_ties_as_half():
    # Won 50, 40, 30 against lost 40, 20, 10: 7.5 of 9 pairs ordered right.
    assert roc_auc([o.combined for o in SIX], [o.won for o in SIX]) == pytest.approx(7.5 / 9)
    assert roc_auc([1, 1, 1], [True, False, True]) == 0.5
    assert roc_auc([1, 2], [True, True]) is None


def test_mql_precision_recall_and_lift():
    figures = metrics(SIX)
    assert (figures["n"], figures["won"], figures["base_rate"]) == (6, 3, 0.5)
    assert (figures["mqls"], figures["mql_won"]) == (3, 2)
    assert figures["precision"] == pytest.approx(2 / 3)
    assert figures["recall"] == pytest.approx(2 / 3)
    assert figures["lift"] == pytest.approx((2 / 3) / 0.5)
    assert [(g["label"], g["n"], g["won"]) for g in figures["grades"]] == [
        ("A", 3, 2),
        ("B", 0, 0),
        ("C", 0, 0),
        ("D", 3, 1),
    ]


def test_the_wilson_interval():
    low, high = wilson(2, 3)
    assert (round(low, 4), round(high, 4)) == (0.2077, 0.9385)
    assert wilson(0, 0) is None
    low, high = wilson(0, 10)
    assert low == 0 and high == pytest.approx(0.2775, abs=1e-4)


def test_deciles_put_the_highest_scores_first():
    rows = deciles([obs(i, i, i > 15) for i in range(20)])
    assert [r["label"] for r in rows] == list(range(1, 11))
    assert (rows[0]["n"], rows[0]["won"], rows[0]["min"], rows[0]["max"]) == (2, 2, 18, 19)
    assert rows[-1]["rate"] == 0


def _rule(rule_id, points, name="R"):
    return engine.Rule(id=rule_id, name=name, dimension="fit", points=points)


def test_per_rule_lift_with_counts_and_interval():
    (row,) = rule_lift(SIX, [_rule(1, 10)], min_group=1)
    assert (row["n_in"], row["won_in"], row["n_out"], row["won_out"]) == (3, 2, 3, 1)
    assert row["lift"] == pytest.approx(2.0)
    assert row["ci_in"] == pytest.approx((0.2077, 0.9385), abs=1e-4)
    # Katz: 2 x exp(+-1.96 x sqrt(1/2 - 1/3 + 1/1 - 1/3)), both groups' uncertainty.
    assert row["lift_ci"] == pytest.approx((0.3342, 11.969), abs=1e-3)
    assert (row["verdict"], row["suggested"]) == ("unclear", None)
    (few,) = rule_lift(SIX, [_rule(1, 10)])
    assert few["verdict"] == "too few"


def test_a_rule_whose_points_disagree_with_its_lift_gets_a_suggestion():
    """
    20 contacts match rule 2 (+10): 2 won. 20 match rule 3 (+20): 12 won. Rule 3 agrees (lift 6)
    and sets the scale: 20 points / ln((12.5/8.5)/(2.5/18.5)) = 8.38 points per log-odds.
    Rule 2's log-odds is the same, negative: 8.38 x -2.387 = -20.
    """
    data = [obs(i, 0, i < 2, rules=[2]) for i in range(20)]
    data += [obs(100 + i, 0, i < 12, rules=[3]) for i in range(20)]
    two, three = rule_lift(data, [_rule(2, 10), _rule(3, 20)])
    assert three["verdict"] == "agrees" and three["suggested"] is None
    assert three["lift"] == pytest.approx(6.0)
    assert two["rate_in"] == 0.1 and two["rate_out"] == 0.6
    assert two["lift_ci"][1] < 1
    assert two["verdict"] == "disagrees"
    assert two["suggested"] == -20.0


def test_a_penalty_on_contacts_who_win_more_is_flagged():
    data = [obs(i, 0, i < 15, rules=[4]) for i in range(20)]
    data += [obs(100 + i, 0, i < 5, rules=[]) for i in range(20)]
    (row,) = rule_lift(data, [_rule(4, -10)])
    assert row["verdict"] == "disagrees" and row["suggested"] > 0


def test_backtest_reports_train_and_test_apart():
    data = [obs(i, 100 - i, i % 2 == 0, days=i) for i in range(10)]
    result = backtest(data, [], split_at=DAY + timedelta(days=7))
    assert (result["train"]["n"], result["test"]["n"]) == (7, 3)
    assert result["test"]["auc"] == pytest.approx(0.5)  # test: 7 lost, 8 won, 9 lost
