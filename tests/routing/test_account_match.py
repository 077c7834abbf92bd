"""Account match first: the account owner, or the rep holding a colleague, gets the lead."""

import pytest

from routing.models import RepProfile, Strategy
from tests.factories import CompanyFactory, ContactFactory
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def reps(team):
    ana, ben, cy = (make_rep(team, name) for name in ("Ana", "Ben", "Cy"))
    RoutingRuleFactory(name="EMEA SaaS", team=team, strategy=Strategy.ROUND_ROBIN)
    return ana, ben, cy


def test_the_account_owner_gets_the_lead(reps):
    _, _, cy = reps
    acme = CompanyFactory(name="Acme", account_owner=cy)

    assignment = route(ContactFactory(company=acme))

    assert assignment.rep == cy
    assert assignment.strategy == "account_match"
    assert assignment.decisions.get().sentence == (
        "Matched 'EMEA SaaS'; account match (Cy owns Acme); assigned to Cy; 4 h to accept"
    )


def test_a_colleague_held_by_a_rep_brings_the_new_lead_to_that_rep(reps):
    _, ben, _ = reps
    acme = CompanyFactory(name="Acme")
    first = route(ContactFactory(company=acme, first_name="Jane", last_name="Doe"))
    assert first.rep == reps[0]  # round robin: Ana
    # Ana's colleague at Acme goes to Ana too, not to Ben whose turn it is.
    second = route(ContactFactory(company=acme))
    assert second.rep == reps[0]
    assert "account match (Ana holds Jane Doe at Acme)" in second.decisions.get().sentence
    assert route().rep == ben  # an unrelated lead continues the rotation


def test_an_unavailable_owner_is_skipped_and_the_strategy_decides(reps):
    ana, _, cy = reps
    RepProfile.objects.filter(user=cy).update(is_active=False)
    acme = CompanyFactory(name="Acme", account_owner=cy)

    assignment = route(ContactFactory(company=acme))

    assert assignment.rep == ana
    assert assignment.decisions.get().sentence == (
        "Matched 'EMEA SaaS'; round robin; skipped Cy (account owner, inactive); "
        "assigned to Ana; 4 h to accept"
    )


def test_account_match_can_be_switched_off_per_rule(team):
    ana = make_rep(team, "Ana")
    cy = make_rep(team, "Cy")
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    acme = CompanyFactory(account_owner=cy)
    assert route(ContactFactory(company=acme)).rep == ana


def test_an_owner_who_is_not_a_rep_is_noted_and_passed_over(reps, manager):
    acme = CompanyFactory(name="Acme", account_owner=manager)
    assignment = route(ContactFactory(company=acme))
    assert assignment.rep == reps[0]
    assert "skipped max.manager (account owner, not a routable rep)" in (
        assignment.decisions.get().sentence
    )
