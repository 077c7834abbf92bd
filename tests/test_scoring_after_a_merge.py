"""A merged contact is scored on every activity it now holds, the duplicates' included."""

import pytest
from django.utils import timezone

from contacts.merging import contacts_merge
from contacts.services import activity_record
from scoring.models import ContactScore
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


def test_the_kept_contacts_score_counts_the_duplicates_activities():
    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, name="Pricing", points=10)
    kept, duplicate = ContactFactory(), ContactFactory()
    activity_record(contact=kept, kind="pricing_page_view", occurred_at=timezone.now())
    for _ in range(2):
        activity_record(contact=duplicate, kind="pricing_page_view", occurred_at=timezone.now())

    contacts_merge(target=kept, duplicates=[duplicate])

    score = ContactScore.objects.get(contact=kept)
    assert score.interest == 30
    assert score.breakdown["interest"][0]["count"] == 3
    assert not ContactScore.objects.filter(contact=duplicate).exists()
