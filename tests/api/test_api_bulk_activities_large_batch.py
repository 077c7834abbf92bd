"""
A batch of activities large enough to be written in one COPY on PostgreSQL (leadscore.bulk_sql;
elsewhere bulk_create) stores every row as sent, answers each with its stored id, and a row that
loses a race to a concurrent insert of the same event answers with the stored one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.models import Activity, ActivityKind
from contacts.services import bulk_activities
from leadscore.bulk_sql import COPY_MIN_ROWS, copy_insert
from scoring.models import ContactScore
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory

pytestmark = pytest.mark.django_db

ROWS = COPY_MIN_ROWS + 30


def _items(emails: list[str]) -> list[dict]:
    return [
        {
            "contact_email": emails[i % len(emails)],
            "kind": "page_view" if i % 3 else "pricing_page_view",
            "occurred_at": f"2026-03-01T12:{i % 60:02d}:00Z",
            "source": "tracker",
            "external_id": f"evt-{i}",
            "properties": {"url": f"/p/{i}", "tags": ["ü", i], "nested": {"ok": True}},
        }
        for i in range(ROWS)
    ]


def test_every_row_of_a_large_batch_is_stored_as_sent_under_its_answered_id(ops_api):
    model = ScoringModelFactory()
    InterestRuleFactory(scoring_model=model, activity_kind=ActivityKind.PAGE_VIEW, points=1)
    contacts = ContactFactory.create_batch(7)
    emails = [c.email for c in contacts]
    before = timezone.now()
    body = ops_api.post("/api/v1/activities/bulk/", {"items": _items(emails)}, format="json").json()
    assert body["counts"]["created"] == ROWS
    stored = {a.pk: a for a in Activity.objects.all()}
    assert len(stored) == ROWS
    by_email = {c.email: c.pk for c in contacts}
    for i, result in enumerate(body["results"]):
        activity = stored[result["id"]]
        assert activity.external_id == f"evt-{i}"
        assert activity.contact_id == by_email[emails[i % len(emails)]]
        assert activity.properties == {"url": f"/p/{i}", "tags": ["ü", i], "nested": {"ok": True}}
        assert activity.occurred_at == datetime(2026, 3, 1, 12, i % 60, tzinfo=UTC)
        assert activity.created_at >= before
    # The batch was scored in its transaction: every contact has a score that counts it.
    scored = dict(ContactScore.objects.values_list("contact_id", "interest"))
    assert all(scored[c.pk] > 0 for c in contacts)


def test_a_row_that_loses_a_race_answers_with_the_concurrently_stored_event(ops_api, monkeypatch):
    contact = ContactFactory()
    real_write = bulk_activities.write_rows_or_fallback
    raced = {}

    def write_after_a_concurrent_writer(plans, write, unsaved, **kwargs):
        # Another request stores event 5 between this batch's lookup and its write.
        raced["id"] = Activity.objects.create(
            contact=contact,
            kind="page_view",
            occurred_at=timezone.now(),
            source="tracker",
            external_id="evt-5",
        ).pk
        real_write(plans, write, unsaved, **kwargs)

    monkeypatch.setattr(bulk_activities, "write_rows_or_fallback", write_after_a_concurrent_writer)
    body = ops_api.post(
        "/api/v1/activities/bulk/", {"items": _items([contact.email])}, format="json"
    ).json()
    assert body["counts"] == {"created": ROWS - 1, "updated": 0, "unchanged": 1, "error": 0}
    assert body["results"][5] == {"index": 5, "status": "unchanged", "id": raced["id"]}
    assert Activity.objects.count() == ROWS
    assert Activity.objects.filter(external_id="evt-5").count() == 1


def test_a_refused_copy_raises_integrity_error_and_stores_nothing():
    contact = ContactFactory()
    Activity.objects.create(
        contact=contact, kind="page_view", occurred_at=timezone.now(), source="s", external_id="x1"
    )
    rows = [
        Activity(contact=contact, kind="page_view", occurred_at=timezone.now(), source="s",
                 external_id=f"x{i}")
        for i in range(ROWS)
    ]  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_insert(Activity, rows, batch_size=500)
    assert Activity.objects.count() == 1
