"""A draft is a deep copy of a version; editing it rescores nobody and changes no live score."""

import pytest

from scoring.models import ContactScore, RescoreRun, RuleCondition, ScoreChange, ScoringRule
from tests.factories import FitRuleFactory

pytestmark = pytest.mark.django_db


def _scores():
    return sorted(
        ContactScore.objects.values_list("contact_id", "scoring_model_id", "fit", "interest")
    )


def test_a_draft_copies_the_settings_rules_and_conditions(live, marketing_ops):
    rule = live.rules.get(name="Pricing")
    RuleCondition.objects.create(rule=rule, property="url", operator="contains", value="/pricing")
    from scoring import services

    draft = services.scoring_model_draft_create(source=live, created_by=marketing_ops)
    assert draft.is_draft and not draft.is_live
    assert draft.version == live.version + 1
    assert draft.based_on == live
    assert draft.mql_fit_threshold == live.mql_fit_threshold
    assert sorted(draft.rules.values_list("name", "points")) == [("Pricing", 10), ("Software", 20)]
    copy = draft.rules.get(name="Pricing")
    assert copy.pk != rule.pk
    assert list(copy.conditions.values_list("property", "operator", "value")) == [
        ("url", "contains", "/pricing")
    ]
    # The live version keeps its own rules.
    assert live.rules.count() == 2 and rule.conditions.count() == 1


def test_editing_a_drafts_rules_and_settings_changes_no_live_score(
    scored, draft, django_capture_on_commit_callbacks
):
    before, changes = _scores(), ScoreChange.objects.count()
    runs = RescoreRun.objects.count()  # the live version's own set-up asked for some
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rule = draft.rules.get(name="Software")
        rule.points = 60
        rule.save()
        FitRuleFactory(scoring_model=draft, name="Everyone", points=50, value="Retail")
        RuleCondition.objects.create(
            rule=draft.rules.get(name="Pricing"), property="url", operator="is_set"
        )
        draft.mql_fit_threshold = 1
        draft.save()
        draft.rules.get(name="Pricing").delete()
    assert callbacks == []
    assert _scores() == before
    assert ScoreChange.objects.count() == changes
    assert RescoreRun.objects.count() == runs


def test_editing_a_draft_in_the_admin_changes_no_live_score(
    scored, draft, ops_client, django_capture_on_commit_callbacks
):
    before, runs = _scores(), RescoreRun.objects.count()
    rule = draft.rules.get(name="Software")
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(
            f"/admin/scoring/scoringrule/{rule.pk}/change/",
            {
                "scoring_model": draft.pk,
                "name": "Software",
                "dimension": "fit",
                "points": 45,
                "is_active": "on",
                "position": 0,
                "attribute": "industry",
                "operator": "equals",
                "value": "Software",
                "conditions-TOTAL_FORMS": 0,
                "conditions-INITIAL_FORMS": 0,
            },
        )
    assert response.status_code == 302
    assert ScoringRule.objects.get(pk=rule.pk).points == 45
    assert _scores() == before
    assert RescoreRun.objects.count() == runs


def test_the_admin_does_not_offer_the_live_version_for_new_rules(live, draft, ops_client):
    html = ops_client.get("/admin/scoring/scoringrule/add/").content.decode()
    assert f'<option value="{draft.pk}">' in html
    assert f'<option value="{live.pk}">' not in html


def test_the_admins_rescore_button_never_scores_contacts_with_a_draft(scored, draft, ops_client):
    before = _scores()
    response = ops_client.post(f"/admin/scoring/scoringmodel/{draft.pk}/rescore/", follow=True)
    assert "Only the live version scores contacts." in response.content.decode()
    assert not RescoreRun.objects.filter(scoring_model=draft).exists()
    assert _scores() == before
