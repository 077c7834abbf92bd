"""
A seniority rule written with the labels the pages show ("C-level, Head of") scores the contacts
with those seniorities: the admin stores the levels the engine compares. Before, the value was
compared as typed, so "C-level" matched no CEO and nobody was told. A value that is no
seniority is refused with the list of those that are.
"""

import pytest

from scoring import services
from scoring.models import ScoringRule
from tests.factories import ContactFactory, FitRuleFactory, score_of
from tests.tuning.test_audit_trail import _rule_post

pytestmark = pytest.mark.django_db


def _seniority_post(draft, operator, value):
    return _rule_post(
        draft,
        name="Decision makers",
        dimension="fit",
        points=20,
        activity_kind="",
        attribute="seniority",
        operator=operator,
        value=value,
    )


def test_labels_are_stored_as_the_levels_the_engine_compares(draft, ops_client):
    response = ops_client.post(
        "/admin/scoring/scoringrule/add/",
        _seniority_post(draft, "one_of", "C-level, VP,  Head of , individual contributor"),
    )
    assert response.status_code == 302
    rule = ScoringRule.objects.get(scoring_model=draft, name="Decision makers")
    assert rule.value == "c_level, vp, head, individual"


def test_a_ceo_earns_the_points_of_a_rule_written_with_the_label(
    draft, marketing_ops, django_capture_on_commit_callbacks
):
    rule = FitRuleFactory.build(
        scoring_model=draft,
        name="Decision makers",
        points=20,
        attribute="seniority",
        operator="one_of",
        value="C-level, Head of",
    )
    rule.full_clean()
    rule.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.scoring_model_publish(draft=draft, published_by=marketing_ops)
    with django_capture_on_commit_callbacks(execute=True):
        ceo = ContactFactory(job_title="CEO")
        head = ContactFactory(job_title="Head of Marketing")
        analyst = ContactFactory(job_title="Data Analyst")

    def fit_rules(contact):
        return [part["name"] for part in score_of(contact).breakdown["fit"]]

    assert "Decision makers" in fit_rules(ceo)
    assert "Decision makers" in fit_rules(head)
    assert "Decision makers" not in fit_rules(analyst)


@pytest.mark.parametrize(
    ("operator", "value", "message"),
    [
        ("one_of", "VP, Senior", "Not a seniority: senior. Use C-level, VP, Head of, Director"),
        ("equals", "VP, Director", "Give one seniority here, or choose &#x27;is one of&#x27;"),
    ],
)
def test_a_value_that_is_no_seniority_is_refused(draft, ops_client, operator, value, message):
    response = ops_client.post(
        "/admin/scoring/scoringrule/add/", _seniority_post(draft, operator, value)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ScoringRule.objects.filter(name="Decision makers").exists()
