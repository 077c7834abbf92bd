"""Managers act on a multi-select of the list: assign, reassign, change stage; each reported."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from contacts.models import LifecycleStage
from routing.models import AssignmentStatus, DecisionKind, Strategy
from tests.factories import ContactFactory
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(team, rep_profile, rep):
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    return [route(), route()]


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_manager_reassigns_the_ticked_leads_and_each_is_logged(routed, team, manager_client):
    ben = make_rep(team, "Ben")
    response = manager_client.post(
        "/contacts/bulk/",
        {
            "contact": [a.contact_id for a in routed],
            "action": "reassign",
            "to_rep": ben.pk,
            "reason": "Rita is on leave",
            "query": "grade=B",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/contacts/?grade=B"
    for assignment in routed:
        assignment.refresh_from_db()
        assert assignment.rep == ben
        assert assignment.status == AssignmentStatus.PENDING
        entry = assignment.decisions.get(kind=DecisionKind.REASSIGNED)
        assert entry.sentence.endswith("Rita is on leave")
    assert said(response) == ["Done for 2 contact(s)."]


def test_contacts_without_an_open_lead_are_skipped_with_the_reason(routed, team, manager_client):
    ben = make_rep(team, "Ben")
    loner = ContactFactory(first_name="Lone", last_name="Wolf")
    response = manager_client.post(
        "/contacts/bulk/",
        {"contact": [routed[0].contact_id, loner.pk], "action": "assign", "to_rep": ben.pk},
    )
    messages = said(response)
    assert "Skipped Lone Wolf: not a routed lead of your teams (no open assignment)" in messages
    assert any("already held" in m for m in messages)
    routed[0].refresh_from_db()
    assert routed[0].rep_id != ben.pk


def test_a_manager_changes_the_stage_of_the_ticked_contacts(manager_client, scored):
    ids = [scored["ada"].pk, scored["bob"].pk]
    manager_client.post("/contacts/bulk/", {"contact": ids, "action": "stage", "stage": "sql"})
    for key in ("ada", "bob"):
        scored[key].refresh_from_db()
        assert scored[key].lifecycle_stage == LifecycleStage.SQL
        assert scored[key].sql_at is not None
    scored["cy"].refresh_from_db()
    assert scored["cy"].lifecycle_stage != LifecycleStage.SQL


def test_reps_and_marketing_may_not_bulk_act(rep_client, ops_client, scored):
    data = {"contact": [scored["ada"].pk], "action": "stage", "stage": "sql"}
    assert rep_client.post("/contacts/bulk/", data).status_code == 403
    assert ops_client.post("/contacts/bulk/", data).status_code == 403
    scored["ada"].refresh_from_db()
    assert scored["ada"].lifecycle_stage != LifecycleStage.SQL


def test_only_managers_see_the_bulk_bar(rep_client, manager_client, scored):
    assert 'id="bulk-form"' in manager_client.get("/contacts/").content.decode()
    assert "With the ticked contacts" in manager_client.get("/contacts/").content.decode()
    assert "With the ticked contacts" not in rep_client.get("/contacts/").content.decode()


def test_a_rep_outside_the_managers_teams_is_refused(routed, manager_client):
    from tests.routing.conftest import TeamFactory

    stranger = make_rep(TeamFactory(name="APAC"), "Sam")
    response = manager_client.post(
        "/contacts/bulk/",
        {"contact": [routed[0].contact_id], "action": "reassign", "to_rep": stranger.pk},
    )
    assert said(response) == ["Choose a rep of your teams."]
    routed[0].refresh_from_db()
    assert routed[0].rep_id != stranger.pk
