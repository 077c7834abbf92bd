"""
A bulk batch scores each affected contact once, inside the batch's own transaction: the scores
are current when the response returns, with no task and no on-commit callback involved.
"""

from __future__ import annotations

import pytest

from contacts.models import ActivityKind
from scoring.models import ContactScore, ScoreChange
from scoring.services import rescoring
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_model():
    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, activity_kind=ActivityKind.PRICING_PAGE_VIEW, points=5)
    return model


@pytest.fixture
def scored(monkeypatch):
    """The contact ids of each scoring batch written during the test."""
    batches: list[list[int]] = []
    real = rescoring.score_batch

    def spy(**kwargs):
        batches.append(sorted(c.pk for c in kwargs["contacts"]))
        return real(**kwargs)

    monkeypatch.setattr(rescoring, "score_batch", spy)
    return batches


def test_thirty_activities_over_three_contacts_score_each_contact_once_before_commit(
    ops_api, live_model, scored, django_capture_on_commit_callbacks
):
    contacts = [ContactFactory() for _ in range(3)]
    items = [
        {
            "contact_id": contacts[i % 3].pk,
            "kind": "pricing_page_view",
            "occurred_at": f"2025-01-01T10:{i:02d}:00Z",
            "source": "web",
            "external_id": f"e{i}",
        }
        for i in range(30)
    ]
    ScoreChange.objects.all().delete()
    scored.clear()
    # On-commit callbacks are captured and never run: the scores cannot come from them.
    with django_capture_on_commit_callbacks(execute=False):
        response = ops_api.post("/api/v1/activities/bulk/", {"items": items}, format="json")
    assert response.json()["counts"]["created"] == 30
    assert scored == [sorted(c.pk for c in contacts)]
    assert ScoreChange.objects.count() == 3  # one timeline entry per contact, not 30
    for contact in contacts:
        assert ContactScore.objects.get(contact=contact).interest == pytest.approx(50)


def test_bulk_contact_upserts_score_new_contacts_once(ops_api, live_model, scored):
    items = [
        {"email": f"p{i}@example.com", "company": {"domain": "example.com"}} for i in range(20)
    ]
    ops_api.post("/api/v1/contacts/bulk/", {"items": items}, format="json")
    assert len(scored) == 1 and len(scored[0]) == 20
    assert ContactScore.objects.count() == 20
    assert ScoreChange.objects.filter(reason="first_score").count() == 20


def test_resending_a_batch_scores_nothing_again(ops_api, live_model, scored):
    contact = ContactFactory()
    item = {
        "contact_id": contact.pk,
        "kind": "pricing_page_view",
        "occurred_at": "2025-01-01T10:00:00Z",
        "source": "web",
        "external_id": "once",
    }
    ops_api.post("/api/v1/activities/bulk/", {"items": [item]}, format="json")
    version = ContactScore.objects.get(contact=contact).version
    scored.clear()
    ops_api.post("/api/v1/activities/bulk/", {"items": [item]}, format="json")
    assert scored == []
    assert ContactScore.objects.get(contact=contact).version == version
    assert ContactScore.objects.get(contact=contact).interest == 5


def test_a_company_update_rescores_its_contacts(ops_api, live_model, scored):
    contact = ContactFactory()
    scored.clear()
    ops_api.post(
        "/api/v1/companies/bulk/",
        {"items": [{"domain": contact.company.domain, "industry": "Retail"}]},
        format="json",
    )
    assert scored == [[contact.pk]]
