"""
Receivers that refresh contacts' predictions when their data changes. The refresh must not be
lost with the broker, so it is an outbox message (scoring.services.outbox) written in the
transaction that changed the data; a transaction writes one message, and later writes in it
add their contacts to that message. The predictive app handles the topic (apps.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from contacts.models import Activity, Contact
from contacts.signals import contacts_bulk_changed
from scoring.models import OutboxTopic


def enqueue_prediction(contact_ids: list[int]) -> None:
    """Refresh these contacts' predictions once this transaction commits, durably."""
    from predictive.selectors import active_model_exists
    from scoring.services import outbox_publish_ids

    outbox_publish_ids(
        topic=OutboxTopic.PREDICTIONS_REFRESH,
        field="contact_ids",
        ids=contact_ids,
        # Nothing predicts yet: no message (training scores every contact).
        unless_pending=active_model_exists,
    )


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
