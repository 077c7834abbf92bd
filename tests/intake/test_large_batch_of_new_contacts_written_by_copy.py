"""
A batch of new contacts large enough to be inserted through COPY on PostgreSQL
(leadscore.bulk_sql.copy_insert; elsewhere bulk_create) stores each contact with its normalised
email, its new or stored company, its source id and its outcome, linked to the right rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contacts.models import Company, Contact, ContactIdentity, Outcome
from contacts.services import ContactRow, contacts_bulk_upsert
from leadscore.bulk_sql import COPY_MIN_ROWS
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

ROWS = COPY_MIN_ROWS + 40


def test_every_new_contact_is_stored_with_its_company_identity_and_outcome():
    stored_company = CompanyFactory(domain="known.example", name="Known")
    decided = datetime(2026, 2, 1, tzinfo=UTC)
    rows = [
        ContactRow(
            index=i,
            email=f"New.Lead{i}@Example.COM",
            fields={"first_name": f"Zoë{i}"},
            properties={"Id": f"00Q{i}"},
            company={"domain": "known.example" if i % 4 == 0 else f"co{i % 30}.example"},
            source="salesforce",
            external_id=f"00Q{i}",
            outcome={"result": "won", "decided_at": decided} if i % 10 == 0 else None,
        )
        for i in range(ROWS)
    ]
    result = contacts_bulk_upsert(rows=rows)
    assert {r.status for r in result.results} == {"created"}
    contacts = {c.pk: c for c in Contact.objects.select_related("company")}
    assert len(contacts) == ROWS
    for i, row_result in enumerate(result.results):
        contact = contacts[row_result.id]
        assert contact.email == f"New.Lead{i}@Example.COM"
        assert contact.email_normalized == f"new.lead{i}@example.com"
        assert contact.first_name == f"Zoë{i}"
        expected = "known.example" if i % 4 == 0 else f"co{i % 30}.example"
        assert contact.company.domain == expected
    assert Company.objects.count() == 1 + 30  # the stored one, and one per new domain
    assert Company.objects.get(pk=stored_company.pk).name == "Known"
    identities = dict(ContactIdentity.objects.values_list("external_id", "contact_id"))
    by_email = {c.email: pk for pk, c in contacts.items()}
    for i in range(ROWS):
        assert identities[f"00Q{i}"] == by_email[f"New.Lead{i}@Example.COM"]
    won = set(Outcome.objects.values_list("contact_id", flat=True))
    assert won == {by_email[f"New.Lead{i}@Example.COM"] for i in range(0, ROWS, 10)}
