"""
The scoring engine: rules and data in, points and reasons out.

Pure Python with no database access, so the same code scores one contact after an activity,
rescores every contact after a rule change, replays a draft model for a what-if preview, and
runs in property-based tests. The ORM adapters live in scoring.services. The inputs and outputs
(rules, specs, events, scores, units) live in scoring.engine_types and fit rules' evaluation in
scoring.engine_fit; a total's rounding in scoring.engine_rounding; all are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from contacts.domains import FREE_MAIL_DOMAINS  # noqa: F401  (callers read it as engine.X)
from scoring.conditions import (  # noqa: F401  (callers read these as engine.X)
    ALL_OPERATORS,
    NUMBER_OPERATORS,
    PLACEHOLDER_VALUES,
    PRESENCE_OPERATORS,
    SENIORITY_LABELS,
    TEXT_OPERATORS,
    compare,
    is_empty,
    seniority_of,
    split_values,
)
from scoring.engine_fit import (  # noqa: F401  (callers read these as engine.X)
    evaluate_fit_rule,
    fit_part,
    profile_value,
)
from scoring.engine_rounding import round_score
from scoring.engine_types import (  # noqa: F401  (callers read these as engine.X)
    BOTH,
    COMBINED,
    FIT,
    INTEREST,
    NO_UNITS,
    Condition,
    Event,
    ModelSpec,
    Profile,
    Rule,
    RuleScore,
    Score,
    ScoreReading,
    Units,
    definition_key,
    definition_tag,
    is_aggregated,
)

# ---- Evaluation --------------------------------------------------------------------------


def event_matches(rule: Rule, event: Event) -> bool:
    if event.kind != rule.activity_kind:
        return False
    if rule.custom_kind and event.custom_kind.lower() != rule.custom_kind.lower():
        return False
    return all(condition.matches(event.properties) for condition in rule.conditions)


def decay_factor(age: timedelta, half_life_days: float) -> float:
    if half_life_days <= 0:
        return 1.0
    age_days = max(age.total_seconds(), 0.0) / 86400.0
    return 0.5 ** (age_days / half_life_days)


def cap_total(total: float, cap: float | None) -> tuple[float, bool]:
    """Caps bound the size of a sum either way: a penalty is capped like a bonus."""
    if cap is None or abs(total) <= cap:
        return total, False
    return math.copysign(cap, total), True


def highest_scores(spec: ModelSpec) -> tuple[float, float]:
    """
    The most fit and interest any contact can have under `spec`: every positive fit rule
    matching, every positive interest rule at its points cap or its most occurrences (no bound
    where it has neither), within the model's caps. An MQL rule above these qualifies nobody.
    """
    fit = sum(max(rule.points, 0.0) for rule in spec.rules if rule.dimension == FIT)
    interest = 0.0
    for rule in spec.rules:
        if rule.dimension != INTEREST or rule.points <= 0:
            continue
        if rule.max_points is not None:
            interest += min(rule.max_points, rule.points * (rule.max_occurrences or math.inf))
        elif rule.max_occurrences is not None:
            interest += rule.points * rule.max_occurrences
        else:
            interest = math.inf
    return cap_total(fit, spec.fit_cap)[0], cap_total(interest, spec.interest_cap)[0]


# ---- Rule state: what an interest rule needs to know of a contact's history --------------
#
# For each contact and each interest rule *definition* (what it counts: kind, custom kind,
# conditions, window, max occurrences) a RuleState holds just enough to give that rule's points
# at any later moment exactly, without reading the history again:
# - a rule with no window and no "at most N times" folds every past activity into a count and
#   a decayed sum at a reference time (`ref`), which decays on as a whole;
# - a rule with a window keeps the activities still inside it; one with "at most N times" the
#   N most recent and a count of the older ones. Either way its size is bounded by the rule.
# Activities dated after `ref` are kept aside until their time comes (`kept`), for every rule.
# Points, caps and thresholds are applied when a state is finished, so changing them reads no
# activity. A definition's key (definition_key) names its state wherever it is stored.


@dataclass
class RuleState:
    """One contact's history as one interest rule definition needs it (see above)."""

    ref: datetime | None = None
    count: int = 0  # activities folded into `decayed` (aggregated) or dropped (older than N)
    decayed: float = 0.0  # sum of decay weights at `ref` of the aggregated activities
    first: datetime | None = None  # oldest aggregated activity
    last: datetime | None = None  # newest aggregated activity
    kept: list[tuple[int, datetime]] = field(default_factory=list)  # (activity id, time)

    @property
    def empty(self) -> bool:
        return not self.count and not self.kept

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ref": self.ref.isoformat() if self.ref else None}
        if self.count:
            data.update(n=self.count, s=self.decayed)
        if self.first is not None:
            data.update(f=self.first.isoformat(), l=self.last.isoformat())
        if self.kept:
            data["k"] = [[i, t.isoformat()] for i, t in self.kept]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleState:
        parse = datetime.fromisoformat
        return cls(
            ref=parse(data["ref"]) if data.get("ref") else None,
            count=int(data.get("n", 0)),
            decayed=float(data.get("s", 0.0)),
            first=parse(data["f"]) if data.get("f") else None,
            last=parse(data["l"]) if data.get("l") else None,
            kept=[(int(i), parse(t)) for i, t in data.get("k", ())],
        )


