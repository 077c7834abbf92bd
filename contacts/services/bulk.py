"""What the bulk writes share: row types, validation, lookups, and writing a planned batch
with a row-by-row fallback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from contacts.models import (
    Activity,
    Company,
    Contact,
    ContactIdentity,
    Outcome,
)
from leadscore.bulk import BulkResult, RowResult, RowStatus

# ---- Bulk writes: the API's bulk endpoints and the CSV import ------------------------------
#
# Each bulk service first plans every row (validates it, matches it to what is stored, decides
# created / updated / unchanged / error) without writing, then writes the planned rows in a few
# bulk statements inside a savepoint. Should a bulk statement still fail (a concurrent writer
# inserted the same email, say), the batch is written again row by row, each row in its own
# savepoint, so a failing row is reported and writes nothing of itself while the others land.
# bulk_create/bulk_update send no post_save: the batch announces the contacts it changed once,
# with contacts.signals.contacts_bulk_changed, and scoring rescores each of them once.

WRITE_BATCH = 2000
LOOKUP_CHUNK = 5000


@dataclass
class ContactRow:
    """
    One contact to upsert. Only the fields given are written; properties are merged.

    Found by (source, external_id) when given, else by email; at least one is needed. An id
    not yet known is attached to the contact the email finds.
    """

    index: int
    email: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    # {"domain": ..., "name": ..., "industry": ..., "account_owner_id": ...}; matched by domain.
    company: dict[str, Any] | None = None
    # First dates of stages, e.g. {"mql_at": datetime}: kept when the contact already has one.
    stage_dates: dict[str, datetime] = field(default_factory=dict)
    # {"result": "won"|"lost", "decided_at": datetime, "lost_reason": str, "amount": Decimal,
    #  "undated": True when decided_at only stands in for a date the source did not give}
    outcome: dict[str, Any] | None = None
    # The contact's id in a source system (HubSpot Record ID, Salesforce Id, a lead id...).
    source: str = ""
    external_id: str = ""
    # When the lead was created in its source system (a new contact's created_at; an earlier
    # date also moves a stored contact's).
    created_at: datetime | None = None
    # Company fields written only where the stored company has none (a lead's own location
    # seeds a new account's, but never overwrites it).
    company_defaults: dict[str, Any] = field(default_factory=dict)


@dataclass
class CompanyRow:
    """One company to upsert, matched by its normalised domain."""

    index: int
    domain: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class ActivityRow:
    """One event; its contact is given by id or by email (matched case-insensitively)."""

    index: int
    kind: str
    occurred_at: datetime
    contact_id: int | None = None
    contact_email: str = ""
    # Or the contact's id in a source system.
    contact_source: str = ""
    contact_external_id: str = ""
    # Create the contact (from its email and/or id) when none is found, instead of an error.
    create_contact: bool = False
    custom_kind: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    external_id: str = ""


class AtomicBatchFailed(Exception):
    """Raised inside an atomic batch to roll it back once a row failed."""


CONTACT_BULK_FIELDS = {
    "lead_source_raw",
    "country",
    "region",
    "city",
    "first_name",
    "last_name",
    "job_title",
    "phone",
    "lead_source",
    "lifecycle_stage",
    "do_not_contact",
    "unsubscribed",
}
COMPANY_BULK_FIELDS = {
    "name",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "region",
    "city",
    "technologies",
    "account_owner_id",
}
_INT_MAX = 2_147_483_647


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False


def field_errors(model: type, values: dict[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """Lengths, choices and ranges of model fields: what the database would otherwise refuse."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        key = f"{prefix}{name}"
        if value is None:
            continue
        model_field = model._meta.get_field(name.removesuffix("_id"))
        if isinstance(value, str):
            if "\x00" in value:
                errors[key] = ["Text may not contain NUL characters."]
            elif model_field.max_length and len(value) > model_field.max_length:
                errors[key] = [
                    f"At most {model_field.max_length} characters (this has {len(value)})."
                ]
            elif model_field.choices and value not in {str(c[0]) for c in model_field.choices}:
                allowed = ", ".join(str(c[0]) for c in model_field.choices)
                errors[key] = [f"'{value[:50]}' is not one of: {allowed}."]
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not 0 <= value <= _INT_MAX:
            errors[key] = [f"Must be between 0 and {_INT_MAX}."]
        elif (
            isinstance(value, Decimal | float)
            and name == "annual_revenue"
            and not Decimal(-(10**14)) < Decimal(value) < Decimal(10**14)
        ):
            errors[key] = ["Must be below 100,000,000,000,000."]
    return errors


