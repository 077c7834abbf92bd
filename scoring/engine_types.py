"""
The scoring engine's inputs and outputs: rules, model specs, profiles and events in; rule scores
and scores out; the identity of an interest rule definition (definition_key, its short tag in
stored units), which names a rule state wherever it is stored; and Units, what a definition
counts at a moment before points and caps. Pure, like scoring.engine, which
re-exports every name here (callers read them as engine.X).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contacts.domains import FREE_MAIL_DOMAINS
from scoring.conditions import compare

FIT, INTEREST = "fit", "interest"
BOTH, COMBINED = "both", "combined"

# ---- Inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A test on one property of an activity (url, form_name, percent_watched...)."""

    property: str
    operator: str
    value: str = ""
    min_value: float | None = None
    max_value: float | None = None

    def matches(self, properties: Mapping[str, Any]) -> bool:
        return compare(
            self.operator, properties.get(self.property), self.value, self.min_value, self.max_value
        )


@dataclass(frozen=True)
class Rule:
    """One scoring rule, as the engine sees it (built from scoring.models.ScoringRule)."""

    id: int
    name: str
    dimension: str  # FIT or INTEREST
    points: float
    description: str = ""
    hand_raise: bool = False
    # Fit rules: an attribute of the contact or its company.
    attribute: str = ""
    property_name: str = ""
    operator: str = ""
    value: str = ""
    min_value: float | None = None
    max_value: float | None = None
    # Interest rules: an activity kind with optional property conditions.
    activity_kind: str = ""
    custom_kind: str = ""
    conditions: tuple[Condition, ...] = ()
    max_occurrences: int | None = None
    max_points: float | None = None
    window_days: int | None = None


