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

from contacts.models import (
    STAGE_DATE_FIELDS,
    Activity,
    ActivityKind,
    Company,
    Contact,
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
    """Create the contact with this email (matched case-insensitively) or update its fields."""
    email = email.strip()
    contact = Contact.objects.select_for_update().filter(email__iexact=email).first()
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
    """One contact to upsert. Only the fields given are written; properties are merged."""

    index: int
    email: str
    fields: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    # {"domain": ..., "name": ..., "industry": ..., "account_owner_id": ...}; matched by domain.
    company: dict[str, Any] | None = None
    # First dates of stages, e.g. {"mql_at": datetime}: kept when the contact already has one.
    stage_dates: dict[str, datetime] = field(default_factory=dict)
    # {"result": "won"|"lost", "decided_at": datetime, "lost_reason": str, "amount": Decimal}
    outcome: dict[str, Any] | None = None


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
    custom_kind: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    external_id: str = ""


class _AtomicBatchFailed(Exception):
    """Raised inside an atomic batch to roll it back once a row failed."""


CONTACT_BULK_FIELDS = {
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
    """Stored contacts by lower-cased email, found through the case-insensitive unique index."""
    from django.db.models.functions import Lower

    found: dict[str, Contact] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        qs = Contact.objects.annotate(email_lower=Lower("email")).filter(
            email_lower__in=ordered[start : start + _LOOKUP_CHUNK]
        )
        if only:
            qs = qs.only(*only)
        for contact in qs:
            found[contact.email_lower] = contact
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
    domain: str, fields: dict[str, Any], stored: dict[str, Company], planned: dict[str, Any]
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
    return plan


def _validate_contact_row(row: ContactRow) -> dict[str, list[str]]:
    from django.core.exceptions import ValidationError as DjangoValidationError
    from django.core.validators import validate_email

    errors: dict[str, list[str]] = {}
    try:
        if len(row.email) > 254:
            raise DjangoValidationError("too long")
        validate_email(row.email)
    except DjangoValidationError:
        errors["email"] = [f"'{row.email[:80]}' is not a valid email address."]
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


def _plan_contacts(rows: Sequence[ContactRow], now: datetime) -> list[_ContactPlan | RowResult]:
    """Validate and match every row; nothing is written."""
    planned: list[_ContactPlan | RowResult] = []
    valid: list[ContactRow] = []
    first_row_of: dict[str, int] = {}
    for row in rows:
        row.email = (row.email or "").strip()
        if row.company is not None:
            row.company = {**row.company, "domain": normalize_domain(row.company.get("domain"))}
        errors = _validate_contact_row(row)
        key = row.email.lower()
        if not errors and key in first_row_of:
            errors = {
                "email": [f"{row.email} already appears at row {first_row_of[key]} of this batch."]
            }
        if errors:
            planned.append(RowResult(row.index, RowStatus.ERROR, errors=errors))
            continue
        first_row_of[key] = row.index
        valid.append(row)
        planned.append(None)  # type: ignore[arg-type]
    stored = _emails_to_contacts({r.email.lower() for r in valid})
    domains = {r.company["domain"] for r in valid if r.company}
    stored_companies = _domains_to_companies(domains)
    company_plans: dict[str, _CompanyPlan] = {}
    existing_ids = [c.pk for c in stored.values()]
    known_outcomes: set[tuple[int, str, datetime]] = set()
    if any(r.outcome for r in valid) and existing_ids:
        for start in range(0, len(existing_ids), _LOOKUP_CHUNK):
            known_outcomes.update(
                Outcome.objects.filter(
                    contact_id__in=existing_ids[start : start + _LOOKUP_CHUNK]
                ).values_list("contact_id", "result", "decided_at")
            )
    slots = iter(i for i, p in enumerate(planned) if p is None)
    for row in valid:
        slot = next(slots)
        company_plan = None
        if row.company:
            fields = {k: v for k, v in row.company.items() if k != "domain"}
            company_plan = _plan_company(
                row.company["domain"], fields, stored_companies, company_plans
            )
        contact = stored.get(row.email.lower())
        if contact is None:
            contact = Contact(email=row.email, **row.fields)
            contact.properties = dict(row.properties)
            if company_plan is not None:
                contact.company = company_plan.company
            setattr(contact, STAGE_DATE_FIELDS[contact.lifecycle_stage], now)
            for name, value in row.stage_dates.items():
                if name != STAGE_DATE_FIELDS[contact.lifecycle_stage] or value:
                    setattr(contact, name, value)
            plan = _ContactPlan(row, RowResult(row.index, RowStatus.CREATED), contact, new=True)
        else:
            plan = _ContactPlan(
                row, RowResult(row.index, RowStatus.UNCHANGED, id=contact.pk), contact, new=False
            )
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
            if company_plan is not None and (
                company_plan.new or contact.company_id != company_plan.company.pk
            ):
                contact.company = company_plan.company
                plan.dirty.add("company")
            for name, value in row.stage_dates.items():
                if value is not None and getattr(contact, name) is None:
                    setattr(contact, name, value)
                    plan.dirty.add(name)
        plan.company_plan = company_plan
        if row.outcome:
            outcome_key = (contact.pk, row.outcome["result"], row.outcome["decided_at"])
            if plan.new or outcome_key not in known_outcomes:
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
        if not plan.new and (plan.dirty or plan.outcome or (company_plan and company_plan.dirty)):
            plan.result.status = RowStatus.UPDATED
        planned[slot] = plan
    return planned


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
            plan.contact.created_at = plan.contact.updated_at = now
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
    for plan in plans:
        plan.result.id = plan.contact.pk


def _db_error_message(exc: Exception) -> dict[str, list[str]]:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    if "contact_email_ci_unique" in text or "UNIQUE constraint failed: contacts_contact" in text:
        return {"email": ["A contact with this email was created at the same time; send it again."]}
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


def _finish(result: BulkResult, *, atomic: bool, reason: str, sender: type) -> BulkResult:
    """Raise to roll back an atomic batch with a failed row; announce the changed contacts."""
    from contacts.signals import contacts_bulk_changed

    if atomic and result.has_errors:
        raise _AtomicBatchFailed
    if result.changed_contact_ids:
        contacts_bulk_changed.send(
            sender=sender, contact_ids=sorted(result.changed_contact_ids), reason=reason
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
    """
    now = now or timezone.now()
    result = BulkResult()
    emails = {r.contact_email.strip().lower() for r in rows if r.contact_id is None}
    ids = {r.contact_id for r in rows if r.contact_id is not None}
    by_email = {
        e: c.pk
        for e, c in _emails_to_contacts({e for e in emails if e}, only=("id", "email")).items()
    }
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
        contact_id = row.contact_id
        if contact_id is not None:
            if contact_id not in known_ids:
                errors["contact_id"] = [f"No contact with id {contact_id}."]
        elif row.contact_email:
            contact_id = by_email.get(row.contact_email.strip().lower())
            if contact_id is None:
                errors["contact_email"] = [
                    f"No contact with email {row.contact_email[:100]}; "
                    "create it first (POST /api/v1/contacts/bulk/)."
                ]
        else:
            errors["contact_email"] = ["Give the contact's email or contact_id."]
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
        activity = Activity(
            contact_id=contact_id,
            kind=row.kind,
            custom_kind=row.custom_kind if row.kind == ActivityKind.CUSTOM else "",
            occurred_at=row.occurred_at,
            properties=row.properties or {},
            source=row.source,
            external_id=row.external_id,
            created_at=now,
        )
        item = _ActivityPlan(activity, RowResult(row.index, RowStatus.CREATED))
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
            return _finish(result, atomic=atomic, reason="new_activity", sender=Activity)
    except _AtomicBatchFailed:
        if not result.results:
            result.results = results()
        return _atomic_failed(result)


@dataclass
class _ActivityPlan:
    activity: Activity
    result: RowResult


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
