"""A failing row is reported with its index and field messages and writes nothing of itself."""

from __future__ import annotations

import pytest

from contacts.models import Activity, Company, Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_each_failing_row_is_reported_and_the_others_are_written(ops_api):
    response = ops_api.post(
        "/api/v1/contacts/bulk/",
        {
            "items": [
                {"email": "good@example.com", "company": {"domain": "good.example"}},
                {"email": "not-an-email", "first_name": "X"},
                {"email": "half@example.com", "company": {"domain": "not a domain"}},
                {"email": "long@example.com", "first_name": "x" * 101},
                {"email": "stage@example.com", "lifecycle_stage": "hot"},
                "not an object",
            ]
        },
        format="json",
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "error",
        "error",
        "error",
        "error",
        "error",
    ]
    assert [r["index"] for r in results] == list(range(6))
    assert "email" in results[1]["errors"]
    assert "company.domain" in results[2]["errors"]
    assert "first_name" in results[3]["errors"]
    assert "lifecycle_stage" in results[4]["errors"]
    assert "row" in results[5]["errors"]
    assert response.json()["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "error": 5}
    # Nothing half-written: the failing rows left neither a contact nor a company behind.
    assert list(Contact.objects.values_list("email", flat=True)) == ["good@example.com"]
    assert list(Company.objects.values_list("domain", flat=True)) == ["good.example"]


def test_a_row_repeating_an_email_of_the_batch_is_refused(ops_api):
    response = ops_api.post(
        "/api/v1/contacts/bulk/",
        {
            "items": [
                {"email": "dup@example.com"},
                {"email": "DUP@example.com", "first_name": "Dup"},
            ]
        },
        format="json",
    )
    results = response.json()["results"]
    assert results[0]["status"] == "created"
    assert "already appears at row 0" in results[1]["errors"]["email"][0]
    assert Contact.objects.get().first_name == ""


def test_activity_rows_with_unknown_contacts_or_bad_kinds_are_refused(ops_api):
    contact = ContactFactory(email="known@example.com")
    response = ops_api.post(
        "/api/v1/activities/bulk/",
        {
            "items": [
                {
                    "contact_email": "known@example.com",
                    "kind": "page_view",
                    "occurred_at": "2025-01-01T10:00:00Z",
                },
                {
                    "contact_email": "ghost@example.com",
                    "kind": "page_view",
                    "occurred_at": "2025-01-01T10:00:00Z",
                },
                {
                    "contact_id": contact.pk,
                    "kind": "teleport",
                    "occurred_at": "2025-01-01T10:00:00Z",
                },
                {"contact_id": contact.pk, "kind": "custom", "occurred_at": "2025-01-01T10:00:00Z"},
                {"contact_id": contact.pk, "kind": "page_view", "occurred_at": "yesterday"},
                {"kind": "page_view", "occurred_at": "2025-01-01T10:00:00Z"},
                {"contact_id": 999999, "kind": "page_view", "occurred_at": "2025-01-01T10:00:00Z"},
            ]
        },
        format="json",
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created"] + ["error"] * 6
    assert "No contact with email ghost@example.com" in results[1]["errors"]["contact_email"][0]
    assert "kind" in results[2]["errors"]
    assert "custom_kind" in results[3]["errors"]
    assert "occurred_at" in results[4]["errors"]
    assert "contact_email" in results[5]["errors"]
    assert "contact_id" in results[6]["errors"]
    assert Activity.objects.count() == 1


def test_a_single_refused_row_is_a_400_with_field_messages(ops_api):
    response = ops_api.post(
        "/api/v1/contacts/",
        {"email": "x@example.com", "company": {"domain": "nodots"}},
        format="json",
    )
    assert response.status_code == 400
    assert "company.domain" in response.json()["errors"]
    assert not Contact.objects.exists()
