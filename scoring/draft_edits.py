"""
Writes that edit a draft version outside the admin: new rules, changed rule fields and changed
settings, each audited like an admin edit (one entry per created rule, one per changed field).
Used when a suggested model is adopted (predictive.suggested_draft). Only drafts change: live
and retired versions are frozen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from scoring.models import AuditAction, RuleCondition, ScoringModel, ScoringRule
from scoring.services import VersionError, audit_record

RULE_FIELDS = {
    "name",
    "description",
    "dimension",
    "points",
    "is_active",
    "is_hand_raise",
    "position",
    "attribute",
    "property_name",
    "operator",
    "value",
    "min_value",
    "max_value",
    "activity_kind",
    "custom_kind",
    "max_occurrences",
    "max_points",
    "window_days",
}
CONDITION_FIELDS = {"property", "operator", "value", "min_value", "max_value"}
MODEL_FIELDS = {
    "name",
    "decay_half_life_days",
    "fit_cap",
    "interest_cap",
    "mql_mode",
    "mql_fit_threshold",
    "mql_interest_threshold",
    "mql_combined_threshold",
    "grade_a_min",
    "grade_b_min",
    "grade_c_min",
    "band_hot_min",
    "band_warm_min",
}


def _require_draft(model: ScoringModel) -> None:
    if not model.is_draft:
        raise VersionError("Only a draft changes; create a draft first.")


def _label(model_class, name: str) -> str:
    return str(model_class._meta.get_field(name).verbose_name).capitalize()


@transaction.atomic
def scoring_rule_create(
    *,
    draft: ScoringModel,
    values: Mapping[str, Any],
    conditions: Sequence[Mapping[str, Any]] = (),
    by: AbstractBaseUser | None,
    note: str = "",
) -> ScoringRule:
    """Add a validated rule (and its activity conditions) to a draft, audited as created."""
    draft = ScoringModel.objects.select_for_update().get(pk=draft.pk)
    _require_draft(draft)
    unknown = set(values) - RULE_FIELDS
    if unknown:
        raise ValueError(f"Not rule fields: {', '.join(sorted(unknown))}")
    rule = ScoringRule(scoring_model=draft, **values)
    rule.full_clean(exclude=["scoring_model"])
    rule.save()
    audit_record(user=by, action=AuditAction.CREATED, obj=rule, note=note)
    for data in conditions:
        condition = RuleCondition(rule=rule, **{k: data.get(k) for k in CONDITION_FIELDS})
        condition.value = condition.value or ""
        condition.full_clean(exclude=["rule"])
        condition.save()
        audit_record(user=by, action=AuditAction.CREATED, obj=condition, note=note)
    return rule


def _set_fields(obj, changes: Mapping[str, Any], allowed: set[str], by, note: str) -> list[str]:
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    changed = []
    for name, new in changes.items():
        old = getattr(obj, name)
        if old == new:
            continue
        setattr(obj, name, new)
        changed.append((name, old, new))
    if not changed:
        return []
    # Raises ValidationError (nothing saved: the caller's transaction rolls back).
    obj.full_clean(exclude=["scoring_model"] if isinstance(obj, ScoringRule) else None)
    obj.save(update_fields=[name for name, _, _ in changed])
    for name, old, new in changed:
        audit_record(
            user=by,
            action=AuditAction.CHANGED,
            obj=obj,
            field=_label(type(obj), name),
            old=old,
            new=new,
            note=note,
        )
    return [name for name, _, _ in changed]


@transaction.atomic
def scoring_rule_update(
    *, rule: ScoringRule, changes: Mapping[str, Any], by: AbstractBaseUser | None, note: str = ""
) -> ScoringRule:
    """Change fields of a draft's rule; one audit entry per field that really changed."""
    rule = ScoringRule.objects.select_for_update().select_related("scoring_model").get(pk=rule.pk)
    _require_draft(rule.scoring_model)
    _set_fields(rule, changes, RULE_FIELDS - {"dimension"}, by, note)
    return rule


@transaction.atomic
def scoring_model_update(
    *, draft: ScoringModel, changes: Mapping[str, Any], by: AbstractBaseUser | None, note: str = ""
) -> ScoringModel:
    """Change a draft's settings (cut-offs, caps, MQL rule...); one audit entry per field."""
    draft = ScoringModel.objects.select_for_update().get(pk=draft.pk)
    _require_draft(draft)
    _set_fields(draft, changes, MODEL_FIELDS, by, note)
    return draft
