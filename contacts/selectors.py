"""Reads for contacts. Each returns a queryset (or a plain value) ready for a view or a report."""

from __future__ import annotations

from typing import Literal

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from contacts.models import Activity, Company, Contact, ContactHolder, Outcome
from integrations.permissions import sees_only_own_leads

OutcomeLevel = Literal["contact", "account", "either"]


def contact_list() -> QuerySet[Contact]:
    """Contacts with their company, for lists and tables."""
    return Contact.objects.select_related("company")


# Company columns company_distinct_values may read: each leads an index (contacts.models).
DISTINCT_COMPANY_COLUMNS = {"industry", "country"}


def company_distinct_values(column: str) -> list[str]:
    """
    The distinct non-empty values of a company column, sorted: filter options. A loose index
    scan (one index probe per distinct value, on the index the column leads) rather than a
    DISTINCT over every company, which read 100k rows per page view.
    """
    if column not in DISTINCT_COMPANY_COLUMNS:
        raise ValueError(f"No index serves distinct values of company.{column}")
    table = connection.ops.quote_name(Company._meta.db_table)
    name = connection.ops.quote_name(Company._meta.get_field(column).column)
    sql = (
        f"WITH RECURSIVE seen(value) AS ("
        f" SELECT MIN({name}) FROM {table} WHERE {name} > ''"
        f" UNION ALL"
        f" SELECT (SELECT MIN({name}) FROM {table} WHERE {name} > seen.value)"
        f" FROM seen WHERE seen.value IS NOT NULL"
        f") SELECT value FROM seen WHERE value IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


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
    # Only contacts with an outcome, or at a company with one, can have a latest outcome:
    # narrowed first, the latest-outcome subqueries run for those alone, not for every contact
    # (35 ms to 9 ms over 20,000 contacts with no outcome, bench scoring, JIT off).
    with_own = Q(pk__in=Outcome.objects.filter(contact__isnull=False).values("contact_id"))
    with_account = Q(
        company_id__in=Outcome.objects.filter(company__isnull=False).values("company_id")
    )
    if level == "contact":
        result, at = Subquery(own.values("result")[:1]), Subquery(own.values("decided_at")[:1])
        candidates = with_own
    elif level == "account":
        result = Subquery(account.values("result")[:1])
        at = Subquery(account.values("decided_at")[:1])
        candidates = with_account
    elif level == "either":
        result = Coalesce(
            Subquery(own.values("result")[:1]), Subquery(account.values("result")[:1])
        )
        at = Coalesce(
            Subquery(own.values("decided_at")[:1]), Subquery(account.values("decided_at")[:1])
        )
        candidates = with_own | with_account
    else:
        raise ValueError(f"Unknown outcome level {level!r}")
    return (
        Contact.objects.filter(candidates)
        .annotate(outcome_result=result, outcome_at=at)
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


# ---- Who sees what: the one visibility rule for contacts -------------------------------------


def contacts_visible_to(user, within: QuerySet[Contact] | None = None) -> QuerySet[Contact]:
    """
    The contacts this user may see, on every page and API endpoint: a sales rep sees the
    contacts of the accounts they own and the leads assigned to them now or before
    (ContactHolder); other roles see all. Anything else is a 404 for the rep. `within`
    narrows a queryset a view already built (select_related, annotations).
    """
    contacts = within if within is not None else Contact.objects.all()
    if not getattr(user, "is_authenticated", False):
        return contacts.none()
    if not sees_only_own_leads(user):
        return contacts
    held = ContactHolder.objects.filter(contact=OuterRef("pk"), user=user)
    return contacts.filter(Q(company__account_owner=user) | Exists(held))


def companies_visible_to(user, within: QuerySet[Company] | None = None) -> QuerySet[Company]:
    """Accounts the user may see: a rep's own accounts and the companies of their leads."""
    companies = within if within is not None else Company.objects.all()
    if not getattr(user, "is_authenticated", False):
        return companies.none()
    if not sees_only_own_leads(user):
        return companies
    held = ContactHolder.objects.filter(contact__company=OuterRef("pk"), user=user)
    return companies.filter(Q(account_owner=user) | Exists(held))


def activities_visible_to(user, within: QuerySet[Activity] | None = None) -> QuerySet[Activity]:
    """Activities of the contacts the user may see."""
    activities = within if within is not None else Activity.objects.all()
    if not getattr(user, "is_authenticated", False):
        return activities.none()
    if not sees_only_own_leads(user):
        return activities
    return activities.filter(contact__in=contacts_visible_to(user).values("pk"))


def contact_visible_or_404(user, pk: int, queryset: QuerySet[Contact] | None = None) -> Contact:
    """The contact if this user may see it; otherwise 404, as if it did not exist."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(contacts_visible_to(user, within=queryset), pk=pk)
