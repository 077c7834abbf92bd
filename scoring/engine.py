"""
The scoring engine: rules and data in, points and reasons out.

Pure Python with no database access, so the same code scores one contact after an activity,
rescores every contact after a rule change, replays a draft model for a what-if preview, and
runs in property-based tests. The ORM adapters live in scoring.services.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from contacts.domains import FREE_MAIL_DOMAINS

# Values that CRMs and web forms put in a field nobody filled in; they count as empty.
PLACEHOLDER_VALUES = frozenset(
    {
        "",
        "select",
        "-- select --",
        "please select",
        "unknown",
        "n/a",
        "na",
        "none",
        "null",
        "-",
        "--",
        "other (please specify)",
        "not specified",
        "000000000000000aaa",
    }
)

FIT, INTEREST = "fit", "interest"
BOTH, COMBINED = "both", "combined"


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().lower() in PLACEHOLDER_VALUES
    if isinstance(value, list | tuple | set | frozenset | dict):
        return not any(not is_empty(v) for v in value) if not isinstance(value, dict) else not value
    return False


# Seniority from a job title. Order matters: "Vice President" is a VP before "President" is
# C-level, and "Head of Student Success" is a head, not a student; "Assistant to the CEO" is
# caught by a guard in seniority_of().
_C_LEVEL = (
    r"chief|ceo|cto|cfo|coo|cmo|cro|cio|ciso|cpo|founder|co-founder|cofounder|president|owner"
)
_SENIORITY_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("vp", re.compile(r"\b(vp|svp|evp|avp|vice[- ]president)\b")),
    ("c_level", re.compile(rf"\b({_C_LEVEL})\b")),
    ("head", re.compile(r"\bhead\b")),
    ("director", re.compile(r"\bdirector\b")),
    ("manager", re.compile(r"\b(manager|team lead|tech lead|supervisor)\b")),
    ("student", re.compile(r"\b(student|intern|internship|trainee|phd candidate)\b")),
]
SENIORITY_LABELS = {
    "c_level": "C-level",
    "vp": "VP",
    "head": "Head of",
    "director": "Director",
    "manager": "Manager",
    "individual": "Individual contributor",
    "student": "Student",
}


def seniority_of(title: str | None) -> str | None:
    if is_empty(title):
        return None
    text = str(title).lower()
    if re.search(r"\b(assistant|executive assistant|ea) to\b", text):
        return "individual"
    for level, pattern in _SENIORITY_PATTERNS:
        if pattern.search(text):
            return level
    return "individual"


# ---- Comparisons -------------------------------------------------------------------------

TEXT_OPERATORS = {"equals", "not_equals", "one_of", "not_one_of", "contains", "not_contains"}
NUMBER_OPERATORS = {"at_least", "at_most", "between", "not_between"}
PRESENCE_OPERATORS = {"is_set", "is_empty", "is_true", "is_false"}
ALL_OPERATORS = TEXT_OPERATORS | NUMBER_OPERATORS | PRESENCE_OPERATORS


def split_values(value: str | None) -> list[str]:
    """'SaaS, Fintech\\nHealth' -> ['saas', 'fintech', 'health'] for one-of lists."""
    return [v.strip().lower() for v in re.split(r"[,\n;]", value or "") if v.strip()]


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool) or is_empty(value):
        return None
    try:
        number = float(str(value).replace(",", "").strip().rstrip("%"))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _as_texts(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple | set | frozenset) else [value]
    return [str(v).strip().lower() for v in items if not is_empty(v)]


def compare(
    operator: str,
    actual: Any,
    value: str = "",
    min_value: float | None = None,
    max_value: float | None = None,
) -> bool:
    """
    Apply one operator. Text is compared case-insensitively; a list (technologies) matches when
    any item does. A missing value never satisfies a numeric test, negated or not: "not between
    10 and 500 employees" should not pick up companies whose size nobody knows.
    """
    if operator == "is_set":
        return not is_empty(actual)
    if operator == "is_empty":
        return is_empty(actual)
    if operator == "is_true":
        if isinstance(actual, str):
            return actual.strip().lower() in {"true", "yes", "1"}
        return actual is True
    if operator == "is_false":
        return not compare("is_true", actual)
    if operator in NUMBER_OPERATORS:
        number = _as_number(actual)
        if number is None:
            return False
        low = -math.inf if min_value is None else min_value
        high = math.inf if max_value is None else max_value
        if operator == "at_least":
            return number >= low
        if operator == "at_most":
            return number <= high
        inside = low <= number <= high
        return inside if operator == "between" else not inside
    texts = _as_texts(actual)
    if operator == "equals":
        return value.strip().lower() in texts
    if operator == "one_of":
        return bool(set(texts) & set(split_values(value)))
    if operator == "contains":
        needle = value.strip().lower()
        return any(needle in t for t in texts)
    if operator in {"not_equals", "not_one_of", "not_contains"}:
        return not compare(operator.removeprefix("not_"), actual, value, min_value, max_value)
    raise ValueError(f"Unknown operator {operator!r}")


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
    """Points one rule gives one contact, and why (stored as JSON in the breakdown)."""

    rule_id: int
    name: str
    description: str
    dimension: str
    points: float  # after decay and caps
    raw_points: float  # before decay and caps
    hand_raise: bool = False
    matched: str = ""  # fit: the attribute value that matched
    per_occurrence: float = 0.0
    occurrences: tuple[tuple[int, str], ...] = ()  # (activity id, ISO time), newest first
    ignored_occurrences: int = 0  # matched but beyond max_occurrences
    max_points: float | None = None
    max_occurrences: int | None = None
    window_days: int | None = None
    cap_applied: str = ""

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if v not in (None, "", (), 0, False)}
        data.update(rule_id=self.rule_id, points=self.points, raw_points=self.raw_points)
        data["occurrences"] = [list(o) for o in self.occurrences]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RuleScore:
        values = dict(data)
        values["occurrences"] = tuple((int(i), str(t)) for i, t in values.get("occurrences", ()))
        values.setdefault("description", "")
        return cls(**values)


@dataclass(frozen=True)
class Score:
    """A contact's scores at one moment."""

    fit: float
    interest: float
    grade: str
    band: int
    meets_threshold: bool
    hand_raise_rule: str  # name of the hand-raise rule that fired, or ""
    fit_breakdown: tuple[RuleScore, ...]
    interest_breakdown: tuple[RuleScore, ...]
    fit_cap_applied: bool = False
    interest_cap_applied: bool = False
    at: datetime | None = None

    @property
    def qualifies(self) -> bool:
        return self.meets_threshold or bool(self.hand_raise_rule)

    @property
    def combined(self) -> float:
        return self.fit + self.interest

    @property
    def cell(self) -> str:
        return f"{self.grade}{self.band}"

    def breakdown_json(self) -> dict[str, Any]:
        return {
            "fit": [r.to_json() for r in self.fit_breakdown],
            "interest": [r.to_json() for r in self.interest_breakdown],
            "fit_cap_applied": self.fit_cap_applied,
            "interest_cap_applied": self.interest_cap_applied,
        }


