"""
Scoring models as the engine sees them (engine.ModelSpec): built from a version's rules and
settings, and kept per process while neither changes, so the write path neither queries the
rules nor recomputes a spec's derived keys on every request. Re-exported by scoring.selectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch

from contacts.identity import normalize_domain
from scoring import engine
from scoring.models import RuleCondition, ScoringModel, ScoringRule


def _domains(text: str) -> frozenset[str]:
    """
    Domains as marketers paste them ('@Rival.com', 'https://www.rival.com/'), in the form the
    contacts' email domains are compared in (identity.normalize_domain): 'rival.com'.
    """
    return frozenset(filter(None, map(normalize_domain, engine.split_values(text))))


def rule_spec(rule: ScoringRule) -> engine.Rule:
    return engine.Rule(
        id=rule.pk,
        name=rule.name,
        description=rule.description,
        dimension=rule.dimension,
        points=float(rule.points),
        hand_raise=rule.is_hand_raise,
        attribute=rule.attribute,
        property_name=rule.property_name,
        operator=rule.operator,
        value=rule.value,
        min_value=rule.min_value,
        max_value=rule.max_value,
        activity_kind=rule.activity_kind,
        custom_kind=rule.custom_kind,
        conditions=tuple(
            engine.Condition(c.property, c.operator, c.value, c.min_value, c.max_value)
            for c in rule.conditions.all()
        ),
        max_occurrences=rule.max_occurrences,
        max_points=_float_or_none(rule.max_points),
        window_days=rule.window_days,
    )


def _rule_specs(model: ScoringModel) -> tuple[engine.Rule, ...]:
    rules = model.rules.filter(is_active=True).prefetch_related(
        Prefetch("conditions", queryset=RuleCondition.objects.order_by("id"))
    )
    return tuple(rule_spec(r) for r in rules)


def model_spec(
    model: ScoringModel, *, rules: Iterable[ScoringRule] | None = None
) -> engine.ModelSpec:
    """The engine's view of a scoring model and its active rules."""
    specs = _rule_specs(model) if rules is None else tuple(rule_spec(r) for r in rules)
    return _spec_with(model, specs)


def _spec_with(model: ScoringModel, rules: tuple[engine.Rule, ...]) -> engine.ModelSpec:
    # Numbers as floats, as the database gives them back: a model just created with whole
    # numbers gives the same spec, and price key, as the one read back.
    return engine.ModelSpec(
        rules=rules,
        half_life_days=float(model.decay_half_life_days),
        fit_cap=_float_or_none(model.fit_cap),
        interest_cap=_float_or_none(model.interest_cap),
        mql_mode=model.mql_mode,
        mql_fit=float(model.mql_fit_threshold),
        mql_interest=float(model.mql_interest_threshold),
        mql_combined=float(model.mql_combined_threshold),
        grade_a=float(model.grade_a_min),
        grade_b=float(model.grade_b_min),
        grade_c=float(model.grade_c_min),
        band_hot=float(model.band_hot_min),
        band_warm=float(model.band_warm_min),
        free_mail_domains=engine.FREE_MAIL_DOMAINS | _domains(model.extra_free_mail_domains),
        competitor_domains=_domains(model.competitor_domains),
    )


def _float_or_none(value: float | None) -> float | None:
    return None if value is None else float(value)


# Rules by (model id, updated_at): every rule or condition change touches its model's
# updated_at (scoring.signals.rules_changed), so a changed model gets a new key in every
# process. The model's own settings are read from the instance each time.
_RULES: dict[tuple[int, Any], tuple[engine.Rule, ...]] = {}
_SPECS: dict[tuple[int, Any], engine.ModelSpec] = {}


def forget_cached_rules() -> None:
    """A rule changed in this process: drop the cache now (a rolled-back change, a test's frozen
    clock, can leave a model with an updated_at it had before, under other rules)."""
    _RULES.clear()
    _SPECS.clear()


def cached_rules(model: ScoringModel) -> tuple[engine.Rule, ...]:
    """The model's active rules (every dimension), without a query when they have not changed
    since last read."""
    key = (model.pk, model.updated_at)
    rules = _RULES.get(key)
    if rules is None:
        if len(_RULES) > 64:
            _RULES.clear()
        rules = _RULES[key] = _rule_specs(model)
    return rules


def cached_model_spec(model: ScoringModel) -> engine.ModelSpec:
    """
    model_spec() without a query when the model's rules have not changed since last read, and
    the same spec object while its settings are the same too: its derived keys (definition
    tags, price key) are then computed once per process, not once per request.
    """
    rules = cached_rules(model)
    spec = _spec_with(model, rules)
    key = (model.pk, model.updated_at)
    cached = _SPECS.get(key)
    # The rules by identity (cached_rules hands out one tuple per key), the settings by value:
    # an unsaved or queryset-updated setting gives another spec.
    if cached is not None and cached.rules is rules and cached == spec:
        return cached
    if len(_SPECS) > 64:
        _SPECS.clear()
    _SPECS[key] = spec
    return spec
