"""Round robin and weighted round robin: successive leads take successive slots, kept in the DB."""

import pytest

from routing.models import RepProfile, RoutingRule, Strategy
from tests.routing.conftest import RoutingRuleFactory, make_rep, route

pytestmark = pytest.mark.django_db


def test_round_robin_gives_each_rep_one_lead_in_turn(team):
    ana, ben, cy = (make_rep(team, name) for name in ("Ana", "Ben", "Cy"))
    rule = RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)

    reps = [route().rep for _ in range(6)]

    assert reps == [ana, ben, cy, ana, ben, cy]
    rule.refresh_from_db()
    assert rule.rotation_position == 6


def test_the_rotation_position_lives_in_the_database(team):
    make_rep(team, "Ana")
    ben = make_rep(team, "Ben")
    rule = RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    RoutingRule.objects.filter(pk=rule.pk).update(rotation_position=1)

    assert route().rep == ben


def test_a_rep_joining_the_team_enters_the_rotation(team):
    ana = make_rep(team, "Ana")
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    assert route().rep == ana
    ben = make_rep(team, "Ben")
    assert route().rep == ben


def test_weighted_round_robin_gives_a_weight_2_rep_twice_the_leads_interleaved(team):
    ana = make_rep(team, "Ana", weight=2)
    ben = make_rep(team, "Ben", weight=1)
    RoutingRuleFactory(team=team, strategy=Strategy.WEIGHTED_ROUND_ROBIN, account_match=False)

    reps = [route().rep for _ in range(6)]

    assert reps == [ana, ben, ana, ana, ben, ana]
    assert reps.count(ana) == 4 and reps.count(ben) == 2


def test_round_robin_records_the_strategy_and_updates_last_assigned(team):
    ana = make_rep(team, "Ana")
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    assignment = route()
    assert assignment.strategy == "round_robin"
    assert RepProfile.objects.get(user=ana).last_assigned_at == assignment.assigned_at
