"""
A points, cap or threshold change re-prices every stored score from its units (what each rule
definition counts, stored with the score) without reading a rule state or an activity, and the
re-priced row equals a fresh evaluate() over all the activities: now, and later in time when a
profile change re-prices it again. Two paths, one answer (hypothesis).
"""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from contacts.models import Contact
from scoring import engine, score_reads, selectors
from scoring.models import ContactScore, ScoringRule
from scoring.services import contacts_score, rescore_run_execute, scoring_model_changed
from tests.test_scoring_stored_state_matches_evaluate import (
    KINDS,
    Clock,
    _build,
    _record,
    activities,
    fit_rules,
    interest_rules,
    model_settings,
)

pytestmark = pytest.mark.django_db

new_prices = st.lists(
    st.fixed_dictionaries(
        {
            "points": st.integers(-25, 35),
            "max_points": st.none() | st.integers(1, 50).map(float),
        }
    ),
    min_size=5,
    max_size=5,
)
new_settings = st.fixed_dictionaries(
    {
        "interest_cap": st.none() | st.sampled_from([25.0, 80.0]),
        "mql_interest_threshold": st.sampled_from([5.0, 15.0, 40.0]),
        "band_hot_min": st.sampled_from([30.0, 50.0]),
    }
)


def _assert_row_matches_evaluate(model, contact: Contact) -> None:
    """The stored row itself (not a read-time projection) against a fresh evaluation."""
    spec = selectors.model_spec(model)
    row = ContactScore.objects.get(contact=contact)
    history = selectors.events_by_contact([contact.pk], kinds=set(KINDS)).get(contact.pk, [])
    fresh = engine.evaluate(spec, selectors.profile_of(contact), history, row.scored_at)
    assert row.fit == fresh.fit
    assert row.interest == pytest.approx(fresh.interest, abs=1e-4)
    assert row.grade == fresh.grade
    if all(abs(fresh.interest - edge) > 1e-3 for edge in (spec.band_hot, spec.band_warm)):
        assert row.band == fresh.band
    if all(
        abs(fresh.interest - edge) > 1e-3
        for edge in (spec.mql_interest, spec.mql_combined - fresh.fit)
    ):
        assert row.meets_threshold == fresh.meets_threshold
    assert row.hand_raise_rule == fresh.hand_raise_rule
    want = fresh.breakdown_json()
    assert row.breakdown["fit"] == want["fit"]
    assert len(row.breakdown["interest"]) == len(want["interest"])
    for got, wanted in zip(row.breakdown["interest"], want["interest"], strict=True):
        assert got["points"] == pytest.approx(wanted["points"], abs=1e-6)
        assert {k: v for k, v in got.items() if k != "points"} == {
            k: v for k, v in wanted.items() if k != "points"
        }


def _no_state_read(*args, **kwargs):
    raise AssertionError("a re-price read rule states")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fit=st.lists(fit_rules, max_size=2),
    interest=st.lists(interest_rules, min_size=1, max_size=5),
    stream=activities,
    options=model_settings,
    prices=new_prices,
    changed_settings=new_settings,
    later_days=st.floats(0, 30),
)
def test_a_points_only_change_reprices_every_stored_score_exactly(
    monkeypatch, fit, interest, stream, options, prices, changed_settings, later_days
):
    note(f"{fit=} {interest=} {stream=} {options=} {prices=} {changed_settings=} {later_days=}")
    start = timezone.now().replace(microsecond=0)
    clock = Clock(start)
    monkeypatch.setattr(timezone, "now", clock)
    with transaction.atomic():
        model, contacts = _build(fit, interest, options)
        _record([(n, *event) for n, event in enumerate(stream)], contacts, start, single=False)
        contacts_score(contact_ids=[c.pk for c in contacts], reason="profile_change")
        clock.now += dt.timedelta(hours=5)

        rules = list(ScoringRule.objects.filter(scoring_model=model, dimension="interest"))
        for rule, price in zip(rules, prices, strict=False):
            rule.points, rule.max_points = price["points"], price["max_points"]
            rule.save(update_fields=["points", "max_points"])
        for name, value in changed_settings.items():
            setattr(model, name, value)
        model.save()
        before = {
            row.contact_id: (row.rule_states, row.next_change_at)
            for row in ContactScore.objects.all()
        }
        run = scoring_model_changed(model_id=model.pk, reason="points", enqueue=False)
        # A stored score whose counted activities stay the same is re-priced; one that an
        # activity arrived at or left a window of since it was scored reads its states.
        due = {c for c, (_, change) in before.items() if change and change <= clock.now}
        with pytest.MonkeyPatch.context() as patch:
            if not due:
                patch.setattr(score_reads, "stored_rule_states", _no_state_read)
            rescore_run_execute(run_id=run.pk)
        model.refresh_from_db()
        for contact in contacts:
            _assert_row_matches_evaluate(model, contact)
        for row in ContactScore.objects.exclude(contact_id__in=due):
            assert (row.rule_states, row.next_change_at) == before[row.contact_id]

        clock.now += dt.timedelta(days=later_days)
        contacts_score(contact_ids=[c.pk for c in contacts], reason="profile_change")
        for contact in contacts:
            _assert_row_matches_evaluate(model, contact)
        transaction.set_rollback(True)
