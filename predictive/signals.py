"""
Receivers that refresh contacts' predictions when their data changes. The refresh must not be
lost with the broker, so it is an outbox message (scoring.services.outbox) written in the
transaction that changed the data; a transaction writes one message, and later writes in it
add their contacts to that message. The predictive app handles the topic (apps.py).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from contacts.models import Activity, Contact
from contacts.signals import contacts_bulk_changed
from leadscore.on_commit import enqueue_once, pending
from scoring.models import OutboxMessage, OutboxTopic

KEY = ("predictive", "contacts")


class _Refresh:
    """The transaction's one refresh message; the on-commit job itself has nothing to do
    (outbox_publish queued the delivery)."""

    def __init__(self, message: OutboxMessage) -> None:
        self.message = message

    def add(self, contact_ids: list[int]) -> None:
        known = set(self.message.payload["contact_ids"])
        if set(contact_ids) <= known:
            return
        self.message.payload["contact_ids"] = sorted(known | set(contact_ids))
        self.message.save(update_fields=["payload"])

    def __call__(self) -> None:
        pass


def enqueue_prediction(contact_ids: list[int]) -> None:
    """Refresh these contacts' predictions once this transaction commits, durably."""
    from predictive.selectors import active_model_exists
    from scoring.services import outbox_publish

    with transaction.atomic():  # the write's transaction, or its own outside one
        queued = pending(KEY)
        if queued is not None:
            queued.callback.add(contact_ids)
            return
        if not active_model_exists():
            return  # nothing predicts yet; training scores every contact
        message = outbox_publish(
            topic=OutboxTopic.PREDICTIONS_REFRESH,
            payload={"contact_ids": sorted(set(contact_ids))},
        )
        enqueue_once(KEY, _Refresh(message))


@receiver(post_save, sender=Activity, dispatch_uid="predictive_activity_saved")
def activity_saved(sender, instance: Activity, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        enqueue_prediction([instance.contact_id])


@receiver(post_save, sender=Contact, dispatch_uid="predictive_contact_saved")
def contact_saved(sender, instance: Contact, raw: bool = False, update_fields=None, **kwargs):
    from scoring.signals import SCORED_CONTACT_FIELDS

    if raw or (update_fields is not None and not set(update_fields) & SCORED_CONTACT_FIELDS):
        return
    enqueue_prediction([instance.pk])


@receiver(contacts_bulk_changed, dispatch_uid="predictive_contacts_bulk_changed")
def contacts_changed_in_bulk(sender, contact_ids: list[int], **kwargs: Any) -> None:
    if contact_ids:
        enqueue_prediction(list(contact_ids))
