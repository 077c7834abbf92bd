"""
Suggested rule points, from the logistic model's coefficients. Pure Python, no ORM.

A rule's suggested points are the model's effect of what the rule tests, in log-odds, turned
into points at a fixed exchange rate: POINTS_PER_DOUBLING points double the odds of winning
(the "points to double the odds" convention of credit scorecards). For example:

- a fit rule "industry is one of SaaS, Fintech": the mean coefficient of those industries'
  one-hot columns (categories too rare to have a column are left out);
- an interest rule "demo request": the effect of one more demo request, from none, across
  the windowed counts (7, 30, 90 days), the activity total and the hand-raise signal; with a
  form_name condition, the effect of that form too;
- a numeric fit rule "employees between 200 and 5,000": the effect of moving from the
  training median to the middle of the range.

Rules the model cannot see (job-title words, email domains, technologies...) get no
suggestion, and say so. Candidate new rules are the strongest model columns that no rule
tests yet. Nothing is applied here: a person adopts a suggestion in the draft's editor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from predictive.features import (
    HAND_RAISE_KINDS,
    KIND_LABELS,
    WINDOWS,
    FeatureEncoder,
    field_label,
)
from scoring.engine import Rule, split_values

POINTS_PER_DOUBLING = 20.0
POINTS_PER_LOGODDS = POINTS_PER_DOUBLING / math.log(2)
MIN_CANDIDATE_POINTS = 5
FIT_FEATURES = {
    "lead_source": "contact:lead_source",
    "industry": "company:industry",
    "country": "company:country",
    "seniority": "contact:seniority",
}
NUMERIC_FEATURES = {
    "employee_count": "company:employee_count",
    "annual_revenue": "company:annual_revenue",
}


@dataclass(frozen=True)
class Suggestion:
    """Points the model suggests for an existing rule, or a candidate new rule."""

    words: str
    suggested_points: int | None
    effect: float | None  # log-odds
    rule_id: int | None = None
    rule_name: str = ""
    current_points: float | None = None
    note: str = ""

    @property
    def odds_ratio(self) -> float | None:
        return None if self.effect is None else math.exp(self.effect)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


MAX_POINTS = 50  # beyond this a rule would decide alone; suggestions stop there


def to_points(effect: float) -> int:
    """Log-odds as points, at most MAX_POINTS either way."""
    return max(-MAX_POINTS, min(MAX_POINTS, round(effect * POINTS_PER_LOGODDS)))


class Effects:
    """The logistic model's effects on log-odds, looked up by what a rule tests."""

    def __init__(self, encoder: FeatureEncoder, coefficients: Sequence[float]) -> None:
        self.encoder = encoder
        self.coef = {
            (c.name, c.kind, c.value): float(w)
            for c, w in zip(encoder.columns_, coefficients, strict=True)
        }
        self.used: set[tuple[str, str, str]] = set()

    def category(self, name: str, values: Sequence[str]) -> float | None:
        keys = [(name, "onehot", v) for v in values if (name, "onehot", v) in self.coef]
        self.used.update(keys)
        return sum(self.coef[k] for k in keys) / len(keys) if keys else None

    def number(self, name: str, low_raw: float | None, high_raw: float | None) -> float | None:
        key = (name, "number", "")
        if key not in self.coef:
            return None
        self.used.add(key)
        median, _mean, std = self.encoder.numeric_[name]
        ends = [self.encoder._scale_in(name, v) for v in (low_raw, high_raw) if v is not None]
        target = sum(ends) / len(ends)
        return self.coef[key] * (target - median) / std

    def count_step(self, name: str) -> float:
        """The effect of a count feature going from 0 to 1 (0 when the model lacks it)."""
        key = (name, "number", "")
        if key not in self.coef:
            return 0.0
        self.used.add(key)
        return self.coef[key] * (
            self.encoder.encode_value(name, 1.0) - self.encoder.encode_value(name, 0.0)
        )

    def activity(self, kind: str) -> float | None:
        names = [f"act:{kind}:{w}d" for w in WINDOWS]
        if not any((n, "number", "") in self.coef for n in names):
            return None
        effect = sum(self.count_step(n) for n in names) + self.count_step("act:total:all")
        if kind in HAND_RAISE_KINDS:
            effect += self.count_step("act:hand_raise:90d")
        return effect


