"""Every interest line of the score breakdown expands to the activities that gave its points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import Activity
from contacts.services import activity_record
from scoring.models import ContactScore
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_views():
    """A live model whose one interest rule gives points for every page view."""
    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, name="Visited a page", activity_kind="page_view")
    return model


def _record(contact, days: int, **properties) -> Activity:
    activity, _ = activity_record(
        contact=contact,
        kind="page_view",
        occurred_at=timezone.now() - dt.timedelta(days=days),
        properties=properties,
    )
    return activity


def _events(html: str) -> str:
    return html[html.index('class="reason-events"') : html.index("</details>")]


def test_each_interest_line_lists_the_activities_behind_it(ops_client, page_views):
    contact = ContactFactory()
    _record(contact, 2, title="Pricing plans")
    _record(contact, 1, form_name="Request a demo")
    assert ContactScore.objects.get(contact=contact).rule_states  # a real score, not fabricated

    html = ops_client.get(f"/scoring/contacts/{contact.pk}/").content.decode()
    details = _events(html)
    assert "2 events" in details
    assert "Pricing plans" in details
    assert "Request a demo" in details


def test_a_deleted_activity_disappears_from_the_list_not_an_error(ops_client, page_views):
    contact = ContactFactory()
    _record(contact, 2, title="Pricing plans")
    _record(contact, 1, title="Careers page").delete()  # rebuilds the score from the history
    assert ContactScore.objects.get(contact=contact).interest == 5  # one page view left

    response = ops_client.get(f"/scoring/contacts/{contact.pk}/")
    assert response.status_code == 200
    details = _events(response.content.decode())
    assert "1 event<" in details
    assert "Pricing plans" in details
    assert "Careers page" not in response.content.decode()
    assert "An activity since deleted" not in response.content.decode()
