"""POST /api/v1/activities/ for an unknown contact: 400 by default, created on request."""

from __future__ import annotations

import pytest

from contacts.models import Activity, Contact

pytestmark = pytest.mark.django_db

EVENT = {"kind": "page_view", "occurred_at": "2025-05-01T09:30:00Z", "properties": {"url": "/"}}


def test_an_unknown_email_is_still_a_400_without_the_option(ops_api):
    response = ops_api.post(
        "/api/v1/activities/", {**EVENT, "contact_email": "new@acme.example"}, format="json"
    )
    assert response.status_code == 400
    assert "create_contact" in str(response.json())
    assert not Contact.objects.exists() and not Activity.objects.exists()


def test_create_contact_makes_the_contact_from_the_email(ops_api):
    response = ops_api.post(
        "/api/v1/activities/",
        {**EVENT, "contact_email": "New@Acme.example", "create_contact": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    contact = Contact.objects.get()
    assert contact.email == "New@Acme.example"
    assert Activity.objects.get().contact == contact
    again = ops_api.post(
        "/api/v1/activities/",
        {**EVENT, "contact_email": "new@acme.example", "create_contact": True},
        format="json",
    )
    assert again.status_code == 201 and Contact.objects.count() == 1


def test_bulk_creates_each_unknown_contact_once_by_external_id(ops_api):
    items = [
        {**EVENT, "contact_source": "app", "contact_external_id": "u-1", "create_contact": True},
        {**EVENT, "contact_source": "app", "contact_external_id": "u-1", "create_contact": True},
        {**EVENT, "contact_source": "app", "contact_external_id": "u-2", "create_contact": True},
        {**EVENT, "contact_source": "app", "contact_external_id": "u-3"},
    ]
    response = ops_api.post("/api/v1/activities/bulk/", {"items": items}, format="json")
    assert response.status_code == 200, response.json()
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["created", "created", "created", "error"]
    assert Contact.objects.count() == 2
    assert Activity.objects.count() == 3
    assert sorted(Contact.objects.values_list("identities__external_id", flat=True)) == [
        "u-1",
        "u-2",
    ]


def test_an_atomic_batch_that_fails_creates_no_contact(ops_api):
    items = [
        {**EVENT, "contact_email": "fresh@acme.example", "create_contact": True},
        {**EVENT, "contact_email": "ghost@acme.example"},
    ]
    response = ops_api.post(
        "/api/v1/activities/bulk/", {"atomic": True, "items": items}, format="json"
    )
    assert response.status_code == 422
    assert not Contact.objects.exists() and not Activity.objects.exists()


def test_an_activity_dated_out_of_range_is_refused(ops_api):
    from tests.factories import ContactFactory

    contact = ContactFactory()
    response = ops_api.post(
        "/api/v1/activities/",
        {**EVENT, "contact_id": contact.pk, "occurred_at": "0001-01-01T00:00:00+05:00"},
        format="json",
    )
    assert response.status_code == 400
    assert not Activity.objects.exists()


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_one_new_person_named_by_email_and_by_id_in_one_batch_is_one_contact(order, ops_api):
    ways = [
        {"contact_email": "cc1@ccorp.example"},
        {
            "contact_email": "CC1@ccorp.example",
            "contact_source": "crm",
            "contact_external_id": "C1",
        },
        {"contact_source": "crm", "contact_external_id": "C1"},
    ]
    items = [{**EVENT, **ways[i], "create_contact": True} for i in order]
    body = ops_api.post("/api/v1/activities/bulk/", {"items": items}, format="json").json()
    assert body["counts"]["created"] == 3, body
    contact = Contact.objects.get()
    assert contact.email.lower() == "cc1@ccorp.example"  # as the first row spelled it
    assert list(contact.identities.values_list("source", "external_id")) == [("crm", "C1")]
    assert Activity.objects.filter(contact=contact).count() == 3


def test_one_email_with_two_new_ids_in_a_batch_is_refused_on_the_second(ops_api):
    items = [
        {
            **EVENT,
            "contact_email": "d@acme.example",
            "contact_external_id": "A",
            "create_contact": True,
        },
        {
            **EVENT,
            "contact_email": "d@acme.example",
            "contact_external_id": "B",
            "create_contact": True,
        },
    ]
    body = ops_api.post("/api/v1/activities/bulk/", {"items": items}, format="json").json()
    assert [r["status"] for r in body["results"]] == ["created", "error"]
    assert "two ids" in str(body["results"][1]["errors"])
    assert Contact.objects.count() == 1
