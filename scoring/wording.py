"""
Words for people: advice while a rule is edited, a rule and its test in a sentence, and why a
contact scored as it did. Pure, like scoring.engine.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scoring.account_engine import ACCOUNT
from scoring.engine import (
    COMBINED,
    FIT,
    INTEREST,
    SENIORITY_LABELS,
    ModelSpec,
    Rule,
    RuleScore,
    Score,
    split_values,
)

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
    # Account fit rules feed the account score and its MQA rule, not a contact's MQL.
    if rule.dimension in (FIT, INTEREST) and not rule.hand_raise and rule.points > 0:
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
    if rule.dimension in (FIT, ACCOUNT):  # an account rule tests the company as fit rules do
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
    count = part.count
    times = f" {count}x" if count > 1 else ""
    when = f" {_period(now - datetime.fromisoformat(part.first_at))}" if part.first_at else ""
    text = f"{part.name}{times}{when}: {points}"
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
