"""GET /api/v1/scores/ answers the score as of now, like every page: time moves it."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import ContactScore
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, name="Pricing", points=10)
    InterestRuleFactory(
        scoring_model=model,
        name="Careers page",
        activity_kind="page_view",
        points=-15,
        window_days=7,
    )
    return model


def test_pages_and_the_api_show_the_score_as_of_now(model, ops_api, monkeypatch):
    contact = ContactFactory()
    now = timezone.now()
    activity_record(contact=contact, kind="page_view", occurred_at=now - dt.timedelta(days=6))
    activity_record(contact=contact, kind="pricing_page_view", occurred_at=now)
    later = now + dt.timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    body = ops_api.get(f"/api/v1/scores/{contact.pk}/").json()
    # Stored: 10 - 15 = -5; as of now the penalty has left its 7-day window.
    assert ContactScore.objects.get(contact=contact).interest == -5
    assert body["interest"] == 10
    assert body["as_of"].startswith(later.strftime("%Y-%m-%dT%H:%M"))


def test_one_contacts_score_lists_the_activities_behind_each_interest_line(model, ops_api):
    contact = ContactFactory()
    now = timezone.now()
    first = activity_record(
        contact=contact, kind="pricing_page_view", occurred_at=now - dt.timedelta(days=1)
    )[0]
    second = activity_record(contact=contact, kind="pricing_page_view", occurred_at=now)[0]
    old = activity_record(
        contact=contact, kind="page_view", occurred_at=now - dt.timedelta(days=30)
    )[0]
    body = ops_api.get(f"/api/v1/scores/{contact.pk}/").json()
    lines = {line["name"]: line for line in body["breakdown"]["interest"]}
    assert [a["id"] for a in lines["Pricing"]["activities"]] == [second.pk, first.pk]
    assert lines["Pricing"]["count"] == 2
    assert "Careers page" not in lines  # its only activity left the 7-day window
    assert old.pk not in {a["id"] for line in lines.values() for a in line["activities"]}