def _advance(state: RuleState, now: datetime, half_life_days: float) -> None:
    """Move the reference time forward to `now` (never back), decaying the sum with it."""
    if state.ref is not None and now <= state.ref:
        return
    if state.ref is not None and state.count:
        state.decayed *= decay_factor(now - state.ref, half_life_days)
    state.ref = now


def _aggregate(state: RuleState, moment: datetime, half_life_days: float) -> None:
    state.decayed += decay_factor(state.ref - moment, half_life_days)
    state.count += 1
    state.first = moment if state.first is None else min(state.first, moment)
    state.last = moment if state.last is None else max(state.last, moment)


def _settle(rule: Rule, state: RuleState, half_life_days: float) -> None:
    """
    Bring a state to its reference time: aggregate the kept activities that have arrived
    (aggregated rules), or drop the ones that can never count again (window, at most N).
    """
    now = state.ref
    if is_aggregated(rule):
        future = []
        for activity_id, moment in state.kept:
            if moment <= now:
                _aggregate(state, moment, half_life_days)
            else:
                future.append((activity_id, moment))
        state.kept = future
        return
    since = now - timedelta(days=rule.window_days) if rule.window_days is not None else None
    past = sorted(
        ((i, t) for i, t in state.kept if t <= now and (since is None or t >= since)),
        key=lambda item: (item[1], item[0]),
        reverse=True,
    )
    future = [(i, t) for i, t in state.kept if t > now]
    if rule.window_days is None and rule.max_occurrences is not None:
        # Beyond the N most recent, an activity can never count again, only be "ignored".
        state.count += max(len(past) - rule.max_occurrences, 0)
        past = past[: rule.max_occurrences]
    state.kept = past + future


def fold(
    rule: Rule, state: RuleState, events: Iterable[Event], now: datetime, half_life_days: float
) -> RuleState:
    """Fold new activities into a rule's state (in place, and returned). Order does not matter."""
    _advance(state, now, half_life_days)
    for event in events:
        if event_matches(rule, event):
            state.kept.append((event.id, event.occurred_at))
    _settle(rule, state, half_life_days)
    return state


def units_of(rule: Rule, state: RuleState, now: datetime, half_life_days: float) -> Units:
    """A definition's units at `now` from its state: decay, windows, at most N times."""
    since = now - timedelta(days=rule.window_days) if rule.window_days is not None else None
    arrived = sorted(
        ((i, t) for i, t in state.kept if t <= now and (since is None or t >= since)),
        key=lambda item: (item[1], item[0]),
        reverse=True,
    )
    if is_aggregated(rule):
        count = state.count + len(arrived)
        counted_times = [t for _, t in arrived]
        weight = (
            state.decayed * decay_factor(now - state.ref, half_life_days) if state.count else 0.0
        )
        weight += sum(decay_factor(now - t, half_life_days) for t in counted_times)
        if state.count:
            counted_times += [state.first, state.last]
        ignored = 0
    else:
        limit = rule.max_occurrences
        counted = arrived[:limit] if limit is not None else arrived
        ignored = len(arrived) - len(counted) + (state.count if since is None else 0)
        count = len(counted)
        counted_times = [t for _, t in counted]
        weight = sum(decay_factor(now - t, half_life_days) for t in counted_times)
    following = next_change_of(rule, state, now)
    next_at = following.isoformat() if following is not None else ""
    if count == 0:
        return Units(weight=0.0, count=0, ignored=ignored, next_at=next_at)
    return Units(
        weight=weight,
        count=count,
        ignored=ignored,
        first_at=min(counted_times).isoformat(),
        last_at=max(counted_times).isoformat(),
        next_at=next_at,
    )


