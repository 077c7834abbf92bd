"""Every routing decision is logged as one sentence a rep can read."""

import datetime as dt

import pytest
from django.utils import timezone

from routing.models import Strategy
from tests.factories import CompanyFactory, ContactFactory
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_round_robin_skipping_an_absent_rep_reads_like_the_example(team):
    back = dt.date(2026, 12, 3)
    now = timezone.make_aware(dt.datetime(2026, 11, 30, 10, 0))
    make_rep(team, "Ana", out_of_office_until=back)
    make_rep(team, "Ben")
    RoutingRuleFactory(
        name="EMEA SaaS", team=team, strategy=Strategy.ROUND_ROBIN, account_match=False
    )

    assignment = route(now=now)

    decision = assignment.decisions.get()
    assert decision.sentence == (
        "Matched 'EMEA SaaS'; round robin; skipped Ana (out of office until 3 Dec); "
        "assigned to Ben; 4 h to accept"
    )
    assert decision.rule.name == "EMEA SaaS"
    assert decision.strategy == "round_robin"
    assert decision.rep.first_name == "Ben"
    assert decision.skipped == [
        {
            "rep_id": decision.skipped[0]["rep_id"],
            "name": "Ana",
            "reason": "out of office until 3 Dec",
        }
    ]


def test_the_fallback_rule_says_so(team):
    make_rep(team, "Ana")
    RoutingRuleFactory(name="Everyone else", team=team, is_fallback=True, account_match=False)
    RoutingRuleFactory(name="Japan", team=team, countries="Japan")
    assert route().decisions.get().sentence == (
        "Matched 'Everyone else' (fallback); round robin; assigned to Ana; 4 h to accept"
    )


def test_a_hand_raise_sentence_carries_its_shorter_sla(team):
    make_rep(team, "Ana")
    RoutingRuleFactory(name="Demo requests", team=team, account_match=False)
    assert route(hand_raise=True).decisions.get().sentence == (
        "Matched 'Demo requests'; round robin; assigned to Ana; 30 min to accept (hand-raise)"
    )


def test_rules_match_on_country_industry_size_grade_source_and_property(team):
    ana = make_rep(team, "Ana")
    ben = make_rep(team, "Ben")
    RoutingRuleFactory(
        name="German SaaS mid-market",
        team=team,
        strategy=Strategy.NAMED_REP,
        named_rep=ben,
        countries="Germany, Austria",
        industries="software",
        min_employees=200,
        max_employees=999,
        fit_grades="A, B",
        lead_sources="referral",
        property_name="plan",
        property_values="pro, enterprise",
        account_match=False,
    )
    RoutingRuleFactory(
        name="Rest",
        team=team,
        is_fallback=True,
        strategy=Strategy.NAMED_REP,
        named_rep=ana,
        account_match=False,
    )
    company = CompanyFactory(country="Germany", industry="Software", employee_count=250)

    def lead(**overrides):
        fields = {"company": company, "lead_source": "referral", "properties": {"plan": "Pro"}}
        fields.update(overrides)
        return ContactFactory(**fields)

    assert route(lead(), fit=45).rep == ben
    assert route(lead(), fit=10).rep == ana  # grade D
    assert route(lead(lead_source="email"), fit=45).rep == ana
    assert route(lead(properties={}), fit=45).rep == ana
    small = CompanyFactory(country="Germany", industry="Software", employee_count=50)
    assert route(lead(company=small), fit=45).rep == ana
