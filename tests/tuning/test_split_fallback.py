"""
Outcomes split by time only when their dates spread; otherwise a stratified random split, and
the page says which and the share it really gave.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from scoring import backtest, services
from tests.factories import OutcomeFactory

DAY = datetime(2026, 1, 1, tzinfo=UTC)


def _items(dates, won_every=3):
    return [(i, i % won_every == 0, d) for i, d in enumerate(dates)]


def test_spread_dates_split_by_time():
    chosen = backtest.choose_split(_items([DAY + timedelta(days=i) for i in range(100)]))
    assert chosen.kind == "time"
    assert (chosen.n_train, chosen.n_test) == (70, 30)
    assert chosen.at == DAY + timedelta(days=70)


def test_outcomes_all_on_one_date_fall_back_to_a_stratified_random_split():
    items = _items([DAY] * 90)
    chosen = backtest.choose_split(items)
    assert chosen.kind == "random"
    assert "too bunched" in chosen.reason and "0 % in train" in chosen.reason
    assert chosen.share == pytest.approx(0.7, abs=0.02)
    won_train = sum(1 for key, won, _ in items if won and chosen.is_train(key))
    assert won_train == round(0.7 * 30)  # stratified: 70 % of the won too
    assert backtest.choose_split(items).train_keys == chosen.train_keys  # seeded


def test_missing_dates_fall_back_to_random_and_say_so():
    chosen = backtest.choose_split(_items([None] * 50))
    assert chosen.kind == "random" and "have no date" in chosen.reason


def test_a_time_split_leaving_no_won_lead_in_test_falls_back():
    dates = [DAY + timedelta(days=i) for i in range(100)]
    items = [(i, i < 50, d) for i, d in enumerate(dates)]  # every won lead is early
    chosen = backtest.choose_split(items)
    assert chosen.kind == "random" and "without a won or a lost" in chosen.reason


@pytest.mark.django_db
def test_the_page_names_the_fallback_and_never_claims_an_empty_train_period(
    live, draft, marketing_ops, ops_client
):
    decided = timezone.now() - timedelta(days=3)
    for i in range(20):
        OutcomeFactory(result="won" if i % 2 else "lost", decided_at=decided)
    services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=marketing_ops).pk
    )
    html = ops_client.get(f"/scoring/versions/{draft.pk}/whatif/").content.decode()
    assert "Stratified random split (outcome dates too bunched (1 distinct day)" in html
    assert "train = 14 outcomes (70.0%), test = 6" in html
    assert "Split by time" not in html
