"""
GET /api/v1/scores/ lists every score of a live line while a newly published version's rescore
has yet to reach it: the rows still name the retired version that wrote them, and stay readable.
"""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring import services
from scoring.models import ContactScore, RescoreRun
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


def test_scores_stay_listed_until_the_rescore_reaches_them(ops_api):
    first = ScoringModelFactory()
    InterestRuleFactory(scoring_model=first, name="Pricing", points=10)
    contacts = [ContactFactory() for _ in range(2)]
    for contact in contacts:
        activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
    draft = services.scoring_model_draft_create(source=first, created_by=None)
    services.scoring_model_publish(draft=draft, published_by=None)
    # The run is queued for after the commit, which a test transaction never reaches.
    assert RescoreRun.objects.filter(scoring_model=draft).exists()
    assert set(ContactScore.objects.values_list("scoring_model_id", flat=True)) == {first.pk}

    listed = ops_api.get("/api/v1/scores/").json()["results"]
    one = ops_api.get(f"/api/v1/scores/{contacts[0].pk}/")

    assert sorted(row["contact_id"] for row in listed) == sorted(c.pk for c in contacts)
    assert one.status_code == 200
    assert one.json()["interest"] == 10
