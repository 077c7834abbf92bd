"""The dry run says which rule and rep a contact would get now, and changes nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from routing import services
from routing.models import Assignment, RepProfile, RoutingDecision, RoutingRule, Strategy
from tests.factories import ContactFactory
from tests.routing.conftest import RoutingRuleFactory, make_rep, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(team):
    back = timezone.localdate() + dt.timedelta(days=3)
    make_rep(team, "Ana", out_of_office_until=back)
    ben = make_rep(team, "Ben")
    rule = RoutingRuleFactory(
        name="EMEA SaaS", team=team, strategy=Strategy.ROUND_ROBIN, account_match=False
    )
    contact = ContactFactory(first_name="Ada", last_name="Lovelace", email="ada@acme.example")
    score(contact)
    return rule, ben, contact, back


def test_the_service_returns_the_decision_without_writing(setup):
    rule, ben, contact, back = setup
    decision = services.lead_route_dry_run(contact=contact)

    assert decision.rule.name == "EMEA SaaS"
    assert decision.rep.user_id == ben.pk
    assert decision.sentence == (
        f"Matched 'EMEA SaaS'; round robin; skipped Ana (out of office until {back.day} "
        f"{back:%b}); assigned to Ben"
    )
    assert not Assignment.objects.exists() and not RoutingDecision.objects.exists()
    assert RoutingRule.objects.get(pk=rule.pk).rotation_position == 0
    assert RepProfile.objects.get(user=ben).last_assigned_at is None


def test_a_manager_looks_a_contact_up_by_email_and_sees_the_verdict(setup, manager_client):
    html = manager_client.get("/queue/dry-run/", {"contact": "ADA@acme.example"}).content.decode()
    assert "Would go to" in html and "Ben" in html
    assert "EMEA SaaS" in html
    assert "Round robin" in html and "4 h to accept (30 min for a hand-raise)" in html
    assert "Out of office until" in html  # Ana's line in the team table
    assert not Assignment.objects.exists()


def test_several_matches_are_listed_to_choose_from(setup, manager_client):
    ContactFactory(first_name="Adam", last_name="Smith")
    html = manager_client.get("/queue/dry-run/", {"contact": "ada"}).content.decode()
    assert "Several contacts match" in html
