"""
Scoring's signal, and the receivers that keep scores current when contacts' data changes.

Contacts cannot import scoring, so it announces its writes with signals; these receivers score
the changed contacts synchronously, inside the transaction that wrote the data: a score is
never behind its activities, with or without a broker. Rule changes are handled explicitly by
the services that make them (scoring.services.rescore_runs.scoring_model_changed) and the admin.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from contacts.models import Activity, Company, Contact
from contacts.signals import contacts_bulk_changed, contacts_merging, demo_seeded

# Sent once per released qualification by the outbox delivery (scoring.services.outbox), in
# the delivery's transaction, when a lead becomes an MQL and goes to routing. Receivers work
# synchronously. Arguments: qualification (scoring.models.Qualification), contact (Contact).
lead_qualified = Signal()
# An account became marketing-qualified (MQA): qualification, company. Sent by the outbox.
account_qualified = Signal()

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


@receiver(contacts_merging, dispatch_uid="scoring_contacts_merging")
def contacts_merging_received(sender, duplicate_ids: list[int], **kwargs: Any) -> None:
    """
    The duplicates' scores go (one score per contact and model: they cannot move to the kept
    contact); the merge then rebuilds the kept contact's from the combined history.
    """
    from scoring.models import ContactScore

    ContactScore.objects.filter(contact_id__in=duplicate_ids).delete()


@receiver(pre_save, sender=Activity, dispatch_uid="scoring_activity_saving")
def activity_saving(sender, instance: Activity, raw: bool = False, **kwargs: Any) -> None:
    """
    An edit may move the activity to another contact (the admin's contact field): remember
    whose it was, so that contact is rescored without it. One read, on edits only.
    """
    if raw or instance.pk is None:
        return
    instance._scoring_stored_contact_id = (
        Activity.objects.filter(pk=instance.pk).values_list("contact_id", flat=True).first()
    )


@receiver(post_save, sender=Activity, dispatch_uid="scoring_activity_saved")
def activity_saved(
    sender, instance: Activity, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """One activity stored (API, admin, forms): fold it into its contact's states now."""
    if raw:
        return
    from scoring.services import contacts_score

    if created:
        contacts_score(
            contact_ids=[instance.contact_id], activities=[instance], activity_id=instance.pk
        )
        return
    # An edited activity may count differently: rebuild its contact's states, and those of
    # the contact it was moved from.
    ids = {instance.contact_id, getattr(instance, "_scoring_stored_contact_id", None)} - {None}
    contacts_score(contact_ids=sorted(ids), rebuild=True, reason="profile_change")


@receiver(post_delete, sender=Activity, dispatch_uid="scoring_activity_deleted")
def activity_deleted(sender, instance: Activity, origin: Any = None, **kwargs: Any) -> None:
    from scoring.services import contacts_score

    deleting_contacts = isinstance(origin, Contact) or getattr(origin, "model", None) is Contact
    if deleting_contacts:
        return  # the contact goes too, and its score with it
    if Contact.objects.filter(pk=instance.contact_id).exists():
        contacts_score(contact_ids=[instance.contact_id], rebuild=True, reason="profile_change")


@receiver(post_save, sender=Contact, dispatch_uid="scoring_contact_saved")
def contact_saved(
    sender, instance: Contact, created: bool, update_fields=None, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    if update_fields is not None and not (set(update_fields) & SCORED_CONTACT_FIELDS):
        return
    from scoring.services import contacts_score

    contacts_score(contact_ids=[instance.pk], reason="first_score" if created else "profile_change")


@receiver(post_save, sender=Company, dispatch_uid="scoring_company_saved")
def company_saved(
    sender, instance: Company, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    from scoring.models import ChangeReason
    from scoring.services import company_contacts_rescore
    from scoring.services.accounts import accounts_score

    result = company_contacts_rescore(company_id=instance.pk) if not created else None
    if result is None or not result.scores:
        # No contact to carry the account's rescore: score the account itself (its fit).
        accounts_score(
            company_ids=[instance.pk], now=timezone.now(), reason=ChangeReason.PROFILE_CHANGE
        )


@receiver(pre_delete, sender=Company, dispatch_uid="scoring_company_deleting")
def company_deleting(sender, instance: Company, **kwargs: Any) -> None:
    """
    Its contacts stay, unlinked by a bulk SET NULL that sends no signal: remember them, so
    company_deleted rescores their fit without the company's firmographics.
    """
    instance._scoring_contact_ids = list(
        Contact.objects.filter(company_id=instance.pk).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=Company, dispatch_uid="scoring_company_deleted")
def company_deleted(sender, instance: Company, **kwargs: Any) -> None:
    from scoring.services import contacts_score

    ids = getattr(instance, "_scoring_contact_ids", [])
    # Those deleted in the same delete (none today: contacts are unlinked, not deleted) are gone.
    ids = list(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if ids:
        contacts_score(contact_ids=ids, reason="profile_change")


@receiver(demo_seeded, dispatch_uid="scoring_demo_seeded")
def demo_data_seeded(sender, **kwargs: Any) -> None:
    """Demo contacts were bulk-written (no post_save): score them all under the live model."""
    from scoring.defaults import default_model_ensure
    from scoring.services import scoring_model_changed

    # Released at once: the demo should show a sales queue full of fresh MQLs.
    scoring_model_changed(
        model_id=default_model_ensure().pk, reason="Demo data seeded", release=True
    )


@receiver(contacts_bulk_changed, dispatch_uid="scoring_contacts_bulk_changed")
def contacts_changed_in_bulk(
    sender,
    contact_ids: list[int],
    reason: str = "new_activity",
    activities: list[Activity] | None = None,
    rebuild: bool = False,
    **kwargs: Any,
) -> None:
    """
    A bulk write (API batch, CSV import) changed these contacts without post_save: score each
    of them once, in the batch's transaction, folding in the batch's new activities.
    """
    if not contact_ids and not activities:
        return
    if reason not in ("new_activity", "profile_change"):
        reason = "profile_change"
    from scoring.services import contacts_score

    contacts_score(
        contact_ids=contact_ids, activities=activities or (), reason=reason, rebuild=rebuild
    )


def _live_model_id(instance) -> int | None:
    from scoring.models import RuleCondition, ScoringModel, ScoringRule
    from scoring.specs import forget_cached_rules

    forget_cached_rules()
    if isinstance(instance, ScoringModel):
        return instance.pk if instance.is_live else None
    if isinstance(instance, RuleCondition):
        instance = ScoringRule.objects.filter(pk=instance.rule_id).first()
        if instance is None:
            return None
    model = ScoringModel.objects.filter(pk=instance.scoring_model_id, is_live=True).first()
    return model.pk if model else None


def _touch_model(instance) -> None:
    """A rule or condition changed: its model's updated_at moves (selectors.cached_model_spec)."""
    from django.utils import timezone

    from scoring.models import RuleCondition, ScoringModel, ScoringRule
    from scoring.specs import forget_cached_rules

    forget_cached_rules()
    if isinstance(instance, ScoringModel):
        return
    if isinstance(instance, RuleCondition):
        rules = ScoringRule.objects.filter(pk=instance.rule_id)
        model_ids = rules.values_list("scoring_model_id", flat=True)
    else:
        model_ids = [instance.scoring_model_id]
    ScoringModel.objects.filter(pk__in=list(model_ids)).update(updated_at=timezone.now())


def rules_changed(
    sender, instance, raw: bool = False, created: bool = False, **kwargs: Any
) -> None:
    """
    A rule, a condition or the live model's settings changed however it was saved (admin, a
    fixture, a shell): ask for one coalesced rescore, which rebuilds only the definitions
    that changed. Drafts score nobody, so their edits need none.
    """
    if raw or (created and sender.__name__ == "ScoringModel"):
        return  # a new model has no rules yet; adding them triggers the rescore
    _touch_model(instance)
    model_id = _live_model_id(instance)
    if model_id is not None:
        from scoring.services import scoring_model_changed

        scoring_model_changed(
            model_id=model_id,
            reason=f"{sender._meta.verbose_name.capitalize()} '{instance}' changed",
        )


def connect_rule_receivers() -> None:
    from scoring.models import RuleCondition, ScoringModel, ScoringRule

    for model in (ScoringModel, ScoringRule, RuleCondition):
        for signal in (post_save, post_delete):
            signal.connect(
                rules_changed, sender=model, dispatch_uid=f"rules_changed_{model.__name__}_{signal}"
            )
