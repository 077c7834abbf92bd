"""Celery tasks for routing. Each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task

from routing import services, slack
from routing.models import DeliveryStatus


@shared_task(name="routing.route_lead", acks_late=True)
def route_lead(qualification_id: int) -> int | None:
    assignment = services.lead_route(qualification_id=qualification_id)
    return assignment.pk if assignment else None


@shared_task(name="routing.check_sla")
def check_sla() -> int:
    """Beat, every minute (CELERY_BEAT_SCHEDULE["routing-check-sla"])."""
    return services.assignments_check_sla()


@shared_task(name="routing.send_notification_email", acks_late=True)
def send_notification_email(notification_id: int) -> bool:
    return services.notification_email_send(notification_id=notification_id)


@shared_task(
    bind=True,
    name="routing.deliver_webhook",
    acks_late=True,
    max_retries=services.WEBHOOK_MAX_ATTEMPTS - 1,
)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt; on failure the worker tries again later with exponential backoff."""
    delivery = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if delivery.status == DeliveryStatus.RETRYING and not self.request.is_eager:
        raise self.retry(countdown=services.webhook_retry_delay(delivery.attempts))
    # Eager mode (no broker, development): Celery would re-run the task inline at once and then
    # raise into the web request that committed; the delivery stays "Failed, will retry" with
    # its next attempt time, and the admin's "Send again" action re-queues it.
    return delivery.status


@shared_task(bind=True, name="routing.send_slack_message", acks_late=True)
def send_slack_message(self, message_id: int) -> str:
    """One attempt; on failure the worker tries again later with exponential backoff."""
    message = slack.slack_message_send(message_id=message_id)
    if message is None:
        return "gone"
    if message.status == DeliveryStatus.RETRYING and not self.request.is_eager:
        raise self.retry(
            countdown=slack.slack_retry_delay(message.attempts), max_retries=slack.MAX_ATTEMPTS
        )
    return message.status


@shared_task(name="routing.retry_due_deliveries")
def retry_due_deliveries() -> int:
    """Beat, every minute: webhook and Slack retries that are overdue (lost, or eager mode)."""
    return services.deliveries_retry_due()
