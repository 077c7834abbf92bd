"""With atomic=true a batch is all or nothing."""

from __future__ import annotations

import pytest

from contacts.models import Activity, Company, Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("how", ["body", "query"])
def test_one_bad_row_rolls_back_the_whole_atomic_batch(ops_api, how):
    items = [
        {"email": "one@example.com", "company": {"domain": "one.example"}},
        {"email": "two@example.com", "company": {"domain": "not a domain"}},
    ]
    if how == "body":
        response = ops_api.post(
            "/api/v1/contacts/bulk/", {"atomic": True, "items": items}, format="json"
        )
    else:
        response = ops_api.post(
            "/api/v1/contacts/bulk/?atomic=true", {"items": items}, format="json"
        )
    assert response.status_code == 422
    body = response.json()
    assert body["committed"] is False and body["atomic"] is True
    assert [r["status"] for r in body["results"]] == ["skipped", "error"]
    assert "atomic" in body["results"][0]["errors"]["batch"][0]
    assert not Contact.objects.exists() and not Company.objects.exists()


def test_a_shape_error_also_rolls_back_an_atomic_batch(ops_api):
    response = ops_api.post(
        "/api/v1/contacts/bulk/",
        {"atomic": True, "items": [{"email": "ok@example.com"}, {"email": "broken"}]},
        format="json",
    )
    assert response.status_code == 422
    assert [r["status"] for r in response.json()["results"]] == ["skipped", "error"]
    assert not Contact.objects.exists()


def test_an_atomic_batch_of_good_rows_is_committed(ops_api):
    response = ops_api.post(
        "/api/v1/contacts/bulk/",
        {"atomic": True, "items": [{"email": "a@example.com"}, {"email": "b@example.com"}]},
        format="json",
    )
    assert response.status_code == 200 and response.json()["committed"] is True
    assert Contact.objects.count() == 2


def test_atomic_activity_batches_write_nothing_when_a_row_fails(ops_api):
    contact = ContactFactory()
    response = ops_api.post(
        "/api/v1/activities/bulk/",
        {
            "atomic": True,
            "items": [
                {
                    "contact_id": contact.pk,
                    "kind": "page_view",
                    "occurred_at": "2025-01-01T10:00:00Z",
                },
                {
                    "contact_email": "ghost@example.com",
                    "kind": "page_view",
                    "occurred_at": "2025-01-01T10:00:00Z",
                },
            ],
        },
        format="json",
    )
    assert response.status_code == 422
    assert not Activity.objects.exists()
