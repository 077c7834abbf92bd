"""
Scoring's signals, and the receivers that rescore contacts when their data or the rules change.

Receivers only enqueue a Celery task once the transaction commits; the task calls one service.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from contacts.models import Activity, Company, Contact
from contacts.signals import contacts_bulk_changed, demo_seeded
from leadscore.on_commit import enqueue_once, pending

# Sent once per qualification, after it commits, when a lead becomes an MQL and is released to
# routing. Arguments: qualification (scoring.models.Qualification), contact (Contact).
lead_qualified = Signal()

# Contact fields that fit rules can read; saving only other fields (a stage change made by
# scoring itself, say) needs no rescore.
SCORED_CONTACT_FIELDS = {
    "email",
    "job_title",
    "lead_source",
    "lead_source_raw",
    "country",
    "region",
    "city",
    "company",
    "company_id",
    "properties",
}


@receiver(post_save, sender=Activity, dispatch_uid="scoring_activity_saved")
def activity_saved(
    sender, instance: Activity, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    from scoring import tasks

    contact_id, activity_id = instance.contact_id, instance.pk
    enqueue_once(
        ("contact", contact_id, activity_id),
        lambda: tasks.rescore_contact.delay(contact_id, "new_activity", activity_id),
    )


@receiver(post_delete, sender=Activity, dispatch_uid="scoring_activity_deleted")
def activity_deleted(sender, instance: Activity, **kwargs: Any) -> None:
    from scoring import tasks

    contact_id = instance.contact_id
    enqueue_once(
        ("contact", contact_id), lambda: tasks.rescore_contact.delay(contact_id, "profile_change")
    )


@receiver(post_save, sender=Contact, dispatch_uid="scoring_contact_saved")
def contact_saved(
    sender, instance: Contact, created: bool, update_fields=None, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    if update_fields is not None and not (set(update_fields) & SCORED_CONTACT_FIELDS):
        return
    from scoring import tasks

    contact_id = instance.pk
    reason = "first_score" if created else "profile_change"
    enqueue_once(("contact", contact_id), lambda: tasks.rescore_contact.delay(contact_id, reason))


@receiver(post_save, sender=Company, dispatch_uid="scoring_company_saved")
def company_saved(
    sender, instance: Company, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or created:
        return  # a new company has no contacts yet
    from scoring import tasks

    company_id = instance.pk
    enqueue_once(("company", company_id), lambda: tasks.rescore_company.delay(company_id))


def model_changed(model_id: int, reason: str) -> None:
    from scoring import tasks

    enqueue_once(("model", model_id), lambda: tasks.rescore_all.delay(model_id, reason))


@receiver(demo_seeded, dispatch_uid="scoring_demo_seeded")
def demo_data_seeded(sender, **kwargs: Any) -> None:
    """Demo contacts were bulk-written (no post_save): score them all under the live model."""
    from scoring import tasks
    from scoring.defaults import default_model_ensure

    model_id = default_model_ensure().pk
    # Released at once: the demo should show a sales queue full of fresh MQLs.
    enqueue_once(
        ("model", model_id),
        lambda: tasks.rescore_all.delay(model_id, "Demo data seeded", True),
        replace=True,
    )


def _rule_model_id(instance) -> int | None:
    from scoring.models import RuleCondition, ScoringModel, ScoringRule

    if isinstance(instance, ScoringModel):
        return instance.pk if instance.is_live else None
    if isinstance(instance, RuleCondition):
        instance = ScoringRule.objects.filter(pk=instance.rule_id).first()
        if instance is None:
            return None
    model = ScoringModel.objects.filter(pk=instance.scoring_model_id, is_live=True).first()
    return model.pk if model else None


def rules_changed(
    sender, instance, raw: bool = False, created: bool = False, **kwargs: Any
) -> None:
    """A rule, a rule's condition or the live model's settings changed: rescore everyone."""
    if raw or (created and sender.__name__ == "ScoringModel"):
        return  # a new model has no rules yet; adding them triggers the rescore
    model_id = _rule_model_id(instance)
    if model_id is not None:
        model_changed(model_id, f"{sender._meta.verbose_name.capitalize()} '{instance}' changed")


def connect_rule_receivers() -> None:
    from scoring.models import RuleCondition, ScoringModel, ScoringRule

    for model in (ScoringModel, ScoringRule, RuleCondition):
        for signal in (post_save, post_delete):
            signal.connect(
                rules_changed, sender=model, dispatch_uid=f"rules_changed_{model.__name__}_{signal}"
            )


class _BulkRescore:
    """The one rescore a transaction queues for its bulk writes; later batches add their ids."""

    def __init__(self, reason: str) -> None:
        self.reason, self.contact_ids = reason, set()

    def __call__(self) -> None:
        from scoring import tasks

        tasks.rescore_contacts.delay(sorted(self.contact_ids), self.reason)


@receiver(contacts_bulk_changed, dispatch_uid="scoring_contacts_bulk_changed")
def contacts_changed_in_bulk(
    sender, contact_ids: list[int], reason: str = "new_activity", **kwargs: Any
) -> None:
    """
    A bulk write (API batch, CSV import) changed these contacts without post_save: rescore
    each of them once, in one task queued on commit, however many rows touched them.
    """
    if not contact_ids:
        return
    if reason not in ("new_activity", "profile_change"):
        reason = "profile_change"
    key = ("bulk", reason)
    queued = pending(key)
    if queued is not None:
        queued.callback.contact_ids.update(contact_ids)
        return
    job = _BulkRescore(reason)
    job.contact_ids.update(contact_ids)
    enqueue_once(key, job)
