"""Least loaded: the rep with the fewest open leads; ties go to whoever waited longest."""

import datetime as dt

import pytest
from django.utils import timezone

from routing.models import RepProfile, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_the_rep_with_fewest_open_leads_gets_the_lead(team):
    ana, _ben, cy = (make_rep(team, name) for name in ("Ana", "Ben", "Cy"))
    warm_up = RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    for _ in range(5):
        route()  # Ana 2, Ben 2, Cy 1
    warm_up.delete()
    RoutingRuleFactory(team=team, strategy=Strategy.LEAST_LOADED, account_match=False)

    assert route().rep == cy
    # Now all hold two: the tie goes to whoever waited longest since their last lead (Ana).
    assert route().rep == ana


def test_a_tie_goes_to_the_rep_who_waited_longest_not_the_lowest_id(team):
    ana = make_rep(team, "Ana")
    ben = make_rep(team, "Ben")
    RoutingRuleFactory(team=team, strategy=Strategy.LEAST_LOADED, account_match=False)
    now = timezone.now()
    # Equal load (none); Ana (lower id) had a lead more recently than Ben.
    RepProfile.objects.filter(user=ana).update(last_assigned_at=now - dt.timedelta(minutes=5))
    RepProfile.objects.filter(user=ben).update(last_assigned_at=now - dt.timedelta(hours=3))

    assert route().rep == ben


def test_the_sentence_says_how_loaded_the_chosen_rep_was(team):
    make_rep(team, "Ana")
    RoutingRuleFactory(
        name="Enterprise", team=team, strategy=Strategy.LEAST_LOADED, account_match=False
    )
    assignment = route()
    assert assignment.decisions.get().sentence == (
        "Matched 'Enterprise'; least loaded; assigned to Ana (0 open); 4 h to accept"
    )
