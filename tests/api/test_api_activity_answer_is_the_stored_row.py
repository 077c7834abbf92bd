"""
POST /api/v1/activities/ answers from the activity it wrote, without reading it back: the
answer must be exactly what reading the stored activity gives.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _post(api, body):
    return api.post("/api/v1/activities/", body, format="json")


def test_a_new_activity_answers_what_reading_it_back_gives(ops_api):
    contact = ContactFactory(email="ada@example.com")
    response = _post(
        ops_api,
        {
            "contact_id": contact.pk,
            "kind": "custom",
            "custom_kind": "partner_call",
            # Another offset than UTC, microseconds, and nested properties.
            "occurred_at": "2025-03-01T14:00:00.123456+02:00",
            "source": "website",
            "external_id": "evt-1",
            "properties": {"url": "/pricing", "utm": {"source": "ads"}, "n": 3},
        },
    )
    assert response.status_code == 201
    answered = response.json()
    stored = ops_api.get(f"/api/v1/activities/{answered['id']}/").json()
    assert answered.pop("status") == "created"
    assert answered == stored
    assert stored["occurred_at"].startswith("2025-03-01T12:00:00.123456")


def test_a_new_activity_is_not_read_back_after_it_is_written(ops_api):
    contact = ContactFactory(email="ada@example.com")
    body = {"contact_id": contact.pk, "kind": "page_view", "occurred_at": "2025-03-01T12:00:00Z"}
    with CaptureQueriesContext(connection) as queries:
        assert _post(ops_api, body).status_code == 201
    reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and "contacts_activity" in q["sql"]
    ]
    assert reads == []


def test_a_resent_activity_answers_with_the_stored_one(ops_api):
    contact = ContactFactory(email="ada@example.com")
    body = {
        "contact_id": contact.pk,
        "kind": "page_view",
        "occurred_at": "2025-03-01T12:00:00Z",
        "source": "website",
        "external_id": "evt-2",
        "properties": {"url": "/a"},
    }
    first = _post(ops_api, body).json()
    again = _post(ops_api, {**body, "properties": {"url": "/changed"}})
    assert again.status_code == 200
    assert again.json() == {**first, "status": "unchanged"}
