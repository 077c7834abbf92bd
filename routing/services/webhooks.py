"""
Outbound webhooks: the payloads (lead.qualified, lead.assigned), one delivery per subscribed
endpoint queued after commit, the signed POST with its retries, and the signature a receiver
checks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from leadscore.on_commit import enqueue_safely
from routing.models import (
    Assignment,
    DeliveryStatus,
    RoutingDecision,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from routing.webhook_http import webhook_post
from scoring.models import Qualification

logger = logging.getLogger(__name__)

# Webhooks: attempts in all, and the first retry's delay (doubling each time: 30 s, 1, 2, 4 min).
WEBHOOK_MAX_ATTEMPTS = 5
WEBHOOK_RETRY_BASE_SECONDS = 30
# A receiver refuses a signature whose timestamp is further than this from its clock.
WEBHOOK_SIGNATURE_TOLERANCE_SECONDS = 300
SIGNATURE_HEADER = "X-Leadscore-Signature"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _lead_payload(contact: Contact, qualification: Qualification, *, now: datetime) -> dict:
    company = contact.company
    return {
        "contact": {
            "id": contact.pk,
            "email": contact.email,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "job_title": contact.job_title,
            "lead_source": contact.lead_source,
            "lifecycle_stage": contact.lifecycle_stage,
            "company": {
                "name": company.name,
                "domain": company.domain,
                "industry": company.industry,
                "employee_count": company.employee_count,
                "country": company.country,
            }
            if company
            else None,
        },
        "qualification": {
            "id": qualification.pk,
            "qualified_at": _iso(qualification.qualified_at),
            "reason": qualification.reason,
            "hand_raise": qualification.hand_raise,
            "fit": round(qualification.fit, 1),
            "interest": round(qualification.interest, 1),
        },
    }


def _assigned_payload(assignment: Assignment, entry: RoutingDecision) -> dict:
    payload = _lead_payload(assignment.contact, assignment.qualification, now=entry.occurred_at)
    rep = assignment.rep
    payload["assignment"] = {
        "id": assignment.pk,
        "status": assignment.status,
        "rep": {
            "id": rep.pk,
            "username": rep.get_username(),
            "name": rep.get_full_name() or rep.get_username(),
            "email": rep.email,
        }
        if rep
        else None,
        "team": assignment.team.name if assignment.team_id else None,
        "rule": assignment.rule.name if assignment.rule_id else None,
        "strategy": assignment.strategy,
        "assigned_at": _iso(assignment.assigned_at),
        "sla_due_at": _iso(assignment.sla_due_at),
        "decision": entry.sentence,
    }
    return payload


def _webhooks_emit(
    *, event: WebhookEvent, payload: Callable[[], dict[str, Any]]
) -> list[WebhookDelivery]:
    """
    Queue one delivery per active endpoint subscribed to the event, sent after commit. The
    payload is built only when some endpoint wants it.
    """
    # Filtered in Python: endpoints are few, and JSON containment is not portable to SQLite.
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if event in e.events]
    if not endpoints:
        return []
    body = {"event": str(event), "occurred_at": timezone.now().isoformat(), "data": payload()}
    # Round-trip through JSON so the stored payload is exactly what will be sent.
    body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event, payload=body) for endpoint in endpoints
    )
    from routing import tasks

    ids = [d.pk for d in deliveries]
    transaction.on_commit(lambda: [enqueue_safely(tasks.deliver_webhook, pk) for pk in ids])
    return deliveries


def webhook_signature(secret: str, body: bytes, *, timestamp: int) -> str:
    """
    The signature header's value, `t=<unix seconds>,v1=<hex HMAC-SHA256>`, the HMAC taken over
    `<t>.<raw body>`: a receiver that checks t against its clock refuses replayed deliveries.
    """
    signed = str(timestamp).encode() + b"." + body
    return f"t={timestamp},v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def webhook_signature_verify(
    *,
    secret: str,
    header: str,
    body: bytes,
    now: float,
    tolerance_seconds: int = WEBHOOK_SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """
    What a receiver does with X-Leadscore-Signature (README, "Webhooks"): true when one v1
    signature matches the body and t is within the tolerance of now, either way.
    """
    parts = [item.partition("=") for item in header.split(",")]
    stamps = [value for key, _, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, _, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not signatures:
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance_seconds:
        return False
    expected = webhook_signature(secret, body, timestamp=timestamp).partition(",v1=")[2]
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def webhook_retry_delay(attempts: int) -> int:
    """Seconds before the next attempt after `attempts` failures: 30, 60, 120, 240..."""
    return WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """
    POST the delivery's JSON to its endpoint once, signed with the endpoint's secret, and record
    the attempt: delivered on a 2xx, otherwise retrying (with the time of the next attempt) until
    the last attempt, then failed. The HTTP call happens outside any transaction.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        return delivery
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Leadscore-Webhooks/1",
        "X-Leadscore-Event": delivery.event,
        "X-Leadscore-Delivery": str(delivery.pk),
    }
    now = now or timezone.now()
    # Signed at each attempt, so a retry carries a fresh timestamp.
    headers[SIGNATURE_HEADER] = webhook_signature(
        endpoint.secret, body, timestamp=int(now.timestamp())
    )
    response = webhook_post(endpoint.url, body, headers) if endpoint.is_active else None
    delivery.attempts += 1
    if response is None:
        delivery.status, delivery.last_error = DeliveryStatus.FAILED, "Endpoint deactivated"
    elif response.status is not None and 200 <= response.status < 300:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        delivery.last_status_code, delivery.last_error = response.status, ""
        delivery.next_attempt_at = None
    else:
        delivery.last_status_code, delivery.last_error = response.status, response.error[:2000]
        if delivery.attempts >= WEBHOOK_MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + timedelta(
                seconds=webhook_retry_delay(delivery.attempts)
            )
    delivery.save()
    if delivery.status != DeliveryStatus.DELIVERED:
        logger.warning(
            "Webhook %s to %s: attempt %s failed (%s)",
            delivery.event,
            endpoint.url,
            delivery.attempts,
            delivery.last_error,
        )
    return delivery


def webhook_delivery_requeue(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed delivery again from the start (admin action)."""
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    from routing import tasks

    pk = delivery.pk
    transaction.on_commit(lambda: enqueue_safely(tasks.deliver_webhook, pk))
    return delivery
