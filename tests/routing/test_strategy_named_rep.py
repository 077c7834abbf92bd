"""Named rep: the rule's rep gets every lead it matches, or it is left Unassigned."""

import datetime as dt

import pytest
from django.utils import timezone

from routing.models import AssignmentStatus, RepProfile, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_the_named_rep_gets_every_matching_lead(team):
    make_rep(team, "Ana")
    ben = make_rep(team, "Ben")
    RoutingRuleFactory(
        name="Strategic", team=team, strategy=Strategy.NAMED_REP, named_rep=ben, account_match=False
    )
    assert [route().rep for _ in range(3)] == [ben, ben, ben]


def test_an_away_named_rep_leaves_the_lead_unassigned_with_the_reason(team):
    ben = make_rep(team, "Ben")
    RoutingRuleFactory(
        name="Strategic", team=team, strategy=Strategy.NAMED_REP, named_rep=ben, account_match=False
    )
    back = timezone.localdate() + dt.timedelta(days=2)
    RepProfile.objects.filter(user=ben).update(out_of_office_until=back)

    assignment = route()

    assert assignment.status == AssignmentStatus.UNASSIGNED
    assert assignment.rep is None
    assert assignment.decisions.get().sentence == (
        f"Matched 'Strategic'; named rep; skipped Ben (out of office until {back.day} "
        f"{back:%b}); nobody can take it: Unassigned"
    )
