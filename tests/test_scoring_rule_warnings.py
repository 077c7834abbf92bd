"""The admin warns about rules that let one action make an MQL, or can never match."""

import pytest

from scoring.selectors import rule_warnings
from tests.factories import (
    ActivityFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    return ScoringModelFactory(mql_fit_threshold=40, mql_interest_threshold=30)


def test_one_rule_worth_more_than_half_the_threshold_is_flagged(model):
    ActivityFactory(kind="pricing_page_view")
    rule = InterestRuleFactory(scoring_model=model, points=16)
    assert any(
        "more than half of the interest MQL threshold (30)" in w for w in rule_warnings(rule)
    )


def test_a_rule_at_exactly_half_the_threshold_is_fine(model):
    ActivityFactory(kind="pricing_page_view")
    assert rule_warnings(InterestRuleFactory(scoring_model=model, points=15)) == []


def test_a_points_cap_below_half_the_threshold_silences_the_warning(model):
    ActivityFactory(kind="pricing_page_view")
    assert rule_warnings(InterestRuleFactory(scoring_model=model, points=25, max_points=10)) == []


def test_hand_raise_rules_are_meant_to_qualify_alone(model):
    ActivityFactory(kind="demo_request")
    rule = InterestRuleFactory(
        scoring_model=model, points=50, activity_kind="demo_request", is_hand_raise=True
    )
    assert rule_warnings(rule) == []


def test_fit_rules_compare_with_the_fit_threshold(model):
    assert rule_warnings(FitRuleFactory(scoring_model=model, points=20)) == []
    assert (
        "fit MQL threshold (40)" in rule_warnings(FitRuleFactory(scoring_model=model, points=21))[0]
    )


def test_combined_mode_compares_with_the_combined_threshold():
    model = ScoringModelFactory(mql_mode="combined", mql_combined_threshold=60)
    assert (
        "combined MQL threshold (60)"
        in rule_warnings(FitRuleFactory(scoring_model=model, points=31))[0]
    )


def test_a_kind_no_activity_has_can_never_match(model):
    rule = InterestRuleFactory(scoring_model=model, points=5, activity_kind="webinar_attended")
    assert any(
        "No 'webinar_attended' activity has ever been recorded" in w for w in rule_warnings(rule)
    )
    ActivityFactory(kind="webinar_attended")
    assert rule_warnings(rule) == []


def test_a_custom_property_no_contact_has_can_never_match(model):
    rule = FitRuleFactory(
        scoring_model=model,
        attribute="property",
        property_name="plan",
        operator="equals",
        value="enterprise",
    )
    assert any("No contact has a 'plan' property" in w for w in rule_warnings(rule))


def test_a_zero_window_can_never_match(model):
    ActivityFactory(kind="pricing_page_view")
    rule = InterestRuleFactory(scoring_model=model, points=5, window_days=0)
    assert any("window of 0 days" in w for w in rule_warnings(rule))


def test_the_admin_shows_the_warning_after_saving(ops_client, model):
    # Rules are edited in a draft: the live version is read-only.
    draft = ScoringModelFactory(is_live=False, mql_fit_threshold=40, mql_interest_threshold=30)
    response = ops_client.post(
        "/admin/scoring/scoringrule/add/",
        {
            "scoring_model": draft.pk,
            "name": "Huge",
            "description": "",
            "dimension": "fit",
            "points": 35,
            "is_active": "on",
            "position": 0,
            "attribute": "industry",
            "operator": "equals",
            "value": "Software",
            "conditions-TOTAL_FORMS": 0,
            "conditions-INITIAL_FORMS": 0,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Huge: One match alone gives 35 points" in response.content.decode()


def test_the_admin_refuses_a_rule_with_missing_operands(ops_client, model):
    response = ops_client.post(
        "/admin/scoring/scoringrule/add/",
        {
            "scoring_model": model.pk,
            "name": "Mid",
            "dimension": "fit",
            "points": 5,
            "position": 0,
            "attribute": "employee_count",
            "operator": "between",
            "min_value": 500,
            "max_value": 100,
            "conditions-TOTAL_FORMS": 0,
            "conditions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "The maximum is below the minimum." in response.content.decode()


def test_an_account_fit_rule_is_not_held_to_a_contacts_mql_threshold(model):
    rule = FitRuleFactory(scoring_model=model, dimension="account", points=25)
    assert not any("MQL threshold" in w for w in rule_warnings(rule))