def domain_error(domain: str) -> str | None:
    if not domain:
        return "A company needs a domain (example.com)."
    if len(domain) > 255 or " " in domain or "." not in domain or "\x00" in domain:
        return f"'{domain[:80]}' is not a web domain (example.com)."
    return None


def emails_to_contacts(emails: set[str], *, only: tuple[str, ...] = ()) -> dict[str, Contact]:
    """Stored contacts by normalised email (give normalised emails), through the unique index."""
    found: dict[str, Contact] = {}
    ordered = sorted(e for e in emails if e)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        qs = Contact.objects.filter(email_normalized__in=ordered[start : start + LOOKUP_CHUNK])
        if only:
            qs = qs.only(*only, "email_normalized")
        for contact in qs:
            found[contact.email_normalized] = contact
    return found


def identities_to_contacts(
    keys: set[tuple[str, str]], *, only: tuple[str, ...] = ()
) -> dict[tuple[str, str], Contact]:
    """Stored contacts by (source, external_id)."""
    found: dict[tuple[str, str], Contact] = {}
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    for source, ids in by_source.items():
        ids.sort()
        for start in range(0, len(ids), LOOKUP_CHUNK):
            rows = ContactIdentity.objects.filter(
                source=source, external_id__in=ids[start : start + LOOKUP_CHUNK]
            ).values_list("external_id", "contact_id")
            by_pk = dict(rows)
            qs = Contact.objects.filter(pk__in=set(by_pk.values()))
            if only:
                qs = qs.only(*only, "email_normalized")
            contacts = {c.pk: c for c in qs}
            for external_id, contact_id in by_pk.items():
                found[(source, external_id)] = contacts[contact_id]
    return found


def domains_to_companies(domains: set[str]) -> dict[str, Company]:
    found: dict[str, Company] = {}
    ordered = sorted(domains)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        for company in Company.objects.filter(domain__in=ordered[start : start + LOOKUP_CHUNK]):
            found[company.domain] = company
    return found


@dataclass
class CompanyPlan:
    company: Company
    new: bool
    dirty: set[str] = field(default_factory=set)
    firmographics_changed: bool = False


@dataclass
class ContactPlan:
    row: ContactRow
    result: RowResult
    contact: Contact
    new: bool
    dirty: set[str] = field(default_factory=set)
    company_plan: CompanyPlan | None = None
    outcome: Outcome | None = None
    identity: ContactIdentity | None = None


def _apply_company_fields(plan: CompanyPlan, fields: dict[str, Any]) -> None:
    company = plan.company
    for name, value in fields.items():
        if value is None or value == "":
            continue  # an empty cell never blanks what is stored
        if getattr(company, name) != value:
            setattr(company, name, value)
            plan.dirty.add(name.removesuffix("_id"))
            if name != "name" and name != "account_owner_id":
                plan.firmographics_changed = True


