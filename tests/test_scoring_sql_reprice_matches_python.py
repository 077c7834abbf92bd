"""
Property (PostgreSQL): after a points, cap, threshold, name or hand-raise change, made in place
or by publishing a version, the scores a rescore re-prices in SQL (scoring.repricing_sql) equal,
field by field, what the Python path gives for the same stored score at its scored_at: fit,
interest, grade, band, MQL state, hand-raise, gains and losses, the whole breakdown, and the
timeline entry's numbers and words. A score the SQL leaves alone is one the Python path must
take (it may qualify, has an open qualification, or its units changed since), and is not
touched.
"""

import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st

from contacts.models import Activity, Contact
from scoring import engine, repricing, score_reads, selectors
from scoring.models import (
    ChangeReason,
    ContactScore,
    Qualification,
    RuleCondition,
    ScoreChange,
    ScoringModel,
    ScoringRule,
)
from scoring.services import rescore_runs, scoring_model_draft_create
from scoring.services.rescoring import contacts_score
from scoring.services.score_rows import change_detail, score_moved
from tests.factories import fit_test_contacts

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the SQL re-price is PostgreSQL's; runs in CI's PostgreSQL pass",
    ),
    pytest.mark.django_db,
]

KINDS = ["page_view", "pricing_page_view", "email_click", "demo_request"]
URLS = ["/pricing", "/blog/a", "/careers/x"]
START = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)

fit_rules = st.fixed_dictionaries(
    {
        "points": st.integers(-30, 40),
        "attribute": st.sampled_from(["industry", "employee_count", "seniority", "free_mail"]),
        "operator": st.sampled_from(["equals", "one_of", "between", "is_true"]),
        "value": st.sampled_from(["Software", "Retail, Software", "vp"]),
        "min_value": st.sampled_from([10.0, 100.0]),
        "max_value": st.sampled_from([500.0, 5000.0]),
        "is_hand_raise": st.booleans(),
    }
)
interest_rules = st.fixed_dictionaries(
    {
        "points": st.integers(-20, 30) | st.sampled_from([2.5, 0.1, 1e-05]),
        "activity_kind": st.sampled_from(KINDS),
        "max_occurrences": st.none() | st.integers(1, 3),
        "max_points": st.none() | st.sampled_from([1.0, 7.5, 20.0, 0.0]),
        "window_days": st.none() | st.integers(1, 60),
        "is_hand_raise": st.booleans(),
        "url_contains": st.none() | st.sampled_from(["/pricing", "/careers"]),
    }
)
activities = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.sampled_from(KINDS),
        st.sampled_from(URLS),
        st.integers(-60 * 24, 5 * 24),  # hours from START: back-dated or in the future
    ),
    max_size=30,
)
# What a pricing change may touch: the model's settings ...
settings_change = st.fixed_dictionaries(
    {
        # Thresholds low enough for some scores to qualify under the new rules.
        "mql_mode": st.sampled_from(["both", "combined"]),
        "mql_fit_threshold": st.sampled_from([0.0, 15.0, 60.0, 1000.0]),
        "mql_interest_threshold": st.sampled_from([0.0, 12.5, 80.0, 1000.0]),
        "mql_combined_threshold": st.sampled_from([20.0, 90.0, 1000.0]),
    },
    optional={
        "fit_cap": st.none() | st.sampled_from([10.0, 45.0]),
        "interest_cap": st.none() | st.sampled_from([5.0, 40.0]),
        "grade_a_min": st.sampled_from([45.0, 60.0]),
        "band_warm_min": st.sampled_from([1.0, 20.0]),
    },
)
# ... and each rule's points, caps, name and hand-raise (None: unchanged).
rule_change = (
    st.fixed_dictionaries(
        {
            "points": st.integers(-25, 35) | st.sampled_from([0.5, 1.00005]),
            "max_points": st.none() | st.sampled_from([2.0, 12.5]),
            "name": st.sampled_from(["Pricing page", "Ünïcode 'quoted' \"rule\"", "a; b"]),
            "is_hand_raise": st.booleans(),
        }
    )
    | st.none()
)


