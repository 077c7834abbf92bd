"""
Receivers that rescore contacts' predictions when their data changes, like scoring's: they
only enqueue a task once the transaction commits (leadscore.on_commit.enqueue_once, keyed so a
transaction queues one task however many rows it touches).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from contacts.models import Activity, Contact
from contacts.signals import contacts_bulk_changed
from leadscore.on_commit import enqueue_once, pending

KEY = ("predictive", "contacts")


class _Predict:
    """The one prediction task a transaction queues; later writes add their contacts."""

    def __init__(self) -> None:
        self.contact_ids: set[int] = set()

    def __call__(self) -> None:
        from predictive import tasks
        from predictive.selectors import active_model_exists

        if active_model_exists():
            tasks.predict_contacts.delay(sorted(self.contact_ids))


def enqueue_prediction(contact_ids: list[int]) -> None:
    queued = pending(KEY)
    if queued is not None:
        queued.callback.contact_ids.update(contact_ids)
        return
    job = _Predict()
    job.contact_ids.update(contact_ids)
    enqueue_once(KEY, job)


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
