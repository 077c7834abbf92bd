"""
The demo's escalated leads got there through the real SLA check: every re-route their
escalation counts is in their decision log, so the demo's logs tell the truth.
"""

import pytest

from routing.demo import demo_routing_scenes
from routing.models import Assignment, AssignmentStatus, DecisionKind, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_every_reroute_an_escalation_counts_is_in_the_log(team):
    for name in ("Ana", "Ben", "Cy"):
        make_rep(team, name)
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    for _ in range(3):
        route()

    scenes = demo_routing_scenes()

    escalated = Assignment.objects.filter(
        status=AssignmentStatus.UNASSIGNED, escalated_at__isnull=False
    )
    assert scenes["escalated"] == escalated.count() == 2
    for lead in escalated:
        log = list(lead.decisions.order_by("occurred_at", "id"))
        reroutes = [d for d in log if d.kind == DecisionKind.REROUTED]
        assert len(reroutes) == lead.reroute_count
        assert [d.kind for d in log] == (
            [DecisionKind.ASSIGNED] + [DecisionKind.REROUTED] * lead.reroute_count
        ) + [DecisionKind.ESCALATED]
        assert f"re-route {lead.reroute_count} of 2" in reroutes[-1].sentence
