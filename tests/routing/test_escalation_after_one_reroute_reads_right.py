"""The escalation line counts its re-routes in words that read right: 'after 1 re-route'."""

import datetime as dt

import pytest
from django.utils import timezone

from routing import services
from routing.models import DecisionKind, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_one_reroute_is_singular(team):
    team.escalate_after_reroutes = 1
    team.save(update_fields=["escalate_after_reroutes"])
    make_rep(team, "Ana")
    make_rep(team, "Ben")
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    now = timezone.now()
    lead = route(now=now)

    services.assignments_check_sla(now=now + dt.timedelta(hours=5))
    services.assignments_check_sla(now=now + dt.timedelta(hours=10))

    escalation = lead.decisions.get(kind=DecisionKind.ESCALATED).sentence
    assert escalation.startswith("SLA of 4 h ran out with Ben after 1 re-route; escalated to ")
