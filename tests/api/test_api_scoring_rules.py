"""Marketing ops read and change scoring rules through the API, validated as in the admin."""

from __future__ import annotations

import pytest

from scoring.models import ScoringRule
from tests.factories import FitRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


def test_rules_are_listed_with_their_conditions(ops_api):
    rule = FitRuleFactory()
    body = ops_api.get("/api/v1/scoring-rules/").json()
    assert [r["id"] for r in body["results"]] == [rule.pk]
    assert body["results"][0]["conditions"] == []


def test_a_valid_rule_is_created_and_an_invalid_one_explained(ops_api):
    model = ScoringModelFactory(is_live=False)  # a draft
    good = ops_api.post(
        "/api/v1/scoring-rules/",
        {
            "scoring_model": model.pk,
            "name": "Pricing",
            "dimension": "interest",
            "points": 5,
            "activity_kind": "pricing_page_view",
        },
        format="json",
    )
    assert good.status_code == 201
    bad = ops_api.post(
        "/api/v1/scoring-rules/",
        {
            "scoring_model": model.pk,
            "name": "Size",
            "dimension": "fit",
            "points": 5,
            "attribute": "employee_count",
            "operator": "between",
            "min_value": 500,
            "max_value": 10,
        },
        format="json",
    )
    assert bad.status_code == 400
    assert "max_value" in bad.json()["errors"]
    assert list(ScoringRule.objects.values_list("name", flat=True)) == ["Pricing"]


def test_a_rule_is_changed_and_deleted(ops_api):
    # A draft's rule: live and retired versions are read-only (test_api_rule_versions.py).
    rule = FitRuleFactory(points=10, scoring_model=ScoringModelFactory(is_live=False))
    assert (
        ops_api.patch(
            f"/api/v1/scoring-rules/{rule.pk}/", {"points": 15}, format="json"
        ).status_code
        == 200
    )
    rule.refresh_from_db()
    assert rule.points == 15
    assert ops_api.delete(f"/api/v1/scoring-rules/{rule.pk}/").status_code == 204
    assert not ScoringRule.objects.exists()
