"""
A rule change rescores from the stored rule states: a points-only change reads no activity, a
changed definition reads only its own activity kind (on PostgreSQL in SQL, none coming to
Python), and requests made while a run waits join it instead of queueing another full rescore.
"""

import pytest
from django.db import connection
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import RescoreRun, RescoreStatus
from scoring.services import rescore_run_execute, rescore_runs, scoring_model_changed
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory, score_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(monkeypatch, activity_reads):
    model = ScoringModelFactory()
    pricing = InterestRuleFactory(scoring_model=model, name="Pricing", points=10)
    InterestRuleFactory(
        scoring_model=model, name="Webinar", activity_kind="webinar_attended", points=5
    )
    contacts = [ContactFactory() for _ in range(3)]
    for contact in contacts:
        activity_record(contact=contact, kind="pricing_page_view", occurred_at=timezone.now())
        activity_record(contact=contact, kind="webinar_attended", occurred_at=timezone.now())
    RescoreRun.objects.all().delete()
    monkeypatch.setattr(rescore_runs, "enqueue_safely", lambda *args: False)  # run them here
    activity_reads.clear()  # the reads of scoring them as they arrived
    return model, pricing, contacts, activity_reads


def _run(model) -> RescoreRun:
    run = model.runs.get(status=RescoreStatus.QUEUED)
    return rescore_run_execute(run_id=run.pk)


def test_a_points_only_change_reads_no_activity(world):
    model, pricing, contacts, reads = world
    pricing.points = 12
    pricing.save()
    run = _run(model)
    assert reads == []
    assert run.refolded == 0
    for contact in contacts:
        score_of(contact).refresh_from_db()
        assert score_of(contact).interest == 17


def test_a_changed_definition_reads_only_its_own_kind(world):
    model, pricing, contacts, reads = world
    pricing.window_days = 30
    pricing.save()
    run = _run(model)
    if connection.vendor == "postgresql":
        assert reads == []  # rebuilt in SQL (scoring.refold_sql): no activity comes to Python
    else:
        assert reads and all(kinds == {"pricing_page_view"} for kinds in reads)
    assert run.refolded == 1
    for contact in contacts:
        score_of(contact).refresh_from_db()
        assert score_of(contact).interest == 15


def test_requests_while_a_run_waits_join_it(world):
    model, pricing, contacts, _ = world
    for points in (11, 12, 13):
        pricing.points = points
        pricing.save()
    scoring_model_changed(model_id=model.pk, reason="published")
    waiting = model.runs.get(status=RescoreStatus.QUEUED)
    assert model.runs.count() == 1
    assert waiting.requests == 4
    _run(model)
    score_of(contacts[0]).refresh_from_db()
    assert score_of(contacts[0]).interest == 18  # the rules as they were when it started
