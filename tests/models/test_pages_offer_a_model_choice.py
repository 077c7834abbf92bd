"""
The queue, the contact list and a contact's score panel offer a choice of scoring model once a
second one exists, and show each lead under the model it qualified under.
"""

import re

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import ScoringLine
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def names(html: str) -> list[str]:
    return sorted(re.findall(r'class="row-link">([^<]+)</a>', html))


def qualify(name: str, kind: str, capture):
    first, last = name.split()
    contact = ContactFactory(first_name=first, last_name=last)
    with capture(execute=True):
        for _ in range(2):
            activity_record(contact=contact, kind=kind, occurred_at=timezone.now())
    return contact


@pytest.fixture
def leads(teams, django_capture_on_commit_callbacks):
    return {
        "core": qualify("Cora Pricing", "pricing_page_view", django_capture_on_commit_callbacks),
        "enterprise": qualify("Ed Webinar", "webinar_attended", django_capture_on_commit_callbacks),
    }


def test_the_queue_filters_by_model_and_names_each_leads_model(leads, enterprise, manager_client):
    every = manager_client.get("/queue/").content.decode()
    assert names(every) == ["Cora Pricing", "Ed Webinar"]
    assert 'name="model"' in every and ">Enterprise</option>" in every
    assert 'class="cell-sub q-model">Enterprise<' in every

    only = manager_client.get(f"/queue/?model={enterprise.line_id}").content.decode()

    assert names(only) == ["Ed Webinar"]


def test_the_contact_list_shows_grades_under_the_chosen_model(leads, enterprise, manager_client):
    webinar_fan = leads["enterprise"]
    default = manager_client.get("/contacts/?mql=true").content.decode()
    chosen = manager_client.get(f"/contacts/?mql=true&model={enterprise.line_id}").content.decode()

    assert "Ed Webinar" not in default  # no MQL under the default model
    assert "Ed Webinar" in chosen and "Cora Pricing" not in chosen
    assert f'href="/contacts/{webinar_fan.pk}/"' in chosen


def test_a_contacts_score_panel_switches_between_models(leads, enterprise, ops_client):
    contact = leads["enterprise"]
    panel = ops_client.get(f"/scoring/contacts/{contact.pk}/").content.decode()
    assert 'aria-label="Scoring models"' in panel
    assert "Below the MQL rule" in panel  # the default model

    chosen = ops_client.get(f"/scoring/contacts/{contact.pk}/?model={enterprise.line_id}")

    assert "MQL since" in chosen.content.decode()
    assert "Enterprise: webinar_attended" in chosen.content.decode()


def test_with_one_model_no_page_asks_which(core, manager_client, ops_client):
    contact = ContactFactory()
    assert ScoringLine.objects.count() == 1
    for html in (
        manager_client.get("/queue/").content.decode(),
        manager_client.get("/contacts/").content.decode(),
        ops_client.get(f"/scoring/contacts/{contact.pk}/").content.decode(),
        ops_client.get("/scoring/").content.decode(),
    ):
        assert "Scoring model</label>" not in html
        assert 'aria-label="Scoring models"' not in html
