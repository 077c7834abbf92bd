"""Reads for contacts. Each returns a queryset (or a plain value) ready for a view or a report."""

from __future__ import annotations

from typing import Literal

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from contacts.models import Activity, Contact, Outcome

OutcomeLevel = Literal["contact", "account", "either"]


def contact_list() -> QuerySet[Contact]:
    """Contacts with their company, for lists and tables."""
    return Contact.objects.select_related("company")


def contact_timeline(*, contact: Contact) -> QuerySet[Activity]:
    """A contact's activities, newest first."""
    return Activity.objects.filter(contact=contact).order_by("-occurred_at", "-id")


def contacts_with_outcome(*, level: OutcomeLevel = "either") -> QuerySet[Contact]:
    """
    Contacts annotated with `outcome_result` and `outcome_at`: their latest outcome at the
    chosen level, and only those that have one.

    - "contact": outcomes recorded on the contact itself;
    - "account": outcomes recorded on the contact's company;
    - "either": the contact's own outcome, falling back to its account's.
    """
    own = Outcome.objects.filter(contact=OuterRef("pk")).order_by("-decided_at", "-id")
    account = Outcome.objects.filter(company=OuterRef("company_id")).order_by("-decided_at", "-id")
    if level == "contact":
        result, at = Subquery(own.values("result")[:1]), Subquery(own.values("decided_at")[:1])
    elif level == "account":
        result = Subquery(account.values("result")[:1])
        at = Subquery(account.values("decided_at")[:1])
    elif level == "either":
        result = Coalesce(
            Subquery(own.values("result")[:1]), Subquery(account.values("result")[:1])
        )
        at = Coalesce(
            Subquery(own.values("decided_at")[:1]), Subquery(account.values("decided_at")[:1])
        )
    else:
        raise ValueError(f"Unknown outcome level {level!r}")
    return (
        Contact.objects.annotate(outcome_result=result, outcome_at=at)
        .filter(outcome_result__isnull=False)
        .select_related("company")
    )


def contact_latest_outcome(*, contact: Contact) -> Outcome | None:
    """The contact's own latest outcome, else its account's, else None."""
    own = contact.outcomes.order_by("-decided_at", "-id").first()
    if own is not None or contact.company_id is None:
        return own
    return (
        Outcome.objects.filter(company_id=contact.company_id).order_by("-decided_at", "-id").first()
    )


def contact_find(*, email: str = "", source: str = "", external_id: str = "") -> Contact | None:
    """
    The contact with this id in a source system (a website visitor id, a CRM id), else the one
    with this email (compared in its normalised form), else None.
    """
    from contacts.identity import normalize_email

    if external_id:
        found = (
            Contact.objects.filter(identities__source=source, identities__external_id=external_id)
            .select_related("company")
            .first()
        )
        if found is not None:
            return found
    key = normalize_email(email)
    if not key:
        return None
    return Contact.objects.filter(email_normalized=key).select_related("company").first()
