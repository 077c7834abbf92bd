"""
What a rule change can move (repricing.repriced_tags, counts_any): for random rules, a random
edit (points, caps, names, hand-raise, a rule added or removed over a definition that exists,
settings, the order) and random stored units, a score whose units count nothing of the
definitions named prices the same under the old and the new rules; and an edit beyond interest
rules' pricing names none (None: every score). Pure: no database.
"""

import dataclasses
from datetime import UTC, datetime

from hypothesis import given, note
from hypothesis import strategies as st

from scoring import engine, repricing

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
KINDS = ["page_view", "webinar_attended", "pricing_page_view"]

rules = st.lists(
    st.builds(
        lambda kind, points, cap, window, hand: (kind, points, cap, window, hand),
        st.sampled_from(KINDS),
        st.integers(-20, 30),
        st.none() | st.integers(5, 40),
        st.none() | st.sampled_from([30, 90]),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)
edits = st.sampled_from(
    ["points", "cap", "name", "hand_raise", "add_shared", "remove", "threshold", "reorder", "none"]
)
units = st.builds(
    lambda weight, count, next_at: engine.Units(
        weight=weight if count else 0.0,
        count=count,
        first_at=NOW.isoformat() if count else "",
        last_at=NOW.isoformat() if count else "",
        next_at=next_at,
    ),
    st.floats(0.1, 5),
    st.sampled_from([0, 0, 1, 3]),
    st.sampled_from(["", "", "2026-12-30T12:00:00+00:00"]),
)


def _spec(raw) -> engine.ModelSpec:
    return engine.ModelSpec(
        rules=tuple(
            engine.Rule(
                id=i + 1,
                name=f"Rule {i + 1}",
                dimension=engine.INTEREST,
                points=float(points),
                activity_kind=kind,
                max_points=None if cap is None else float(cap),
                window_days=window,
                hand_raise=hand,
            )
            for i, (kind, points, cap, window, hand) in enumerate(raw)
        ),
        half_life_days=30.0,
        mql_mode=engine.BOTH,
        mql_interest=20.0,
    )


def _edited(spec: engine.ModelSpec, edit: str, at: int) -> engine.ModelSpec:
    rules = list(spec.rules)
    rule = rules[at % len(rules)]
    index = rules.index(rule)
    if edit == "points":
        rules[index] = dataclasses.replace(rule, points=rule.points + 7)
    elif edit == "cap":
        rules[index] = dataclasses.replace(rule, max_points=None if rule.max_points else 3.0)
    elif edit == "name":
        rules[index] = dataclasses.replace(rule, name=rule.name + " (renamed)")
    elif edit == "hand_raise":
        rules[index] = dataclasses.replace(rule, hand_raise=not rule.hand_raise)
    elif edit == "add_shared":
        rules.append(dataclasses.replace(rule, id=99, name="Added", points=4.0))
    elif edit == "remove" and len(rules) > 1:
        rules.pop(index)
    elif edit == "threshold":
        return dataclasses.replace(spec, mql_interest=spec.mql_interest + 5)
    elif edit == "reorder" and len(rules) > 1:
        rules.reverse()
    return dataclasses.replace(spec, rules=tuple(rules))


def _score(spec: engine.ModelSpec, stored: dict[str, engine.Units]) -> dict:
    by_key = {key: stored[tag] for key, tag in spec.definition_tags.items() if tag in stored}
    score = engine.combine(spec, [], engine.priced_parts(spec, by_key), NOW)
    return {
        "numbers": (score.interest, score.band, score.meets_threshold, score.hand_raise_rule),
        "breakdown": score.breakdown_json(),
    }


@given(raw=rules, edit=edits, at=st.integers(0, 10), stored_units=st.lists(units, min_size=5))
def test_a_score_counting_nothing_named_prices_the_same_under_both(raw, edit, at, stored_units):
    before = _spec(raw)
    after = _edited(before, edit, at)
    tags = repricing.repriced_tags(repricing.pricing_snapshot(before), after)
    note(f"{edit=} {tags=}")
    if tags is None:
        return  # every score is rewritten
    every_tag = sorted(set(before.definition_tags.values()) | set(after.definition_tags.values()))
    stored = dict(zip(every_tag, stored_units, strict=False))
    by_tag = {tag: u.to_json() for tag, u in stored.items()}
    if not repricing.counts_any(by_tag, tags):
        assert _score(after, stored) == _score(before, stored)


@given(raw=rules, at=st.integers(0, 10))
def test_a_change_beyond_rule_pricing_names_every_score(raw, at):
    before = _spec(raw)
    snapshot = repricing.pricing_snapshot(before)
    assert repricing.repriced_tags(snapshot, _edited(before, "threshold", at)) is None
    if len({r.id for r in before.rules}) > 1:
        assert repricing.repriced_tags(snapshot, _edited(before, "reorder", at)) is None
    window = dataclasses.replace(before.rules[0], window_days=7)
    changed_definition = dataclasses.replace(before, rules=(window, *before.rules[1:]))
    assert repricing.repriced_tags(snapshot, changed_definition) is None
    assert repricing.repriced_tags(None, before) is None
    assert repricing.repriced_tags(snapshot, before) == frozenset()
