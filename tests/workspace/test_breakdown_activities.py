"""Every interest line of the score breakdown expands to the activities that gave its points."""

from __future__ import annotations

import pytest

from tests.factories import ActivityFactory, ContactFactory
from tests.routing.conftest import score

pytestmark = pytest.mark.django_db


def test_each_interest_line_lists_the_activities_behind_it(rep_client):
    contact = ContactFactory()
    first = ActivityFactory(contact=contact, properties={"title": "Pricing plans"})
    second = ActivityFactory(contact=contact, properties={"form_name": "Request a demo"})
    stored = score(contact, fit=40, interest=30, times=2)
    part = stored.breakdown["interest"][0]
    part["occurrences"] = [
        [first.pk, part["occurrences"][0][1]],
        [second.pk, part["occurrences"][1][1]],
    ]
    stored.save()

    html = rep_client.get(f"/scoring/contacts/{contact.pk}/").content.decode()
    details = html[html.index('class="reason-events"') : html.index("</details>")]
    assert "2 events" in details
    assert "Pricing plans" in details
    assert "Request a demo" in details


def test_a_deleted_activity_is_named_as_such_not_an_error(rep_client):
    contact = ContactFactory()
    score(contact, fit=40, interest=30, times=1)  # occurrence id 1: no such activity
    response = rep_client.get(f"/scoring/contacts/{contact.pk}/")
    assert response.status_code == 200
    assert "An activity since deleted" in response.content.decode()
