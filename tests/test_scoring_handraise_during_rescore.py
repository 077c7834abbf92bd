"""
A demo request that arrives while a full rescore runs is routed at once and counted once,
whichever of the two writes the contact first; a lead waiting for release that raises its hand
is released.
"""

import pytest
from django.utils import timezone

from contacts.services import activity_record
from scoring.models import (
    ChangeReason,
    Qualification,
    QualificationStatus,
    ScoreChange,
    ScoringModel,
)
from scoring.services import rescore_run_execute, rescore_runs, scoring_model_changed
from tests.factories import (
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
    score_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def model() -> ScoringModel:
    model = ScoringModelFactory(mql_mode="combined", mql_combined_threshold=30)
    FitRuleFactory(scoring_model=model, name="Software", points=20)
    InterestRuleFactory(scoring_model=model, name="Pricing", points=10)
    InterestRuleFactory(
        scoring_model=model,
        name="Requested a demo",
        activity_kind="demo_request",
        points=30,
        is_hand_raise=True,
    )
    return model


@pytest.mark.parametrize("arrives", ["before its chunk", "after its chunk"])
def test_a_demo_request_during_a_rescore_is_released_and_counted_once(
    model, monkeypatch, announcements, django_capture_on_commit_callbacks, arrives
):
    contacts = [ContactFactory(company__industry="Retail") for _ in range(3)]
    lead = contacts[1]
    run = scoring_model_changed(model_id=model.pk, reason="rule change", release=False)
    real = rescore_runs._slice_scores  # a slice's work, in SQL or in Python

    def rescore(run, spec, scope, ids, **kwargs):
        if arrives == "before its chunk" and ids == [lead.pk]:
            # Recorded (and scored) between the run's reading of the ids and its chunk.
            activity_record(contact=lead, kind="demo_request", occurred_at=timezone.now())
        done = real(run, spec, scope, ids, **kwargs)
        if arrives == "after its chunk" and ids == [lead.pk]:
            activity_record(contact=lead, kind="demo_request", occurred_at=timezone.now())
        return done

    monkeypatch.setattr(rescore_runs, "_slice_scores", rescore)
    monkeypatch.setattr(rescore_runs, "CHUNK", 1)
    with django_capture_on_commit_callbacks(execute=True):
        rescore_run_execute(run_id=run.pk)

    qualification = Qualification.objects.get(contact=lead)
    assert qualification.status == QualificationStatus.RELEASED
    assert qualification.hand_raise
    assert announcements == [lead.pk]
    score_of(lead).refresh_from_db()
    assert score_of(lead).interest == 30
    # One entry for the demo request's points, not one per writer.
    gains = ScoreChange.objects.filter(contact=lead, interest_after=30, interest_before=0)
    assert gains.count() == 1


def test_a_lead_waiting_for_release_is_released_when_it_raises_its_hand(
    model, announcements, django_capture_on_commit_callbacks
):
    lead = ContactFactory(company__industry="Software")
    run = scoring_model_changed(model_id=model.pk, reason="rule change", release=False)
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=lead, kind="pricing_page_view", occurred_at=timezone.now())
        rescore_run_execute(run_id=run.pk)
    # Recording the pricing view qualified it at once (an activity, not a rule change).
    qualification = Qualification.objects.get(contact=lead)
    qualification.status = QualificationStatus.PENDING_RELEASE
    qualification.save(update_fields=["status"])
    announcements.clear()

    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=lead, kind="demo_request", occurred_at=timezone.now())

    qualification.refresh_from_db()
    assert qualification.status == QualificationStatus.RELEASED
    assert qualification.reason == "Hand-raise: Requested a demo"
    assert announcements == [lead.pk]
    assert ChangeReason.NEW_ACTIVITY in set(lead.score_changes.values_list("reason", flat=True))


def test_a_rescore_that_finds_a_hand_raise_routes_it_at_once_not_after_release(
    model, announcements, django_capture_on_commit_callbacks
):
    lead = ContactFactory(company__industry="Retail")
    activity_record(contact=lead, kind="webinar_attended", occurred_at=timezone.now())
    # Marketing adds a hand-raise rule for webinars: the rescore is free of side effects,
    # except that a hand-raise is never held back for release.
    InterestRuleFactory(
        scoring_model=model, name="Webinar", activity_kind="webinar_attended", is_hand_raise=True
    )
    run = model.runs.get(status="queued")
    run.release_new_mqls = False
    run.save(update_fields=["release_new_mqls"])
    with django_capture_on_commit_callbacks(execute=True):
        rescore_run_execute(run_id=run.pk)
    qualification = Qualification.objects.get(contact=lead)
    assert qualification.status == QualificationStatus.RELEASED
    assert announcements == [lead.pk]
