"""
Candidate rules for the suggested scoring model (predictive.suggested_model): what the live
model already tests, and new fit and interest rules read off the train leads. Pure Python.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from scoring import conditions, engine, wording

NUMERIC_BINS = 5
MAX_VALUES_PER_FIELD = 20
WINDOWS = (30, 90, None)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
FIT_FIELDS = {
    "industry": "Industry",
    "country": "Country",
    "region": "Region",
    "lead_source": "Lead source",
    "seniority": "Seniority",
    "technologies": "Technology",
}
NUMERIC_FIELDS = {"employee_count": "Employees", "annual_revenue": "Annual revenue"}


@dataclass(frozen=True)
class Lead:
    """A lead with a known outcome, as the engine sees it, as of its outcome's moment."""

    key: Hashable
    profile: engine.Profile
    won: bool
    decided_at: datetime | None = None
    events: tuple[engine.Event, ...] = ()

    @property
    def cutoff(self) -> datetime:
        return self.decided_at or EPOCH


@dataclass
class Candidate:
    """A rule the suggestion may use: an existing rule of the live model, or a new one."""

    rule: engine.Rule  # with its own points (existing) or 1 point (new)
    existing: bool = False
    group: str = ""  # the field or activity it tests, for reading

    def unit(self) -> engine.Rule:
        """The rule giving 1 point per match (caps scaled with it)."""
        cap = self.rule.max_points
        if cap is not None and self.rule.points:
            cap = cap / abs(self.rule.points)
        return replace(self.rule, points=1.0, max_points=cap)


def min_support(n: int) -> int:
    """A candidate must match (and miss) at least this many train leads."""
    return max(10, math.ceil(0.005 * n))


# ---- Candidates ------------------------------------------------------------------------------


def tidy_cut(low: float, high: float) -> float:
    """The roundest number strictly between two observed values."""
    middle = (low + high) / 2
    for digits in range(-9, 12):
        cut = round(middle, digits)
        if low < cut < high:
            return float(cut)
    return middle


def numeric_cuts(values: Sequence[float], bins: int = NUMERIC_BINS) -> list[float]:
    """Quantile cut points, each half-way (rounded) between two neighbouring observed values."""
    distinct = sorted(set(values))
    if len(distinct) < 2:
        return []
    cuts = set()
    for q in np.quantile(np.array(values, dtype=float), [i / bins for i in range(1, bins)]):
        index = bisect.bisect_right(distinct, float(q)) - 1
        if 0 <= index < len(distinct) - 1:
            cuts.add(tidy_cut(distinct[index], distinct[index + 1]))
    return sorted(cuts)


def bin_rules(
    attribute: str, property_name: str, label: str, cuts: Sequence[float], next_id: Callable
) -> list[Candidate]:
    """'at most c1', 'between c1 and c2', ..., 'at least ck': every number in exactly one bin."""
    bounds = [None, *cuts, None]
    out = []
    for low, high in itertools.pairwise(bounds):
        if low is None and high is None:
            continue
        operator = "at_most" if low is None else ("at_least" if high is None else "between")
        rule = engine.Rule(
            id=next_id(),
            name="",
            dimension=engine.FIT,
            points=1.0,
            attribute=attribute,
            property_name=property_name,
            operator=operator,
            min_value=low,
            max_value=high,
        )
        words = wording.describe_test(label, operator, "", low, high)
        out.append(Candidate(replace(rule, name=words[:100]), group=label))
    return out


def _number(value: Any) -> float | None:
    return conditions.as_number(value)


def _field_values(leads: Sequence[Lead], spec: engine.ModelSpec) -> dict[tuple[str, str], list]:
    """(attribute, property name) -> each lead's raw value."""
    fields: dict[tuple[str, str], list] = defaultdict(list)
    names = sorted({k for lead in leads for k in lead.profile.properties})
    for lead in leads:
        for attribute in (*FIT_FIELDS, *NUMERIC_FIELDS):
            probe = engine.Rule(0, "", engine.FIT, 0, attribute=attribute)
            fields[(attribute, "")].append(engine.profile_value(probe, lead.profile, spec))
        for name in names:
            fields[("property", name)].append(lead.profile.properties.get(name))
    return fields


def fit_candidates(
    leads: Sequence[Lead], spec: engine.ModelSpec, next_id: Callable
) -> list[Candidate]:
    """New fit rules: frequent values, quantile bins of numbers, often-missing properties."""
    n, support = len(leads), min_support(len(leads))
    out: list[Candidate] = []
    for (attribute, name), values in _field_values(leads, spec).items():
        label = name or FIT_FIELDS.get(attribute) or NUMERIC_FIELDS[attribute]
        known = [v for v in values if not engine.is_empty(v)]
        numbers = [x for x in (_number(v) for v in known) if x is not None]
        numeric = attribute in NUMERIC_FIELDS or (
            bool(numbers) and len(numbers) >= 0.95 * len(known) and len(set(numbers)) > 2
        )
        if numeric:
            out += bin_rules(attribute, name, label, numeric_cuts(numbers), next_id)
        else:
            out += _value_rules(attribute, name, label, known, support, n, next_id)
        if name and support <= n - len(known) <= n - support:
            rule = engine.Rule(
                next_id(),
                f"{label} is empty"[:100],
                engine.FIT,
                1.0,
                attribute="property",
                property_name=name,
                operator="is_empty",
            )
            out.append(Candidate(rule, group=label))
    out += _free_mail_rule(leads, spec, support, next_id)
    return out


