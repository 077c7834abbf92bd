"""
Deleting a user who holds leads (in the admin) puts those leads back in the Unassigned queue in
front of their team's manager, logged; it used to answer 500 (a held lead must have a rep).
"""

import pytest

from routing import services
from routing.models import Assignment, AssignmentStatus, Notification, RepProfile, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana_leads(team):
    ana = make_rep(team, "Ana")
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    waiting, accepted = route(), route()
    services.assignment_accept(assignment=accepted, user=ana)
    return ana, waiting, accepted


def test_the_admin_deletes_a_rep_and_their_leads_wait_for_the_manager(
    ana_leads, manager, admin_client_persona, manager_client
):
    ana, waiting, accepted = ana_leads

    response = admin_client_persona.post(f"/admin/auth/user/{ana.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    for lead, was in ((waiting, "awaiting acceptance"), (accepted, "accepted")):
        lead = Assignment.objects.get(pk=lead.pk)
        assert lead.status == AssignmentStatus.UNASSIGNED
        assert lead.rep is None and lead.sla_due_at is None
        assert lead.decisions.first().sentence == (
            f"Ana's user account was deleted while the lead was {was}; back to the Unassigned "
            f"queue for {manager.first_name or manager.username} (manager of EMEA)"
        )
    assert Notification.objects.filter(recipient=manager, kind="unassigned").count() == 2
    page = manager_client.get("/queue/?tab=unassigned").content.decode()
    assert str(waiting.contact) in page and str(accepted.contact) in page


def test_deleting_a_manager_who_holds_a_lead_leaves_it_in_the_unassigned_queue(team, manager):
    RepProfile.objects.create(user=manager, team=team)
    RoutingRuleFactory(team=team, account_match=False)
    lead = route()
    assert lead.rep == manager

    manager.delete()

    lead.refresh_from_db()
    assert lead.status == AssignmentStatus.UNASSIGNED and lead.rep is None
    assert lead.decisions.first().sentence.endswith("; back to the Unassigned queue")
    # Nothing is addressed to the user who is gone.
    assert not Notification.objects.filter(kind="unassigned").exists()