def _build(fit, interest, half_life) -> tuple[ScoringModel, list[Contact]]:
    model = ScoringModel.objects.create(
        name="P",
        is_live=True,
        decay_half_life_days=half_life,
        mql_fit_threshold=1000,  # nothing qualifies before the change: no open qualification
        mql_interest_threshold=1000,
        mql_combined_threshold=1000,
    )
    for number, data in enumerate(fit):
        ScoringRule.objects.create(
            scoring_model=model, name=f"fit {number}", dimension="fit", **data
        )
    for number, data in enumerate(interest):
        data = dict(data)
        url = data.pop("url_contains")
        rule = ScoringRule.objects.create(
            scoring_model=model,
            name=f"interest {number}",
            description="Counts 'this'" if number % 2 else "",
            dimension="interest",
            **data,
        )
        if url:
            RuleCondition.objects.create(rule=rule, property="url", operator="contains", value=url)
    contacts = fit_test_contacts()
    model.refresh_from_db()  # the settings as stored (floats), as every reader sees them
    return model, contacts


def _change(model: ScoringModel, settings_values: dict, changes: list) -> None:
    for field, value in settings_values.items():
        setattr(model, field, value)
    model.save()
    rules = list(model.rules.all())  # fit rules first, as a spec orders them
    for rule, change in zip(rules, changes, strict=False):
        if change is None:
            continue
        for field, value in change.items():
            setattr(rule, field, value)
        rule.save()
    model.refresh_from_db()


def _expected(spec, base, stored: score_reads.StoredRow, breakdown: dict) -> engine.Score:
    """What the Python path prices a stored score at under `spec`, at its scored_at."""
    units = score_reads.units_at(spec, stored, now=stored.scored_at)
    assert len(units) == len(spec.definition_tags)
    base_parts = [engine.RuleScore.from_json(p) for p in breakdown.get("fit", [])]

    def no_profile():
        raise AssertionError("the SQL re-price only takes fit rules the base answers")

    fit_parts = repricing.fit_parts_from(spec, base, base_parts, no_profile)
    return engine.combine(spec, fit_parts, engine.priced_parts(spec, units), stored.scored_at)


def _interest_rule(points, kind, **extra) -> dict:
    rule = {
        "points": points,
        "activity_kind": kind,
        "max_occurrences": None,
        "max_points": None,
        "window_days": None,
        "is_hand_raise": False,
        "url_contains": None,
    }
    return {**rule, **extra}


# Scores that move both ways, a rename, a cap, and two rules given one name.
_MOVES = {
    "fit": [
        {
            "points": 12,
            "attribute": "industry",
            "operator": "equals",
            "value": "Software",
            "min_value": 10.0,
            "max_value": 500.0,
            "is_hand_raise": False,
        }
    ],
    "interest": [
        _interest_rule(10, "page_view"),
        _interest_rule(5, "email_click", max_points=12.5),
        _interest_rule(4, "pricing_page_view", window_days=30, max_occurrences=2),
    ],
    "events": [
        (0, "page_view", "/pricing", -24),
        (0, "page_view", "/blog/a", -48),
        (1, "email_click", "/pricing", -5),
        (1, "email_click", "/pricing", -7),
        (2, "pricing_page_view", "/pricing", -30),
        (0, "pricing_page_view", "/pricing", -3),
        (3, "page_view", "/careers/x", -400),
    ],
    "half_life": 30.0,
    "settings_values": {
        "mql_mode": "both",
        "mql_fit_threshold": 1000.0,
        "mql_interest_threshold": 1000.0,
        "mql_combined_threshold": 1000.0,
    },
    "changes": [
        {"points": 14, "max_points": None, "name": "Pricing page", "is_hand_raise": False},
        {"points": 9, "max_points": 12.5, "name": "a; b", "is_hand_raise": False},
        {"points": 1.00005, "max_points": 2.0, "name": "a; b", "is_hand_raise": False},
        *[None] * 6,
    ],
}


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    fit=st.lists(fit_rules, max_size=4),
    interest=st.lists(interest_rules, min_size=1, max_size=5),
    events=activities,
    half_life=st.sampled_from([0.0, 30.0]),
    settings_values=settings_change,
    changes=st.lists(rule_change, min_size=9, max_size=9),
    publish=st.booleans(),
)
@example(**_MOVES, publish=False)
@example(**_MOVES, publish=True)
def test_sql_reprice_equals_the_python_path(
    fit, interest, events, half_life, settings_values, changes, publish
):
    with transaction.atomic():
        _check(fit, interest, events, half_life, settings_values, changes, publish)
        transaction.set_rollback(True)


