"""
The backtest's "won rate by score decile" cut the leads ordered by score, ties broken by
contact id. Rule scores are coarse (many leads score 0), so a tie straddling deciles was split
by id, which follows import order: on UCI Bank Marketing imported with live rules that give
every lead 0 points, the live deciles read 2 % at the top and 43 % at the bottom, a strong
ranking the rules do not have. Tied leads now share their won rate across the deciles.
"""

from __future__ import annotations

import pytest

from scoring.backtest import deciles
from tests.tuning.test_backtest_metrics import obs


def test_a_score_everyone_shares_gives_every_decile_the_base_rate():
    # Won leads come last by id (the later rows of a time-ordered import).
    rows = deciles([obs(i, 0, i >= 80) for i in range(100)])

    assert [r["rate"] for r in rows] == [pytest.approx(0.2)] * 10
    assert [r["won"] for r in rows] == [2] * 10


def test_a_tie_across_a_decile_boundary_is_shared_and_distinct_scores_are_kept():
    # Scores 9..1 for the first nine leads (distinct), then eleven tied at 0, of which 5 won.
    data = [obs(i, 9 - i, i < 3) for i in range(9)]
    data += [obs(100 + i, 0, i < 5) for i in range(11)]
    rows = deciles(data)

    assert [r["rate"] for r in rows[:4]] == [1.0, pytest.approx(0.5), 0, 0]
    # Decile 5 holds the ninth lead (score 1, lost) and one of the tie (5 won of 11).
    assert rows[4]["won"] == pytest.approx(0.5, abs=0.05)
    assert rows[-1]["rate"] == pytest.approx(5 / 11)
