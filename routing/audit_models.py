"""
The routing audit trail: who changed a team, rep, rule or webhook endpoint, and how. Imported
into routing.models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RoutingAuditAction(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"


class RoutingAuditEntry(models.Model):
    """
    One change to a routing rule, a team or a rep's routing profile: who, when, what, and for a
    changed field its value before and after. Written by services.routing_audit_* from the
    admin; never edited. The object's name is copied in so the trail reads after a delete.
    """

    at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_type = models.CharField(max_length=30)  # "routing rule", "team", "rep profile"
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_repr = models.CharField("object", max_length=255)
    action = models.CharField(max_length=10, choices=RoutingAuditAction.choices)
    field = models.CharField(max_length=100, blank=True)
    old_value = models.TextField("from", blank=True)
    new_value = models.TextField("to", blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "routing audit entries"
        indexes = [
            # One object's history (the rule's admin page), newest first.
            models.Index(
                fields=["object_type", "object_id", "-at"], name="routing_audit_object_idx"
            ),
            # The admin's audit list, newest first.
            models.Index(fields=["-at"], name="routing_audit_time_idx"),
        ]

    def __str__(self) -> str:
        what = f" {self.field}" if self.field else ""
        return f"{self.object_repr}: {self.get_action_display()}{what}"
