"""Writes for companies, contacts, activities and outcomes. Every function is transactional."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.identity import date_range_error, normalize_email
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

# The bulk result types live in a neutral module (integrations imports no app); re-exported
# here so `from contacts.services import BulkResult` keeps working.
from leadscore.bulk import BULK_MAX_ROWS, BulkResult, RowResult, RowStatus  # noqa: F401


@transaction.atomic
def company_upsert(*, domain: str, **fields: Any) -> tuple[Company, bool]:
    """Create the company with this domain, or update the given fields of the existing one."""
    company, created = Company.objects.update_or_create(
        domain=normalize_domain(domain), defaults=fields
    )
    return company, created


@transaction.atomic
def contact_upsert(*, email: str, **fields: Any) -> tuple[Contact, bool]:
    """Create the contact with this email (matched by its normalised form) or update it."""
    email = email.strip()
    contact = (
        Contact.objects.select_for_update()
        .filter(email_normalized=normalize_email(email))
        .exclude(email_normalized="")
        .first()
        if email
        else None
    )
    if contact is None:
        contact = Contact(email=email, **fields)
        stage = contact.lifecycle_stage
        date_field = STAGE_DATE_FIELDS[stage]
        if getattr(contact, date_field) is None:
            setattr(contact, date_field, timezone.now())
        contact.full_clean(validate_unique=False, validate_constraints=False)
        contact.save()
        return contact, True
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


# ---- Bulk writes: the API's bulk endpoints and the CSV import ------------------------------
#
# Each bulk service first plans every row (validates it, matches it to what is stored, decides
# created / updated / unchanged / error) without writing, then writes the planned rows in a few
# bulk statements inside a savepoint. Should a bulk statement still fail (a concurrent writer
# inserted the same email, say), the batch is written again row by row, each row in its own
# savepoint, so a failing row is reported and writes nothing of itself while the others land.
# bulk_create/bulk_update send no post_save: the batch announces the contacts it changed once,
# with contacts.signals.contacts_bulk_changed, and scoring rescores each of them once.

_WRITE_BATCH = 2000
_LOOKUP_CHUNK = 5000


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


class _AtomicBatchFailed(Exception):
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


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _field_errors(model: type, values: dict[str, Any], prefix: str = "") -> dict[str, list[str]]:
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


def _domain_error(domain: str) -> str | None:
    if not domain:
        return "A company needs a domain (example.com)."
    if len(domain) > 255 or " " in domain or "." not in domain or "\x00" in domain:
        return f"'{domain[:80]}' is not a web domain (example.com)."
    return None


def _emails_to_contacts(emails: set[str], *, only: tuple[str, ...] = ()) -> dict[str, Contact]:
    """Stored contacts by normalised email (give normalised emails), through the unique index."""
    found: dict[str, Contact] = {}
    ordered = sorted(e for e in emails if e)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        qs = Contact.objects.filter(email_normalized__in=ordered[start : start + _LOOKUP_CHUNK])
        if only:
            qs = qs.only(*only, "email_normalized")
        for contact in qs:
            found[contact.email_normalized] = contact
    return found


def _identities_to_contacts(
    keys: set[tuple[str, str]], *, only: tuple[str, ...] = ()
) -> dict[tuple[str, str], Contact]:
    """Stored contacts by (source, external_id)."""
    found: dict[tuple[str, str], Contact] = {}
    by_source: dict[str, list[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, []).append(external_id)
    for source, ids in by_source.items():
        ids.sort()
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            rows = ContactIdentity.objects.filter(
                source=source, external_id__in=ids[start : start + _LOOKUP_CHUNK]
            ).values_list("external_id", "contact_id")
            by_pk = dict(rows)
            qs = Contact.objects.filter(pk__in=set(by_pk.values()))
            if only:
                qs = qs.only(*only, "email_normalized")
            contacts = {c.pk: c for c in qs}
            for external_id, contact_id in by_pk.items():
                found[(source, external_id)] = contacts[contact_id]
    return found


def _domains_to_companies(domains: set[str]) -> dict[str, Company]:
    found: dict[str, Company] = {}
    ordered = sorted(domains)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        for company in Company.objects.filter(domain__in=ordered[start : start + _LOOKUP_CHUNK]):
            found[company.domain] = company
    return found


@dataclass
class _CompanyPlan:
    company: Company
    new: bool
    dirty: set[str] = field(default_factory=set)
    firmographics_changed: bool = False


@dataclass
class _ContactPlan:
    row: ContactRow
    result: RowResult
    contact: Contact
    new: bool
    dirty: set[str] = field(default_factory=set)
    company_plan: _CompanyPlan | None = None
    outcome: Outcome | None = None
    identity: ContactIdentity | None = None


def _apply_company_fields(plan: _CompanyPlan, fields: dict[str, Any]) -> None:
    company = plan.company
    for name, value in fields.items():
        if value is None or value == "":
            continue  # an empty cell never blanks what is stored
        if getattr(company, name) != value:
            setattr(company, name, value)
            plan.dirty.add(name.removesuffix("_id"))
            if name != "name" and name != "account_owner_id":
                plan.firmographics_changed = True


def _plan_company(
    domain: str,
    fields: dict[str, Any],
    stored: dict[str, Company],
    planned: dict[str, Any],
    defaults: dict[str, Any] | None = None,
) -> _CompanyPlan:
    plan = planned.get(domain)
    if plan is None:
        company = stored.get(domain)
        if company is None:
            company = Company(domain=domain, name=fields.get("name") or domain)
            plan = _CompanyPlan(company=company, new=True)
        else:
            plan = _CompanyPlan(company=company, new=False)
        planned[domain] = plan
    _apply_company_fields(plan, fields)
    if defaults:
        empty = {
            k: v for k, v in defaults.items() if k not in fields and not getattr(plan.company, k)
        }
        _apply_company_fields(plan, empty)
    return plan


def _validate_contact_row(row: ContactRow) -> dict[str, list[str]]:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    errors: dict[str, list[str]] = {}
    if row.email:
        try:
            if len(row.email) > 254:
                raise DjangoValidationError("too long")
            validate_email(row.email)
        except DjangoValidationError:
            errors["email"] = [f"'{row.email[:80]}' is not a valid email address."]
    elif not row.external_id:
        errors["email"] = ["Give the contact's email or its external_id (with its source)."]
    for name, value, limit in (("source", row.source, 100), ("external_id", row.external_id, 255)):
        if len(value) > limit:
            errors[name] = [f"At most {limit} characters."]
        elif "\x00" in value:
            errors[name] = ["Text may not contain NUL characters."]
    dates = {**row.stage_dates, "created_at": row.created_at}
    if row.outcome is not None and isinstance(row.outcome.get("decided_at"), datetime):
        dates["outcome.decided_at"] = row.outcome["decided_at"]
    for name, value in dates.items():
        problem = date_range_error(value) if isinstance(value, datetime) else None
        if problem:
            errors[name] = [problem]
    unknown = set(row.fields) - CONTACT_BULK_FIELDS
    if unknown:
        errors["fields"] = [f"Unknown contact fields: {', '.join(sorted(unknown))}."]
    else:
        errors.update(_field_errors(Contact, row.fields))
    if _has_nul(row.properties):
        errors["properties"] = ["Properties may not contain NUL characters."]
    if row.company is not None:
        domain_problem = _domain_error(row.company.get("domain", ""))
        if domain_problem:
            errors["company.domain"] = [domain_problem]
        company_fields = {k: v for k, v in row.company.items() if k != "domain"}
        unknown = set(company_fields) - COMPANY_BULK_FIELDS
        if unknown:
            errors["company"] = [f"Unknown company fields: {', '.join(sorted(unknown))}."]
        else:
            errors.update(_field_errors(Company, company_fields, prefix="company."))
    for name in row.stage_dates:
        if name not in STAGE_DATE_FIELDS.values():
            errors[name] = ["Not a stage date."]
    if row.outcome is not None:
        result = row.outcome.get("result")
        if result not in OutcomeResult.values:
            errors["outcome.result"] = [f"'{result}' is not won or lost."]
        elif result == OutcomeResult.WON and row.outcome.get("lost_reason"):
            errors["outcome.lost_reason"] = ["Only a lost outcome has a lost reason."]
        if not isinstance(row.outcome.get("decided_at"), datetime):
            errors["outcome.decided_at"] = ["An outcome needs the date it was decided."]
        errors.update(
            _field_errors(
                Outcome,
                {k: row.outcome.get(k) for k in ("lost_reason",) if row.outcome.get(k)},
                prefix="outcome.",
            )
        )
        amount = row.outcome.get("amount")
        if amount is not None and not Decimal(-(10**12)) < Decimal(amount) < Decimal(10**12):
            errors["outcome.amount"] = ["Must be below 1,000,000,000,000."]
    return errors


def _row_keys(row: ContactRow) -> list[tuple[str, ...]]:
    """The keys a row is matched by: its id in a source system, its normalised email."""
    keys: list[tuple[str, ...]] = []
    if row.external_id:
        keys.append(("id", row.source, row.external_id))
    if row.email:
        keys.append(("email", normalize_email(row.email)))
    return keys


def _plan_contacts(rows: Sequence[ContactRow], now: datetime) -> list[_ContactPlan | RowResult]:
    """Validate and match every row; nothing is written."""
    planned: list[_ContactPlan | RowResult] = []
    valid: list[ContactRow] = []
    first_row_of: dict[tuple[str, ...], int] = {}
    for row in rows:
        row.email = (row.email or "").strip()
        row.source = (row.source or "").strip()
        row.external_id = (row.external_id or "").strip()
        if row.company is not None:
            row.company = {**row.company, "domain": normalize_domain(row.company.get("domain"))}
        errors = _validate_contact_row(row)
        keys = _row_keys(row)
        repeated = next((k for k in keys if k in first_row_of), None)
        if not errors and repeated is not None:
            what = row.email if repeated[0] == "email" else f"Id {row.external_id}"
            field_name = "email" if repeated[0] == "email" else "external_id"
            errors = {
                field_name: [
                    f"{what} already appears at row {first_row_of[repeated]} of this batch."
                ]
            }
        if errors:
            planned.append(RowResult(row.index, RowStatus.ERROR, errors=errors))
            continue
        for key in keys:
            first_row_of[key] = row.index
        valid.append(row)
        planned.append(None)  # type: ignore[arg-type]
    stored = _emails_to_contacts({normalize_email(r.email) for r in valid if r.email})
    stored_ids = _identities_to_contacts(
        {(r.source, r.external_id) for r in valid if r.external_id}
    )
    domains = {r.company["domain"] for r in valid if r.company}
    stored_companies = _domains_to_companies(domains)
    company_plans: dict[str, _CompanyPlan] = {}
    existing_ids = list({c.pk for c in [*stored.values(), *stored_ids.values()]})
    known_outcomes: set[tuple[int, str, datetime]] = set()
    if any(r.outcome for r in valid) and existing_ids:
        for start in range(0, len(existing_ids), _LOOKUP_CHUNK):
            known_outcomes.update(
                Outcome.objects.filter(
                    contact_id__in=existing_ids[start : start + _LOOKUP_CHUNK]
                ).values_list("contact_id", "result", "decided_at")
            )
    known_results = {(c, r) for c, r, _ in known_outcomes}
    slots = iter(i for i, p in enumerate(planned) if p is None)
    for row in valid:
        slot = next(slots)
        by_id = stored_ids.get((row.source, row.external_id)) if row.external_id else None
        by_email = stored.get(normalize_email(row.email)) if row.email else None
        if by_id is not None and by_email is not None and by_id.pk != by_email.pk:
            planned[slot] = RowResult(
                row.index,
                RowStatus.ERROR,
                errors={
                    "external_id": [
                        f"Id {row.external_id} is contact #{by_id.pk} but {row.email} is "
                        f"contact #{by_email.pk}: merge the two first."
                    ]
                },
            )
            continue
        planned[slot] = _plan_contact_row(
            row, by_id or by_email, by_id is not None, now,
            stored_companies, company_plans, known_outcomes, known_results,
        )  # fmt: skip
    return planned


def _plan_contact_row(
    row: ContactRow,
    contact: Contact | None,
    found_by_id: bool,
    now: datetime,
    stored_companies: dict[str, Company],
    company_plans: dict[str, _CompanyPlan],
    known_outcomes: set[tuple[int, str, datetime]],
    known_results: set[tuple[int, str]],
) -> _ContactPlan:
    company_plan = None
    if row.company:
        fields = {k: v for k, v in row.company.items() if k != "domain"}
        company_plan = _plan_company(
            row.company["domain"], fields, stored_companies, company_plans, row.company_defaults
        )
    if contact is None:
        contact = Contact(email=row.email, **row.fields)
        contact.properties = dict(row.properties)
        contact.created_at = row.created_at or now
        if company_plan is not None:
            contact.company = company_plan.company
        setattr(contact, STAGE_DATE_FIELDS[contact.lifecycle_stage], row.created_at or now)
        for name, value in row.stage_dates.items():
            if name != STAGE_DATE_FIELDS[contact.lifecycle_stage] or value:
                setattr(contact, name, value)
        plan = _ContactPlan(row, RowResult(row.index, RowStatus.CREATED), contact, new=True)
    else:
        plan = _ContactPlan(
            row, RowResult(row.index, RowStatus.UNCHANGED, id=contact.pk), contact, new=False
        )
        _plan_contact_changes(plan, row, now)
    if row.external_id and not found_by_id:
        plan.identity = ContactIdentity(
            contact=contact, source=row.source, external_id=row.external_id, created_at=now
        )
    plan.company_plan = company_plan
    if (
        company_plan is not None
        and not plan.new
        and (company_plan.new or contact.company_id != company_plan.company.pk)
    ):
        contact.company = company_plan.company
        plan.dirty.add("company")
    if row.outcome:
        _plan_outcome(plan, row, known_outcomes, known_results)
    if not plan.new and (
        plan.dirty or plan.outcome or plan.identity or (company_plan and company_plan.dirty)
    ):
        plan.result.status = RowStatus.UPDATED
    return plan


def _plan_contact_changes(plan: _ContactPlan, row: ContactRow, now: datetime) -> None:
    """A stored contact's changes: given fields, a new email, merged properties, dates."""
    contact = plan.contact
    if row.email and normalize_email(row.email) != contact.email_normalized:
        contact.email = row.email
        plan.dirty.add("email")
    for name, value in row.fields.items():
        if getattr(contact, name) != value:
            setattr(contact, name, value)
            plan.dirty.add(name)
            if name == "lifecycle_stage":
                date_field = STAGE_DATE_FIELDS[value]
                if getattr(contact, date_field) is None:
                    setattr(contact, date_field, now)
                    plan.dirty.add(date_field)
    if row.properties:
        merged = {**(contact.properties or {}), **row.properties}
        if merged != contact.properties:
            contact.properties = merged
            plan.dirty.add("properties")
    for name, value in row.stage_dates.items():
        if value is not None and getattr(contact, name) is None:
            setattr(contact, name, value)
            plan.dirty.add(name)
    if row.created_at is not None and row.created_at < contact.created_at:
        contact.created_at = row.created_at
        plan.dirty.add("created_at")


