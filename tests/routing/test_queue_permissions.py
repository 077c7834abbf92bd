"""Who sees which leads: reps their own, managers their team's, admins all; others nothing."""

import pytest
from django.test import Client

from leadscore.roles import Role, user_set_role
from routing import selectors
from routing.models import Strategy
from tests.factories import ContactFactory, UserFactory
from tests.routing.conftest import RoutingRuleFactory, TeamFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team, rep_profile, rep):
    """Rita (the rep persona) and Ben in the manager's team; Zoe in another manager's team."""
    ben = make_rep(team, "Ben")
    other_manager = UserFactory(username="olga.other")
    user_set_role(user=other_manager, role=Role.SALES_MANAGER)
    other_team = TeamFactory(name="APAC", manager=other_manager)
    zoe = make_rep(other_team, "Zoe")
    RoutingRuleFactory(team=team, position=100, strategy=Strategy.ROUND_ROBIN, account_match=False)
    RoutingRuleFactory(
        team=other_team, position=1, countries="Japan", strategy=Strategy.NAMED_REP, named_rep=zoe
    )
    leads = {
        "rita": route(ContactFactory(first_name="Rita's", last_name="Lead")),
        "ben": route(ContactFactory(first_name="Ben's", last_name="Lead")),
        "zoe": route(
            ContactFactory(first_name="Zoe's", last_name="Lead", company__country="Japan")
        ),
    }
    assert leads["rita"].rep == rep and leads["ben"].rep == ben and leads["zoe"].rep == zoe
    return leads, other_manager


def test_a_rep_sees_only_their_own_leads(world, rep, rep_client):
    leads, _ = world
    assert list(selectors.assignments_visible_to(rep)) == [leads["rita"]]
    page = rep_client.get("/queue/").content.decode()
    assert "Rita&#x27;s Lead" in page
    assert "Ben&#x27;s Lead" not in page and "Zoe&#x27;s Lead" not in page


def test_a_rep_cannot_open_or_act_on_another_reps_lead(world, rep_client):
    leads, _ = world
    assert rep_client.get(f"/queue/{leads['ben'].pk}/").status_code == 404
    assert rep_client.post(f"/queue/{leads['ben'].pk}/accept/").status_code == 404
    leads["ben"].refresh_from_db()
    assert leads["ben"].status == "pending"


def test_a_manager_sees_their_teams_leads_and_no_other_team(world, manager, manager_client):
    leads, _ = world
    visible = set(selectors.assignments_visible_to(manager))
    assert visible == {leads["rita"], leads["ben"]}
    page = manager_client.get("/queue/").content.decode()
    assert "Rita&#x27;s Lead" in page and "Ben&#x27;s Lead" in page
    assert "Zoe&#x27;s Lead" not in page
    assert manager_client.get(f"/queue/{leads['zoe'].pk}/").status_code == 404


def test_the_other_manager_sees_only_their_team(world):
    leads, other_manager = world
    client = Client()
    client.force_login(other_manager)
    assert set(selectors.assignments_visible_to(other_manager)) == {leads["zoe"]}
    assert "Zoe&#x27;s Lead" in client.get("/queue/").content.decode()


def test_an_admin_sees_every_team(world, admin_user, admin_client_persona):
    leads, _ = world
    assert set(selectors.assignments_visible_to(admin_user)) == set(leads.values())
    assert admin_client_persona.get("/queue/").status_code == 200


def test_marketing_ops_has_no_queue_but_can_dry_run(world, marketing_ops, ops_client):
    leads, _ = world
    assert not selectors.assignments_visible_to(marketing_ops).exists()
    assert ops_client.get("/queue/").status_code == 403
    assert ops_client.post(f"/queue/{leads['rita'].pk}/accept/").status_code == 403
    assert ops_client.get("/queue/dry-run/").status_code == 200


def test_a_user_without_a_role_is_refused(world, client, no_role_user):
    client.force_login(no_role_user)
    assert client.get("/queue/").status_code == 403
    assert client.get("/queue/dry-run/").status_code == 403


def test_a_rep_cannot_reassign_or_dry_run(world, rep_client, team):
    leads, _ = world
    response = rep_client.post(
        f"/queue/{leads['rita'].pk}/reassign/", {"to_rep": 1, "reason": "mine"}
    )
    assert response.status_code == 403
    assert rep_client.get("/queue/dry-run/").status_code == 403


def test_the_queue_link_shows_in_the_nav_for_each_role(world, rep_client, manager_client):
    for client in (rep_client, manager_client):
        assert 'href="/queue/"' in client.get("/contacts/").content.decode()


def test_a_manager_reassigns_but_does_not_accept_for_a_rep(world, manager_client):
    leads, _ = world
    assert manager_client.post(f"/queue/{leads['ben'].pk}/accept/").status_code == 403
    assert manager_client.post(f"/queue/{leads['ben'].pk}/reject/").status_code == 403
    page = manager_client.get("/queue/").content.decode()
    assert 'aria-label="Reassign Ben&#x27;s Lead"' in page
    assert 'aria-label="Accept Ben&#x27;s Lead"' not in page
