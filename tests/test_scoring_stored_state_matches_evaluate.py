"""
Property: the score stored by the write path (activities folded into rule states as they arrive,
in any order and batch split, back-dated, future-dated and re-sent) and brought to any later
moment equals a fresh evaluate() over all the activities at that moment: points, grade, band,
MQL state and the breakdown. A full rescore after a rule-definition change and the time refresh
keep it so.
"""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from contacts.models import Activity, Contact
from contacts.services import ActivityRow, activities_bulk_record, activity_record
from scoring import engine, score_reads, selectors
from scoring.models import ContactScore, RuleCondition, ScoringModel, ScoringRule
from scoring.services import rescore_run_execute, scores_refresh_time, scoring_model_changed
from tests.factories import fit_test_contacts

pytestmark = pytest.mark.django_db

KINDS = ["page_view", "pricing_page_view", "email_click", "demo_request"]
URLS = ["/pricing", "/blog/a", "/careers/x", "/docs"]

fit_rules = st.fixed_dictionaries(
    {
        "dimension": st.just("fit"),
        "points": st.integers(-30, 30),
        "attribute": st.sampled_from(["industry", "employee_count", "seniority", "free_mail"]),
        "operator": st.sampled_from(["equals", "one_of", "between", "is_true", "contains"]),
        "value": st.sampled_from(["Software", "Retail, Software", "vp", "manager"]),
        "min_value": st.sampled_from([10.0, 100.0, 1000.0]),
        "max_value": st.sampled_from([500.0, 5000.0]),
    }
)
interest_rules = st.fixed_dictionaries(
    {
        "dimension": st.just("interest"),
        "points": st.integers(-20, 30),
        "activity_kind": st.sampled_from(KINDS),
        "max_occurrences": st.none() | st.integers(1, 4),
        "max_points": st.none() | st.integers(1, 40).map(float),
        "window_days": st.none() | st.integers(1, 60),
        "is_hand_raise": st.booleans(),
        "url_contains": st.none() | st.sampled_from(["/pricing", "/careers", "/"]),
    }
)
# (contact index, kind, url, hours from the start: negative is back-dated, positive may be
# in the future when it arrives)
activities = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(KINDS),
        st.sampled_from(URLS),
        st.integers(-120 * 24, 40 * 24),
    ),
    max_size=25,
)
model_settings = st.fixed_dictionaries(
    {
        "decay_half_life_days": st.sampled_from([0.0, 3.0, 30.0]),
        "interest_cap": st.none() | st.just(60.0),
        "mql_mode": st.sampled_from(["both", "combined"]),
    }
)


