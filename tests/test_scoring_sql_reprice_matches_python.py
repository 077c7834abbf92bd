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

from contacts.models import Activity
from scoring import engine, repricing, score_reads, selectors
from scoring.models import (
    ChangeReason,
    ContactScore,
    Qualification,
    ScoreChange,
)
from scoring.services import rescore_sql, scoring_model_draft_create
from scoring.services.rescoring import contacts_score
from scoring.services.score_rows import change_detail, score_moved
from tests.pricing_strategies import (
    EXAMPLE,
    START,
    activities,
    build_model,
    change_pricing,
    fit_rules,
    interest_rules,
    rule_change,
    settings_change,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the SQL re-price is PostgreSQL's; runs in CI's PostgreSQL pass",
    ),
    pytest.mark.django_db,
]


def _expected(spec, base, stored: score_reads.StoredRow, breakdown: dict) -> engine.Score:
    """What the Python path prices a stored score at under `spec`, at its scored_at."""
    units = score_reads.units_at(spec, stored, now=stored.scored_at)
    assert len(units) == len(spec.definition_tags)
    base_parts = [engine.RuleScore.from_json(p) for p in breakdown.get("fit", [])]

    def no_profile():
        raise AssertionError("the SQL re-price only takes fit rules the base answers")

    fit_parts = repricing.fit_parts_from(spec, base, base_parts, no_profile)
    return engine.combine(spec, fit_parts, engine.priced_parts(spec, units), stored.scored_at)


# Scores that move both ways, a rename, a cap, and two rules given one name.
_MOVES = {
    **EXAMPLE,
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
    base_model, contacts = build_model(fit, interest, half_life)
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
    change_pricing(model, settings_values, changes)
    spec = selectors.model_spec(model)
    stored = score_reads.stored_scores(ids, line_id=model.line_id, breakdowns=True)
    expected = {i: _expected(spec, base, row, row.breakdown) for i, row in stored.items()}
    now = START + dt.timedelta(hours=1)
    base_for_sql = rescore_sql.base_spec(model, spec, base_model.pk, base.fit_key)
    note(f"fit carried: {base_for_sql is not None}")

    left, moved, _ = rescore_sql.rescore_in_sql(model, spec, frozenset(), ids, now)
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
