"""A contact is found by its id in a source system; email is optional everywhere."""

from __future__ import annotations

import pytest

from contacts.models import Contact, ContactIdentity
from contacts.services import ContactRow, contacts_bulk_upsert

pytestmark = pytest.mark.django_db


def test_a_contact_without_email_is_created_and_found_again_by_its_id(ops_api):
    body = {"source": "salesforce", "external_id": "00Q1", "first_name": "Ana", "country": "PT"}
    created = ops_api.post("/api/v1/contacts/", body, format="json")
    again = ops_api.post("/api/v1/contacts/", {**body, "job_title": "CFO"}, format="json")
    assert created.status_code == 201, created.json()
    assert again.status_code == 200 and again.json()["status"] == "updated"
    contact = Contact.objects.get()
    assert (contact.email, contact.job_title, contact.country) == ("", "CFO", "PT")
    assert created.json()["identities"] == [{"source": "salesforce", "external_id": "00Q1"}]


def test_a_row_with_neither_email_nor_id_is_refused(ops_api):
    response = ops_api.post("/api/v1/contacts/", {"first_name": "Nobody"}, format="json")
    assert response.status_code == 400
    assert "external_id" in str(response.json())
    assert not Contact.objects.exists()


def test_an_id_sent_with_a_known_email_attaches_to_that_contact():
    contacts_bulk_upsert(rows=[ContactRow(index=0, email="ada@acme.example")])
    result = contacts_bulk_upsert(
        rows=[ContactRow(index=0, email="Ada@ACME.example", source="hubspot", external_id="101")]
    )
    assert result.results[0].status == "updated"
    assert ContactIdentity.objects.get().contact == Contact.objects.get()
    by_id = contacts_bulk_upsert(
        rows=[ContactRow(index=0, source="hubspot", external_id="101", fields={"city": "Porto"})]
    )
    assert by_id.results[0].id == Contact.objects.get().pk
    assert Contact.objects.get().city == "Porto"


def test_the_same_id_in_another_system_is_another_contact():
    contacts_bulk_upsert(rows=[ContactRow(index=0, source="hubspot", external_id="7")])
    contacts_bulk_upsert(rows=[ContactRow(index=0, source="salesforce", external_id="7")])
    assert Contact.objects.count() == 2


def test_an_id_and_an_email_of_two_contacts_is_an_error_that_writes_nothing():
    contacts_bulk_upsert(
        rows=[
            ContactRow(index=0, email="a@acme.example", source="crm", external_id="1"),
            ContactRow(index=1, email="b@acme.example", source="crm", external_id="2"),
        ]
    )
    result = contacts_bulk_upsert(
        rows=[ContactRow(index=0, email="b@acme.example", source="crm", external_id="1")]
    )
    assert result.results[0].status == "error"
    assert "merge" in result.results[0].errors["external_id"][0]
    assert Contact.objects.get(email="b@acme.example").identities.get().external_id == "2"


def test_the_same_id_twice_in_a_batch_is_reported_at_its_second_row():
    result = contacts_bulk_upsert(
        rows=[
            ContactRow(index=0, source="crm", external_id="9", fields={"first_name": "A"}),
            ContactRow(index=1, source="crm", external_id="9", fields={"first_name": "B"}),
        ]
    )
    assert [r.status for r in result.results] == ["created", "error"]
    assert "row 0" in result.results[1].errors["external_id"][0]


def test_a_website_visitor_id_finds_its_contact_once_attached():
    from contacts.selectors import contact_find
    from contacts.services import contact_identity_add
    from tests.factories import ContactFactory

    ana, bob = ContactFactory(email="Ana@Acme.example"), ContactFactory()
    assert contact_find(email="ana@ACME.example") == ana
    assert contact_find(source="website", external_id="v-1") is None
    contact_identity_add(contact=ana, source="website", external_id="v-1")
    contact_identity_add(contact=ana, source="website", external_id="v-1")  # idempotent
    assert contact_find(source="website", external_id="v-1") == ana
    with pytest.raises(ValueError, match="merge"):
        contact_identity_add(contact=bob, source="website", external_id="v-1")