def _check(fit, interest, events, half_life, settings_values, changes, publish) -> None:
    base_model, contacts = _build(fit, interest, half_life)
    for number, (index, kind, url, hours) in enumerate(events):
        Activity.objects.create(
            contact=contacts[index],
            kind=kind,
            occurred_at=START + dt.timedelta(hours=hours),
            properties={"url": url},
            source="prop",
            external_id=str(number),
        )
    ids = [c.pk for c in contacts]
    contacts_score(contact_ids=ids, rebuild=True, now=START)
    base = selectors.model_spec(base_model)
    model = base_model
    if publish:
        # A published version: the same rules under new ids, the scores still the old one's.
        model = scoring_model_draft_create(source=base_model, created_by=None, note="p")
    if fit and not publish:
        changes = [None] * len(fit) + changes  # in place, fit rules keep their points
    _change(model, settings_values, changes)
    spec = selectors.model_spec(model)
    stored = score_reads.stored_scores(ids, line_id=model.line_id, breakdowns=True)
    expected = {i: _expected(spec, base, row, row.breakdown) for i, row in stored.items()}
    now = START + dt.timedelta(hours=1)
    base_for_sql = rescore_runs._base_spec(model, spec, base_model.pk, base.fit_key)
    note(f"fit carried: {base_for_sql is not None}")

    left, moved = rescore_runs._reprice_in_sql(model, spec, ids, now)
    event(f"re-priced in SQL: {len(stored) - len(left)} of {len(stored)}; moved: {moved}")

    after = {s.contact_id: s for s in ContactScore.objects.filter(contact_id__in=ids)}
    changes = ScoreChange.objects.filter(contact_id__in=ids, reason=ChangeReason.RULE_CHANGE)
    entries = {c.contact_id: c for c in changes}
    counted_moves = 0
    for contact_id, row in stored.items():
        score, new = expected[contact_id], after[contact_id]
        if contact_id in left:
            # Left to the Python path: untouched here, and for a reason.
            assert (new.version, new.breakdown) == (row.version, row.breakdown)
            upper = engine.cap_total(score.interest_gains + 0.001, spec.interest_cap)[0]
            assert (
                base_for_sql is None
                or (row.next_change_at is not None and row.next_change_at <= now)
                or score.hand_raise_rule
                or engine.meets_threshold(score.fit, upper, spec)
                or Qualification.objects.filter(contact_id=contact_id, closed_at=None).exists()
            )
            continue
        assert not score.qualifies  # a score that qualifies is the Python path's to qualify
        assert (new.fit, new.interest, new.grade, new.band) == (
            score.fit,
            score.interest,
            score.grade,
            score.band,
        )
        assert new.meets_threshold == score.meets_threshold
        assert new.hand_raise_rule == score.hand_raise_rule[:100]
        assert new.interest_gains == score.interest_gains
        assert new.interest_losses == score.interest_losses
        assert new.breakdown == score.breakdown_json()
        assert (new.scoring_model_id, new.priced_key) == (model.pk, spec.price_key)
        assert (new.fit_key, new.version) == (spec.fit_key, row.version + 1)
        assert new.scored_at == row.scored_at and new.units == row.units
        if score_moved(row, score):
            counted_moves += 1
            entry = entries[contact_id]
            assert entry.reason == ChangeReason.RULE_CHANGE
            assert entry.detail == change_detail(row.breakdown, score)[:500]
            assert (entry.fit_before, entry.fit_after) == (row.fit, score.fit)
            assert (entry.interest_before, entry.interest_after) == (row.interest, score.interest)
            assert (entry.cell_before, entry.cell_after) == (row.cell, score.cell)
        else:
            assert contact_id not in entries
    assert moved == counted_moves
