"""A lead nobody can take lands in the Unassigned queue: never dropped, and managers see it."""

import pytest

from routing.models import Assignment, AssignmentStatus, Notification, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_when_every_rep_is_unavailable_the_lead_is_unassigned_and_the_manager_told(
    team, manager, manager_client
):
    make_rep(team, "Ana", is_active=False)
    make_rep(team, "Ben", capacity=0)
    RoutingRuleFactory(name="EMEA SaaS", team=team, strategy=Strategy.ROUND_ROBIN)

    assignment = route()

    assert assignment.status == AssignmentStatus.UNASSIGNED
    assert assignment.team == team
    assert assignment.decisions.get().sentence == (
        "Matched 'EMEA SaaS'; round robin; skipped Ana (inactive), Ben (at capacity 0/0); "
        "nobody can take it: Unassigned"
    )
    notification = Notification.objects.get(recipient=manager)
    assert notification.kind == "unassigned"
    page = manager_client.get("/queue/?tab=unassigned").content.decode()
    assert str(assignment.contact) in page
    assert "nobody can take it: Unassigned" in page


def test_a_lead_no_rule_matches_is_unassigned_and_every_manager_sees_it(team, manager_client):
    make_rep(team, "Ana")
    RoutingRuleFactory(team=team, countries="Japan")  # no fallback rule

    assignment = route()

    assert assignment.status == AssignmentStatus.UNASSIGNED
    assert assignment.team is None
    assert assignment.decisions.get().sentence == (
        "No routing rule matched and there is no fallback rule; nobody can take it: Unassigned"
    )
    page = manager_client.get("/queue/?tab=unassigned").content.decode()
    assert str(assignment.contact) in page


def test_a_lead_is_routed_once_however_often_the_task_runs(team):
    make_rep(team, "Ana")
    RoutingRuleFactory(team=team)
    from routing import services
    from tests.routing.conftest import qualify

    qualification = qualify()
    first = services.lead_route(qualification_id=qualification.pk)
    second = services.lead_route(qualification_id=qualification.pk)
    assert first == second
    assert Assignment.objects.count() == 1
