"""
Property (PostgreSQL): the state and units of a new rule definition that SQL rebuilds from the
history for every stored score (scoring.refold_sql) are the ones the Python fold gives
(engine.fold, engine.units_of) at the score's moment: counts, decayed sums, the activities kept,
first, last and next change, for random definitions (window, at most N times, both, neither),
half-lives and activities back-dated and dated in the future, with or without a condition on
the activity's url (the matching activities picked by Python's engine.event_matches). The
score's next change is the soonest of all its units', and the definition a changed rule no
longer has is dropped. So they are when the statement that re-prices the scores rebuilds the
definition too (a rescore run's slice), each row written once.
"""

import datetime as dt

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts.models import Activity
from scoring import engine, refold_sql, selectors
from scoring.models import ContactScore, RuleCondition, ScoringRule
from scoring.services import rescore_sql
from scoring.services.batch_states import rules_by_definition
from scoring.services.rescoring import contacts_score
from tests.markers import postgresql_only
from tests.pricing_strategies import KINDS, START, activities, build_model, interest_rules

pytestmark = [postgresql_only("the SQL refold"), pytest.mark.django_db]

definitions = st.fixed_dictionaries(
    {
        "activity_kind": st.sampled_from(KINDS),
        "window_days": st.none() | st.integers(1, 60),
        "max_occurrences": st.none() | st.integers(1, 3),
    }
)
# A condition on the activity's url, or none (the rule matches on the kind alone).
url_condition = st.none() | st.sampled_from(["/pricing", "/careers"])


def _refold(spec: engine.ModelSpec, rule: engine.Rule, ids: list[int], line_id: int) -> set:
    matching = None
    if not refold_sql.matches_on_kind(rule):
        events = selectors.events_by_contact(
            ids, kinds={rule.activity_kind}, with_properties={rule.activity_kind}
        )
        matching = refold_sql.matching_ids(rule, [e for es in events.values() for e in es])
    sql, params = refold_sql.refold_statement(
        spec, rule, line_id=line_id, contact_ids=ids, matching=matching
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _same_state(got: engine.RuleState, want: engine.RuleState) -> None:
    assert (got.ref, got.count, got.first, got.last) == (
        want.ref,
        want.count,
        want.first,
        want.last,
    )
    assert got.decayed == pytest.approx(want.decayed, rel=1e-12)
    assert sorted(got.kept) == sorted(want.kept)


def _same_units(got: engine.Units, want: engine.Units) -> None:
    assert got.weight == pytest.approx(want.weight, rel=1e-12)
    assert (got.count, got.ignored, got.first_at, got.last_at, got.next_at) == (
        want.count,
        want.ignored,
        want.first_at,
        want.last_at,
        want.next_at,
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    interest=st.lists(interest_rules, min_size=1, max_size=3),
    events=activities,
    half_life=st.sampled_from([0.0, 30.0, 7.5]),
    definition=definitions,
    url=url_condition,
    replace=st.booleans(),
    scored_hours=st.sampled_from([0, 5, -24 * 3]),
    with_price=st.booleans(),
)
def test_a_definition_rebuilt_in_sql_equals_the_python_fold(
    interest, events, half_life, definition, url, replace, scored_hours, with_price
):
    with transaction.atomic():
        model, contacts = build_model([], interest, half_life)
        for number, (index, kind, url, hours) in enumerate(events):
            Activity.objects.create(
                contact=contacts[index],
                kind=kind,
                occurred_at=START + dt.timedelta(hours=hours, microseconds=number % 2 * 250),
                properties={"url": url},
                source="prop",
                external_id=str(number),
            )
        scored_at = START + dt.timedelta(hours=scored_hours)
        ids = [c.pk for c in contacts]
        contacts_score(contact_ids=ids, rebuild=True, now=scored_at)
        old_keys = set(rules_by_definition(selectors.model_spec(model)))
        if replace:
            rule = model.rules.filter(dimension="interest").order_by("pk").first()
            for field, value in definition.items():
                setattr(rule, field, value)
            rule.conditions.all().delete()
            rule.save()
        else:
            rule = ScoringRule.objects.create(
                scoring_model=model, name="new", dimension="interest", points=5, **definition
            )
        if url:
            RuleCondition.objects.create(rule=rule, property="url", operator="contains", value=url)
        model = type(model).objects.get(pk=model.pk)
        spec = selectors.model_spec(model)
        rules = rules_by_definition(spec)
        key = engine.definition_key(
            next(r for r in spec.rules if r.id == rule.pk), spec.half_life_days
        )
        tag = spec.definition_tags[key]
        # The same definition as another rule's: every score has its state, nothing is built.
        already = key in old_keys

        if with_price:
            # Rebuilt by the statement that re-prices the scores too (a rescore run's slice).
            now = scored_at + dt.timedelta(hours=1)
            _, _, rebuilt = rescore_sql.rescore_in_sql(model, spec, frozenset({key}), ids, now)
            assert rebuilt == (set() if already else {key})
        else:
            written = _refold(spec, rules[key], ids, model.line_id)
            assert written == (set() if already else set(ids))
        if already:
            transaction.set_rollback(True)
            return
        kind = definition["activity_kind"]
        events_of = selectors.events_by_contact(ids, kinds={kind}, with_properties={kind})
        hl = spec.half_life_days
        for score in ContactScore.objects.filter(contact_id__in=ids):
            assert score.scored_at == scored_at
            state = engine.fold(
                rules[key], engine.RuleState(), events_of.get(score.contact_id, ()), scored_at, hl
            )
            _same_state(engine.RuleState.from_json(score.rule_states[key]), state)
            _same_units(
                engine.Units.from_json(score.units["d"][tag]),
                engine.units_of(rules[key], state, scored_at, hl),
            )
            assert set(score.rule_states) == set(rules)
            assert set(score.units["d"]) == set(spec.definition_tags.values())
            units = {
                k: engine.Units.from_json(score.units["d"][t])
                for k, t in spec.definition_tags.items()
            }
            assert score.next_change_at == engine.units_next_change(units)
        transaction.set_rollback(True)
