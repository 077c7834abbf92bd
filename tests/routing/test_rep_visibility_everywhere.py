"""
One visibility rule for reps on every page and API endpoint: a rep sees the contacts of the
accounts they own and the leads given to them now or before; everything else is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from contacts.models import ContactHolder
from contacts.selectors import contacts_visible_to
from integrations.services import api_key_create
from routing import services
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory
from tests.routing.conftest import RoutingRuleFactory, make_rep, route, score

pytestmark = pytest.mark.django_db

VISIBLE = ("owned", "held_now", "held_before")
HIDDEN = ("other_reps_account", "unowned")


@dataclass
class Lead:
    contact_id: int
    company_id: int
    activity_id: int
    email: str


@pytest.fixture
def world(rep, rep_profile, team, manager) -> dict[str, Lead]:
    """Rita (the rep persona) owns one account, holds one lead, held another before."""
    RoutingRuleFactory(team=team, account_match=False)
    owned = ContactFactory(company=CompanyFactory(account_owner=rep))
    score(owned)
    held_now = route(ContactFactory(company=CompanyFactory(account_owner=None))).contact
    moved = route(ContactFactory(company=CompanyFactory(account_owner=None)))
    oscar = make_rep(team, "Oscar")
    services.assignment_reassign(assignment=moved, to_rep=oscar, by=manager, reason="Holiday")
    other = ContactFactory(company=CompanyFactory(account_owner=oscar))
    score(other)
    unowned = ContactFactory(company=CompanyFactory(account_owner=None))
    score(unowned)
    contacts = {
        "owned": owned,
        "held_now": held_now,
        "held_before": moved.contact,
        "other_reps_account": other,
        "unowned": unowned,
    }
    return {
        name: Lead(c.pk, c.company_id, ActivityFactory(contact=c).pk, c.email)
        for name, c in contacts.items()
    }


@pytest.fixture
def rep_api(rep) -> APIClient:
    _, raw = api_key_create(name="Rep key", owner=rep, scopes=["read"], throttle_rate="")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


# Every page and endpoint that shows one contact (or its company or activity), by who asks.
DETAIL_URLS = [
    ("session", "/contacts/{contact_id}/"),
    ("session", "/scoring/contacts/{contact_id}/"),
    ("session", "/predictive/contacts/{contact_id}/"),
    ("api", "/api/v1/contacts/{contact_id}/"),
    ("api", "/api/v1/contacts/{contact_id}/export/"),
    ("api", "/api/v1/scores/{contact_id}/"),
    ("api", "/api/v1/companies/{company_id}/"),
    ("api", "/api/v1/activities/{activity_id}/"),
    ("api", "/api/v1/activities/?contact={contact_id}"),
    ("api", "/api/v1/scores/?company={company_id}"),
]

# Every list: (who, URL, how to read the ids of contacts in it, which Lead attribute matches).
LIST_URLS = [
    ("session", "/contacts/", "html", "email"),
    ("api", "/api/v1/contacts/", "id", "contact_id"),
    ("api", "/api/v1/scores/", "contact_id", "contact_id"),
    ("api", "/api/v1/companies/", "id", "company_id"),
    ("api", "/api/v1/activities/", "id", "activity_id"),
]


def _client(kind, rep_client, rep_api):
    return rep_client if kind == "session" else rep_api


@pytest.mark.parametrize("who, url", DETAIL_URLS)
@pytest.mark.parametrize("lead", VISIBLE + HIDDEN)
def test_each_detail_page_and_endpoint_follows_the_rule(who, url, lead, world, rep_client, rep_api):
    response = _client(who, rep_client, rep_api).get(url.format(**vars(world[lead])))
    if "?" in url:  # a filtered list: the lead's rows appear or the list is empty
        assert response.status_code == 200
        assert (len(response.json()["results"]) > 0) == (lead in VISIBLE)
    elif lead in VISIBLE:
        assert response.status_code == 200, response.content[:200]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("who, url, key, attribute", LIST_URLS)
def test_each_list_shows_exactly_the_visible_leads(
    who, url, key, attribute, world, rep_client, rep_api
):
    response = _client(who, rep_client, rep_api).get(url)
    assert response.status_code == 200
    expected = {getattr(world[name], attribute) for name in VISIBLE}
    hidden = {getattr(world[name], attribute) for name in HIDDEN}
    if key == "html":
        page = response.content.decode()
        assert all(value in page for value in expected)
        assert not any(value in page for value in hidden)
    else:
        assert {row[key] for row in response.json()["results"]} == expected


def test_the_queue_shows_only_leads_the_rule_lets_the_rep_see(world, rep, rep_api):
    assignments = rep_api.get("/api/v1/assignments/").json()["results"]
    assert {a["contact"]["id"] for a in assignments} == {world["held_now"].contact_id}
    visible = set(contacts_visible_to(rep).values_list("pk", flat=True))
    assert {a["contact"]["id"] for a in assignments} <= visible


def test_routing_records_every_holder(world, rep):
    held = set(ContactHolder.objects.filter(user=rep).values_list("contact_id", flat=True))
    assert held == {world["held_now"].contact_id, world["held_before"].contact_id}


def test_a_manager_sees_every_lead(world, manager_client):
    for lead in world.values():
        assert manager_client.get(f"/contacts/{lead.contact_id}/").status_code == 200
