"""
After a row action through htmx, the re-rendered queue's links back (each form's `next`, the
popovers' `?next=`) name the queue as the rep sees it, not the action's POST-only URL.
"""

import re
from html import unescape
from urllib.parse import unquote

import pytest

from routing.models import AssignmentStatus, Strategy
from tests.factories import ContactFactory
from tests.routing.conftest import RoutingRuleFactory, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_leads(team, rep_profile):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    return [
        route(ContactFactory(first_name=first, last_name="Lead"), fit=65, interest=55)
        for first in ("Alpha", "Beta")
    ]


def returns_to(html: str) -> list[str]:
    """Every place the page sends the rep back to: hidden `next` inputs and `?next=` links."""
    inputs = re.findall(r'name="next" value="([^"]*)"', html)
    links = re.findall(r'\?next=([^"&]*)', html)
    return [unescape(value) for value in inputs] + [unquote(unescape(q)) for q in links]


def test_after_accepting_the_queue_links_return_to_the_same_tab_and_filters(two_leads, rep_client):
    accepted, other = two_leads
    response = rep_client.post(
        f"/queue/{accepted.pk}/accept/",
        {"tab": "open", "grade": "A"},
        headers={"HX-Request": "true"},
    )

    accepted.refresh_from_db()
    assert accepted.status == AssignmentStatus.ACCEPTED
    html = response.content.decode()
    assert f'id="lead-{other.pk}"' in html  # the other lead's row, with its actions
    targets = returns_to(html)
    assert targets, "the row's actions carry no way back"
    assert set(targets) == {"/queue/?grade=A&tab=open"}
    # Where they lead is a page, not the accept URL (which answers only POST).
    assert rep_client.get(targets[0]).status_code == 200


def test_a_popover_form_fetched_after_an_action_returns_to_the_queue(two_leads, rep_client):
    accepted, other = two_leads
    html = rep_client.post(
        f"/queue/{accepted.pk}/accept/", {"tab": "open"}, headers={"HX-Request": "true"}
    ).content.decode()
    reject_url = unescape(re.search(rf'hx-get="(/queue/{other.pk}/actions/reject/[^"]*)"', html)[1])

    form = rep_client.get(reject_url, headers={"HX-Request": "true"}).content.decode()

    assert returns_to(form) == ["/queue/?tab=open"]
