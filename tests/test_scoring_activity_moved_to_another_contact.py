"""An activity edited onto another contact (the admin's contact field) leaves the first's score."""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import ScoreChange
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory, score_of

pytestmark = pytest.mark.django_db


def test_both_contacts_are_rescored_when_an_activity_moves():
    model = ScoringModelFactory()
    InterestRuleFactory(
        scoring_model=model,
        name="Asked for a demo",
        activity_kind="demo_request",
        points=30,
        is_hand_raise=True,
    )
    first, second = ContactFactory(), ContactFactory()
    activity, _ = activity_record(contact=first, kind="demo_request", occurred_at=timezone.now())
    assert score_of(first).interest == 30

    activity.contact = second
    activity.save()  # what the admin's change form does

    moved_from, moved_to = score_of(first), score_of(second)
    assert (moved_from.interest, moved_from.breakdown["interest"]) == (0, [])
    assert moved_from.hand_raise_rule == ""
    assert (moved_to.interest, moved_to.hand_raise_rule) == (30, "Asked for a demo")
    assert moved_to.breakdown["interest"][0]["count"] == 1
    assert ScoreChange.objects.filter(contact=first, interest_after=0).exists()


def test_an_edit_that_keeps_the_contact_rescores_it():
    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, activity_kind="pricing_page_view", points=10)
    contact = ContactFactory()
    activity, _ = activity_record(
        contact=contact, kind="pricing_page_view", occurred_at=timezone.now()
    )

    activity.kind = "page_view"
    activity.save()

    assert score_of(contact).interest == 0
