"""
A rule's settings that its dimension does not read are refused, not silently ignored: a fit
rule's window, cap or activity conditions, an interest rule's attribute test. They were saved
and did nothing (a fit rule 'only the last 7 days' still gave its points forever), typically
left over after switching a rule's dimension.
"""

import pytest

from scoring.models import RuleCondition, ScoringRule
from tests.tuning.test_audit_trail import _rule_post

pytestmark = pytest.mark.django_db

FIT = {"dimension": "fit", "activity_kind": "", "attribute": "job_title", "operator": "is_set"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({**FIT, "window_days": 7}, "Only interest rules count activities: clear this."),
        ({**FIT, "max_points": 10}, "Only interest rules count activities: clear this."),
        ({**FIT, "activity_kind": "page_view"}, "Only interest rules count activities"),
        ({"attribute": "job_title", "operator": "contains", "value": "VP"}, "Only fit rules"),
    ],
)
def test_a_setting_the_rule_does_not_read_is_refused(changes, message, draft, ops_client):
    response = ops_client.post(
        "/admin/scoring/scoringrule/add/", _rule_post(draft, name="Mixed", **changes)
    )
    assert response.status_code == 200  # the form again, with its error
    assert message in response.content.decode()
    assert not ScoringRule.objects.filter(name="Mixed").exists()


def test_activity_conditions_on_a_fit_rule_are_refused(draft, ops_client):
    data = _rule_post(draft, name="Mixed", **FIT)
    data.update(
        {
            "conditions-TOTAL_FORMS": 1,
            "conditions-0-property": "url",
            "conditions-0-operator": "contains",
            "conditions-0-value": "/pricing",
        }
    )
    response = ops_client.post("/admin/scoring/scoringrule/add/", data)
    assert response.status_code == 200
    assert "a fit rule has none" in response.content.decode()
    assert not ScoringRule.objects.filter(name="Mixed").exists()
    assert not RuleCondition.objects.filter(value="/pricing").exists()


def test_an_interest_rule_keeps_its_conditions(draft, ops_client):
    data = _rule_post(draft, name="Pricing page", activity_kind="page_view", window_days=30)
    data.update(
        {
            "conditions-TOTAL_FORMS": 1,
            "conditions-0-property": "url",
            "conditions-0-operator": "contains",
            "conditions-0-value": "/pricing",
        }
    )
    response = ops_client.post("/admin/scoring/scoringrule/add/", data)
    assert response.status_code == 302
    rule = ScoringRule.objects.get(name="Pricing page")
    assert rule.window_days == 30
    assert list(rule.conditions.values_list("property", "value")) == [("url", "/pricing")]
