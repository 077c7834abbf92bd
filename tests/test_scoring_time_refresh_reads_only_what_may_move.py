"""
The time refresh finds its candidates in SQL from each score's interest range (decay only
shrinks every part by the same factor until next_change_at) and checks only those exactly.
Property: a score left out of the candidates has, at the refresh's moment, the grade, band, MQL
state and hand-raise it has stored; so the pre-filter never hides a move the exact check would
find. And it does filter: scores far from every boundary are not read.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from contacts.services import activity_record
from scoring import score_reads, selectors
from scoring.models import ContactScore
from scoring.services.time_refresh import _time_candidates
from tests.factories import ContactFactory, InterestRuleFactory, ScoringModelFactory
from tests.test_scoring_stored_state_matches_evaluate import (
    Clock,
    _build,
    _record,
    activities,
    fit_rules,
    interest_rules,
    model_settings,
)

pytestmark = pytest.mark.django_db


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fit=st.lists(fit_rules, max_size=2),
    interest=st.lists(interest_rules, min_size=1, max_size=5),
    stream=activities,
    options=model_settings,
    later=st.lists(st.floats(0, 200), min_size=1, max_size=4),
)
def test_a_score_the_sql_prefilter_skips_has_not_moved(
    monkeypatch, fit, interest, stream, options, later
):
    note(f"{fit=} {interest=} {stream=} {options=} {later=}")
    start = timezone.now().replace(microsecond=0)
    clock = Clock(start)
    monkeypatch.setattr(timezone, "now", clock)
    with transaction.atomic():
        model, contacts = _build(fit, interest, options)
        numbered = [(number, *event) for number, event in enumerate(stream)]
        _record(numbered, contacts, start, single=False)
        spec = selectors.model_spec(model)
        for days in sorted(later):
            moment = clock.now + dt.timedelta(days=days)
            candidates = set(_time_candidates(model, spec, moment))
            for stored in ContactScore.objects.exclude(contact_id__in=candidates):
                carried = score_reads.score_now(stored, now=moment, spec=spec)
                assert (
                    carried.grade,
                    carried.band,
                    carried.meets_threshold,
                    carried.hand_raise_rule,
                ) == (stored.grade, stored.band, stored.meets_threshold, stored.hand_raise_rule)
        transaction.set_rollback(True)


def test_only_scores_near_a_band_or_mql_boundary_are_read():
    model = ScoringModelFactory(
        decay_half_life_days=30, band_hot_min=50, band_warm_min=20, mql_combined_threshold=1000
    )
    InterestRuleFactory(scoring_model=model, name="Pricing", points=10)
    now = timezone.now()
    far_hot, near_warm, quiet = ContactFactory(), ContactFactory(), ContactFactory()
    for _ in range(9):  # 90 points: a day of decay keeps it hot
        activity_record(contact=far_hot, kind="pricing_page_view", occurred_at=now)
    for _ in range(2):  # 20 points: just warm, a day of decay makes it cold
        activity_record(contact=near_warm, kind="pricing_page_view", occurred_at=now)
    ContactScore.objects.filter(contact=quiet).update(interest=0)
    spec = selectors.model_spec(model)

    assert list(_time_candidates(model, spec, now + dt.timedelta(days=1))) == [near_warm.pk]
    # Three months on, the hot lead may have cooled too: it is read and checked.
    assert list(_time_candidates(model, spec, now + dt.timedelta(days=90))) == [
        far_hot.pk,
        near_warm.pk,
    ]
