"""
Fit: what a fit rule reads of a profile, whether it matches, and the part it gives. Pure, like
scoring.engine, which re-exports these.
"""

from __future__ import annotations

from typing import Any

from scoring.conditions import SENIORITY_LABELS, compare, is_empty, seniority_of
from scoring.engine_types import FIT, ModelSpec, Profile, Rule, RuleScore


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
    return fit_part(rule, _describe_value(value, rule.attribute))


def fit_part(rule: Rule, matched: str) -> RuleScore:
    return RuleScore(
        rule_id=rule.id,
        name=rule.name,
        description=rule.description,
        dimension=FIT,
        points=float(rule.points),
        raw_points=float(rule.points),
        hand_raise=rule.hand_raise,
        matched=matched,
    )
