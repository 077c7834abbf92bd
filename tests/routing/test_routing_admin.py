"""Marketing ops sets routing up in the admin: teams, reps, rules, webhooks and their log."""

import pytest

from routing.models import RoutingRule, WebhookEndpoint
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["team", "repprofile", "routingrule", "assignment", "webhookendpoint"]
)
def test_marketing_ops_opens_each_routing_admin_list(model, ops_client, team):
    make_rep(team, "Ana")
    RoutingRuleFactory(team=team)
    route()
    WebhookEndpoint.objects.create(name="CRM", url="https://crm.example/hook", events=[])
    url = f"/admin/routing/{model}/"
    if model == "assignment":
        # Assignments are the router's and the reps' business, not marketing's.
        assert ops_client.get(url).status_code == 403
    else:
        assert ops_client.get(url).status_code == 200


def test_a_rule_is_added_with_its_conditions_in_words(admin_client_persona, team):
    response = admin_client_persona.post(
        "/admin/routing/routingrule/add/",
        {
            "name": "DACH enterprise",
            "position": 5,
            "is_active": "on",
            "countries": "Germany, Austria, Switzerland",
            "min_employees": 1000,
            "team": team.pk,
            "strategy": "least_loaded",
            "account_match": "on",
            "sla_minutes": 120,
            "hand_raise_sla_minutes": 30,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RoutingRule.objects.get(name="DACH enterprise").min_employees == 1000
    listing = admin_client_persona.get("/admin/routing/routingrule/").content.decode()
    assert "country in Germany, Austria, Switzerland; 1,000 to ∞ employees" in listing


def test_a_named_rep_rule_without_a_rep_is_refused(admin_client_persona, team):
    response = admin_client_persona.post(
        "/admin/routing/routingrule/add/",
        {
            "name": "Strategic",
            "position": 1,
            "team": team.pk,
            "strategy": "named_rep",
            "sla_minutes": 240,
            "hand_raise_sla_minutes": 60,
        },
    )
    assert response.status_code == 200
    assert "The named-rep strategy needs a rep." in response.content.decode()
