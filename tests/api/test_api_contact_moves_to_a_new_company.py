"""
A stored contact sent with a company domain not stored yet moves to that new company, by the
single and bulk APIs alike (the CSV import calls the same service), and keeps the link.
"""

from __future__ import annotations

import pytest

from contacts.models import Company, Contact
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return ContactFactory(
        email="ada@old-co.example", company=CompanyFactory(domain="old-co.example")
    )


def test_a_single_upsert_links_the_contact_to_the_new_company(ops_api, ada):
    response = ops_api.post(
        "/api/v1/contacts/",
        {"email": ada.email, "company": {"domain": "new-co.example", "name": "New Co"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    new_company = Company.objects.get(domain="new-co.example")
    assert response.json()["company"]["id"] == new_company.pk
    ada.refresh_from_db()
    assert ada.company_id == new_company.pk


def test_a_bulk_upsert_links_every_moved_contact(ops_api, ada):
    bob = ContactFactory(email="bob@old-co.example", company=ada.company)
    items = [
        {"email": ada.email, "company": {"domain": "new-co.example"}},
        {"email": bob.email, "company": {"domain": "other-new.example"}},
        {"email": "cy@new-co.example", "company": {"domain": "new-co.example"}},
    ]
    response = ops_api.post("/api/v1/contacts/bulk/", {"items": items}, format="json")
    assert response.json()["counts"] == {"created": 1, "updated": 2, "unchanged": 0, "error": 0}
    links = dict(Contact.objects.values_list("email", "company__domain"))
    assert links == {
        ada.email: "new-co.example",
        bob.email: "other-new.example",
        "cy@new-co.example": "new-co.example",
    }
    # Sent again, nothing changes: the links were written the first time.
    again = ops_api.post("/api/v1/contacts/bulk/", {"items": items}, format="json")
    assert again.json()["counts"]["unchanged"] == 3
