"""
Time alone moves scores: a penalty leaving its window, an activity dated in the future
arriving. The time refresh records the change and qualifies a lead that now crosses the MQL
rule, and the lead is routed.
"""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import ChangeReason, ContactScore, Qualification
from scoring.services import scores_refresh_time
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    model = ScoringModelFactory(mql_mode="combined", mql_combined_threshold=20)
    InterestRuleFactory(scoring_model=model, name="Pricing", points=10)
    InterestRuleFactory(
        scoring_model=model,
        name="Careers page",
        activity_kind="page_view",
        points=-15,
        window_days=7,
    )
    return model


def test_a_lead_crosses_the_mql_rule_when_a_penalty_leaves_its_window(
    model, announcements, django_capture_on_commit_callbacks
):
    contact = ContactFactory()
    now = timezone.now()
    activity_record(contact=contact, kind="page_view", occurred_at=now - dt.timedelta(days=6))
    for _ in range(2):
        activity_record(contact=contact, kind="pricing_page_view", occurred_at=now)
    assert ContactScore.objects.get(contact=contact).interest == 5
    assert not Qualification.objects.filter(contact=contact).exists()

    with django_capture_on_commit_callbacks(execute=True):  # the outbox delivers on commit
        assert scores_refresh_time(now=now + dt.timedelta(days=2)) == 1

    stored = ContactScore.objects.get(contact=contact)
    assert (stored.interest, stored.meets_threshold) == (20, True)
    qualification = Qualification.objects.get(contact=contact)
    assert qualification.status == "released"
    assert announcements == [contact.pk]
    change = contact.score_changes.filter(reason=ChangeReason.DECAY).get()
    assert (change.interest_before, change.interest_after) == (5, 20)
    # Nothing moves again: a second refresh rewrites nothing and announces nothing.
    assert scores_refresh_time(now=now + dt.timedelta(days=2, hours=1)) == 0
    assert announcements == [contact.pk]


def test_an_activity_dated_in_the_future_counts_from_its_time(model):
    contact = ContactFactory()
    now = timezone.now()
    activity_record(
        contact=contact, kind="pricing_page_view", occurred_at=now + dt.timedelta(days=3)
    )
    stored = ContactScore.objects.get(contact=contact)
    assert stored.interest == 0
    assert stored.next_change_at == now + dt.timedelta(days=3)

    assert scores_refresh_time(now=now + dt.timedelta(days=1)) == 0
    assert scores_refresh_time(now=now + dt.timedelta(days=3, seconds=1)) == 1
    assert ContactScore.objects.get(contact=contact).interest == 10
