"""
A version whose MQL rule asks for more than its rules and caps can give (an interest cap of 20
under a threshold of 30, a fit threshold above every fit rule together) qualifies nobody but
hand-raises: the scoring model page, the admin's advice and the publish page say so.
"""

import math

import pytest

from scoring import engine, selectors
from tests.factories import FitRuleFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def capped():
    model = ScoringModelFactory(interest_cap=20, mql_interest_threshold=30, mql_fit_threshold=10)
    FitRuleFactory(scoring_model=model, points=15)
    InterestRuleFactory(scoring_model=model, points=5)  # no cap of its own: any number of views
    return model


def test_the_highest_scores_follow_rules_and_caps():
    rules = (
        engine.Rule(id=1, name="VP", dimension=engine.FIT, points=15),
        engine.Rule(id=2, name="Bad fit", dimension=engine.FIT, points=-40),
        engine.Rule(id=3, name="Webinar", dimension=engine.INTEREST, points=10, max_points=25),
        engine.Rule(id=4, name="Demo", dimension=engine.INTEREST, points=30, max_occurrences=2),
    )
    assert engine.highest_scores(engine.ModelSpec(rules=rules)) == (15, 85)
    spec = engine.ModelSpec(rules=rules, fit_cap=10, interest_cap=50)
    assert engine.highest_scores(spec) == (10, 50)
    unbounded = (*rules, engine.Rule(id=5, name="Views", dimension=engine.INTEREST, points=1))
    assert engine.highest_scores(engine.ModelSpec(rules=unbounded)) == (15, math.inf)


def test_an_interest_threshold_above_the_cap_is_pointed_out(capped, ops_client):
    (warning,) = selectors.threshold_warnings(capped)
    assert "interest of 30: the interest rules and cap give at most 20" in warning
    assert warning.endswith("Nobody will qualify.")

    page = ops_client.get(f"/scoring/versions/{capped.pk}/").content.decode()
    assert "No contact can reach the MQL rule" in page
    admin = ops_client.get(f"/admin/scoring/scoringmodel/{capped.pk}/change/").content.decode()
    assert "No contact can reach the MQL rule" in admin


def test_a_reachable_rule_gives_no_warning(capped):
    capped.mql_interest_threshold = 20
    capped.save()
    assert selectors.threshold_warnings(capped) == []
