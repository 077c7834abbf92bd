"""Accept, reject with a reason, disqualify, record the outcome, and reassign by hand."""

import pytest
from django.contrib.messages import get_messages

from contacts.models import LifecycleStage, Outcome
from routing.models import AssignmentStatus, DecisionKind, Strategy
from scoring.models import Qualification
from scoring.services import qualification_close
from tests.routing.conftest import RoutingRuleFactory, make_rep, qualify, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(team, rep_profile, rep):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    assignment = route()
    assert assignment.rep == rep
    return assignment


def test_accepting_makes_the_lead_sales_accepted_with_its_date(assignment, rep_client):
    response = rep_client.post(f"/queue/{assignment.pk}/accept/")

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED
    assert assignment.sla_due_at is None
    contact = assignment.contact
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.SAL
    assert contact.sal_at == assignment.accepted_at
    assert (
        assignment.decisions.filter(kind=DecisionKind.ACCEPTED)
        .get()
        .sentence.startswith("Accepted by Rita")
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Accepted {contact}: it is in Accepted now."
    ]


def test_accepting_with_htmx_updates_the_queue_in_place(assignment, rep_client):
    response = rep_client.post(
        f"/queue/{assignment.pk}/accept/", {"tab": "open"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="queue"')
    assert "You're all caught up" in html  # out of the open list
    assert 'Accepted <span class="q-tab-count">1</span>' in html  # into Accepted
    assert "it is in Accepted now" in html  # the toast, swapped in out of band
    assert '<span id="nav-unread" hx-swap-oob="true">' in html  # the nav badge, refreshed


def test_rejecting_recycles_the_lead_keeps_the_reason_and_lets_it_requalify(assignment, rep_client):
    response = rep_client.post(
        f"/queue/{assignment.pk}/reject/", {"reason": "bad_timing", "note": "Budget in Q3"}
    )
    assert response.status_code == 302

    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REJECTED
    assert assignment.close_reason == "Bad timing: Budget in Q3"
    contact = assignment.contact
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.RECYCLED
    assert contact.recycled_at is not None
    qualification = Qualification.objects.get(pk=assignment.qualification_id)
    assert qualification.closed_at is not None
    assert qualification.closed_reason == "Rejected by Rita: Bad timing: Budget in Q3"
    # Closed, so the lead can qualify again and be routed anew.
    again = qualify(contact)
    assert again.pk != qualification.pk


def test_rejecting_needs_a_reason(assignment, rep_client):
    response = rep_client.post(f"/queue/{assignment.pk}/reject/", {"reason": ""}, follow=True)
    assert "Choose why you are rejecting this lead." in response.content.decode()
    response = rep_client.post(f"/queue/{assignment.pk}/reject/", {"reason": "other"}, follow=True)
    assert "Say why in a few words" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING


def test_disqualifying_closes_the_lead_for_good(assignment, rep_client):
    rep_client.post(f"/queue/{assignment.pk}/disqualify/", {"reason": "competitor"})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DISQUALIFIED
    assignment.contact.refresh_from_db()
    assert assignment.contact.lifecycle_stage == LifecycleStage.DISQUALIFIED
    assert Qualification.objects.get(pk=assignment.qualification_id).closed_at is not None


def test_the_outcome_is_recorded_later_on_an_accepted_lead(assignment, rep_client, rep):
    rep_client.post(f"/queue/{assignment.pk}/accept/")
    rep_client.post(f"/queue/{assignment.pk}/outcome/", {"result": "won", "amount": "24,000"})

    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WON
    outcome = Outcome.objects.get(contact=assignment.contact)
    assert outcome.result == "won" and outcome.amount == 24000 and outcome.recorded_by == rep
    assignment.contact.refresh_from_db()
    assert assignment.contact.lifecycle_stage == LifecycleStage.CUSTOMER
    assert "Won for $24,000, recorded by Rita" in assignment.decisions.values_list(
        "sentence", flat=True
    )


def test_a_lost_outcome_needs_its_reason(assignment, rep_client):
    rep_client.post(f"/queue/{assignment.pk}/accept/")
    rep_client.post(f"/queue/{assignment.pk}/outcome/", {"result": "lost"})
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED
    rep_client.post(
        f"/queue/{assignment.pk}/outcome/", {"result": "lost", "lost_reason": "Chose a rival"}
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.LOST
    assert Outcome.objects.get(contact=assignment.contact).lost_reason == "Chose a rival"


def test_a_manager_reassigns_with_a_reason_that_is_logged(
    assignment, team, manager_client, django_capture_on_commit_callbacks
):
    ben = make_rep(team, "Ben")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            f"/queue/{assignment.pk}/reassign/",
            {"to_rep": ben.pk, "reason": "Ben knows the account"},
        )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.rep == ben
    assert assignment.status == AssignmentStatus.PENDING
    log = assignment.decisions.filter(kind=DecisionKind.REASSIGNED).get()
    assert log.sentence == ("Reassigned by max.manager from Rita to Ben: Ben knows the account")
    assert log.actor.username == "max.manager"


def test_reassigning_needs_a_reason_and_a_rep_of_the_managers_team(
    assignment, team, manager_client
):
    ben = make_rep(team, "Ben")
    response = manager_client.post(
        f"/queue/{assignment.pk}/reassign/", {"to_rep": ben.pk, "reason": " "}, follow=True
    )
    assert "Give a reason for the reassignment" in response.content.decode()
    from tests.routing.conftest import TeamFactory

    stranger = make_rep(TeamFactory(name="Elsewhere"), "Stan")
    response = manager_client.post(
        f"/queue/{assignment.pk}/reassign/", {"to_rep": stranger.pk, "reason": "x"}, follow=True
    )
    assert "Choose a rep of your team." in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.rep.first_name == "Rita"


def test_a_manager_assigns_an_unassigned_lead_by_hand(team, rep_profile, rep, manager_client):
    RoutingRuleFactory(team=team, countries="Japan")  # nothing else matches: Unassigned
    assignment = route()
    assert assignment.status == AssignmentStatus.UNASSIGNED
    manager_client.post(
        f"/queue/{assignment.pk}/reassign/", {"to_rep": rep.pk, "reason": "Rita covers it"}
    )
    assignment.refresh_from_db()
    assert assignment.rep == rep and assignment.status == AssignmentStatus.PENDING
    assert assignment.sla_due_at is not None


def test_acting_twice_is_refused_politely(assignment, rep_client):
    rep_client.post(f"/queue/{assignment.pk}/accept/")
    response = rep_client.post(f"/queue/{assignment.pk}/accept/", follow=True)
    assert "This lead is accepted already." in response.content.decode()


def test_a_closed_qualification_is_not_routed(team, rep_profile):
    from routing import services
    from routing.models import Assignment

    RoutingRuleFactory(team=team)
    qualification = qualify()
    qualification_close(contact=qualification.contact, reason="Marketing withdrew it")
    assert services.lead_route(qualification_id=qualification.pk) is None
    assert not Assignment.objects.exists()
