"""A recycled lead qualifies again only on a new hand-raise or enough new interest points."""

import datetime as dt

import pytest
from django.utils import timezone

from contacts.models import LifecycleStage
from contacts.services import activity_record, contact_set_stage
from scoring.models import Qualification
from scoring.services import qualification_close
from tests.factories import (
    ContactFactory,
    FitRuleFactory,
    InterestRuleFactory,
    ScoringModelFactory,
    score_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def model(settings):
    settings.SCORING_RECYCLED_REQUALIFY_POINTS = 12
    model = ScoringModelFactory(
        mql_fit_threshold=10, mql_interest_threshold=15, decay_half_life_days=0
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


def record(contact, kind, at, capture):
    with capture(execute=True):
        activity_record(contact=contact, kind=kind, occurred_at=at)


@pytest.fixture
def recycled(model, django_capture_on_commit_callbacks):
    """An MQL (five pricing views, 25 points) that sales rejected an hour later."""
    contact = ContactFactory()
    start = timezone.now() - dt.timedelta(hours=3)
    for i in range(5):
        record(
            contact,
            "pricing_page_view",
            start + dt.timedelta(minutes=i),
            django_capture_on_commit_callbacks,
        )
    assert Qualification.objects.filter(contact=contact, closed_at__isnull=True).exists()
    recycled_at = start + dt.timedelta(hours=1)
    contact_set_stage(contact=contact, stage=LifecycleStage.RECYCLED, at=recycled_at)
    qualification_close(contact=contact, reason="Rejected by Ana: bad timing", now=recycled_at)
    return contact


def test_one_more_event_does_not_requalify_a_recycled_lead(
    recycled, django_capture_on_commit_callbacks, announcements
):
    record(recycled, "pricing_page_view", timezone.now(), django_capture_on_commit_callbacks)

    recycled.refresh_from_db()
    assert recycled.lifecycle_stage == LifecycleStage.RECYCLED
    assert score_of(recycled).interest == 30  # scored all the same
    assert Qualification.objects.filter(contact=recycled).count() == 1
    assert announcements == []


def test_enough_new_points_requalify_it(
    recycled, django_capture_on_commit_callbacks, announcements
):
    for _ in range(3):  # 15 new points >= 12
        record(recycled, "pricing_page_view", timezone.now(), django_capture_on_commit_callbacks)

    recycled.refresh_from_db()
    assert recycled.lifecycle_stage == LifecycleStage.MQL
    assert Qualification.objects.filter(contact=recycled, closed_at__isnull=True).count() == 1
    assert announcements == [recycled.pk]


def test_a_new_hand_raise_requalifies_it_at_once(
    recycled, django_capture_on_commit_callbacks, announcements
):
    record(recycled, "demo_request", timezone.now(), django_capture_on_commit_callbacks)

    recycled.refresh_from_db()
    assert recycled.lifecycle_stage == LifecycleStage.MQL
    assert (
        Qualification.objects.get(contact=recycled, closed_at__isnull=True).reason
        == "Hand-raise: Requested a demo"
    )
    assert announcements == [recycled.pk]


def test_points_from_before_the_recycle_do_not_count(
    recycled, django_capture_on_commit_callbacks, announcements
):
    # Late-arriving events dated before the recycle are old news.
    old = timezone.now() - dt.timedelta(hours=2, minutes=30)
    for _ in range(3):
        record(recycled, "pricing_page_view", old, django_capture_on_commit_callbacks)

    recycled.refresh_from_db()
    assert recycled.lifecycle_stage == LifecycleStage.RECYCLED
    assert announcements == []