@dataclass(frozen=True)
class ModelSpec:
    """A scoring model's rules and settings."""

    rules: tuple[Rule, ...]
    half_life_days: float = 0.0
    fit_cap: float | None = None
    interest_cap: float | None = None
    mql_mode: str = BOTH
    mql_fit: float = 0.0
    mql_interest: float = 0.0
    mql_combined: float = 0.0
    grade_a: float = 60.0
    grade_b: float = 40.0
    grade_c: float = 20.0
    band_hot: float = 50.0
    band_warm: float = 20.0
    free_mail_domains: frozenset[str] = FREE_MAIL_DOMAINS
    competitor_domains: frozenset[str] = frozenset()

    # Derived once per spec (a frozen dataclass keeps cached_property in its __dict__): the
    # write path asks for them for every contact it scores.
    @functools.cached_property
    def keyed_interest_rules(self) -> tuple[tuple[Rule, str], ...]:
        """Each interest rule with its definition_key, in the model's order."""
        return tuple(
            (rule, definition_key(rule, self.half_life_days))
            for rule in self.rules
            if rule.dimension == INTEREST
        )

    @functools.cached_property
    def definition_tags(self) -> dict[str, str]:
        """Each interest rule definition's key and its short tag in stored units."""
        return {key: definition_tag(key) for _, key in self.keyed_interest_rules}

    @functools.cached_property
    def derived(self) -> dict[Any, Any]:
        """Room for what callers derive from this spec and keep with it (a what-if's plans)."""
        return {}

    @functools.cached_property
    def fit_key(self) -> str:
        """
        A digest of everything fit parts depend on besides the profile: a stored score with the
        same key has the fit parts these rules would give, as long as its profile is unchanged.
        """
        fit_rules = [repr(rule) for rule in self.rules if rule.dimension == FIT]
        parts = [*fit_rules, repr(sorted(self.free_mail_domains))]
        parts.append(repr(sorted(self.competitor_domains)))
        return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()

    @functools.cached_property
    def settings_key(self) -> str:
        """
        A digest of what prices a score besides its interest rules: the model's settings, the
        fit rules (fit_key) and which definitions there are. Rules are compared one by one
        (scoring.repricing.repriced_tags).
        """
        # Every field but the rules, derived so that a new setting cannot be left out; the
        # domains are in fit_key (sorted: a frozenset's repr has no stable order).
        settings = [
            getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("rules", "free_mail_domains", "competitor_domains")
        ]
        parts = [repr(settings), self.fit_key, repr(sorted(self.definition_tags.values()))]
        return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()

    @functools.cached_property
    def price_key(self) -> str:
        """
        A digest of everything a stored score's numbers and breakdown depend on besides the
        contact: the settings and every rule, in order. A score stored with the current key
        is priced as the model would price it now.
        """
        parts = [self.settings_key, *(repr(rule) for rule in self.rules)]
        return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Profile:
    """What fit rules can see of a contact and its company."""

    email: str = ""
    job_title: str = ""
    lead_source: str = ""
    lead_source_raw: str = ""
    industry: str = ""
    employee_count: int | None = None
    annual_revenue: float | None = None
    country: str = ""
    region: str = ""
    city: str = ""
    technologies: tuple[str, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[-1].strip().lower() if "@" in self.email else ""


@dataclass(frozen=True)
class Event:
    """One activity, as the engine sees it."""

    id: int
    kind: str
    occurred_at: datetime
    properties: Mapping[str, Any] = field(default_factory=dict)
    custom_kind: str = ""


# ---- Outputs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleScore:
    """
    Points one rule gives one contact, and why (stored as JSON in the breakdown).

    Interest rules keep how many activities counted and the oldest and newest of them, not the
    list: a busy contact's breakdown stays small, and the activities behind a line are derived
    for one contact on demand (engine.counted_events, scoring.selectors.rule_activities).
    """

    rule_id: int
    name: str
    description: str
    dimension: str
    points: float  # after decay and caps
    raw_points: float  # before decay and caps
    hand_raise: bool = False
    matched: str = ""  # fit: the attribute value that matched
    per_occurrence: float = 0.0
    count: int = 0  # interest: activities that counted
    first_at: str = ""  # interest: the oldest counted activity (ISO time)
    last_at: str = ""  # interest: the newest counted activity (ISO time)
    ignored_occurrences: int = 0  # matched but beyond max_occurrences
    max_points: float | None = None
    max_occurrences: int | None = None
    window_days: int | None = None
    activity_kind: str = ""
    cap_applied: str = ""

    def to_json(self) -> dict[str, Any]:
        # Empty values (None, "", 0, False: every field is a number, text, flag or None) are
        # left out; a rescore writes this for every part of every score.
        data = {k: v for k, v in self.__dict__.items() if v}
        data.update(rule_id=self.rule_id, points=self.points, raw_points=self.raw_points)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleScore:
        values = {k: v for k, v in data.items() if k in _RULE_SCORE_FIELDS}
        values.setdefault("description", "")
        return cls(**values)


_RULE_SCORE_FIELDS = frozenset(RuleScore.__dataclass_fields__)


@dataclass(frozen=True)
class ScoreReading:
    """
    A score's numbers and what they say, the fields first of any class holding them (a Score,
    a what-if's Priced): whether it qualifies, its combined total, its grade x band cell.
    """

    fit: float
    interest: float
    grade: str
    band: int
    meets_threshold: bool
    hand_raise_rule: str  # name of the hand-raise rule that fired, or ""

    @property
    def qualifies(self) -> bool:
        return self.meets_threshold or bool(self.hand_raise_rule)

    @property
    def combined(self) -> float:
        return self.fit + self.interest

    @property
    def cell(self) -> str:
        return f"{self.grade}{self.band}"


@dataclass(frozen=True)
class Score(ScoreReading):
    """A contact's scores at one moment."""

    fit_breakdown: tuple[RuleScore, ...]
    interest_breakdown: tuple[RuleScore, ...]
    fit_cap_applied: bool = False
    interest_cap_applied: bool = False
    at: datetime | None = None

    @property
    def interest_gains(self) -> float:
        """The positive interest parts, summed before the interest cap."""
        return sum(r.points for r in self.interest_breakdown if r.points > 0)

    @property
    def interest_losses(self) -> float:
        """The negative interest parts, summed before the interest cap, as a positive number."""
        return -sum(r.points for r in self.interest_breakdown if r.points < 0)

    def breakdown_json(self) -> dict[str, Any]:
        return {
            "fit": [r.to_json() for r in self.fit_breakdown],
            "interest": [r.to_json() for r in self.interest_breakdown],
            "fit_cap_applied": self.fit_cap_applied,
            "interest_cap_applied": self.interest_cap_applied,
        }


# ---- Rule definitions --------------------------------------------------------------------


def is_aggregated(rule: Rule) -> bool:
    """True when the rule's state folds activities into a sum instead of keeping their times."""
    return rule.window_days is None and rule.max_occurrences is None


@functools.lru_cache(maxsize=4096)
def definition_key(rule: Rule, half_life_days: float) -> str:
    """
    A stable name for what an interest rule counts. Rules that count the same activities share
    a state (across versions, too). The half-life is part of it only where the state holds a
    decayed sum.
    """
    parts = [
        rule.activity_kind,
        rule.custom_kind.lower(),
        "w" + ("" if rule.window_days is None else str(rule.window_days)),
        "m" + ("" if rule.max_occurrences is None else str(rule.max_occurrences)),
        "h" + (f"{half_life_days:g}" if is_aggregated(rule) else ""),
    ]
    for c in sorted(rule.conditions, key=repr):
        parts.append(repr((c.property, c.operator, c.value, c.min_value, c.max_value)))
    return "|".join(parts)


@functools.lru_cache(maxsize=4096)
def definition_tag(key: str) -> str:
    """A short, stable name for a definition key in stored units."""
    return hashlib.blake2b(key.encode(), digest_size=6).hexdigest()


# ---- Units: what a definition counts at a moment, before points and caps ------------------


@dataclass(frozen=True)
class Units:
    """
    What one interest rule definition counts of a contact at a moment, before points and caps:
    the decay weights of the counted activities summed (`weight`), how many counted, how many
    matched beyond "at most N times", and the oldest and newest counted. Pricing it
    (price_units) gives a rule's points; while the counted activities stay the same, units
    later in time are the same units with the weight decayed (units_later), so a points, cap or
    threshold change and the passing of time re-price stored units without reading any state.
    """

    weight: float
    count: int
    ignored: int = 0
    first_at: str = ""
    last_at: str = ""
    # When time alone next changes what this definition counts (an activity arriving or leaving
    # its window; ISO time, "" for never): until then these units only decay.
    next_at: str = ""

    def to_json(self) -> list[Any]:
        return [self.weight, self.count, self.ignored, self.first_at, self.last_at, self.next_at]

    @classmethod
    def from_json(cls, data: Sequence[Any]) -> Units:
        weight, count, ignored, first_at, last_at, next_at = data
        count = int(count)
        if not count and not first_at and not last_at:
            # Most definitions of most scores counted nothing: one shared value each.
            return _counted_nothing(int(ignored), next_at)
        return cls(float(weight), count, int(ignored), first_at, last_at, next_at)

    def valid_at(self, moment: datetime) -> bool:
        """Do these units still count the same activities at `moment` (not before their own)?"""
        return not self.next_at or moment < datetime.fromisoformat(self.next_at)


NO_UNITS = Units(weight=0.0, count=0)


@functools.lru_cache(maxsize=1024)
def _counted_nothing(ignored: int, next_at: str) -> Units:
    return Units(weight=0.0, count=0, ignored=ignored, next_at=next_at)
