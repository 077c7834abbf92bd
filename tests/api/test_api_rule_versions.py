"""Through the API, as in the admin: only a draft's rules change, and every change is audited."""

from __future__ import annotations

import pytest

from scoring import services
from scoring.models import AuditAction, AuditEntry, AuditObject, ScoringModel, ScoringRule
from tests.factories import FitRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db

NEW_RULE = {
    "name": "Pricing",
    "dimension": "interest",
    "points": 5,
    "activity_kind": "pricing_page_view",
}


@pytest.fixture
def versions(marketing_ops):
    """v1 retired, v2 live, v3 a draft of v2; each with a 'Software' fit rule of 10 points."""
    first = ScoringModelFactory(name="First")
    FitRuleFactory(scoring_model=first, name="Software", points=10)
    second = services.scoring_model_draft_create(source=first, created_by=marketing_ops)
    services.scoring_model_publish(draft=second, published_by=marketing_ops)
    draft = services.scoring_model_draft_create(source=second, created_by=marketing_ops)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, draft.status) == ("retired", "live", "draft")
    return {"retired": first, "live": second, "draft": draft}


def _rule(model: ScoringModel) -> ScoringRule:
    return model.rules.get(name="Software")


FROZEN = ["live", "retired"]


def _rule_entries():
    return AuditEntry.objects.filter(object_type=AuditObject.RULE)


@pytest.mark.parametrize("status", FROZEN)
def test_adding_a_rule_to_a_frozen_version_is_refused(status, versions, ops_api):
    model = versions[status]
    response = ops_api.post(
        "/api/v1/scoring-rules/", {**NEW_RULE, "scoring_model": model.pk}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "version_frozen"
    assert "read-only" in body["detail"] and "draft" in body["detail"]
    assert not model.rules.filter(name="Pricing").exists()
    assert not _rule_entries().exists()


@pytest.mark.parametrize("status", FROZEN)
@pytest.mark.parametrize("method", ["patch", "put"])
def test_changing_a_frozen_versions_rule_is_refused(status, method, versions, ops_api):
    rule = _rule(versions[status])
    payload = {"points": 99}
    if method == "put":
        payload = {**NEW_RULE, "scoring_model": rule.scoring_model_id, "points": 99}
    response = getattr(ops_api, method)(f"/api/v1/scoring-rules/{rule.pk}/", payload, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "version_frozen"
    rule.refresh_from_db()
    assert (rule.points, rule.name) == (10, "Software")
    assert not _rule_entries().exists()


@pytest.mark.parametrize("status", FROZEN)
def test_deleting_a_frozen_versions_rule_is_refused(status, versions, ops_api):
    rule = _rule(versions[status])
    response = ops_api.delete(f"/api/v1/scoring-rules/{rule.pk}/")
    assert response.status_code == 409
    assert ScoringRule.objects.filter(pk=rule.pk).exists()
    assert not _rule_entries().exists()


@pytest.mark.parametrize("status", FROZEN)
def test_a_drafts_rule_cannot_be_moved_into_a_frozen_version(status, versions, ops_api):
    rule = _rule(versions["draft"])
    response = ops_api.patch(
        f"/api/v1/scoring-rules/{rule.pk}/",
        {"scoring_model": versions[status].pk},
        format="json",
    )
    assert response.status_code == 409
    rule.refresh_from_db()
    assert rule.scoring_model_id == versions["draft"].pk


def test_a_rollback_republishes_the_retired_rule_untouched(versions, ops_api, marketing_ops):
    rule = _rule(versions["retired"])
    ops_api.patch(f"/api/v1/scoring-rules/{rule.pk}/", {"points": 500}, format="json")
    services.scoring_model_rollback(to=versions["retired"], by=marketing_ops)
    live = ScoringModel.objects.get(is_live=True)
    assert live.rules.get(name="Software").points == 10


def test_changes_to_a_drafts_rules_are_audited_with_who_and_what(versions, ops_api, marketing_ops):
    draft = versions["draft"]
    created = ops_api.post(
        "/api/v1/scoring-rules/", {**NEW_RULE, "scoring_model": draft.pk}, format="json"
    )
    assert created.status_code == 201
    rule_id = created.json()["id"]
    changed = ops_api.patch(
        f"/api/v1/scoring-rules/{rule_id}/", {"points": 8, "name": "Pricing page"}, format="json"
    )
    assert changed.status_code == 200
    unchanged = ops_api.patch(f"/api/v1/scoring-rules/{rule_id}/", {"points": 8}, format="json")
    assert unchanged.status_code == 200
    assert ops_api.delete(f"/api/v1/scoring-rules/{rule_id}/").status_code == 204

    entries = list(_rule_entries().filter(scoring_model=draft).order_by("pk"))
    assert [(e.action, e.field, e.old_value, e.new_value) for e in entries] == [
        (AuditAction.CREATED, "", "", ""),
        (AuditAction.CHANGED, "name", "Pricing", "Pricing page"),
        (AuditAction.CHANGED, "points", "5", "8"),
        (AuditAction.DELETED, "", "", ""),
    ]
    assert {e.user_id for e in entries} == {marketing_ops.pk}
    assert all(e.note.startswith("via the API (key lsk_") for e in entries)
    assert {e.model_version for e in entries} == {draft.version}