def next_change_of(rule: Rule, state: RuleState, now: datetime) -> datetime | None:
    """
    The next moment after `now` when time alone changes what a definition counts: an activity
    dated in the future arrives, or a counted one leaves its window. (Decay is continuous.)
    """
    moments = []
    for _, moment in state.kept:
        if moment > now:
            moments.append(moment)
        elif rule.window_days is not None:
            moments.append(moment + timedelta(days=rule.window_days, microseconds=1))
    later = [m for m in moments if m > now]
    return min(later) if later else None


def units_later(units: Units, factor: float) -> Units:
    """The same counted activities later in time: every weight decays by the same factor."""
    if not units.count or factor == 1.0:
        return units
    # Spelled out rather than dataclasses.replace: this runs for every definition of every
    # score a rescore re-prices.
    u = units
    return Units(u.weight * factor, u.count, u.ignored, u.first_at, u.last_at, u.next_at)


def occurrences_cap_text(rule: Rule) -> str:
    """How a part says its 'at most N times' limit left some activities out."""
    return "at most once" if rule.max_occurrences == 1 else f"at most {rule.max_occurrences} times"


def points_cap_text(rule: Rule) -> str:
    """How a part says its points were capped."""
    return f"at most {rule.max_points:g} points"


def price_units(rule: Rule, units: Units) -> RuleScore | None:
    """A rule's points from its definition's units: points each, then its caps."""
    if units.count == 0:
        return None
    points_each = float(rule.points)
    caps = [occurrences_cap_text(rule)] if units.ignored else []
    points, capped = cap_total(points_each * units.weight, rule.max_points)
    if capped:
        caps.append(points_cap_text(rule))
    return RuleScore(
        rule_id=rule.id,
        name=rule.name,
        description=rule.description,
        dimension=INTEREST,
        points=points,
        raw_points=points_each * units.count,
        hand_raise=rule.hand_raise,
        per_occurrence=points_each,
        count=units.count,
        first_at=units.first_at,
        last_at=units.last_at,
        ignored_occurrences=units.ignored,
        max_points=rule.max_points,
        max_occurrences=rule.max_occurrences,
        window_days=rule.window_days,
        activity_kind=rule.activity_kind,
        cap_applied="; ".join(caps),
    )


def finish_interest_rule(
    rule: Rule, state: RuleState, now: datetime, half_life_days: float
) -> RuleScore | None:
    """A rule's points at `now` from its state: its units, priced."""
    return price_units(rule, units_of(rule, state, now, half_life_days))


def evaluate_interest_rule(
    rule: Rule, events: Iterable[Event], now: datetime, half_life_days: float
) -> RuleScore | None:
    """One interest rule over a whole history at `now`: fold into a fresh state, then finish."""
    state = fold(rule, RuleState(), events, now, half_life_days)
    return finish_interest_rule(rule, state, now, half_life_days)


def counted_events(rule: Rule, events: Iterable[Event], now: datetime) -> list[Event]:
    """The activities behind an interest rule's points at `now`, newest first (for one contact)."""
    since = now - timedelta(days=rule.window_days) if rule.window_days is not None else None
    matched = sorted(
        (
            e
            for e in events
            if e.occurred_at <= now
            and (since is None or e.occurred_at >= since)
            and event_matches(rule, e)
        ),
        key=lambda e: (e.occurred_at, e.id),
        reverse=True,
    )
    return matched[: rule.max_occurrences] if rule.max_occurrences is not None else matched


def grade_for(fit: float, spec: ModelSpec) -> str:
    if fit >= spec.grade_a:
        return "A"
    if fit >= spec.grade_b:
        return "B"
    if fit >= spec.grade_c:
        return "C"
    return "D"


def band_for(interest: float, spec: ModelSpec) -> int:
    if interest >= spec.band_hot:
        return 1
    if interest >= spec.band_warm:
        return 2
    return 3


def meets_threshold(fit: float, interest: float, spec: ModelSpec) -> bool:
    if spec.mql_mode == COMBINED:
        return fit + interest >= spec.mql_combined
    return fit >= spec.mql_fit and interest >= spec.mql_interest


