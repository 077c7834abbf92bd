"""
Outbound deliveries: webhook endpoints and each delivery to them, and Slack messages, each sent
by a task after commit and retried with backoff. Imported into routing.models.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models

from routing.assignment_models import Notification
from routing.webhook_http import UnsafeWebhookTarget, webhook_target_check


class WebhookEvent(models.TextChoices):
    LEAD_QUALIFIED = "lead.qualified", "lead.qualified: a lead became an MQL"
    LEAD_ASSIGNED = "lead.assigned", "lead.assigned: a lead was given to a rep"


def _new_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(models.Model):
    """A URL that receives signed JSON POSTs when routing events happen."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=128,
        default=_new_secret,
        help_text="Signs each delivery: X-Leadscore-Signature: t=<time>,v1=<HMAC> (see README).",
    )
    events = models.JSONField(default=list, help_text="Events this endpoint receives.")
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    def clean(self) -> None:
        errors = {}
        unknown = set(self.events or []) - set(WebhookEvent.values)
        if unknown or not self.events:
            errors["events"] = "Choose one or more of the known events."
        if self.url:
            # Checked again at each delivery (DNS can change); see routing.webhook_http.
            try:
                webhook_target_check(self.url)
            except UnsafeWebhookTarget as exc:
                errors["url"] = str(exc)
        if errors:
            raise ValidationError(errors)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    RETRYING = "retrying", "Failed, will retry"
    FAILED = "failed", "Failed, gave up"


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one endpoint, with every attempt's outcome."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=30, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The admin's delivery log filtered by endpoint and status, newest first.
            models.Index(
                fields=["endpoint", "status", "-created_at"], name="delivery_endpoint_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint.name} ({self.get_status_display()})"


# --- Slack -------------------------------------------------------------------------------------


class SlackMessage(models.Model):
    """
    One Slack incoming-webhook post, written in the same transaction as the routing change it
    announces and sent by a task after commit; failed posts are retried with backoff (the
    durable record is what makes them survive a crash or a broker hiccup).
    """

    url = models.URLField(max_length=500)
    # Who it was for, to read the log: "Ana" or "team EMEA".
    audience = models.CharField(max_length=120)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(help_text="The incoming-webhook body: text plus blocks.")
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The retry sweep: messages due for another attempt.
            models.Index(fields=["status", "next_attempt_at"], name="slack_status_next_idx"),
        ]

    def __str__(self) -> str:
        return f"Slack to {self.audience} ({self.get_status_display()})"