def _plan_outcome(
    plan: _ContactPlan,
    row: ContactRow,
    known_outcomes: set[tuple[int, str, datetime]],
    known_results: set[tuple[int, str]],
) -> None:
    contact = plan.contact
    outcome_key = (contact.pk, row.outcome["result"], row.outcome["decided_at"])
    if not plan.new and outcome_key in known_outcomes:
        return
    # No date of its own (the import's time stands in): the same result already stored is
    # this outcome again.
    undated = row.outcome.get("undated")
    if not plan.new and undated and (contact.pk, row.outcome["result"]) in known_results:
        return
    plan.outcome = Outcome(
        contact=contact,
        result=row.outcome["result"],
        decided_at=row.outcome["decided_at"],
        lost_reason=row.outcome.get("lost_reason") or "",
        amount=row.outcome.get("amount"),
    )
    if row.outcome["result"] == OutcomeResult.WON:
        # As outcome_record(): a contact-level win makes the contact a customer.
        if contact.lifecycle_stage != LifecycleStage.CUSTOMER:
            contact.lifecycle_stage = LifecycleStage.CUSTOMER
            plan.dirty.add("lifecycle_stage")
        if contact.customer_at is None:
            contact.customer_at = row.outcome["decided_at"]
            plan.dirty.add("customer_at")


