"""Reassigning to a rep who is away, full or cooling off warns; the manager may confirm."""

import datetime as dt

import pytest
from django.utils import timezone

from routing import services
from routing.models import AssignmentStatus, DecisionKind, RejectReason, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(team, rep_profile, rep):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    assignment = route()
    assert assignment.rep == rep
    return assignment


def test_an_away_rep_warns_and_nothing_changes(lead, team, manager):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    away = make_rep(team, "Ola", out_of_office_until=tomorrow)

    with pytest.raises(services.ReassignWarning) as caught:
        services.assignment_reassign(assignment=lead, to_rep=away, by=manager, reason="covers")

    assert caught.value.warnings == [f"Ola is out of office until {tomorrow.day} {tomorrow:%b}."]
    lead.refresh_from_db()
    assert lead.rep.first_name == "Rita"
    assert not lead.decisions.filter(kind=DecisionKind.REASSIGNED).exists()


def test_a_full_rep_warns_and_force_reassigns_with_it_in_the_log(lead, team, manager):
    full = make_rep(team, "Fay", capacity=0)

    with pytest.raises(services.ReassignWarning, match="At capacity: Fay already holds 0/0"):
        services.assignment_reassign(assignment=lead, to_rep=full, by=manager, reason="x")
    services.assignment_reassign(
        assignment=lead, to_rep=full, by=manager, reason="Knows them", force=True
    )

    lead.refresh_from_db()
    assert lead.rep == full
    assert lead.status == AssignmentStatus.PENDING
    entry = lead.decisions.get(kind=DecisionKind.REASSIGNED)
    assert "to Fay (over capacity 1/0): Knows them" in entry.sentence


def test_a_rep_who_rejected_the_lead_recently_warns(team, manager, rep_profile, rep):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    ben = make_rep(team, "Ben")
    first = route()
    rejecter = first.rep
    services.assignment_reject(assignment=first, user=rejecter, reason=RejectReason.NO_BUDGET)
    second = route(first.contact)
    assert second.rep != rejecter

    with pytest.raises(services.ReassignWarning, match="rejected this lead on"):
        services.assignment_reassign(assignment=second, to_rep=rejecter, by=manager, reason="x")
    assert ben  # two reps: the cool-off sent it to the other one


def test_the_queue_form_shows_the_warning_and_the_checkbox_confirms(lead, team, manager_client):
    away = make_rep(team, "Ola", out_of_office_until=timezone.localdate())
    url = f"/queue/{lead.pk}/reassign/"

    response = manager_client.post(url, {"to_rep": away.pk, "reason": "covers"}, follow=True)
    html = response.content.decode()
    assert "Ola is out of office until" in html
    assert "Go ahead even if they are away or full" in html
    lead.refresh_from_db()
    assert lead.rep.first_name == "Rita"

    manager_client.post(url, {"to_rep": away.pk, "reason": "covers", "force": "1"})
    lead.refresh_from_db()
    assert lead.rep == away


def test_the_api_answers_409_with_the_warnings_then_force_goes_ahead(lead, team, manager_client):
    full = make_rep(team, "Fay", capacity=0)
    url = f"/api/v1/assignments/{lead.pk}/reassign/"

    response = manager_client.post(
        url, {"to_rep": full.pk, "reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "needs_confirmation"
    assert body["warnings"] == ["At capacity: Fay already holds 0/0 leads."]
    lead.refresh_from_db()
    assert lead.rep.first_name == "Rita"

    response = manager_client.post(
        url, {"to_rep": full.pk, "reason": "x", "force": True}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    lead.refresh_from_db()
    assert lead.rep == full
