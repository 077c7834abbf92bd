"""
Duplicate contacts: finding them (reads) and merging them (a write that keeps everything).

A merge moves every row that points at a duplicate (activities, outcomes, identities, and
whatever other apps keep per contact: score history, qualifications, assignments...) to the
contact that is kept, generically through Django's reverse relations, so an app added later
is covered without a change here. Apps with rules of their own about those rows (routing:
one open qualification per lead) receive contacts.signals.contacts_merging first, inside the
same transaction, and settle them. Rows that only derive from a contact (its stored score,
its prediction: one-to-one) go with the duplicate and are recomputed: the kept contact is
announced once for rescoring.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from contacts.models import STAGE_DATE_FIELDS, Contact, ContactHolder, ContactMerge

# Fields filled from a duplicate when the kept contact has none.
_FILLED_FIELDS = (
    "first_name",
    "last_name",
    "job_title",
    "phone",
    "company_id",
    "country",
    "region",
    "city",
    "lead_source_raw",
)


def phone_key(value: str) -> str:
    """A phone number compared by its last nine digits ('+49 30 1234-5678' ~ '030 12345678')."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-9:] if len(digits) >= 6 else ""


# ---- Reads ------------------------------------------------------------------------------


def contact_duplicates(*, contact: Contact) -> QuerySet[Contact]:
    """
    Other contacts that are probably the same person: the same email in any case, or the
    same first and last name with the same phone number or the same company.
    """
    same_email = Q(email_normalized=contact.email_normalized) if contact.email_normalized else Q()
    candidates = Contact.objects.exclude(pk=contact.pk)
    ids = set(candidates.filter(same_email).values_list("pk", flat=True)) if same_email else set()
    if contact.first_name.strip() and contact.last_name.strip():
        named = candidates.annotate(f=Lower("first_name"), la=Lower("last_name")).filter(
            f=contact.first_name.strip().lower(), la=contact.last_name.strip().lower()
        )
        phone = phone_key(contact.phone)
        for pk, company_id, other_phone in named.values_list("pk", "company_id", "phone"):
            same_company = contact.company_id is not None and company_id == contact.company_id
            if same_company or (phone and phone_key(other_phone) == phone):
                ids.add(pk)
    return Contact.objects.filter(pk__in=ids).select_related("company").order_by("created_at")


def duplicate_groups(*, limit: int = 100) -> list[list[Contact]]:
    """Groups of probable duplicates across all contacts (same name, then phone or company)."""
    names = (
        Contact.objects.exclude(first_name="")
        .exclude(last_name="")
        .annotate(f=Lower("first_name"), la=Lower("last_name"))
        .values("f", "la")
        .annotate(n=models.Count("pk"))
        .filter(n__gt=1)
        .order_by("-n")[: limit * 5]
    )
    groups: list[list[Contact]] = []
    for name in names:
        people = list(
            Contact.objects.annotate(f=Lower("first_name"), la=Lower("last_name"))
            .filter(f=name["f"], la=name["la"])
            .select_related("company")
            .order_by("created_at")
        )
        seen: set[int] = set()
        for person in people:
            if person.pk in seen:
                continue
            group = [person] + [
                other
                for other in people
                if other.pk != person.pk
                and other.pk not in seen
                and (
                    (person.company_id and other.company_id == person.company_id)
                    or (
                        phone_key(person.phone)
                        and phone_key(other.phone) == phone_key(person.phone)
                    )
                )
            ]
            if len(group) > 1:
                seen.update(c.pk for c in group)
                groups.append(group)
        if len(groups) >= limit:
            break
    return groups[:limit]


# ---- The merge --------------------------------------------------------------------------


def _reverse_foreign_keys() -> list[models.ForeignKey]:
    """
    Every many-to-one field, in any installed app, that points at Contact; also those without
    a reverse accessor (related_name="+", a website visitor's), which related_objects omits.
    """
    return [
        rel.field
        for rel in Contact._meta.get_fields(include_hidden=True)
        if rel.auto_created
        and not rel.concrete
        and rel.one_to_many
        and isinstance(rel.field, models.ForeignKey)
    ]


