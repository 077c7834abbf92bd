"""After a bulk batch each affected contact is rescored once, by one task, not once per activity."""

from __future__ import annotations

import pytest

from contacts.models import ActivityKind
from scoring import tasks
from scoring.models import ContactScore, ScoreChange
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_model():
    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, activity_kind=ActivityKind.PRICING_PAGE_VIEW, points=5)
    return model


@pytest.fixture
def task_calls(monkeypatch):
    calls = {"rescore_contacts": [], "rescore_contact": 0}
    real = tasks.rescore_contacts.delay

    def bulk(contact_ids, reason="new_activity"):
        calls["rescore_contacts"].append(sorted(contact_ids))
        return real(contact_ids, reason)

    def single(*args, **kwargs):
        calls["rescore_contact"] += 1

    monkeypatch.setattr(tasks.rescore_contacts, "delay", bulk)
    monkeypatch.setattr(tasks.rescore_contact, "delay", single)
    return calls


def test_thirty_activities_over_three_contacts_rescore_each_contact_once(
    ops_api, live_model, task_calls, django_capture_on_commit_callbacks
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
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_api.post("/api/v1/activities/bulk/", {"items": items}, format="json")
    assert response.json()["counts"]["created"] == 30
    assert task_calls["rescore_contacts"] == [sorted(c.pk for c in contacts)]
    assert task_calls["rescore_contact"] == 0
    assert ScoreChange.objects.count() == 3  # one timeline entry per contact, not 30
    for contact in contacts:
        assert ContactScore.objects.get(pk=contact.pk).interest == pytest.approx(50)


def test_bulk_contact_upserts_score_new_contacts_once(
    ops_api, live_model, task_calls, django_capture_on_commit_callbacks
):
    items = [
        {"email": f"p{i}@example.com", "company": {"domain": "example.com"}} for i in range(20)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        ops_api.post("/api/v1/contacts/bulk/", {"items": items}, format="json")
    assert len(task_calls["rescore_contacts"]) == 1
    assert len(task_calls["rescore_contacts"][0]) == 20
    assert task_calls["rescore_contact"] == 0
    assert ContactScore.objects.count() == 20
    assert ScoreChange.objects.filter(reason="first_score").count() == 20


def test_resending_a_batch_queues_no_rescore(
    ops_api, live_model, task_calls, django_capture_on_commit_callbacks
):
    contact = ContactFactory()
    item = {
        "contact_id": contact.pk,
        "kind": "pricing_page_view",
        "occurred_at": "2025-01-01T10:00:00Z",
        "source": "web",
        "external_id": "once",
    }
    with django_capture_on_commit_callbacks(execute=True):
        ops_api.post("/api/v1/activities/bulk/", {"items": [item]}, format="json")
    task_calls["rescore_contacts"].clear()
    with django_capture_on_commit_callbacks(execute=True):
        ops_api.post("/api/v1/activities/bulk/", {"items": [item]}, format="json")
    assert task_calls["rescore_contacts"] == []


def test_a_company_update_rescores_its_contacts(
    ops_api, live_model, task_calls, django_capture_on_commit_callbacks
):
    contact = ContactFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ops_api.post(
            "/api/v1/companies/bulk/",
            {"items": [{"domain": contact.company.domain, "industry": "Retail"}]},
            format="json",
        )
    assert task_calls["rescore_contacts"] == [[contact.pk]]
