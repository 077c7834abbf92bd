"""The audit trail of scoring model versions, rules and conditions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models

from scoring.models import (
    AuditAction,
    AuditEntry,
    AuditObject,
    RuleCondition,
    ScoringModel,
    ScoringRule,
)


def audit_value(value: Any) -> str:
    """A field value as the audit trail shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def _audit_target(obj: ScoringModel | ScoringRule | RuleCondition) -> dict[str, Any]:
    if isinstance(obj, ScoringModel):
        return {
            "scoring_model": obj,
            "model_version": obj.version,
            "object_type": AuditObject.MODEL,
            "object_id": obj.pk,
            "object_repr": f"v{obj.version} {obj.name}"[:255],
        }
    if isinstance(obj, ScoringRule):
        model = obj.scoring_model
        return {
            "scoring_model": model,
            "model_version": model.version,
            "rule": obj if obj.pk else None,
            "object_type": AuditObject.RULE,
            "object_id": obj.pk,
            "object_repr": obj.name[:255],
        }
    rule = obj.rule
    model = rule.scoring_model
    return {
        "scoring_model": model,
        "model_version": model.version,
        "rule": rule if rule.pk else None,
        "object_type": AuditObject.CONDITION,
        "object_id": obj.pk,
        "object_repr": f"{rule.name}: {obj}"[:255],
    }


def audit_record(
    *,
    user: AbstractBaseUser | None,
    action: str,
    obj: ScoringModel | ScoringRule | RuleCondition,
    field: str = "",
    old: Any = None,
    new: Any = None,
    note: str = "",
) -> AuditEntry:
    """Write one audit entry (inside the caller's transaction: a rolled-back change leaves none)."""
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEntry.objects.create(
        user=user,
        action=action,
        field=field,
        old_value=audit_value(old),
        new_value=audit_value(new),
        note=note[:255],
        **_audit_target(obj),
    )


def audit_form_changes(
    *,
    user: AbstractBaseUser | None,
    obj: ScoringModel | ScoringRule | RuleCondition,
    form,
    created: bool,
) -> list[AuditEntry]:
    """Audit what an admin form did: one entry for a new object, one per changed field."""
    if created:
        return [audit_record(user=user, action=AuditAction.CREATED, obj=obj)]
    entries = []
    for name in form.changed_data:
        field = form.fields.get(name)
        old = form.initial.get(name)
        new = form.cleaned_data.get(name)
        choices = dict(getattr(field, "choices", None) or ()) if field is not None else {}
        if choices and not isinstance(new, models.Model):
            old, new = choices.get(old, old), choices.get(new, new)
        if isinstance(new, models.Model) and old is not None and not isinstance(old, models.Model):
            old = type(new).objects.filter(pk=old).first() or old
        entries.append(
            audit_record(
                user=user,
                action=AuditAction.CHANGED,
                obj=obj,
                field=str(field.label if field is not None and field.label else name),
                old=old,
                new=new,
            )
        )
    return entries
