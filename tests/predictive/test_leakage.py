"""An activity after the outcome date never changes the lead's training row."""

from __future__ import annotations

import datetime as dt

from contacts.models import Activity, Outcome
from predictive import features, services
from tests.factories import ActivityFactory, ContactFactory, OutcomeFactory


def test_extract_ignores_activities_at_or_after_the_cutoff():
    cutoff = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    before = features.Event("pricing_page_view", cutoff - dt.timedelta(days=3))
    record = features.LeadRecord(email="a@acme.example", events=[before])
    later = features.LeadRecord(
        email="a@acme.example",
        events=[
            before,
            features.Event("demo_request", cutoff),
            features.Event("pricing_page_view", cutoff + dt.timedelta(days=1)),
            features.Event("form_submission", cutoff + dt.timedelta(days=2), {"form_name": "x"}),
        ],
    )
    assert features.extract(later, cutoff=cutoff) == features.extract(record, cutoff=cutoff)


def test_an_activity_after_the_outcome_date_leaves_the_training_row_unchanged(db):
    contact = ContactFactory()
    outcome = OutcomeFactory(contact=contact, result="won")
    ActivityFactory(contact=contact, occurred_at=outcome.decided_at - dt.timedelta(days=5))

    def row():
        [only] = services.training_rows()
        return only.features

    first = row()
    ActivityFactory(
        contact=contact, kind="demo_request", occurred_at=outcome.decided_at + dt.timedelta(hours=1)
    )
    ActivityFactory(contact=contact, occurred_at=outcome.decided_at + dt.timedelta(days=30))
    assert Activity.objects.filter(contact=contact).count() == 3
    assert row() == first
    assert first["act:page_view:7d"] == 1.0
    assert first["act:demo_request:90d"] == 0.0


def test_the_cutoff_is_the_outcome_date_not_now(db):
    contact = ContactFactory()
    decided = Outcome.objects.create(
        contact=contact, result="lost", decided_at=dt.datetime(2024, 1, 10, tzinfo=dt.UTC)
    ).decided_at
    ActivityFactory(contact=contact, occurred_at=decided - dt.timedelta(days=20))
    [row] = services.training_rows()
    assert row.decided_at == decided
    assert row.features["act:days_since_last"] == 20