def combine(
    spec: ModelSpec,
    fit_parts: Sequence[RuleScore],
    interest_parts: Sequence[RuleScore],
    now: datetime,
) -> Score:
    fit, fit_capped = cap_total(sum(r.points for r in fit_parts), spec.fit_cap)
    interest, interest_capped = cap_total(sum(r.points for r in interest_parts), spec.interest_cap)
    fit, interest = round_score(fit), round_score(interest)
    hand_raise = next((r.name for r in (*fit_parts, *interest_parts) if r.hand_raise), "")
    return Score(
        fit=fit,
        interest=interest,
        grade=grade_for(fit, spec),
        band=band_for(interest, spec),
        meets_threshold=meets_threshold(fit, interest, spec),
        hand_raise_rule=hand_raise,
        fit_breakdown=tuple(fit_parts),
        interest_breakdown=tuple(interest_parts),
        fit_cap_applied=fit_capped,
        interest_cap_applied=interest_capped,
        at=now,
    )


def interest_rules(spec: ModelSpec) -> list[Rule]:
    return [rule for rule in spec.rules if rule.dimension == INTEREST]


def fit_parts_of(spec: ModelSpec, profile: Profile) -> list[RuleScore]:
    parts = (evaluate_fit_rule(rule, profile, spec) for rule in spec.rules if rule.dimension == FIT)
    return [part for part in parts if part is not None]


def fold_all(
    spec: ModelSpec,
    states: dict[str, RuleState],
    events: Sequence[Event],
    now: datetime,
    *,
    rules: Iterable[Rule] | None = None,
) -> dict[str, RuleState]:
    """
    Fold new activities into a contact's states, one per interest rule definition of the spec
    (or of `rules`), creating the missing ones. Returns the states the spec reads.
    """
    by_kind: dict[str, list[Event]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    keyed = (
        spec.keyed_interest_rules
        if rules is None
        else [(rule, definition_key(rule, spec.half_life_days)) for rule in rules]
    )
    folded: set[str] = set()
    for rule, key in keyed:
        if key in folded:
            continue  # rules that count the same activities share one state: fold it once
        folded.add(key)
        if key not in states or states[key] is None:
            states[key] = RuleState()
        fold(rule, states[key], by_kind.get(rule.activity_kind, ()), now, spec.half_life_days)
    return states


def interest_units(
    spec: ModelSpec, states: Mapping[str, RuleState], now: datetime
) -> dict[str, Units]:
    """Each definition's units at `now` from the contact's states (those with a state)."""
    units: dict[str, Units] = {}
    for rule, key in spec.keyed_interest_rules:
        state = states.get(key)
        if state is not None and key not in units:
            units[key] = units_of(rule, state, now, spec.half_life_days)
    return units


def priced_parts(spec: ModelSpec, units: Mapping[str, Units]) -> list[RuleScore]:
    """Each interest rule's points from its definition's units, in the model's order."""
    parts = []
    for rule, key in spec.keyed_interest_rules:
        part = price_units(rule, units.get(key, NO_UNITS))
        if part is not None:
            parts.append(part)
    return parts


def interest_parts(
    spec: ModelSpec, states: Mapping[str, RuleState], now: datetime
) -> list[RuleScore]:
    """Each interest rule's points at `now` from the contact's states."""
    return priced_parts(spec, interest_units(spec, states, now))


def finish(
    spec: ModelSpec,
    profile: Profile,
    states: Mapping[str, RuleState],
    now: datetime,
) -> Score:
    """A contact's score at `now` from its profile and its rule states."""
    return combine(spec, fit_parts_of(spec, profile), interest_parts(spec, states, now), now)


# ---- Stored units -------------------------------------------------------------------------
#
# A stored score keeps its definitions' units as of its scored_at, named by definition_tag.
# Until its next_change_at (an activity arriving or leaving a window) the counted activities
# stay the same, so the units at any later moment are the stored ones decayed (units_later), and
# any rules over the same definitions price them: scoring.repricing reads them back.


def units_next_change(units: Mapping[str, Units]) -> datetime | None:
    """The next moment time alone changes what any of these units counts (None: never)."""
    moments = [u.next_at for u in units.values() if u.next_at]
    return datetime.fromisoformat(min(moments, key=datetime.fromisoformat)) if moments else None


def evaluate(spec: ModelSpec, profile: Profile, events: Sequence[Event], now: datetime) -> Score:
    """
    Score one contact at `now` from its whole history: fold every activity into fresh states,
    then finish. Activities after `now` are not counted, so history can be replayed.
    """
    return finish(spec, profile, fold_all(spec, {}, events, now), now)
