"""Inactive, out-of-office, at-capacity and out-of-territory reps get no new leads."""

import datetime as dt

import pytest
from django.utils import timezone

from routing.models import RepProfile, Strategy
from tests.factories import CompanyFactory, ContactFactory
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule(team):
    return RoutingRuleFactory(
        name="EMEA SaaS", team=team, strategy=Strategy.ROUND_ROBIN, account_match=False
    )


def test_an_inactive_rep_is_skipped(team, rule):
    make_rep(team, "Ana", is_active=False)
    ben = make_rep(team, "Ben")
    assignment = route()
    assert assignment.rep == ben
    assert "skipped Ana (inactive)" in assignment.decisions.get().sentence


def test_a_deactivated_user_account_is_skipped_like_an_inactive_rep(team, rule):
    ana = make_rep(team, "Ana")
    ana.is_active = False
    ana.save()
    ben = make_rep(team, "Ben")
    assert route().rep == ben


def test_an_out_of_office_rep_is_skipped_until_the_day_after_they_return(team, rule):
    today = timezone.localdate()
    ana = make_rep(team, "Ana", out_of_office_until=today)
    ben = make_rep(team, "Ben")
    assignment = route()
    assert assignment.rep == ben
    assert f"skipped Ana (out of office until {today.day} {today:%b})" in (
        assignment.decisions.get().sentence
    )
    RepProfile.objects.filter(user=ana).update(out_of_office_until=today - dt.timedelta(days=1))
    assert route().rep == ana


def test_a_rep_at_capacity_is_skipped_and_takes_leads_again_when_one_closes(team, rule):
    ana = make_rep(team, "Ana", capacity=1)
    ben = make_rep(team, "Ben", capacity=5)
    held = route()
    assert held.rep == ana
    assert route().rep == ben
    third = route()
    assert third.rep == ben
    assert "skipped Ana (at capacity 1/1)" in third.decisions.get().sentence

    held.status = "rejected"
    held.save()
    assert route().rep == ana


def test_reps_outside_the_leads_territory_are_not_in_the_pool(team, rule):
    make_rep(team, "Ana", countries="France, Spain")
    ben = make_rep(team, "Ben", countries="Germany")
    make_rep(team, "Cy", segments="enterprise")
    contact = ContactFactory(company=CompanyFactory(country="Germany", employee_count=250))
    assert route(contact).rep == ben
