"""
/api/v1/assignments/: who sees which assignment (routing's rules), and the holding rep's actions
(accept, reject, disqualify, outcome) plus a manager's reassign, through routing.services.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import LifecycleStage, Outcome
from routing.models import AssignmentStatus, DecisionKind, RepProfile, Strategy
from scoring.models import Qualification
from tests.factories import ContactFactory, UserFactory
from tests.routing.conftest import RoutingRuleFactory, TeamFactory, make_rep, route

pytestmark = pytest.mark.django_db

_countries = (f"Country {n}" for n in itertools.count())


def held_by(user, team):
    """A qualified lead routed to `user` (a rep of `team`) by a named-rep rule of its own."""
    country = next(_countries)
    RoutingRuleFactory(
        team=team,
        strategy=Strategy.NAMED_REP,
        named_rep=user,
        countries=country,
        account_match=False,
    )
    assignment = route(ContactFactory(company__country=country))
    assert assignment.rep == user
    return assignment


@pytest.fixture
def team(manager):
    return TeamFactory(name="EMEA", manager=manager)


@pytest.fixture
def rita(rep, team):
    """The `rep` persona as Rita, a rep of the manager's team."""
    rep.first_name = "Rita"
    rep.save(update_fields=["first_name"])
    RepProfile.objects.create(user=rep, team=team)
    return rep


@pytest.fixture
def sam(team):
    return make_rep(team, "Sam")


@pytest.fixture
def assignment(rita, team):
    return held_by(rita, team)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(a["id"] for a in response.json()["results"])


# ---- Reading -----------------------------------------------------------------------------


def test_a_rep_lists_only_the_assignments_they_hold(rita, sam, team, client_for):
    mine, theirs = held_by(rita, team), held_by(sam, team)
    api = client_for(rita, ["read"])

    assert _ids(api.get("/api/v1/assignments/")) == [mine.pk]
    assert api.get(f"/api/v1/assignments/{theirs.pk}/").status_code == 404
    row = api.get(f"/api/v1/assignments/{mine.pk}/").json()
    assert row["status"] == "pending"
    assert row["rep"] == {"id": rita.pk, "username": rita.username, "name": "Rita"}
    assert row["contact"]["email"] == mine.contact.email
    assert row["contact"]["company_name"] == mine.contact.company.name
    assert row["accept_by"] is not None and row["overdue"] is False
    assert row["rule"] == mine.rule.name
    assert row["decisions"][0]["kind"] == "assigned"
    assert "Rita" in row["decisions"][0]["sentence"]
    assert row["reasons"]  # the stored score's top reasons


def test_a_manager_sees_their_teams_assignments_and_no_other_team(
    rita, sam, team, manager, client_for
):
    other_team = TeamFactory(name="APAC", manager=UserFactory(username="olga.other"))
    paul = make_rep(other_team, "Paul")
    ours = [held_by(rita, team).pk, held_by(sam, team).pk]
    elsewhere = held_by(paul, other_team)
    api = client_for(manager, ["read"])

    assert _ids(api.get("/api/v1/assignments/")) == sorted(ours)
    assert api.get(f"/api/v1/assignments/{elsewhere.pk}/").status_code == 404
    assert _ids(api.get(f"/api/v1/assignments/?rep={sam.pk}")) == [ours[1]]


def test_the_list_takes_as_many_queries_for_five_rows_as_for_one(
    rita, sam, team, manager, client_for
):
    api = client_for(manager, ["read"])
    held_by(rita, team)
    api.get("/api/v1/assignments/")  # warm: permissions, content types
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/assignments/")
    for _ in range(4):
        held_by(sam, team)
    with CaptureQueriesContext(connection) as five:
        assert len(api.get("/api/v1/assignments/").json()["results"]) == 5
    assert len(five) == len(one)


def test_status_and_overdue_filter_the_list(assignment, sam, team, rita, client_for):
    late = held_by(sam, team)
    type(late).objects.filter(pk=late.pk).update(sla_due_at=late.assigned_at)
    api = client_for(UserFactory.create(username="root", is_superuser=True), ["read"])

    assert _ids(api.get("/api/v1/assignments/?overdue=true")) == [late.pk]
    assert _ids(api.get("/api/v1/assignments/?overdue=false")) == [assignment.pk]
    assert _ids(api.get("/api/v1/assignments/?status=accepted")) == []
    assert _ids(api.get("/api/v1/assignments/?status=pending")) == sorted([assignment.pk, late.pk])


