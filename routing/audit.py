"""
The routing audit trail: who changed which routing rule, team or rep profile, when, and each
changed field's value before and after. Written from the admin (routing.admin's AuditedAdmin)
in the same transaction as the change, like scoring's rule audit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils import timezone

from routing.models import RoutingAuditAction, RoutingAuditEntry


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def routing_audit_record(
    *,
    user: AbstractBaseUser | None,
    action: RoutingAuditAction | str,
    obj: models.Model,
    field: str = "",
    old: Any = None,
    new: Any = None,
    now: datetime | None = None,
) -> RoutingAuditEntry:
    """Write one entry (inside the caller's transaction: a rolled-back change leaves none)."""
    if user is not None and not user.is_authenticated:
        user = None
    return RoutingAuditEntry.objects.create(
        at=now or timezone.now(),
        user=user,
        object_type=str(obj._meta.verbose_name),
        object_id=obj.pk,
        object_repr=str(obj)[:255],
        action=action,
        field=field[:100],
        old_value=_text(old),
        new_value=_text(new),
    )


def routing_audit_form_changes(
    *, user: AbstractBaseUser | None, obj: models.Model, form, created: bool
) -> list[RoutingAuditEntry]:
    """What an admin form did: one entry for a new object, one per changed field."""
    if created:
        return [routing_audit_record(user=user, action=RoutingAuditAction.CREATED, obj=obj)]
    entries = []
    for name in form.changed_data:
        field = form.fields.get(name)
        old, new = form.initial.get(name), form.cleaned_data.get(name)
        choices = dict(getattr(field, "choices", None) or ()) if field is not None else {}
        if choices and not isinstance(new, models.Model):
            old, new = choices.get(old, old), choices.get(new, new)
        if isinstance(new, models.Model) and old is not None and not isinstance(old, models.Model):
            old = type(new).objects.filter(pk=old).first() or old
        label = str(field.label) if field is not None and field.label else name
        entries.append(
            routing_audit_record(
                user=user, action=RoutingAuditAction.CHANGED, obj=obj, field=label, old=old, new=new
            )
        )
    return entries
