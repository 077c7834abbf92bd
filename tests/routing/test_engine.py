"""The pure routing engine: rule matching, rotation slots, availability."""

import datetime as dt

from routing import engine
from routing.engine import Lead, RepState, RuleSpec

TODAY = dt.date(2026, 3, 2)


def rep(user_id: int, name: str, **kwargs) -> RepState:
    return RepState(user_id=user_id, name=name, team_id=1, **kwargs)


def test_weighted_rotation_interleaves_slots():
    a, b, c = rep(1, "A", weight=3), rep(2, "B", weight=1), rep(3, "C", weight=2)
    names = [r.name for r in engine.rotation([a, b, c], weighted=True)]
    assert names == ["A", "B", "C", "A", "C", "A"]


def test_rotation_skips_unavailable_reps_once_each_and_advances_the_cursor():
    reps = [rep(1, "A", is_active=False), rep(2, "B", load=5, capacity=5), rep(3, "C")]
    chosen, skipped, position = engine.pick_rotation(reps, position=3, weighted=False, today=TODAY)
    assert chosen.name == "C"
    assert [(s.name, s.reason) for s in skipped] == [("A", "inactive"), ("B", "at capacity 5/5")]
    assert position == 6


def test_nobody_available_leaves_the_cursor_where_it_was():
    chosen, skipped, position = engine.pick_rotation(
        [rep(1, "A", is_active=False)], position=4, weighted=False, today=TODAY
    )
    assert chosen is None and position is None and len(skipped) == 1


def test_an_empty_condition_matches_anything_and_sizes_must_be_known():
    rule = RuleSpec(id=1, name="Mid", team_id=1, min_employees=200)
    assert rule.matches(Lead(contact_id=1, employee_count=250))
    assert not rule.matches(Lead(contact_id=1, employee_count=None))
    assert RuleSpec(id=2, name="Any", team_id=1).matches(Lead(contact_id=1))


def test_the_first_matching_rule_wins_and_the_fallback_comes_last():
    fallback = RuleSpec(id=1, name="Rest", team_id=1, is_fallback=True)
    japan = RuleSpec(id=2, name="Japan", team_id=1, countries=frozenset({"japan"}))
    assert engine.first_matching_rule([fallback, japan], Lead(1, country="Japan")) == japan
    assert engine.first_matching_rule([fallback, japan], Lead(1, country="Peru")) == fallback


def test_territory_segments_and_countries():
    smb_france = rep(1, "A", segments=frozenset({"smb"}), countries=frozenset({"france"}))
    assert smb_france.covers(Lead(1, country="France", employee_count=20))
    assert not smb_france.covers(Lead(1, country="France", employee_count=2000))
    assert not smb_france.covers(Lead(1, country="Spain", employee_count=20))


def test_durations_in_words():
    assert [engine.duration_words(m) for m in (30, 60, 90, 240, 1440, 2880)] == [
        "30 min",
        "1 h",
        "1 h 30 min",
        "4 h",
        "1 day",
        "2 days",
    ]
