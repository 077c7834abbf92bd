"""
Property: scoring one contact after each event (the incremental path) and recomputing
everyone at once (the full rescore) always agree, and so does the stored breakdown brought
forward in time (decay, windows) against a fresh evaluation at that time.
"""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Activity, Company, Contact
from scoring import engine, selectors
from scoring.models import ContactScore, RuleCondition, ScoringModel, ScoringRule
from scoring.services import contact_rescore, rescore_run_create, rescore_run_execute

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
KINDS = ["page_view", "pricing_page_view", "email_click", "demo_request"]
URLS = ["/pricing", "/blog/a", "/careers/x", "/docs"]

fit_rules = st.fixed_dictionaries(
    {
        "dimension": st.just("fit"),
        "points": st.integers(-30, 30),
        "attribute": st.sampled_from(["industry", "employee_count", "seniority", "free_mail"]),
        "operator": st.sampled_from(
            [
                "equals",
                "not_equals",
                "one_of",
                "between",
                "at_least",
                "is_true",
                "is_set",
                "contains",
            ]
        ),
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
events = st.lists(
    st.tuples(
        st.integers(0, 2), st.sampled_from(KINDS), st.sampled_from(URLS), st.integers(0, 120 * 24)
    ),  # contact index, kind, url, hours after T0
    max_size=25,
)
model_settings = st.fixed_dictionaries(
    {
        "decay_half_life_days": st.sampled_from([0.0, 3.0, 30.0]),
        "interest_cap": st.none() | st.just(60.0),
        "mql_mode": st.sampled_from(["both", "combined"]),
    }
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fit=st.lists(fit_rules, max_size=4),
    interest=st.lists(interest_rules, min_size=1, max_size=5),
    stream=events,
    options=model_settings,
    later_days=st.floats(0, 90),
)
def test_incremental_and_full_rescore_agree(fit, interest, stream, options, later_days):
    with transaction.atomic():
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
            url = data.pop("url_contains")
            rule = ScoringRule.objects.create(scoring_model=model, name="i", **data)
            if url:
                RuleCondition.objects.create(
                    rule=rule, property="url", operator="contains", value=url
                )
        companies = [
            Company.objects.create(
                name="A", domain="a.example", industry="Software", employee_count=250
            ),
            Company.objects.create(
                name="B", domain="b.example", industry="Retail", employee_count=9000
            ),
        ]
        contacts = [
            Contact.objects.create(
                email="vp@a.example", job_title="VP Sales", company=companies[0]
            ),
            Contact.objects.create(email="x@gmail.com", job_title="Manager", company=companies[1]),
            Contact.objects.create(email="none@c.example"),
        ]
        # Events arrive in time order (each rescored as it arrives), though some are back-dated.
        arrivals = sorted(stream, key=lambda e: e[3])
        now = T0
        for index, kind, url, hours in arrivals:
            occurred = T0 + dt.timedelta(hours=hours)
            arrived = occurred + dt.timedelta(hours=hours % 7)
            now = max(now, arrived)
            activity = Activity.objects.create(
                contact=contacts[index], kind=kind, occurred_at=occurred, properties={"url": url}
            )
            contact_rescore(contact_id=contacts[index].pk, activity_id=activity.pk, now=now)
        for contact in contacts:
            contact_rescore(contact_id=contact.pk, reason="profile_change", now=now)
        incremental = {s.pk: s for s in ContactScore.objects.all()}

        run = rescore_run_create(model=model, reason="test")
        rescore_run_execute(run_id=run.pk, now=now)
        full = {s.pk: s for s in ContactScore.objects.all()}

        spec = selectors.model_spec(model)
        later = now + dt.timedelta(days=later_days)
        for contact in contacts:
            a, b = incremental[contact.pk], full[contact.pk]
            assert (a.fit, a.grade, a.band, a.meets_threshold, a.hand_raise_rule) == (
                b.fit,
                b.grade,
                b.band,
                b.meets_threshold,
                b.hand_raise_rule,
            )
            assert a.interest == pytest.approx(b.interest, abs=1e-6)
            assert a.breakdown == b.breakdown

            fresh = engine.evaluate(
                spec,
                selectors.profile_of(contact),
                selectors.events_by_contact([contact.pk], kinds=set(KINDS))[contact.pk],
                later,
            )
            carried = engine.rescore_at(spec, b.breakdown, later)
            assert carried.interest == pytest.approx(fresh.interest, abs=1e-6)
            assert carried.cell == fresh.cell
            assert carried.qualifies == fresh.qualifies
        transaction.set_rollback(True)
