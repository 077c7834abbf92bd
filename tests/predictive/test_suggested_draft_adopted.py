"""A suggested model is learnt from outcomes and adopted as a new, audited draft."""

from __future__ import annotations

import pytest

from predictive import suggested_draft
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
    print(suggestion["test"]["auc"], suggestion["test_base"]["auc"], len(suggestion["changes"]))
    for c in suggestion["changes"]:
        print(c["action"], c["name"], c["points"], c["evidence"]["lift"], c["note"])