def plan_company(
    domain: str,
    fields: dict[str, Any],
    stored: dict[str, Company],
    planned: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> CompanyPlan:
    plan = planned.get(domain)
    if plan is None:
        company = stored.get(domain)
        if company is None:
            company = Company(domain=domain, name=fields.get("name") or domain)
            plan = CompanyPlan(company=company, new=True)
        else:
            plan = CompanyPlan(company=company, new=False)
        planned[domain] = plan
    _apply_company_fields(plan, fields)
    if defaults:
        empty = {
            k: v for k, v in defaults.items() if k not in fields and not getattr(plan.company, k)
        }
        _apply_company_fields(plan, empty)
    return plan


def _reset_unsaved(objs: Sequence[Any]) -> None:
    """After a rolled-back savepoint, objects it inserted are unsaved again."""
    for obj in objs:
        obj.pk = None
        obj._state.adding = True


def _db_error_message(exc: Exception) -> dict[str, list[str]]:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    if "contact_email_normalized_unique" in text or "contacts_contact.email_normalized" in text:
        return {"email": ["A contact with this email was created at the same time; send it again."]}
    if "contact_identity_source_id_unique" in text or "contacts_contactidentity" in text:
        return {
            "external_id": ["A contact with this id was created at the same time; send it again."]
        }
    return {"row": [f"The database refused this row: {text[:300]}"]}


class _ConcurrentInsert(Exception):
    """A row lost a race to a concurrent writer (same email or domain): plan the batch again."""


# Times a batch is planned and written again after losing a race, before a row is reported.
_CONFLICT_RETRIES = 3


def write_rows_or_fallback(
    plans: Sequence[Any],
    write: Any,
    unsaved: Any,
    *,
    retry_conflicts: bool = False,
) -> None:
    """
    Write all plans in one savepoint; if that fails, row by row, each in its own savepoint.
    With retry_conflicts, a row refused by a unique constraint (another batch inserted the
    same email or domain since this one was planned) raises _ConcurrentInsert instead of
    becoming a row error: the caller rolls back and plans again, now seeing the stored row.
    """
    from django.db import DataError

    if not plans:
        return
    try:
        with transaction.atomic():
            write(plans)
        return
    except (IntegrityError, DataError):
        _reset_unsaved(unsaved(plans))
    for plan in plans:
        try:
            with transaction.atomic():
                write([plan])
        except (IntegrityError, DataError) as exc:
            _reset_unsaved(unsaved([plan]))
            if retry_conflicts and isinstance(exc, IntegrityError):
                raise _ConcurrentInsert from exc
            plan.result.status = RowStatus.ERROR
            plan.result.id = plan.result.written = None
            plan.result.errors = _db_error_message(exc)


def retrying_conflicts(attempt: Any) -> BulkResult:
    """
    Run attempt(retry_conflicts=...) until no row lost a race; the last try reports such a
    row as an error. Identical batches sent at the same time thus answer created / updated,
    never "created at the same time".
    """
    for _ in range(_CONFLICT_RETRIES):
        try:
            return attempt(retry_conflicts=True)
        except _ConcurrentInsert:
            continue
    return attempt(retry_conflicts=False)


def batch_finish(
    result: BulkResult,
    *,
    atomic: bool,
    reason: str,
    sender: type,
    activities: Sequence[Activity] = (),
) -> BulkResult:
    """
    Raise to roll back an atomic batch with a failed row; announce the changed contacts (and
    the new activities) inside the transaction, so scores are written with the data.
    """
    from contacts.signals import contacts_bulk_changed

    if atomic and result.has_errors:
        raise AtomicBatchFailed
    if result.changed_contact_ids:
        contacts_bulk_changed.send(
            sender=sender,
            contact_ids=sorted(result.changed_contact_ids),
            reason=reason,
            activities=list(activities),
        )
    return result


def atomic_failed(result: BulkResult) -> BulkResult:
    result.committed = False
    for row in result.results:
        row.written = None  # rolled back
        if row.status != RowStatus.ERROR:
            row.status = RowStatus.SKIPPED
            row.id = row.id if row.id is not None and row.errors is None else None
            row.errors = {"batch": ["Not written: the batch is atomic and another row failed."]}
    return result