def _fit_effect(rule: Rule, effects: Effects) -> float | None:
    values = split_values(rule.value)
    if rule.attribute in FIT_FEATURES and rule.operator in ("equals", "one_of"):
        if rule.attribute == "seniority":
            values = [v.replace("-", "_").replace(" ", "_") for v in values]
        return effects.category(FIT_FEATURES[rule.attribute], values)
    if rule.attribute == "free_mail" and rule.operator in ("is_true", "is_false"):
        value = "free mail" if rule.operator == "is_true" else "business"
        return effects.category("contact:email_type", [value])
    if rule.attribute == "property" and rule.operator in ("equals", "one_of"):
        return effects.category(f"prop:{rule.property_name}", values)
    numeric = NUMERIC_FEATURES.get(rule.attribute) or (
        f"prop:{rule.property_name}" if rule.attribute == "property" else None
    )
    if numeric and rule.operator in ("between", "at_least", "at_most"):
        low = rule.min_value if rule.operator != "at_most" else None
        high = rule.max_value if rule.operator != "at_least" else None
        if low is None and high is None:
            return None
        return effects.number(numeric, low, high)
    return None


def _interest_effect(rule: Rule, effects: Effects) -> float | None:
    if rule.activity_kind == "custom":
        return None
    effect = effects.activity(rule.activity_kind)
    forms = [
        c.value.strip().lower()
        for c in rule.conditions
        if c.property == "form_name" and c.operator == "equals" and c.value.strip()
    ]
    for form in forms:
        if (f"form:{form}", "number", "") in effects.coef:
            effect = (effect or 0.0) + effects.count_step(f"form:{form}")
    return effect


def suggest(
    encoder: FeatureEncoder, coefficients: Sequence[float], rules: Sequence[Rule]
) -> dict[str, list[Suggestion]]:
    """{"rules": a suggestion per existing rule, "candidates": new rules worth considering}."""
    effects = Effects(encoder, coefficients)
    existing = []
    for rule in rules:
        effect = (
            _fit_effect(rule, effects)
            if rule.dimension == "fit"
            else _interest_effect(rule, effects)
        )
        existing.append(
            Suggestion(
                words=rule.description or rule.name,
                suggested_points=None if effect is None else to_points(effect),
                effect=effect,
                rule_id=rule.id,
                rule_name=rule.name,
                current_points=rule.points,
                note=""
                if effect is not None
                else "The model has no feature for this test (or its values are too rare).",
            )
        )

    candidates = []
    covered_kinds = {r.activity_kind for r in rules if r.dimension == "interest"}
    for column in encoder.columns_:
        key = (column.name, column.kind, column.value)
        if key in effects.used:
            continue
        if column.kind == "onehot":
            effect = effects.coef[key]
            words = f"{field_label(column.name)} is '{column.value}'"
        elif column.name.startswith("form:") and column.kind == "number":
            effect = effects.count_step(column.name)
            words = f"Form '{column.name.removeprefix('form:')}' submitted"
        else:
            continue
        candidates.append(
            Suggestion(words=words, suggested_points=to_points(effect), effect=effect)
        )
    for kind in KIND_LABELS:
        if kind in covered_kinds:
            continue
        effect = effects.activity(kind)
        if effect is not None:
            candidates.append(
                Suggestion(
                    words=f"Each {kind.replace('_', ' ')} (recent)",
                    suggested_points=to_points(effect),
                    effect=effect,
                )
            )
    candidates = [c for c in candidates if abs(c.suggested_points or 0) >= MIN_CANDIDATE_POINTS]
    candidates.sort(key=lambda c: -abs(c.effect or 0))
    return {"rules": existing, "candidates": candidates[:12]}
