"""A suggested model is learnt from outcomes and adopted as a new, audited draft."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from predictive import suggested_draft, suggested_model
from predictive.models import PredictiveModel
from scoring import engine
from scoring.models import AuditEntry, ScoringModel
from tests.factories import FitRuleFactory, InterestRuleFactory, ScoringModelFactory
from tests.predictive.conftest import make_outcomes


@pytest.fixture
def live(db) -> ScoringModel:
    model = ScoringModelFactory(name="Live")
    FitRuleFactory(scoring_model=model, name="Retail", points=10, value="Retail")
    InterestRuleFactory(scoring_model=model, name="Pricing", points=5)
    return model


@pytest.mark.django_db
def test_the_suggested_draft_is_adopted_with_every_change_audited(live, marketing_ops):
    make_outcomes(400)
    suggestion = suggested_draft.suggestion_compute(target_share=0.3)
    added = [c for c in suggestion["changes"] if c["action"] == "add"]
    assert added, suggestion["changes"]
    draft = suggested_draft.suggested_draft_create(suggestion=suggestion, by=marketing_ops)
    assert draft.is_draft and draft.based_on == live
    names = set(draft.rules.values_list("name", flat=True))
    assert {c["name"] for c in added} <= names
    entries = AuditEntry.objects.filter(scoring_model=draft)
    created = entries.filter(action="created", object_type="rule")
    assert created.count() == len(added)
    assert all(e.user == marketing_ops for e in entries)
    assert draft.mql_mode == "combined"
    assert draft.mql_combined_threshold == suggestion["settings"]["mql_combined"]
    # The live version is untouched.
    live.refresh_from_db()
    assert live.rules.count() == 2 and live.is_live
    assert suggestion["test"]["auc"] > suggestion["test_base"]["auc"]
    # Every change is in the trail, in the draft's own words.
    for change in suggestion["changes"]:
        if change["action"] == "set_points":
            rule = draft.rules.get(name=change["name"])
            assert rule.points == change["points"]
            assert entries.filter(rule=rule, field="Points").exists()
        if change["action"] == "deactivate":
            assert not draft.rules.get(name=change["name"]).is_active
    assert entries.filter(field="Fit + interest at least").exists()


def _candidate(points: float) -> suggested_model.Candidate:
    rule = engine.Rule(7, "Unsubscribed", "interest", points, activity_kind="unsubscribe")
    return suggested_model.Candidate(rule, existing=True)


def _evidence(low: float, high: float) -> dict:
    return {"lift": (low + high) / 2, "lift_ci": (low, high), "n_in": 50, "n_out": 500}


def test_a_sign_flip_is_only_suggested_when_the_interval_excludes_no_effect():
    unclear = suggested_model._change(_candidate(-20), 50, _evidence(0.6, 1.8))
    assert unclear["action"] == "keep" and unclear["points"] == -20
    assert "not flipped" in unclear["note"]
    clear = suggested_model._change(_candidate(-20), 50, _evidence(1.4, 2.9))
    assert clear["action"] == "set_points" and clear["points"] == 50
    same_sign = suggested_model._change(_candidate(-20), -35, _evidence(0.6, 1.8))
    assert same_sign["action"] == "set_points"


@pytest.mark.django_db
def test_the_button_creates_the_draft_for_a_precision_target(
    live, ops_client, django_capture_on_commit_callbacks
):
    make_outcomes(300)
    with django_capture_on_commit_callbacks(execute=True):
        ops_client.post("/predictive/retrain/")
    version = PredictiveModel.objects.get()
    page = ops_client.get("/predictive/").content.decode()
    assert "Suggested scoring model" in page and "(95 % CI)" in page
    response = ops_client.post(
        f"/predictive/versions/{version.pk}/adopt/", {"target": "precision", "value": "60"}
    )
    draft = ScoringModel.objects.order_by("-version").first()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/scoring/versions/{draft.pk}/whatif/"
    )
    assert draft.is_draft and draft.mql_mode == "combined"
    expected = suggested_model.retarget(version.suggestions["model"], precision=0.6)
    assert draft.mql_combined_threshold == expected["settings"]["mql_combined"]
    assert AuditEntry.objects.filter(scoring_model=draft, user__isnull=False).count() > 3


@pytest.mark.django_db
def test_a_sales_rep_cannot_adopt(live, rep_client):
    assert rep_client.post("/predictive/versions/1/adopt/").status_code == 403


@pytest.mark.django_db
def test_the_command_creates_the_draft(live, capsys):
    make_outcomes(300)
    call_command("suggest_scoring_model", "--target-share", "0.25")
    draft = ScoringModel.objects.order_by("-version").first()
    assert draft.is_draft and draft.based_on == live
    out = capsys.readouterr().out
    assert f"Draft v{draft.version} created" in out and "Test ROC AUC of the suggested rules" in out
