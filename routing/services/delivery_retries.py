"""
The beat's safety net for side effects sent by Celery: webhook deliveries and Slack messages
whose retry is overdue, and those (and notification emails) whose task was lost with the broker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from leadscore.on_commit import enqueue_safely
from routing.models import DeliveryStatus, Notification, SlackMessage, WebhookDelivery
from routing.services.sla_checks import SLA_BATCH


def deliveries_retry_due(
    *, now: datetime | None = None, grace_seconds: int = 120, lost_after_seconds: int = 300
) -> int:
    """
    Send again every webhook delivery and Slack message whose retry is overdue by more than
    `grace_seconds`: a retry the broker lost, or (embedded default, tasks run eagerly) the only
    retry there is; and send those never attempted, and notification emails never sent,
    `lost_after_seconds` after they were written (their task was lost with the broker; a
    receiver tells a repeat by X-Leadscore-Delivery). Beat runs this every minute. Returns
    how many were queued.
    """
    from routing import tasks

    now = now or timezone.now()
    due, lost = now - timedelta(seconds=grace_seconds), now - timedelta(seconds=lost_after_seconds)
    retrying = Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=due)
    never_tried = Q(status=DeliveryStatus.PENDING, attempts=0, created_at__lte=lost)
    work = [
        (tasks.deliver_webhook, WebhookDelivery.objects.filter(retrying | never_tried)),
        (tasks.send_slack_message, SlackMessage.objects.filter(retrying | never_tried)),
        (
            tasks.send_notification_email,
            Notification.objects.filter(emailed_at__isnull=True, created_at__lte=lost),
        ),
    ]
    queued = 0
    for task, rows in work:
        for pk in rows.order_by("pk").values_list("pk", flat=True)[:SLA_BATCH]:
            queued += enqueue_safely(task, pk)
    return queued