def _value_rules(attribute, name, label, known, support, n, next_id) -> list[Candidate]:
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for value in known:
        for item in value if isinstance(value, list | tuple) else [value]:
            if engine.is_empty(item):
                continue
            key = str(item).strip().lower()
            counts[key] += 1
            shown.setdefault(key, str(item).strip())
    out = []
    for key, count in counts.most_common(MAX_VALUES_PER_FIELD):
        if support <= count <= n - support:
            words = f"{label} is {engine.SENIORITY_LABELS.get(key, shown[key])}"
            rule = engine.Rule(
                next_id(),
                words[:100],
                engine.FIT,
                1.0,
                attribute=attribute,
                property_name=name,
                operator="equals",
                value=shown[key],
            )
            out.append(Candidate(rule, group=label))
    return out


def _free_mail_rule(leads, spec, support, next_id) -> list[Candidate]:
    rule = engine.Rule(
        next_id(), "Free-mail address", engine.FIT, 1.0, attribute="free_mail", operator="is_true"
    )
    hits = sum(1 for lead in leads if engine.evaluate_fit_rule(rule, lead.profile, spec))
    has_email = any(lead.profile.email for lead in leads)
    return (
        [Candidate(rule, group="Email")]
        if has_email and support <= hits <= len(leads) - support
        else []
    )


def interest_candidates(leads: Sequence[Lead], next_id: Callable) -> list[Candidate]:
    """New interest rules: each kind counted per window, and kinds with a frequent property."""
    support = min_support(len(leads))
    counts: dict[tuple[str, str, int | None], list[int]] = defaultdict(list)
    values: dict[tuple[str, str, str, str], set] = defaultdict(set)
    shown: dict[tuple[str, str, str, str], str] = {}
    for lead in leads:
        seen: Counter = Counter()
        for event in lead.events:
            if event.occurred_at > lead.cutoff:
                continue
            age = (lead.cutoff - event.occurred_at).days
            for window in WINDOWS:
                if window is None or age <= window:
                    seen[(event.kind, event.custom_kind, window)] += 1
            for prop, raw in (event.properties or {}).items():
                if isinstance(raw, str) and not engine.is_empty(raw) and len(raw) <= 200:
                    key = (event.kind, event.custom_kind, prop, raw.strip().lower())
                    values[key].add(lead.key)
                    shown.setdefault(key, raw.strip())
        for key, n in seen.items():
            counts[key].append(n)
    out = []
    for (kind, custom, window), positives in sorted(counts.items(), key=str):
        if not support <= len(positives) <= len(leads) - support:
            continue
        cap = int(min(10, max(1, np.quantile(positives, 0.9))))
        label = f"{custom or kind.replace('_', ' ').capitalize()}"
        words = (
            f"{label} ({'ever' if window is None else f'last {window} days'}, at most {cap} times)"
        )
        rule = engine.Rule(
            next_id(),
            words[:100],
            engine.INTEREST,
            1.0,
            activity_kind=kind,
            custom_kind=custom,
            max_occurrences=cap,
            window_days=window,
        )
        out.append(Candidate(rule, group=label))
    frequent = sorted(
        ((k, len(v)) for k, v in values.items() if support <= len(v) <= len(leads) - support),
        key=lambda kv: -kv[1],
    )
    for (kind, custom, prop, _), _n in frequent[:MAX_VALUES_PER_FIELD]:
        value = shown[(kind, custom, prop, _)]
        label = custom or kind.replace("_", " ").capitalize()
        rule = engine.Rule(
            next_id(),
            f"{label} where {prop} is {value}"[:100],
            engine.INTEREST,
            1.0,
            activity_kind=kind,
            custom_kind=custom,
            window_days=90,
            max_occurrences=3,
            conditions=(engine.Condition(prop, "equals", value),),
        )
        out.append(Candidate(rule, group=label))
    return out


def _signature(rule: engine.Rule) -> tuple:
    if rule.dimension == engine.FIT:
        return (
            rule.attribute,
            rule.property_name,
            rule.operator,
            rule.value.strip().lower(),
            rule.min_value,
            rule.max_value,
        )
    return (
        rule.activity_kind,
        rule.custom_kind.lower(),
        rule.conditions,
        rule.window_days,
        rule.max_occurrences,
    )


def candidates_for(leads: Sequence[Lead], spec: engine.ModelSpec) -> list[Candidate]:
    """The live model's active rules first, then new rules none of them already tests."""
    counter = iter(range(-1, -1_000_000, -1))

    def next_id() -> int:
        return next(counter)

    existing = [Candidate(rule, existing=True, group=rule.name) for rule in spec.rules]
    known = {_signature(c.rule) for c in existing}
    new = [
        c
        for c in (*fit_candidates(leads, spec, next_id), *interest_candidates(leads, next_id))
        if _signature(c.rule) not in known
    ]
    return existing + new
