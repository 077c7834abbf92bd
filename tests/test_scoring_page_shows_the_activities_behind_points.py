"""Each interest line on a lead's score page opens on the activities that gave its points."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.defaults import default_model_create
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_an_interest_line_lists_its_activities_newest_first(ops_client):
    default_model_create()
    contact = ContactFactory()
    now = timezone.now()
    for days, url in ((1, "/pricing/enterprise"), (3, "/pricing/teams")):
        activity_record(
            contact=contact,
            kind="pricing_page_view",
            occurred_at=now - dt.timedelta(days=days),
            properties={"url": url},
        )
    html = ops_client.get(f"/scoring/contacts/{contact.pk}/").content.decode()
    assert '<details class="reason-events">' in html
    assert html.index("/pricing/enterprise") < html.index("/pricing/teams")