def test_a_user_without_a_role_or_a_key_without_read_scope_is_refused(
    assignment, rita, no_role_user, client_for
):
    response = client_for(no_role_user).get("/api/v1/assignments/")
    assert response.status_code == 403
    assert "a user without a role" in response.json()["detail"]

    response = client_for(rita, ["write"]).get("/api/v1/assignments/")
    assert response.status_code == 403
    assert "lacks the 'read' scope" in response.json()["detail"]


def test_marketing_ops_works_no_leads_so_sees_none_and_cannot_act(
    assignment, marketing_ops, client_for
):
    api = client_for(marketing_ops)
    assert _ids(api.get("/api/v1/assignments/")) == []
    response = api.post(f"/api/v1/assignments/{assignment.pk}/accept/")
    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING


# ---- The rep's actions -------------------------------------------------------------------


def test_accepting_makes_the_contact_sal_and_the_assignment_accepted(assignment, rita, client_for):
    response = client_for(rita, ["read", "write"]).post(
        f"/api/v1/assignments/{assignment.pk}/accept/"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert response.json()["decisions"][0]["sentence"].startswith("Accepted by Rita")
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED
    assert assignment.accepted_at is not None and assignment.sla_due_at is None
    contact = assignment.contact
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.SAL
    assert contact.sal_at == assignment.accepted_at


def test_accepting_twice_is_a_conflict(assignment, rita, client_for):
    api = client_for(rita, ["read", "write"])
    assert api.post(f"/api/v1/assignments/{assignment.pk}/accept/").status_code == 200

    response = api.post(f"/api/v1/assignments/{assignment.pk}/accept/")

    assert response.status_code == 409
    assert response.json() == {"detail": "This lead is accepted already.", "code": "conflict"}


def test_rejecting_needs_a_reason_and_recycles_the_contact(assignment, rita, client_for):
    api = client_for(rita, ["read", "write"])
    url = f"/api/v1/assignments/{assignment.pk}/reject/"

    missing = api.post(url, {}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()["errors"]
    unknown = api.post(url, {"reason": "bored"}, format="json")
    assert unknown.status_code == 400 and "reason" in unknown.json()["errors"]
    other = api.post(url, {"reason": "other"}, format="json")
    assert other.status_code == 400 and "note" in other.json()["errors"]
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING

    response = api.post(url, {"reason": "bad_timing", "note": "Budget in Q3"}, format="json")

    assert response.status_code == 200, response.content
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.REJECTED
    assert assignment.close_reason == "Bad timing: Budget in Q3"
    contact = assignment.contact
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.RECYCLED
    assert Qualification.objects.get(pk=assignment.qualification_id).closed_at is not None


def test_another_rep_cannot_accept_someone_elses_lead(assignment, sam, manager, client_for):
    # Another rep does not even see it; the manager sees it but does not hold it.
    assert client_for(sam).post(f"/api/v1/assignments/{assignment.pk}/accept/").status_code == 404
    response = client_for(manager).post(f"/api/v1/assignments/{assignment.pk}/accept/")
    assert response.status_code == 403
    assert "Only the rep who holds this lead" in response.json()["detail"]

    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING
    assert not assignment.decisions.filter(kind=DecisionKind.ACCEPTED).exists()


def test_an_outcome_records_a_won_deal(assignment, rita, client_for):
    api = client_for(rita, ["read", "write"])
    url = f"/api/v1/assignments/{assignment.pk}/outcome/"
    assert api.post(url, {"result": "won"}, format="json").status_code == 409  # not accepted
    api.post(f"/api/v1/assignments/{assignment.pk}/accept/")
    assignment.refresh_from_db()
    before = (assignment.accepted_at - dt.timedelta(days=1)).isoformat()
    early = api.post(url, {"result": "won", "decided_at": before}, format="json")
    assert early.status_code == 400 and "decided_at" in early.json()["errors"]
    decided_at = assignment.accepted_at + dt.timedelta(seconds=1)

    response = api.post(
        url,
        {"result": "won", "decided_at": decided_at.isoformat(), "amount": "24000.00"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WON
    assert assignment.closed_at == decided_at
    outcome = Outcome.objects.get(contact=assignment.contact)
    assert (outcome.result, outcome.amount) == ("won", Decimal("24000.00"))
    assignment.contact.refresh_from_db()
    assert assignment.contact.lifecycle_stage == LifecycleStage.CUSTOMER


def test_a_lost_outcome_needs_a_reason_and_a_future_date_is_refused(assignment, rita, client_for):
    api = client_for(rita, ["read", "write"])
    api.post(f"/api/v1/assignments/{assignment.pk}/accept/")
    url = f"/api/v1/assignments/{assignment.pk}/outcome/"

    assert "lost_reason" in api.post(url, {"result": "lost"}, format="json").json()["errors"]
    future = api.post(url, {"result": "won", "decided_at": "2999-01-01T00:00:00Z"}, format="json")
    assert future.status_code == 400 and "decided_at" in future.json()["errors"]
    assert not Outcome.objects.exists()


def test_a_write_action_needs_the_write_scope_on_an_api_key(assignment, rita, client_for):
    response = client_for(rita, ["read"]).post(f"/api/v1/assignments/{assignment.pk}/accept/")

    assert response.status_code == 403
    assert "lacks the 'write' scope" in response.json()["detail"]
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING


def test_a_rep_can_act_through_the_session_too(assignment, rep_client):
    response = rep_client.post(f"/api/v1/assignments/{assignment.pk}/accept/")
    assert response.status_code == 200, response.content


# ---- The manager's actions ---------------------------------------------------------------


def test_a_manager_reassigns_a_lead_with_a_reason_and_a_rep_cannot(
    assignment, rita, sam, manager, client_for
):
    url = f"/api/v1/assignments/{assignment.pk}/reassign/"
    body = {"to_rep": sam.pk, "reason": "Sam speaks German"}
    assert client_for(rita).post(url, body, format="json").status_code == 403
    api = client_for(manager, ["read", "write"])
    assert (
        "reason" in api.post(url, {"to_rep": sam.pk, "reason": " "}, format="json").json()["errors"]
    )
    stranger = api.post(url, {"to_rep": UserFactory().pk, "reason": "x"}, format="json")
    assert stranger.status_code == 400 and "to_rep" in stranger.json()["errors"]

    response = api.post(url, body, format="json")

    assert response.status_code == 200, response.content
    assignment.refresh_from_db()
    assert (assignment.rep, assignment.status) == (sam, AssignmentStatus.PENDING)
    log = assignment.decisions.get(kind=DecisionKind.REASSIGNED)
    assert log.sentence.endswith(": Sam speaks German")
    assert api.post(url, body, format="json").status_code == 409  # Sam has it already


def test_a_manager_may_disqualify_a_team_lead(assignment, manager, client_for):
    response = client_for(manager).post(
        f"/api/v1/assignments/{assignment.pk}/disqualify/", {"reason": "spam"}, format="json"
    )

    assert response.status_code == 200, response.content
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DISQUALIFIED
    assignment.contact.refresh_from_db()
    assert assignment.contact.lifecycle_stage == LifecycleStage.DISQUALIFIED


def test_the_assignment_endpoints_are_documented_with_examples():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert "get" in paths["/api/v1/assignments/"]
    assert "get" in paths["/api/v1/assignments/{id}/"]
    for name in ("accept", "reject", "disqualify", "outcome", "reassign"):
        post = paths[f"/api/v1/assignments/{{id}}/{name}/"]["post"]
        assert post["summary"], name
        assert {"200", "400", "403", "404", "409", "429"} <= set(post["responses"]), name
        assert post["responses"]["200"]["content"]["application/json"]["examples"], name
    reject = paths["/api/v1/assignments/{id}/reject/"]["post"]
    assert reject["requestBody"]["content"]["application/json"]["examples"]
