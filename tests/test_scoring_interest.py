"""Interest rules: points per occurrence, negative points, caps, windows and decay."""

import datetime as dt

import pytest

from scoring.engine import (
    Condition,
    Event,
    ModelSpec,
    Profile,
    Rule,
    counted_events,
    evaluate,
    finish,
    fold_all,
)

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def pricing(i: int, days: float, url: str = "/pricing") -> Event:
    return Event(i, "page_view", days_ago(days), {"url": url})


def rule(**overrides) -> Rule:
    values = {
        "id": 1,
        "name": "Viewed pricing",
        "dimension": "interest",
        "points": 5,
        "activity_kind": "page_view",
        "conditions": (Condition("url", "contains", "/pricing"),),
    }
    values.update(overrides)
    return Rule(**values)


def interest(rules, events, now=NOW, **spec) -> float:
    return evaluate(ModelSpec(rules=tuple(rules), **spec), Profile(), events, now).interest


def test_points_are_given_per_matching_occurrence():
    events = [pricing(1, 1), pricing(2, 2), pricing(3, 3, url="/blog")]
    assert interest([rule()], events) == 15 - 5


def test_property_conditions_must_all_hold():
    webinar = rule(
        activity_kind="webinar_attended",
        conditions=(Condition("percent_watched", "at_least", "", 50),),
    )
    events = [
        Event(1, "webinar_attended", days_ago(1), {"percent_watched": 80}),
        Event(2, "webinar_attended", days_ago(1), {"percent_watched": 20}),
        Event(3, "webinar_attended", days_ago(1), {}),
    ]
    assert interest([webinar], events) == 5


def test_negative_points_subtract():
    careers = rule(points=-10, conditions=(Condition("url", "contains", "/careers"),))
    events = [pricing(1, 1, url="/careers/sales"), pricing(2, 1, url="/pricing")]
    assert interest([careers, rule()], events) == -5


def test_cap_on_occurrences_counts_only_the_most_recent():
    score = evaluate(
        ModelSpec(rules=(rule(max_occurrences=2),), half_life_days=10),
        Profile(),
        [pricing(1, 0), pricing(2, 10), pricing(3, 20)],
        NOW,
    )
    part = score.interest_breakdown[0]
    assert part.count == 2
    assert part.last_at == NOW.isoformat()
    assert part.ignored_occurrences == 1
    events = [pricing(1, 0), pricing(2, 10), pricing(3, 20)]
    assert [e.id for e in counted_events(rule(max_occurrences=2), events, NOW)] == [1, 2]
    assert score.interest == pytest.approx(5 + 2.5)
    assert "at most 2 times" in part.cap_applied


def test_cap_on_points_limits_what_one_rule_gives():
    events = [pricing(i, 1) for i in range(10)]
    score = evaluate(ModelSpec(rules=(rule(max_points=12),)), Profile(), events, NOW)
    assert score.interest == 12
    assert score.interest_breakdown[0].raw_points == 50
    assert "at most 12 points" in score.interest_breakdown[0].cap_applied


def test_a_penalty_is_capped_like_a_bonus():
    careers = rule(points=-10, max_points=15, conditions=())
    assert interest([careers], [pricing(i, 1) for i in range(5)]) == -15


def test_window_counts_only_recent_activities():
    events = [pricing(1, 5), pricing(2, 29), pricing(3, 31)]
    assert interest([rule(window_days=30)], events) == 10


def test_activities_after_now_are_ignored_so_history_can_be_replayed():
    events = [pricing(1, 5), pricing(2, -1)]
    assert interest([rule()], events) == 5


@pytest.mark.parametrize(
    ("age_days", "expected"), [(0, 8), (7, 4), (14, 2), (21, 1), (3.5, 8 / 2**0.5)]
)
def test_decay_halves_points_every_half_life(age_days, expected):
    assert interest([rule(points=8)], [pricing(1, age_days)], half_life_days=7) == pytest.approx(
        expected, abs=1e-3
    )


def test_no_decay_when_half_life_is_zero():
    assert interest([rule(points=8)], [pricing(1, 365)], half_life_days=0) == 8


def test_dimension_cap_bounds_the_total():
    events = [pricing(i, 0) for i in range(30)]
    score = evaluate(ModelSpec(rules=(rule(),), interest_cap=100), Profile(), events, NOW)
    assert score.interest == 100
    assert score.interest_cap_applied


def test_interest_later_is_exact_from_the_stored_rule_states():
    spec = ModelSpec(
        rules=(
            rule(window_days=10, max_occurrences=3, max_points=12),
            rule(id=2, name="Any visit", points=1, conditions=()),
        ),
        half_life_days=5,
    )
    events = [pricing(i, i * 1.5) for i in range(8)]
    states = fold_all(spec, {}, events, NOW)
    for later_days in (0.5, 3, 8.9, 11, 40):
        later = NOW + dt.timedelta(days=later_days)
        assert finish(spec, Profile(), states, later).interest == pytest.approx(
            evaluate(spec, Profile(), events, later).interest, abs=1e-3
        )