def _reset_unsaved(objs: Sequence[Any]) -> None:
    """After a rolled-back savepoint, objects it inserted are unsaved again."""
    for obj in objs:
        obj.pk = None
        obj._state.adding = True


def _write_contact_plans(plans: Sequence[_ContactPlan], now: datetime) -> None:
    """Write planned rows with a few bulk statements (no post_save)."""
    companies: dict[int, _CompanyPlan] = {}
    for plan in plans:
        if plan.company_plan is not None:
            companies[id(plan.company_plan)] = plan.company_plan
    new_companies = [c.company for c in companies.values() if c.new and c.company._state.adding]
    for company in new_companies:
        company.domain = normalize_domain(company.domain)
        company.created_at = company.updated_at = now
    Company.objects.bulk_create(new_companies, batch_size=_WRITE_BATCH)
    dirty_companies = [c for c in companies.values() if not c.new and c.dirty]
    if dirty_companies:
        fields = sorted(set().union(*(c.dirty for c in dirty_companies)) | {"updated_at"})
        for c in dirty_companies:
            c.company.updated_at = now
        Company.objects.bulk_update(
            [c.company for c in dirty_companies], fields, batch_size=_WRITE_BATCH
        )
    new_contacts = []
    for plan in plans:
        if plan.new:
            if plan.company_plan is not None:
                plan.contact.company = plan.company_plan.company  # now with its pk
            plan.contact.updated_at = now
            new_contacts.append(plan.contact)
    Contact.objects.bulk_create(new_contacts, batch_size=_WRITE_BATCH)
    updated = [p for p in plans if not p.new and p.dirty]
    if updated:
        fields = sorted(set().union(*(p.dirty for p in updated)) | {"updated_at"})
        for plan in updated:
            plan.contact.updated_at = now
        Contact.objects.bulk_update([p.contact for p in updated], fields, batch_size=_WRITE_BATCH)
    outcomes = []
    for plan in plans:
        if plan.outcome is not None:
            plan.outcome.contact = plan.contact
            outcomes.append(plan.outcome)
    Outcome.objects.bulk_create(outcomes, batch_size=_WRITE_BATCH)
    identities = []
    for plan in plans:
        if plan.identity is not None:
            plan.identity.contact = plan.contact
            identities.append(plan.identity)
    ContactIdentity.objects.bulk_create(identities, batch_size=_WRITE_BATCH)
    for plan in plans:
        plan.result.id = plan.contact.pk


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