class Clock:
    """timezone.now() under the test's control, so arrivals happen at chosen moments."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def _build(fit, interest, options) -> tuple[ScoringModel, list[Contact]]:
    model = ScoringModel.objects.create(
        name="P",
        is_live=True,
        mql_fit_threshold=10,
        mql_interest_threshold=10,
        mql_combined_threshold=30,
        **options,
    )
    for data in fit:
        ScoringRule.objects.create(scoring_model=model, name="f", **data)
    for data in interest:
        data = dict(data)
        url = data.pop("url_contains")
        rule = ScoringRule.objects.create(scoring_model=model, name="i", **data)
        if url:
            RuleCondition.objects.create(rule=rule, property="url", operator="contains", value=url)
    return model, fit_test_contacts()[:3]


def _record(batch, contacts, start, single: bool) -> None:
    """Record a batch the way the API does: one by one, or as one bulk call."""
    if single:
        for number, index, kind, url, hours in batch:
            activity_record(
                contact=contacts[index],
                kind=kind,
                occurred_at=start + dt.timedelta(hours=hours),
                properties={"url": url},
                source="prop",
                external_id=str(number),
            )
        return
    rows = [
        ActivityRow(
            index=i,
            contact_id=contacts[index].pk,
            kind=kind,
            occurred_at=start + dt.timedelta(hours=hours),
            properties={"url": url},
            source="prop",
            external_id=str(number),
        )
        for i, (number, index, kind, url, hours) in enumerate(batch)
    ]
    activities_bulk_record(rows=rows)


def _assert_matches_evaluate(model, contacts, moment) -> None:
    spec = selectors.model_spec(model)
    for contact in contacts:
        stored = ContactScore.objects.get(contact=contact)
        carried = score_reads.score_now(stored, now=moment, spec=spec)
        history = selectors.events_by_contact([contact.pk], kinds=set(KINDS)).get(contact.pk, [])
        fresh = engine.evaluate(spec, selectors.profile_of(contact), history, moment)
        assert carried.fit == fresh.fit
        assert carried.interest == pytest.approx(fresh.interest, abs=1e-6)
        assert carried.grade == fresh.grade
        assert carried.hand_raise_rule == fresh.hand_raise_rule
        if (
            abs(fresh.interest - spec.band_hot) > 1e-6
            and abs(fresh.interest - spec.band_warm) > 1e-6
        ):
            assert carried.band == fresh.band
            assert carried.qualifies == fresh.qualifies
        got, want = carried.breakdown_json(), fresh.breakdown_json()
        assert got["fit"] == want["fit"]
        assert len(got["interest"]) == len(want["interest"])
        for g, w in zip(got["interest"], want["interest"], strict=True):
            assert g["points"] == pytest.approx(w["points"], abs=1e-6)
            assert {k: v for k, v in g.items() if k != "points"} == {
                k: v for k, v in w.items() if k != "points"
            }


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fit=st.lists(fit_rules, max_size=3),
    interest=st.lists(interest_rules, min_size=1, max_size=5),
    stream=activities,
    order=st.randoms(use_true_random=False),
    splits=st.lists(st.integers(1, 6), min_size=1, max_size=8),
    single=st.booleans(),
    resend=st.booleans(),
    options=model_settings,
    checks=st.lists(st.floats(0, 150), min_size=1, max_size=3),
)
def test_stored_score_and_breakdown_equal_a_fresh_evaluation_at_any_later_time(
    monkeypatch, fit, interest, stream, order, splits, single, resend, options, checks
):
    note(f"{fit=} {interest=} {stream=} {splits=} {single=} {resend=} {options=} {checks=}")
    start = timezone.now().replace(microsecond=0)
    clock = Clock(start)
    monkeypatch.setattr(timezone, "now", clock)
    with transaction.atomic():
        model, contacts = _build(fit, interest, options)
        numbered = [(number, *event) for number, event in enumerate(stream)]
        order.shuffle(numbered)  # arrival order is not time order
        position = 0
        for size in splits * (len(numbered) // max(sum(splits), 1) + 1):
            if position >= len(numbered):
                break
            batch = numbered[position : position + size]
            position += size
            clock.now += dt.timedelta(hours=order.randint(0, 72))
            _record(batch, contacts, start, single)
            if resend:  # the client retries: stored once, folded once
                _record(batch, contacts, start, not single)
        assert Activity.objects.count() == len(stream)
        for days in sorted(checks):
            _assert_matches_evaluate(model, contacts, clock.now + dt.timedelta(days=days))
        transaction.set_rollback(True)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    interest=st.lists(interest_rules, min_size=1, max_size=4),
    stream=activities,
    new_window=st.none() | st.integers(1, 60),
    options=model_settings,
    refresh_days=st.floats(0, 90),
)
def test_a_rule_change_rescore_and_the_time_refresh_keep_the_stored_score_exact(
    monkeypatch, interest, stream, new_window, options, refresh_days
):
    start = timezone.now().replace(microsecond=0)
    clock = Clock(start)
    monkeypatch.setattr(timezone, "now", clock)
    with transaction.atomic():
        model, contacts = _build([], interest, options)
        numbered = [(number, *event) for number, event in enumerate(stream)]
        _record(numbered, contacts, start, single=False)
        # A definition change (the window) rebuilds that rule's states; points change too.
        rule = model.rules.filter(dimension="interest").first()
        rule.window_days, rule.points = new_window, rule.points + 3
        rule.save()
        clock.now += dt.timedelta(days=1)
        run = scoring_model_changed(model_id=model.pk, reason="test")
        rescore_run_execute(run_id=run.pk)
        model.refresh_from_db()
        _assert_matches_evaluate(model, contacts, clock.now)
        clock.now += dt.timedelta(days=refresh_days)
        scores_refresh_time()
        for contact in contacts:
            stored = ContactScore.objects.get(contact=contact)
            spec = selectors.model_spec(model)
            now_score = score_reads.score_now(stored, now=clock.now, spec=spec)
            assert (stored.grade, stored.band, stored.meets_threshold) == (
                now_score.grade,
                now_score.band,
                now_score.meets_threshold,
            )
        _assert_matches_evaluate(model, contacts, clock.now + dt.timedelta(days=3))
        transaction.set_rollback(True)