# ---- Evaluation --------------------------------------------------------------------------


def profile_value(rule: Rule, profile: Profile, spec: ModelSpec) -> Any:
    attribute = rule.attribute
    if attribute == "seniority":
        return seniority_of(profile.job_title)
    if attribute == "email_domain":
        return profile.email_domain
    if attribute == "free_mail":
        return profile.email_domain in spec.free_mail_domains
    if attribute == "competitor":
        return profile.email_domain in spec.competitor_domains
    if attribute == "property":
        return profile.properties.get(rule.property_name)
    return getattr(profile, attribute)


def _describe_value(value: Any, attribute: str) -> str:
    if attribute == "seniority":
        return SENIORITY_LABELS.get(value, str(value))
    if isinstance(value, bool):
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value if not is_empty(v))
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def evaluate_fit_rule(rule: Rule, profile: Profile, spec: ModelSpec) -> RuleScore | None:
    value = profile_value(rule, profile, spec)
    if not compare(rule.operator, value, rule.value, rule.min_value, rule.max_value):
        return None
    return RuleScore(
        rule_id=rule.id,
        name=rule.name,
        description=rule.description,
        dimension=FIT,
        points=float(rule.points),
        raw_points=float(rule.points),
        hand_raise=rule.hand_raise,
        matched=_describe_value(value, rule.attribute),
    )


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


def _cap(total: float, cap: float | None) -> tuple[float, bool]:
    """Caps bound the size of a sum either way: a penalty is capped like a bonus."""
    if cap is None or abs(total) <= cap:
        return total, False
    return math.copysign(cap, total), True


def evaluate_interest_rule(
    rule: Rule, events: Iterable[Event], now: datetime, half_life_days: float
) -> RuleScore | None:
    since = now - timedelta(days=rule.window_days) if rule.window_days else None
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
    if not matched:
        return None
    counted = matched[: rule.max_occurrences] if rule.max_occurrences else matched
    caps = []
    if len(counted) < len(matched):
        caps.append(f"at most {rule.max_occurrences} times")
    raw = float(rule.points) * len(counted)
    decayed = sum(
        float(rule.points) * decay_factor(now - e.occurred_at, half_life_days) for e in counted
    )
    points, capped = _cap(decayed, rule.max_points)
    if capped:
        caps.append(f"at most {rule.max_points:g} points")
    return RuleScore(
        rule_id=rule.id,
        name=rule.name,
        description=rule.description,
        dimension=INTEREST,
        points=points,
        raw_points=raw,
        hand_raise=rule.hand_raise,
        per_occurrence=float(rule.points),
        occurrences=tuple((e.id, e.occurred_at.isoformat()) for e in counted),
        ignored_occurrences=len(matched) - len(counted),
        max_points=rule.max_points,
        max_occurrences=rule.max_occurrences,
        window_days=rule.window_days,
        cap_applied="; ".join(caps),
    )


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


