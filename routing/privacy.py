"""What routing holds on one contact, for contacts.privacy (export and forget)."""

from __future__ import annotations

from typing import Any

from contacts.models import Contact
from contacts.privacy import PersonalDataHandler, personal_data_handler_register
from routing.models import Assignment, DeliveryStatus, Notification, WebhookDelivery

ERASED_NOTE = "Not sent: the contact's personal data was erased."


def _deliveries(contact: Contact):
    # Every payload puts the lead under data.contact (routing.services.webhooks._lead_payload).
    return WebhookDelivery.objects.filter(payload__data__contact__id=contact.pk)


def _export(contact: Contact) -> dict[str, Any]:
    assignments = (
        Assignment.objects.filter(contact=contact)
        .select_related("rep", "team")
        .prefetch_related("decisions")
        .order_by("created_at")
    )
    return {
        "assignments": [
            {
                "id": a.pk,
                "status": a.status,
                "rep_id": a.rep_id,
                "team": a.team.name if a.team_id else None,
                "assigned_at": a.assigned_at,
                "accepted_at": a.accepted_at,
                "closed_at": a.closed_at,
                "decisions": [
                    {"at": d.occurred_at, "kind": d.kind, "sentence": d.sentence}
                    for d in a.decisions.all()
                ],
            }
            for a in assignments
        ],
        "notifications": [
            {"at": n.created_at, "recipient_id": n.recipient_id, "message": n.message}
            for n in Notification.objects.filter(assignment__contact=contact).order_by("pk")
        ],
        "webhook_deliveries": [
            {"id": d.pk, "event": d.event, "created_at": d.created_at, "payload": d.payload}
            for d in _deliveries(contact).order_by("pk")
        ],
    }


def _erase(contact: Contact) -> dict[str, int]:
    """Webhook payloads are copies, not links: redact them, and never send one still queued."""
    redacted = 0
    for delivery in _deliveries(contact).select_for_update():
        delivery.payload = {
            "event": delivery.payload.get("event", delivery.event),
            "occurred_at": delivery.payload.get("occurred_at"),
            "data": {"erased": True},
        }
        fields = ["payload"]
        if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            delivery.last_error = ERASED_NOTE
            fields += ["status", "next_attempt_at", "last_error"]
        delivery.save(update_fields=fields)
        redacted += 1
    return {"webhook deliveries": redacted}


def register() -> None:
    personal_data_handler_register(PersonalDataHandler("routing", export=_export, erase=_erase))
