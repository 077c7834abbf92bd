"""
A lead nobody could take, or escalated, in a team that has no manager is in every manager's
Unassigned tab (like a lead no rule placed), not only in the admins' queue.
"""

import datetime as dt

import pytest
from django.utils import timezone

from routing import services
from routing.models import AssignmentStatus
from tests.routing.conftest import RoutingRuleFactory, TeamFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def managerless():
    return TeamFactory(name="APAC", manager=None)


def test_a_lead_nobody_in_a_managerless_team_can_take_reaches_a_manager(
    managerless, team, manager_client
):
    make_rep(managerless, "Ana", is_active=False)
    RoutingRuleFactory(name="APAC", team=managerless)

    lead = route()

    assert lead.status == AssignmentStatus.UNASSIGNED and lead.team == managerless
    page = manager_client.get("/queue/?tab=unassigned").content.decode()
    assert str(lead.contact) in page
    assert "nobody can take it: Unassigned" in page


def test_a_lead_escalated_in_a_managerless_team_reaches_a_manager(
    managerless, team, manager_client
):
    make_rep(managerless, "Ana")
    RoutingRuleFactory(name="APAC", team=managerless)
    now = timezone.now()
    lead = route(now=now)

    services.assignments_check_sla(now=now + dt.timedelta(hours=5))

    lead.refresh_from_db()
    assert lead.status == AssignmentStatus.UNASSIGNED and lead.escalated_at is not None
    page = manager_client.get("/queue/?tab=unassigned").content.decode()
    assert str(lead.contact) in page
    assert "escalated to the Unassigned queue (the team has no manager)" in page


def test_a_managed_teams_unassigned_leads_stay_with_its_own_manager(team, manager_client):
    other = TeamFactory(name="Nordics", manager=make_rep(team, "Mo", username="mo"))
    make_rep(other, "Ole", is_active=False)
    RoutingRuleFactory(name="Nordics", team=other)

    lead = route()

    assert lead.status == AssignmentStatus.UNASSIGNED
    assert str(lead.contact) not in manager_client.get("/queue/?tab=unassigned").content.decode()