def _finish(
    spec: ModelSpec,
    fit_parts: Sequence[RuleScore],
    interest_parts: Sequence[RuleScore],
    now: datetime,
) -> Score:
    fit, fit_capped = _cap(sum(r.points for r in fit_parts), spec.fit_cap)
    interest, interest_capped = _cap(sum(r.points for r in interest_parts), spec.interest_cap)
    fit, interest = round(fit, 4), round(interest, 4)
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


def evaluate(spec: ModelSpec, profile: Profile, events: Sequence[Event], now: datetime) -> Score:
    """Score one contact at `now`. Events after `now` are ignored, so history can be replayed."""
    fit_parts, interest_parts = [], []
    by_kind: dict[str, list[Event]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    for rule in spec.rules:
        if rule.dimension == FIT:
            part = evaluate_fit_rule(rule, profile, spec)
            if part is not None:
                fit_parts.append(part)
        else:
            part = evaluate_interest_rule(
                rule, by_kind.get(rule.activity_kind, ()), now, spec.half_life_days
            )
            if part is not None:
                interest_parts.append(part)
    return _finish(spec, fit_parts, interest_parts, now)


def rescore_at(spec: ModelSpec, breakdown: Mapping[str, Any], now: datetime) -> Score:
    """
    The score at a later moment from a stored breakdown, without reading any activity: decay
    and windows only depend on the stored occurrence times. Exact as long as no activity, profile
    or rule changed since the breakdown was computed (each of those triggers a rescore).
    """
    fit_parts = [RuleScore.from_json(r) for r in breakdown.get("fit", [])]
    interest_parts = []
    for stored in breakdown.get("interest", []):
        part = RuleScore.from_json(stored)
        since = now - timedelta(days=part.window_days) if part.window_days else None
        times = [datetime.fromisoformat(t) for _, t in part.occurrences]
        kept = [
            (i, t)
            for (i, t), moment in zip(part.occurrences, times, strict=True)
            if since is None or moment >= since
        ]
        if not kept:
            continue
        decayed = sum(
            part.per_occurrence * decay_factor(now - datetime.fromisoformat(t), spec.half_life_days)
            for _, t in kept
        )
        points, capped = _cap(decayed, part.max_points)
        caps = [c for c in part.cap_applied.split("; ") if c.startswith("at most") and "times" in c]
        if capped:
            caps.append(f"at most {part.max_points:g} points")
        interest_parts.append(
            RuleScore(
                **{
                    **part.__dict__,
                    "points": points,
                    "raw_points": part.per_occurrence * len(kept),
                    "occurrences": tuple(kept),
                    "cap_applied": "; ".join(caps),
                }
            )
        )
    return _finish(spec, fit_parts, interest_parts, now)


# ---- Advice shown while editing ----------------------------------------------------------


def max_single_action_points(rule: Rule) -> float:
    """The most points one action (one activity, or the attribute itself) can give."""
    points = float(rule.points)
    if rule.dimension == INTEREST and rule.max_points is not None:
        points = min(points, rule.max_points)
    return points


def rule_warnings(
    rule: Rule,
    spec: ModelSpec,
    *,
    kind_has_activity: bool = True,
    property_known: bool = True,
) -> list[str]:
    """
    Advice for marketing ops about one rule: rules that let a single action make an MQL, and
    rules that can never match. `kind_has_activity` and `property_known` come from the data.
    """
    warnings = []
    if not rule.hand_raise and rule.points > 0:
        threshold, label = (
            (spec.mql_combined, "the combined MQL threshold")
            if spec.mql_mode == COMBINED
            else (
                (spec.mql_fit, "the fit MQL threshold")
                if rule.dimension == FIT
                else (spec.mql_interest, "the interest MQL threshold")
            )
        )
        single = max_single_action_points(rule)
        if threshold > 0 and single > threshold / 2:
            warnings.append(
                f"One match alone gives {single:g} points, more than half of {label} "
                f"({threshold:g}): a single action should not make an MQL. Lower the points, "
                "or make it a hand-raise if that is the intent."
            )
    if rule.points == 0:
        warnings.append("This rule gives no points.")
    if rule.dimension == INTEREST:
        if not kind_has_activity:
            warnings.append(
                f"No '{rule.activity_kind}' activity has ever been recorded: this rule "
                "cannot match anything yet."
            )
        if rule.max_occurrences == 0:
            warnings.append("'Count at most 0 times' means this rule can never give points.")
        if rule.window_days == 0:
            warnings.append("A window of 0 days means no activity ever counts.")
        if rule.max_points == 0:
            warnings.append("'At most 0 points' means this rule can never give points.")
    elif rule.attribute == "property" and not property_known:
        warnings.append(
            f"No contact has a '{rule.property_name}' property: this rule cannot match yet."
        )
    return warnings


OPERATOR_WORDS = {
    "equals": "is",
    "not_equals": "is not",
    "one_of": "is one of",
    "not_one_of": "is none of",
    "contains": "contains",
    "not_contains": "does not contain",
    "between": "is between",
    "not_between": "is not between",
    "at_least": "is at least",
    "at_most": "is at most",
    "is_set": "is set",
    "is_empty": "is empty",
    "is_true": "",
    "is_false": "is not",
}


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def _operand_words(operator: str, value: str, low: float | None, high: float | None) -> str:
    if operator in {"between", "not_between"}:
        return f"{_number(low)} and {_number(high)}"
    if operator == "at_least":
        return _number(low)
    if operator == "at_most":
        return _number(high)
    if operator in {"is_set", "is_empty", "is_true", "is_false"}:
        return ""
    return f"'{value}'"


def describe_test(
    name: str, operator: str, value: str, low: float | None, high: float | None
) -> str:
    words = OPERATOR_WORDS.get(operator, operator)
    return " ".join(w for w in (name, words, _operand_words(operator, value, low, high)) if w)


def describe_rule(rule: Rule, attribute_label: str = "", kind_label: str = "") -> str:
    """What a rule tests, in words: "Company employees is between 200 and 5,000"."""
    if rule.dimension == FIT:
        if rule.attribute in {"free_mail", "competitor"}:
            label = attribute_label or rule.attribute
            return label if rule.operator != "is_false" else f"Not: {label.lower()}"
        name = rule.property_name if rule.attribute == "property" else attribute_label
        value = rule.value
        if rule.attribute == "seniority":
            value = ", ".join(SENIORITY_LABELS.get(v, v) for v in split_values(value))
        return describe_test(
            name or rule.attribute, rule.operator, value, rule.min_value, rule.max_value
        )
    text = kind_label or rule.activity_kind
    if rule.custom_kind:
        text += f" '{rule.custom_kind}'"
    if rule.conditions:
        text += " where " + " and ".join(
            describe_test(c.property, c.operator, c.value, c.min_value, c.max_value)
            for c in rule.conditions
        )
    limits = []
    if rule.max_occurrences == 1:
        limits.append("once")
    elif rule.max_occurrences is not None:
        limits.append(f"at most {rule.max_occurrences} times")
    if rule.max_points is not None:
        limits.append(f"at most {rule.max_points:g} points")
    if rule.window_days is not None:
        limits.append(f"last {rule.window_days} days")
    return text + (f" ({', '.join(limits)})" if limits else "")


# ---- Explanations for reps ---------------------------------------------------------------


def _period(age: timedelta) -> str:
    days = age.total_seconds() / 86400
    if days < 1:
        return "in the last day"
    if days < 7:
        return "this week"
    if days < 31:
        return "this month"
    if days < 92:
        return "in the last 3 months"
    return "over the last year" if days < 366 else "over a year ago"


def explain(part: RuleScore, now: datetime) -> str:
    """One line a rep understands: 'Viewed pricing 3x this week: +15'."""
    points = f"{part.points:+.0f}"
    if part.dimension == FIT:
        detail = f" ({part.matched})" if part.matched else ""
        return f"{part.name}{detail}: {points}"
    count = len(part.occurrences)
    times = f" {count}x" if count > 1 else ""
    oldest = min(datetime.fromisoformat(t) for _, t in part.occurrences)
    text = f"{part.name}{times} {_period(now - oldest)}: {points}"
    notes = []
    if abs(part.raw_points - part.points) >= 0.5 and not part.cap_applied:
        notes.append(f"{part.raw_points:+.0f} before decay")
    if part.cap_applied:
        notes.append(part.cap_applied)
    return text + (f" ({'; '.join(notes)})" if notes else "")


def top_reasons(score: Score, now: datetime, limit: int = 3) -> list[str]:
    """The reasons that weigh most, either way, for a queue row."""
    parts = sorted((*score.fit_breakdown, *score.interest_breakdown), key=lambda p: -abs(p.points))
    return [explain(p, now) for p in parts[:limit] if abs(p.points) >= 0.5]
