"""Writes of one company, contact, activity or outcome at a time, and who holds a lead."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.identity import normalize_email
from contacts.models import (
    STAGE_DATE_FIELDS,
    Activity,
    ActivityKind,
    Company,
    Contact,
    ContactIdentity,
    LifecycleStage,
    Outcome,
    OutcomeResult,
    normalize_domain,
)


@transaction.atomic
def company_upsert(*, domain: str, **fields: Any) -> tuple[Company, bool]:
    """Create the company with this domain, or update the given fields of the existing one."""
    company, created = Company.objects.update_or_create(
        domain=normalize_domain(domain), defaults=fields
    )
    return company, created


@transaction.atomic
def contact_upsert(*, email: str, **fields: Any) -> tuple[Contact, bool]:
    """
    Create the contact with this email (matched by its normalised form) or update it. Two
    requests creating the same new email at once (a double-clicked form) end as one contact:
    the one that loses the race updates the winner's.
    """
    email = email.strip()

    def existing() -> Contact | None:
        if not email:
            return None
        return (
            Contact.objects.select_for_update()
            .filter(email_normalized=normalize_email(email))
            .exclude(email_normalized="")
            .first()
        )

    contact = existing()
    if contact is None:
        contact = Contact(email=email, **fields)
        stage = contact.lifecycle_stage
        date_field = STAGE_DATE_FIELDS[stage]
        if getattr(contact, date_field) is None:
            setattr(contact, date_field, timezone.now())
        contact.full_clean(validate_unique=False, validate_constraints=False)
        try:
            # A savepoint: losing the race to a concurrent insert leaves the caller's
            # transaction usable, and the winner's row is then updated instead.
            with transaction.atomic():
                contact.save()
            return contact, True
        except IntegrityError:
            contact = existing()
            if contact is None:
                raise
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean(validate_unique=False, validate_constraints=False)
    contact.save()
    return contact, False


@transaction.atomic
def contact_identity_add(*, contact: Contact, source: str, external_id: str) -> ContactIdentity:
    """
    Record that a contact has this id in a source system (e.g. a website visitor id once the
    visitor identifies). Idempotent; an id that already belongs to another contact raises
    ValueError (merge the two contacts instead).
    """
    source, external_id = source.strip(), external_id.strip()
    if not external_id:
        raise ValueError("An identity needs its external id.")
    identity, _ = ContactIdentity.objects.get_or_create(
        source=source, external_id=external_id, defaults={"contact": contact}
    )
    if identity.contact_id != contact.pk:
        raise ValueError(
            f"{source or 'id'} {external_id} belongs to contact #{identity.contact_id}; "
            "merge the two contacts instead."
        )
    return identity


@transaction.atomic
def contact_set_stage(
    *, contact: Contact, stage: LifecycleStage | str, at: datetime | None = None
) -> Contact:
    """Move a contact to a lifecycle stage, keeping the date that stage was first reached."""
    stage = LifecycleStage(stage)
    at = at or timezone.now()
    contact.lifecycle_stage = stage
    update_fields = ["lifecycle_stage", "updated_at"]
    date_field = STAGE_DATE_FIELDS[stage]
    if getattr(contact, date_field) is None:
        setattr(contact, date_field, at)
        update_fields.append(date_field)
    contact.save(update_fields=update_fields)
    return contact


@transaction.atomic
def activity_record(
    *,
    contact: Contact,
    kind: ActivityKind | str,
    occurred_at: datetime,
    properties: dict[str, Any] | None = None,
    custom_kind: str = "",
    source: str = "",
    external_id: str = "",
) -> tuple[Activity, bool]:
    """
    Store an activity once. An event re-sent with the same (source, external_id) returns the
    stored activity and False instead of a duplicate.
    """
    kind = ActivityKind(kind)
    if external_id:
        existing = Activity.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing, False
    activity = Activity(
        contact=contact,
        kind=kind,
        custom_kind=custom_kind if kind == ActivityKind.CUSTOM else "",
        occurred_at=occurred_at,
        properties=properties or {},
        source=source,
        external_id=external_id,
    )
    activity.full_clean(exclude=["contact"], validate_unique=False, validate_constraints=False)
    try:
        # A savepoint, so losing a race to a concurrent insert of the same event is recoverable.
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        if not external_id:
            raise
        return Activity.objects.get(source=source, external_id=external_id), False
    if kind == ActivityKind.UNSUBSCRIBE and not contact.unsubscribed:
        contact.unsubscribed = True
        contact.save(update_fields=["unsubscribed", "updated_at"])
    return activity, True


@transaction.atomic
def outcome_record(
    *,
    result: OutcomeResult | str,
    decided_at: datetime,
    contact: Contact | None = None,
    company: Company | None = None,
    lost_reason: str = "",
    amount: Decimal | None = None,
    recorded_by: AbstractBaseUser | None = None,
) -> Outcome:
    """
    Record that a contact, or a whole account, was won or lost. A contact-level win also makes
    the contact a customer (first reached on the decision date).
    """
    result = OutcomeResult(result)
    if (contact is None) == (company is None):
        raise ValueError("An outcome is recorded on either a contact or a company, not both.")
    if result == OutcomeResult.WON and lost_reason:
        raise ValueError("Only a lost outcome has a lost reason.")
    outcome = Outcome.objects.create(
        contact=contact,
        company=company,
        result=result,
        decided_at=decided_at,
        lost_reason=lost_reason,
        amount=amount,
        recorded_by=recorded_by,
    )
    if contact is not None and result == OutcomeResult.WON:
        contact_set_stage(contact=contact, stage=LifecycleStage.CUSTOMER, at=decided_at)
    return outcome


# ---- Who holds a lead (written by routing) -------------------------------------------------


def contact_holder_record(*, contact_id: int, user_id: int, at: datetime) -> None:
    """
    Remember that a lead was given to a user (routing calls this when it assigns, reassigns or
    escalates): a rep keeps seeing the leads they were given. Idempotent.
    """
    from contacts.models import ContactHolder

    ContactHolder.objects.bulk_create(
        [ContactHolder(contact_id=contact_id, user_id=user_id, first_held_at=at)],
        ignore_conflicts=True,
    )
