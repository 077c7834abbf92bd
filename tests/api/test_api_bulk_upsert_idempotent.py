"""Bulk upserts match contacts by email (any case), companies by domain; re-sending is a no-op."""

from __future__ import annotations

import pytest

from contacts.models import Company, Contact, LifecycleStage
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

BATCH = {
    "items": [
        {
            "email": "Ada@Example.com",
            "first_name": "Ada",
            "job_title": "CTO",
            "lifecycle_stage": "mql",
            "properties": {"utm": "spring"},
            "company": {
                "domain": "https://www.Example.com/about",
                "name": "Example",
                "employee_count": 200,
            },
        },
        {"email": "bob@example.com", "first_name": "Bob", "company": {"domain": "example.com"}},
        {"email": "cy@other.example", "last_name": "Cy"},
    ]
}


def _snapshot():
    return (
        sorted(
            Contact.objects.values_list(
                "email", "first_name", "updated_at", "properties", "company_id"
            )
        ),
        sorted(Company.objects.values_list("domain", "name", "employee_count", "updated_at")),
    )


def test_a_new_batch_creates_contacts_and_companies(ops_api):
    response = ops_api.post("/api/v1/contacts/bulk/", BATCH, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["committed"] is True
    assert body["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "error": 0}
    assert [r["index"] for r in body["results"]] == [0, 1, 2]
    ada = Contact.objects.get(email="Ada@Example.com")
    assert body["results"][0]["id"] == ada.pk
    assert ada.company.domain == "example.com" and ada.company.employee_count == 200
    assert ada.lifecycle_stage == LifecycleStage.MQL and ada.mql_at is not None
    assert Contact.objects.get(email="bob@example.com").company_id == ada.company_id
    assert Company.objects.count() == 1


def test_resending_the_same_batch_changes_nothing(ops_api):
    ops_api.post("/api/v1/contacts/bulk/", BATCH, format="json")
    before = _snapshot()
    response = ops_api.post("/api/v1/contacts/bulk/", BATCH, format="json")
    assert response.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 3, "error": 0}
    assert _snapshot() == before


def test_emails_match_whatever_their_case_and_only_given_fields_change(ops_api):
    contact = ContactFactory(email="dana@example.com", first_name="Dana", job_title="Engineer")
    response = ops_api.post(
        "/api/v1/contacts/bulk/",
        {"items": [{"email": "DANA@EXAMPLE.COM", "job_title": "Head of Engineering"}]},
        format="json",
    )
    assert response.json()["results"] == [{"index": 0, "status": "updated", "id": contact.pk}]
    contact.refresh_from_db()
    assert (contact.email, contact.first_name, contact.job_title) == (
        "dana@example.com",
        "Dana",
        "Head of Engineering",
    )
    assert Contact.objects.count() == 1


def test_properties_are_merged_not_replaced(ops_api):
    ContactFactory(email="eve@example.com", properties={"a": "1", "b": "2"})
    ops_api.post(
        "/api/v1/contacts/bulk/",
        {"items": [{"email": "eve@example.com", "properties": {"b": "3", "c": "4"}}]},
        format="json",
    )
    assert Contact.objects.get(email="eve@example.com").properties == {"a": "1", "b": "3", "c": "4"}


def test_companies_upsert_by_normalised_domain(ops_api):
    company = CompanyFactory(domain="acme.example", name="Acme", employee_count=10)
    response = ops_api.post(
        "/api/v1/companies/bulk/",
        {
            "items": [
                {"domain": "HTTPS://www.ACME.example/", "employee_count": 12},
                {"domain": "new.example", "name": "New"},
                {"domain": "acme.example", "employee_count": 12},
            ]
        },
        format="json",
    )
    results = response.json()["results"]
    assert results[0] == {"index": 0, "status": "updated", "id": company.pk}
    assert results[1]["status"] == "created"
    assert (
        results[2]["status"] == "error"
        and "already appears at row 0" in results[2]["errors"]["domain"][0]
    )
    company.refresh_from_db()
    assert company.employee_count == 12 and company.name == "Acme"
    again = ops_api.post(
        "/api/v1/companies/bulk/",
        {"items": [{"domain": "acme.example", "employee_count": 12}]},
        format="json",
    )
    assert again.json()["results"][0]["status"] == "unchanged"


def test_single_upsert_answers_201_then_200(ops_api):
    first = ops_api.post(
        "/api/v1/contacts/", {"email": "fay@example.com", "first_name": "Fay"}, format="json"
    )
    assert first.status_code == 201 and first.json()["status"] == "created"
    again = ops_api.post(
        "/api/v1/contacts/", {"email": "FAY@example.com", "first_name": "Fay"}, format="json"
    )
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert again.json()["id"] == first.json()["id"]
    company = ops_api.post("/api/v1/companies/", {"domain": "www.fay.example"}, format="json")
    assert company.status_code == 201 and company.json()["domain"] == "fay.example"


def test_a_batch_over_10000_items_is_refused_whole(ops_api):
    items = [{"email": f"p{i}@example.com"} for i in range(10_001)]
    response = ops_api.post("/api/v1/contacts/bulk/", {"items": items}, format="json")
    assert response.status_code == 400
    assert "items" in response.json()["errors"]
    assert not Contact.objects.exists()