def _write_rows_or_fallback(
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
            plan.result.id = None
            plan.result.errors = _db_error_message(exc)


def _retrying_conflicts(attempt: Any) -> BulkResult:
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


def _finish(
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
        raise _AtomicBatchFailed
    if result.changed_contact_ids:
        contacts_bulk_changed.send(
            sender=sender,
            contact_ids=sorted(result.changed_contact_ids),
            reason=reason,
            activities=list(activities),
        )
    return result


def _atomic_failed(result: BulkResult) -> BulkResult:
    result.committed = False
    for row in result.results:
        if row.status != RowStatus.ERROR:
            row.status = RowStatus.SKIPPED
            row.id = row.id if row.id is not None and row.errors is None else None
            row.errors = {"batch": ["Not written: the batch is atomic and another row failed."]}
    return result


def contacts_bulk_upsert(
    *,
    rows: Sequence[ContactRow],
    atomic: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
) -> BulkResult:
    """
    Create or update contacts by email (case-insensitive), with their companies by domain and
    any outcomes, in one transaction. Each row's result is created / updated / unchanged /
    error (with field messages); a failing row writes nothing. With atomic, one failing row
    rolls back the whole batch. With dry_run, rows are checked and matched but nothing is
    written. Changed contacts are announced once (contacts_bulk_changed) for rescoring.
    """
    now = now or timezone.now()
    return _retrying_conflicts(
        lambda retry_conflicts: _contacts_bulk_upsert_once(
            rows=rows, atomic=atomic, dry_run=dry_run, now=now, retry_conflicts=retry_conflicts
        )
    )


def _contacts_bulk_upsert_once(
    *,
    rows: Sequence[ContactRow],
    atomic: bool,
    dry_run: bool,
    now: datetime,
    retry_conflicts: bool,
) -> BulkResult:
    result = BulkResult(dry_run=dry_run, committed=not dry_run)
    try:
        with transaction.atomic():
            planned = _plan_contacts(rows, now)
            result.results = [p if isinstance(p, RowResult) else p.result for p in planned]
            if dry_run:
                return result
            if atomic and result.has_errors:
                raise _AtomicBatchFailed
            writable = [
                p
                for p in planned
                if isinstance(p, _ContactPlan) and p.result.status != RowStatus.UNCHANGED
            ]

            def unsaved(items: Sequence[_ContactPlan]) -> list[Any]:
                objs: list[Any] = [p.contact for p in items if p.new]
                for p in items:
                    if p.company_plan is not None and p.company_plan.new:
                        objs.append(p.company_plan.company)
                objs += [p.outcome for p in items if p.outcome is not None]
                objs += [p.identity for p in items if p.identity is not None]
                return objs

            _write_rows_or_fallback(
                writable,
                lambda items: _write_contact_plans(items, now),
                unsaved,
                retry_conflicts=retry_conflicts,
            )
            company_ids = set()
            for plan in writable:
                if plan.result.status == RowStatus.ERROR:
                    continue
                result.changed_contact_ids.add(plan.contact.pk)
                result.outcomes_created += plan.outcome is not None
                cp = plan.company_plan
                if cp is not None and not cp.new and cp.firmographics_changed:
                    company_ids.add(cp.company.pk)
            if company_ids:
                result.changed_contact_ids.update(
                    Contact.objects.filter(company_id__in=company_ids).values_list("pk", flat=True)
                )
            return _finish(result, atomic=atomic, reason="profile_change", sender=Contact)
    except _AtomicBatchFailed:
        return _atomic_failed(result)


def companies_bulk_upsert(
    *,
    rows: Sequence[CompanyRow],
    atomic: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
) -> BulkResult:
    """
    Create or update companies by normalised domain. Contacts of companies whose firmographics
    changed are announced for rescoring. Same row results and modes as contacts_bulk_upsert.
    """
    now = now or timezone.now()
    return _retrying_conflicts(
        lambda retry_conflicts: _companies_bulk_upsert_once(
            rows=rows, atomic=atomic, dry_run=dry_run, now=now, retry_conflicts=retry_conflicts
        )
    )


def _companies_bulk_upsert_once(
    *,
    rows: Sequence[CompanyRow],
    atomic: bool,
    dry_run: bool,
    now: datetime,
    retry_conflicts: bool,
) -> BulkResult:
    result = BulkResult(dry_run=dry_run)
    first_row_of: dict[str, int] = {}
    planned: list[Any] = []
    valid: list[CompanyRow] = []
    for row in rows:
        row.domain = normalize_domain(row.domain)
        problem = _domain_error(row.domain)
        errors: dict[str, list[str]] = {"domain": [problem]} if problem else {}
        unknown = set(row.fields) - COMPANY_BULK_FIELDS
        if unknown:
            errors["fields"] = [f"Unknown company fields: {', '.join(sorted(unknown))}."]
        else:
            errors.update(_field_errors(Company, row.fields))
        if not errors and row.domain in first_row_of:
            errors = {
                "domain": [f"{row.domain} already appears at row {first_row_of[row.domain]}."]
            }
        if errors:
            planned.append(RowResult(row.index, RowStatus.ERROR, errors=errors))
            continue
        first_row_of[row.domain] = row.index
        valid.append(row)
        planned.append(row)
    try:
        with transaction.atomic():
            stored = _domains_to_companies({r.domain for r in valid})
            company_plans: dict[str, _CompanyPlan] = {}
            for i, item in enumerate(planned):
                if isinstance(item, RowResult):
                    continue
                plan = _plan_company(item.domain, item.fields, stored, company_plans)
                status = (
                    RowStatus.CREATED
                    if plan.new
                    else RowStatus.UPDATED
                    if plan.dirty
                    else RowStatus.UNCHANGED
                )
                plan.result = RowResult(item.index, status, id=plan.company.pk)  # type: ignore[attr-defined]
                planned[i] = plan
            result.results = [p if isinstance(p, RowResult) else p.result for p in planned]
            if dry_run:
                result.committed = False
                return result
            if atomic and result.has_errors:
                raise _AtomicBatchFailed

            def write(items: Sequence[_CompanyPlan]) -> None:
                new = [p.company for p in items if p.new]
                for company in new:
                    company.created_at = company.updated_at = now
                Company.objects.bulk_create(new, batch_size=_WRITE_BATCH)
                dirty = [p for p in items if not p.new and p.dirty]
                if dirty:
                    fields = sorted(set().union(*(p.dirty for p in dirty)) | {"updated_at"})
                    for p in dirty:
                        p.company.updated_at = now
                    Company.objects.bulk_update([p.company for p in dirty], fields)
                for p in items:
                    p.result.id = p.company.pk  # type: ignore[attr-defined]

            writable = [
                p
                for p in planned
                if isinstance(p, _CompanyPlan) and p.result.status != RowStatus.UNCHANGED  # type: ignore[attr-defined]
            ]
            _write_rows_or_fallback(
                writable,
                write,
                lambda items: [p.company for p in items if p.new],
                retry_conflicts=retry_conflicts,
            )
            changed = [
                p.company.pk
                for p in writable
                if not p.new and p.firmographics_changed and p.result.status != RowStatus.ERROR  # type: ignore[attr-defined]
            ]
            if changed:
                result.changed_contact_ids.update(
                    Contact.objects.filter(company_id__in=changed).values_list("pk", flat=True)
                )
            return _finish(result, atomic=atomic, reason="profile_change", sender=Company)
    except _AtomicBatchFailed:
        return _atomic_failed(result)


def activities_bulk_record(
    *,
    rows: Sequence[ActivityRow],
    atomic: bool = False,
    now: datetime | None = None,
) -> BulkResult:
    """
    Store a batch of activities. An event whose (source, external_id) is already stored, or
    repeated in the batch, is `unchanged` and answers with the stored id; new ones are
    `created`. Unknown contacts and invalid rows are errors that write nothing. Contacts with
    new activities are announced once for rescoring (not once per activity).

    A row names its contact by contact_id, contact_email or (contact_source,
    contact_external_id). With create_contact, a contact that is not found is created from
    that email and id (once per batch, in the same transaction) instead of an error.
    """
    now = now or timezone.now()
    result = BulkResult()
    emails = {normalize_email(r.contact_email) for r in rows if r.contact_id is None}
    ids = {r.contact_id for r in rows if r.contact_id is not None}
    by_email = {
        e: c.pk
        for e, c in _emails_to_contacts({e for e in emails if e}, only=("id", "email")).items()
    }
    by_identity = {
        key: c.pk
        for key, c in _identities_to_contacts(
            {
                (r.contact_source.strip(), r.contact_external_id.strip())
                for r in rows
                if r.contact_id is None and r.contact_external_id.strip()
            },
            only=("id",),
        ).items()
    }
    to_create: dict[tuple[str, ...], ContactRow] = {}
    known_ids: set[int] = set()
    ordered_ids = sorted(i for i in ids if 0 < i <= 2**63 - 1)
    for start in range(0, len(ordered_ids), _LOOKUP_CHUNK):
        known_ids.update(
            Contact.objects.filter(pk__in=ordered_ids[start : start + _LOOKUP_CHUNK]).values_list(
                "pk", flat=True
            )
        )
    external = sorted({r.external_id for r in rows if r.external_id})
    stored_events: dict[tuple[str, str], int] = {}
    for start in range(0, len(external), _LOOKUP_CHUNK):
        for pk, source, external_id in Activity.objects.filter(
            external_id__in=external[start : start + _LOOKUP_CHUNK]
        ).values_list("pk", "source", "external_id"):
            stored_events[(source, external_id)] = pk
    kinds = set(ActivityKind.values)
    planned: list[Any] = []
    batch_events: dict[tuple[str, str], Any] = {}
    for row in rows:
        errors: dict[str, list[str]] = {}
        contact_id: Any = row.contact_id
        if contact_id is not None:
            if contact_id not in known_ids:
                errors["contact_id"] = [f"No contact with id {contact_id}."]
        elif row.contact_email or row.contact_external_id.strip():
            contact_id, errors = _activity_contact(row, by_email, by_identity, to_create)
        else:
            errors["contact_email"] = [
                "Give the contact's email, contact_id or contact_external_id."
            ]
        problem = (
            date_range_error(row.occurred_at) if isinstance(row.occurred_at, datetime) else None
        )
        if problem:
            errors["occurred_at"] = [problem]
        if row.kind not in kinds:
            errors["kind"] = [f"'{row.kind[:50]}' is not one of: {', '.join(sorted(kinds))}."]
        elif row.kind == ActivityKind.CUSTOM and not row.custom_kind:
            errors["custom_kind"] = ["A custom activity needs its name in custom_kind."]
        for name, limit in (("custom_kind", 100), ("source", 100), ("external_id", 255)):
            value = getattr(row, name)
            if len(value) > limit:
                errors[name] = [f"At most {limit} characters."]
            elif "\x00" in value:
                errors[name] = ["Text may not contain NUL characters."]
        if not isinstance(row.properties, dict) or _has_nul(row.properties):
            errors["properties"] = ["An object without NUL characters."]
        if errors:
            planned.append(RowResult(row.index, RowStatus.ERROR, errors=errors))
            continue
        key = (row.source, row.external_id)
        if row.external_id and key in stored_events:
            planned.append(RowResult(row.index, RowStatus.UNCHANGED, id=stored_events[key]))
            continue
        if row.external_id and key in batch_events:
            # The same event twice in one batch: stored once, both rows answer with its id.
            planned.append(("same", row.index, batch_events[key]))
            continue
        create_key = contact_id if isinstance(contact_id, tuple) else None
        activity = Activity(
            contact_id=None if create_key else contact_id,
            kind=row.kind,
            custom_kind=row.custom_kind if row.kind == ActivityKind.CUSTOM else "",
            occurred_at=row.occurred_at,
            properties=row.properties or {},
            source=row.source,
            external_id=row.external_id,
            created_at=now,
        )
        item = _ActivityPlan(activity, RowResult(row.index, RowStatus.CREATED), create_key)
        if row.external_id:
            batch_events[key] = item
        planned.append(item)

    def results() -> list[RowResult]:
        out = []
        for p in planned:
            if isinstance(p, RowResult):
                out.append(p)
            elif isinstance(p, tuple):
                first = p[2].result
                if first.status == RowStatus.ERROR:
                    out.append(RowResult(p[1], RowStatus.ERROR, errors=first.errors))
                else:
                    out.append(RowResult(p[1], RowStatus.UNCHANGED, id=first.id))
            else:
                out.append(p.result)
        return out

    try:
        with transaction.atomic():
            if atomic and any(isinstance(p, RowResult) and p.errors for p in planned):
                result.results = results()
                raise _AtomicBatchFailed
            new = [p for p in planned if isinstance(p, _ActivityPlan)]
            new = _create_activity_contacts(new, to_create, atomic=atomic, now=now)

            def write(items: Sequence[_ActivityPlan]) -> None:
                Activity.objects.bulk_create([p.activity for p in items], batch_size=_WRITE_BATCH)
                for p in items:
                    p.result.id = p.activity.pk

            _write_rows_or_fallback(new, write, lambda items: [p.activity for p in items])
            # A re-sent event that lost a race to a concurrent insert is the stored one.
            for p in new:
                if p.result.status == RowStatus.ERROR and p.activity.external_id:
                    stored = Activity.objects.filter(
                        source=p.activity.source, external_id=p.activity.external_id
                    ).values_list("pk", flat=True)
                    if stored:
                        p.result = RowResult(p.result.index, RowStatus.UNCHANGED, id=stored[0])
            written = [p for p in new if p.result.status == RowStatus.CREATED]
            unsubscribed = {
                p.activity.contact_id
                for p in written
                if p.activity.kind == ActivityKind.UNSUBSCRIBE
            }
            if unsubscribed:
                Contact.objects.filter(pk__in=unsubscribed, unsubscribed=False).update(
                    unsubscribed=True, updated_at=now
                )
            result.changed_contact_ids = {p.activity.contact_id for p in written}
            result.results = results()
            return _finish(
                result,
                atomic=atomic,
                reason="new_activity",
                sender=Activity,
                activities=[p.activity for p in written],
            )
    except _AtomicBatchFailed:
        if not result.results:
            result.results = results()
        return _atomic_failed(result)


@dataclass
class _ActivityPlan:
    activity: Activity
    result: RowResult
    # The key of the contact to create for it (create_contact), else None.
    create_key: tuple[str, ...] | None = None


def _activity_contact(
    row: ActivityRow,
    by_email: dict[str, int],
    by_identity: dict[tuple[str, str], int],
    to_create: dict[tuple[str, ...], ContactRow],
) -> tuple[Any, dict[str, list[str]]]:
    """The contact id an activity row names by email or external id, or the key to create."""
    source, external_id = row.contact_source.strip(), row.contact_external_id.strip()
    email_key = normalize_email(row.contact_email)
    found_by_id = by_identity.get((source, external_id)) if external_id else None
    found_by_email = by_email.get(email_key) if email_key else None
    if found_by_id and found_by_email and found_by_id != found_by_email:
        return None, {
            "contact_external_id": [
                f"Id {external_id[:100]} and email {row.contact_email[:100]} are two contacts."
            ]
        }
    if found_by_id or found_by_email:
        return found_by_id or found_by_email, {}
    if row.create_contact:
        key = ("id", source, external_id) if external_id else ("email", email_key)
        to_create.setdefault(
            key,
            ContactRow(
                index=row.index,
                email=row.contact_email.strip(),
                source=source,
                external_id=external_id,
            ),
        )
        return key, {}
    what = f"id {external_id[:100]}" if external_id else f"email {row.contact_email[:100]}"
    field_name = "contact_external_id" if external_id else "contact_email"
    return None, {
        field_name: [
            f"No contact with {what}; create it first (POST /api/v1/contacts/bulk/) "
            "or send create_contact: true."
        ]
    }


def _create_activity_contacts(
    plans: list[_ActivityPlan],
    to_create: dict[tuple[str, ...], ContactRow],
    *,
    atomic: bool,
    now: datetime,
) -> list[_ActivityPlan]:
    """Create the contacts rows asked for (create_contact); rows whose contact fails fail."""
    wanted = {p.create_key for p in plans if p.create_key is not None}
    if not wanted:
        return plans
    contact_rows = [row for key, row in to_create.items() if key in wanted]
    created = contacts_bulk_upsert(rows=contact_rows, now=now)
    outcome = {
        key: result for (key, _), result in zip(
            [(k, r) for k, r in to_create.items() if k in wanted], created.results, strict=True
        )
    }  # fmt: skip
    kept = []
    for plan in plans:
        if plan.create_key is None:
            kept.append(plan)
            continue
        made = outcome[plan.create_key]
        if made.status == RowStatus.ERROR:
            plan.result.status = RowStatus.ERROR
            plan.result.errors = {f"contact.{k}": v for k, v in (made.errors or {}).items()}
            if atomic:
                raise _AtomicBatchFailed
            continue
        plan.activity.contact_id = made.id
        kept.append(plan)
    return kept


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