def _merge_holders(contact_ids: list[int]) -> None:
    """
    One holder row per user among the merged contacts (contact_holder_unique): the earliest
    stays, for the move to give to the kept contact; a rep who held two of them held it first
    then.
    """
    seen: set[int] = set()
    repeated = []
    rows = ContactHolder.objects.filter(contact_id__in=contact_ids).order_by("first_held_at", "pk")
    for pk, user_id in rows.values_list("pk", "user_id"):
        if user_id in seen:
            repeated.append(pk)
        seen.add(user_id)
    ContactHolder.objects.filter(pk__in=repeated).delete()


def _fill_fields(target: Contact, duplicates: Sequence[Contact]) -> None:
    for duplicate in duplicates:  # oldest first: the first value found wins
        for name in _FILLED_FIELDS:
            if not getattr(target, name) and getattr(duplicate, name):
                setattr(target, name, getattr(duplicate, name))
        for name in STAGE_DATE_FIELDS.values():
            theirs = getattr(duplicate, name)
            if theirs is not None and (
                getattr(target, name) is None or theirs < getattr(target, name)
            ):
                setattr(target, name, theirs)
        target.created_at = min(target.created_at, duplicate.created_at)
        # Consent is never lost: an unsubscribe or do-not-contact on either one stays.
        target.unsubscribed = target.unsubscribed or duplicate.unsubscribed
        target.do_not_contact = target.do_not_contact or duplicate.do_not_contact
        target.properties = {**(duplicate.properties or {}), **(target.properties or {})}


@transaction.atomic
def contacts_merge(
    *,
    target: Contact,
    duplicates: Sequence[Contact],
    merged_by: AbstractBaseUser | None = None,
) -> ContactMerge:
    """
    Merge duplicates into target: every activity, outcome, identity, score change,
    qualification and assignment moves to target; target keeps its own values and takes the
    duplicates' where it has none (consent flags: the strictest); the duplicates are deleted;
    target is rescored once. Returns the audit record of the merge.
    """
    from contacts.signals import contacts_bulk_changed, contacts_merging

    duplicate_ids = sorted({d.pk for d in duplicates} - {target.pk})
    if not duplicate_ids:
        raise ValueError("Choose at least one other contact to merge into this one.")
    locked = {
        c.pk: c
        for c in Contact.objects.select_for_update().filter(pk__in=[target.pk, *duplicate_ids])
    }
    if len(locked) != len(duplicate_ids) + 1:
        raise ValueError("A contact to merge no longer exists.")
    target = locked[target.pk]
    others = sorted((locked[pk] for pk in duplicate_ids), key=lambda c: (c.created_at, c.pk))
    record = ContactMerge.objects.create(
        target=target,
        merged_ids=duplicate_ids,
        merged_emails=[c.email for c in others if c.email],
        merged_by=merged_by,
    )
    contacts_merging.send(sender=Contact, target_id=target.pk, duplicate_ids=duplicate_ids)
    _merge_holders([target.pk, *duplicate_ids])
    moved: dict[str, int] = {}
    for fk in _reverse_foreign_keys():
        count = fk.model._base_manager.filter(**{f"{fk.name}__in": duplicate_ids}).update(
            **{fk.name: target.pk}
        )
        if count:
            moved[fk.model._meta.label] = moved.get(fk.model._meta.label, 0) + count
    email = target.email or next((c.email for c in others if c.email), "")
    _fill_fields(target, others)
    Contact.objects.filter(pk__in=duplicate_ids).delete()
    target.email = email
    target.save()
    record.moved = moved
    record.save(update_fields=["moved"])
    # The duplicates' activities are the target's now: its scores are rebuilt from the history.
    contacts_bulk_changed.send(
        sender=Contact, contact_ids=[target.pk], reason="profile_change", rebuild=True
    )
    return record
