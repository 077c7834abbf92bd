"""Crossing the MQL rule: stage and date, one lead_qualified signal, hand-raises, decay."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import LifecycleStage
from contacts.services import activity_record
from scoring.models import ChangeReason, Qualification, QualificationStatus
from scoring.services import contact_rescore, scores_refresh_time
from tests.factories import (
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
    score_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def model():
    model = ScoringModelFactory(
        mql_fit_threshold=10, mql_interest_threshold=15, decay_half_life_days=7
    )
    FitRuleFactory(scoring_model=model, points=10)  # industry is Software
    InterestRuleFactory(scoring_model=model, points=5, name="Viewed pricing")
    InterestRuleFactory(
        scoring_model=model,
        points=1,
        activity_kind="demo_request",
        name="Requested a demo",
        is_hand_raise=True,
    )
    return model


def view_pricing(contact, at, capture):
    with capture(execute=True):
        activity_record(contact=contact, kind="pricing_page_view", occurred_at=at)


def test_lead_below_the_rule_is_scored_but_not_an_mql(
    model, django_capture_on_commit_callbacks, announcements
):
    contact = ContactFactory()
    view_pricing(contact, timezone.now(), django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert score_of(contact).fit == 10
    assert score_of(contact).interest == pytest.approx(5, abs=0.01)
    assert contact.lifecycle_stage == LifecycleStage.LEAD
    assert announcements == []


def test_crossing_the_rule_makes_an_mql_once_with_its_date(
    model, django_capture_on_commit_callbacks, announcements
):
    contact = ContactFactory()
    for _ in range(5):
        view_pricing(contact, timezone.now(), django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.MQL
    assert contact.mql_at is not None
    assert announcements == [contact.pk]
    qualification = Qualification.objects.get(contact=contact)
    assert qualification.status == QualificationStatus.RELEASED
    assert "Fit 10 >= 10 and interest 15 >= 15" in qualification.reason


def test_hand_raise_makes_an_mql_at_once_whatever_the_score(
    model, django_capture_on_commit_callbacks, announcements
):
    contact = ContactFactory(company__industry="Retail")  # no fit points at all
    with django_capture_on_commit_callbacks(execute=True):
        activity_record(contact=contact, kind="demo_request", occurred_at=timezone.now())
    contact.refresh_from_db()
    assert score_of(contact).fit == 0
    assert contact.lifecycle_stage == LifecycleStage.MQL
    assert Qualification.objects.get(contact=contact).reason == "Hand-raise: Requested a demo"
    assert announcements == [contact.pk]


def test_concurrent_paths_cannot_open_a_second_qualification(model, announcements):
    contact = ContactFactory()
    now = timezone.now()
    for i in range(4):
        activity_record(
            contact=contact,
            kind="pricing_page_view",
            occurred_at=now,
            source="t",
            external_id=str(i),
        )
    contact_rescore(contact_id=contact.pk)
    # A second worker that read the contact before the first committed its stage change:
    contact.lifecycle_stage = LifecycleStage.LEAD
    contact.save(update_fields=["lifecycle_stage"])
    contact_rescore(contact_id=contact.pk)
    assert Qualification.objects.filter(contact=contact).count() == 1


def test_decay_below_the_rule_is_recorded_but_the_lead_stays_an_mql(
    model, django_capture_on_commit_callbacks, announcements
):
    contact = ContactFactory()
    then = timezone.now()
    for _ in range(3):
        view_pricing(contact, then, django_capture_on_commit_callbacks)
    contact_rescore(contact_id=contact.pk, now=then)
    assert Qualification.objects.get(contact=contact).fell_below_at is None

    assert scores_refresh_time(now=then + dt.timedelta(days=7)) == 1
    contact.refresh_from_db()
    assert score_of(contact).interest == pytest.approx(7.5, abs=0.01)
    assert contact.lifecycle_stage == LifecycleStage.MQL
    qualification = Qualification.objects.get(contact=contact)
    assert qualification.fell_below_at is not None
    assert qualification.closed_at is None
    decay = contact.score_changes.get(reason=ChangeReason.DECAY)
    assert decay.detail == "Interest decayed from 15 to 8"
    assert announcements == [contact.pk]


def test_combined_mode_adds_fit_and_interest(django_capture_on_commit_callbacks):
    model = ScoringModelFactory(mql_mode="combined", mql_combined_threshold=20)
    FitRuleFactory(scoring_model=model, points=10)
    InterestRuleFactory(scoring_model=model, points=10)
    contact = ContactFactory()
    view_pricing(contact, timezone.now(), django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.MQL


def test_contacts_already_with_sales_are_never_requalified(
    model, django_capture_on_commit_callbacks, announcements
):
    contact = ContactFactory(lifecycle_stage=LifecycleStage.OPPORTUNITY)
    for _ in range(5):
        view_pricing(contact, timezone.now(), django_capture_on_commit_callbacks)
    contact.refresh_from_db()
    assert score_of(contact).meets_threshold
    assert contact.lifecycle_stage == LifecycleStage.OPPORTUNITY
    assert announcements == []
