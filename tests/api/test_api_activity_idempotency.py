"""Activities are stored once per (source, external_id): re-sending answers with the stored id."""

from __future__ import annotations

import pytest

from contacts.models import Activity
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _event(email, external_id, **extra):
    return {
        "contact_email": email,
        "kind": "pricing_page_view",
        "occurred_at": "2025-03-01T12:00:00Z",
        "source": "website",
        "external_id": external_id,
        "properties": {"url": "/pricing"},
        **extra,
    }


def test_sending_the_same_event_twice_stores_it_once(ops_api):
    ContactFactory(email="ada@example.com")
    first = ops_api.post("/api/v1/activities/", _event("ada@example.com", "evt-1"), format="json")
    second = ops_api.post("/api/v1/activities/", _event("ADA@example.com", "evt-1"), format="json")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["status"] == "unchanged"
    assert first.json()["id"] == second.json()["id"]
    assert Activity.objects.count() == 1


def test_resending_a_batch_stores_nothing_new_and_returns_the_same_ids(ops_api):
    ContactFactory(email="ada@example.com")
    batch = {"items": [_event("ada@example.com", f"evt-{i}") for i in range(5)]}
    first = ops_api.post("/api/v1/activities/bulk/", batch, format="json").json()
    second = ops_api.post("/api/v1/activities/bulk/", batch, format="json").json()
    assert first["counts"]["created"] == 5
    assert second["counts"] == {"created": 0, "updated": 0, "unchanged": 5, "error": 0}
    assert [r["id"] for r in first["results"]] == [r["id"] for r in second["results"]]
    assert Activity.objects.count() == 5


def test_the_same_event_twice_in_one_batch_is_stored_once(ops_api):
    ContactFactory(email="ada@example.com")
    body = ops_api.post(
        "/api/v1/activities/bulk/",
        {"items": [_event("ada@example.com", "evt-9"), _event("ada@example.com", "evt-9")]},
        format="json",
    ).json()
    assert [r["status"] for r in body["results"]] == ["created", "unchanged"]
    assert body["results"][0]["id"] == body["results"][1]["id"]
    assert Activity.objects.count() == 1


def test_the_same_external_id_from_another_source_is_another_event(ops_api):
    ContactFactory(email="ada@example.com")
    ops_api.post("/api/v1/activities/", _event("ada@example.com", "1"), format="json")
    other = ops_api.post(
        "/api/v1/activities/", _event("ada@example.com", "1", source="forms"), format="json"
    )
    assert other.status_code == 201
    assert Activity.objects.count() == 2


def test_an_unsubscribe_event_marks_the_contact_unsubscribed(ops_api):
    contact = ContactFactory(email="ada@example.com")
    ops_api.post(
        "/api/v1/activities/bulk/",
        {"items": [_event("ada@example.com", "u1", kind="unsubscribe")]},
        format="json",
    )
    contact.refresh_from_db()
    assert contact.unsubscribed is True
