"""The contact page shows owner and assignment state, the actions the user may take, the log."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from contacts.models import Company, Contact, LifecycleStage
from routing.models import AssignmentStatus, Strategy
from scoring.models import Qualification, QualificationStatus
from tests.routing.conftest import RoutingRuleFactory, make_rep, qualify, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(team, rep_profile, rep):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    assignment = route()
    assert assignment.rep == rep
    return assignment


def panel(client, assignment) -> str:
    response = client.get(f"/contacts/{assignment.contact_id}/routing/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_contact_page_loads_the_routing_panel(rep_client, assignment):
    html = rep_client.get(f"/contacts/{assignment.contact_id}/").content.decode()
    assert f'hx-get="/contacts/{assignment.contact_id}/routing/"' in html
    assert f'href="/contacts/{assignment.contact_id}/routing/"' in html


def test_the_holder_sees_owner_state_accept_and_reject_and_the_log(rep_client, assignment):
    html = panel(rep_client, assignment)
    assert "Rita" in html and "holds the lead" in html
    assert "Awaiting acceptance" in html
    assert f'action="/queue/{assignment.pk}/accept/"' in html
    assert f'action="/queue/{assignment.pk}/reject/"' in html
    assert "Routing decision log" in html
    assert escape(assignment.decisions.get().sentence) in html


def test_another_rep_sees_the_state_but_no_actions(assignment, team, client):
    other = make_rep(team, "Otto")
    # Otto owns the account (so he may see the lead); round robin gave the lead to Rita.
    Company.objects.filter(pk=assignment.contact.company_id).update(account_owner=other)
    client.force_login(other)
    html = panel(client, assignment)
    assert "Awaiting acceptance" in html
    assert "/accept/" not in html and "/reject/" not in html
    assert "Only Rita" in html and "or their manager can act on this lead." in html


def test_the_manager_may_reassign_and_disqualify_but_not_accept(manager_client, assignment):
    html = panel(manager_client, assignment)
    assert f'action="/queue/{assignment.pk}/reassign/"' in html
    assert f'action="/queue/{assignment.pk}/disqualify/"' in html
    assert "/accept/" not in html


def test_accepting_from_the_contact_page_comes_back_to_it(rep_client, assignment):
    page = f"/contacts/{assignment.contact_id}/"
    response = rep_client.post(f"/queue/{assignment.pk}/accept/", {"next": page}, follow=True)
    assert response.redirect_chain[-1][0] == page
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED
    html = panel(rep_client, assignment)
    assert f'action="/queue/{assignment.pk}/outcome/"' in html  # won / lost now
    assert "/accept/" not in html


def test_a_contact_never_routed_says_so(rep_client, rep_owns_acme):
    html = rep_client.get(f"/contacts/{rep_owns_acme['ada'].pk}/routing/").content.decode()
    assert "Not routed: no open qualification." in html


def test_a_customer_is_said_to_be_scored_not_routed(ops_client, rep_owns_acme):
    # Not "routed when its score meets the MQL rule": a customer's may, and is never routed.
    ada = rep_owns_acme["ada"]
    Contact.objects.filter(pk=ada.pk).update(lifecycle_stage=LifecycleStage.CUSTOMER)
    html = ops_client.get(f"/contacts/{ada.pk}/routing/").content.decode()
    assert "At the Customer stage a contact is scored, not routed as a new lead." in html
    assert "A lead is routed when" not in html


@pytest.mark.parametrize(
    "status, shown",
    [
        (QualificationStatus.PENDING_RELEASE, "waiting for marketing to release it"),
        (QualificationStatus.RELEASED, "being routed"),
    ],
)
def test_a_qualified_lead_not_routed_yet_says_what_it_waits_for(ops_client, status, shown):
    # Not "never qualified": a lead a rule change qualified waits for release, and a released
    # one is routed once its outbox message is delivered.
    qualification = qualify()
    Qualification.objects.filter(pk=qualification.pk).update(status=status)
    html = ops_client.get(f"/contacts/{qualification.contact_id}/routing/").content.decode()
    assert shown in html and "(Fit and interest)" in html
    assert "no open qualification" not in html


def test_marketing_sees_the_owner_but_neither_actions_nor_log(ops_client, assignment):
    html = panel(ops_client, assignment)
    assert "Rita" in html
    assert "/accept/" not in html and "/reassign/" not in html
    assert "Routing decision log" not in html
