"""The backtest splits outcomes at a date X, and scores each contact as of its outcome."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from scoring import backtest, services
from tests.factories import ActivityFactory, ContactFactory, OutcomeFactory

START = datetime(2026, 1, 1, tzinfo=UTC)


def test_the_default_split_puts_70_percent_of_outcomes_before_x():
    dates = [START + timedelta(days=d) for d in range(10)]
    at = backtest.default_split(reversed(dates))
    assert at == START + timedelta(days=7)
    observations = [
        backtest.Observation(i, True, d, 0, 0, "D", 3, False) for i, d in enumerate(dates)
    ]
    train, test = backtest.split(observations, at)
    assert (len(train), len(test)) == (7, 3)
    assert max(o.decided_at for o in train) < at <= min(o.decided_at for o in test)
    assert backtest.default_split([]) is None


@pytest.mark.django_db
def test_each_contact_is_scored_with_only_the_activities_before_its_outcome(
    live, draft, marketing_ops
):
    decided = timezone.now() - timedelta(days=10)
    contact = ContactFactory()
    ActivityFactory(
        contact=contact, kind="pricing_page_view", occurred_at=decided - timedelta(days=1)
    )
    for _ in range(3):  # after the deal was decided: must not count
        ActivityFactory(
            contact=contact, kind="pricing_page_view", occurred_at=decided + timedelta(days=1)
        )
    OutcomeFactory(contact=contact, result="won", decided_at=decided)
    run = services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=marketing_ops).pk
    )
    ((live_row, _draft_row),) = run.observations
    observation = backtest.observation_from_json(live_row)
    assert (observation.won, observation.decided_at) == (True, decided)
    assert (observation.fit, observation.interest) == (20, 10)  # one view, not four
    assert run.result["entering"] == [] and run.result["mql"]["live"] == 1  # now: 4 views


@pytest.mark.django_db
def test_the_page_re_splits_at_the_chosen_date(live, draft, marketing_ops, ops_client):
    now = timezone.now()
    for days in range(10):
        OutcomeFactory(
            result="won" if days % 2 else "lost", decided_at=now - timedelta(days=20 - days)
        )
    services.whatif_run_execute(
        run_id=services.whatif_run_create(draft=draft, requested_by=marketing_ops).pk
    )
    html = ops_client.get(f"/scoring/versions/{draft.pk}/whatif/").content.decode()
    assert "train = outcomes decided before X (7, 70.0%); test = from X on (3)" in html
    split = (now - timedelta(days=15)).date().isoformat()
    html = ops_client.get(f"/scoring/versions/{draft.pk}/whatif/?split={split}").content.decode()
    assert "train = outcomes decided before X (5, 50.0%); test = from X on (5)" in html
    assert f'value="{split}"' in html
