"""Contacts in bulk (the API's bulk endpoint and the CSV import): plan every row, then write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from contacts.identity import date_range_error, normalize_email
from contacts.models import (
    STAGE_DATE_FIELDS,
    Company,
    Contact,
    ContactIdentity,
    LifecycleStage,
    Outcome,
    OutcomeResult,
    normalize_domain,
)
from contacts.services.bulk import (
    COMPANY_BULK_FIELDS,
    CONTACT_BULK_FIELDS,
    LOOKUP_CHUNK,
    WRITE_BATCH,
    AtomicBatchFailed,
    CompanyPlan,
    ContactPlan,
    ContactRow,
    atomic_failed,
    batch_finish,
    domain_error,
    domains_to_companies,
    emails_to_contacts,
    field_errors,
    has_nul,
    identities_to_contacts,
    plan_company,
    retrying_conflicts,
    write_rows_or_fallback,
)
from leadscore.bulk import BulkResult, RowResult, RowStatus
from leadscore.bulk_sql import copy_insert, rows_update


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
        errors.update(field_errors(Contact, row.fields))
    if has_nul(row.properties):
        errors["properties"] = ["Properties may not contain NUL characters."]
    if row.company is not None:
        domain_problem = domain_error(row.company.get("domain", ""))
        if domain_problem:
            errors["company.domain"] = [domain_problem]
        company_fields = {k: v for k, v in row.company.items() if k != "domain"}
        unknown = set(company_fields) - COMPANY_BULK_FIELDS
        if unknown:
            errors["company"] = [f"Unknown company fields: {', '.join(sorted(unknown))}."]
        else:
            errors.update(field_errors(Company, company_fields, prefix="company."))
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
            field_errors(
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


def _plan_contacts(rows: Sequence[ContactRow], now: datetime) -> list[ContactPlan | RowResult]:
    """Validate and match every row; nothing is written."""
    planned: list[ContactPlan | RowResult] = []
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
    stored = emails_to_contacts({normalize_email(r.email) for r in valid if r.email})
    stored_ids = identities_to_contacts({(r.source, r.external_id) for r in valid if r.external_id})
    domains = {r.company["domain"] for r in valid if r.company}
    stored_companies = domains_to_companies(domains)
    company_plans: dict[str, CompanyPlan] = {}
    existing_ids = list({c.pk for c in [*stored.values(), *stored_ids.values()]})
    known_outcomes: set[tuple[int, str, datetime]] = set()
    if any(r.outcome for r in valid) and existing_ids:
        for start in range(0, len(existing_ids), LOOKUP_CHUNK):
            known_outcomes.update(
                Outcome.objects.filter(
                    contact_id__in=existing_ids[start : start + LOOKUP_CHUNK]
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
    company_plans: dict[str, CompanyPlan],
    known_outcomes: set[tuple[int, str, datetime]],
    known_results: set[tuple[int, str]],
) -> ContactPlan:
    company_plan = None
    if row.company:
        fields = {k: v for k, v in row.company.items() if k != "domain"}
        company_plan = plan_company(
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
        plan = ContactPlan(row, RowResult(row.index, RowStatus.CREATED), contact, new=True)
    else:
        plan = ContactPlan(
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


def _plan_contact_changes(plan: ContactPlan, row: ContactRow, now: datetime) -> None:
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
    plan: ContactPlan,
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


def _write_contact_plans(plans: Sequence[ContactPlan], now: datetime) -> None:
    """Write planned rows with a few bulk statements (no post_save)."""
    companies: dict[int, CompanyPlan] = {}
    for plan in plans:
        if plan.company_plan is not None:
            companies[id(plan.company_plan)] = plan.company_plan
    new_companies = [c.company for c in companies.values() if c.new and c.company._state.adding]
    for company in new_companies:
        company.domain = normalize_domain(company.domain)
        company.created_at = company.updated_at = now
    copy_insert(Company, new_companies, batch_size=WRITE_BATCH)
    dirty_companies = [c for c in companies.values() if not c.new and c.dirty]
    if dirty_companies:
        fields = sorted(set().union(*(c.dirty for c in dirty_companies)) | {"updated_at"})
        for c in dirty_companies:
            c.company.updated_at = now
        rows_update(Company, [c.company for c in dirty_companies], fields)
    for plan in plans:
        if plan.company_plan is not None:
            # Now with its pk: a company new in this batch had none when the contact was
            # planned, so new and moved contacts alike were linked to no row yet.
            plan.contact.company = plan.company_plan.company
    new_contacts = []
    for plan in plans:
        if plan.new:
            plan.contact.updated_at = now
            new_contacts.append(plan.contact)
    Contact.objects.insert_rows(new_contacts, batch_size=WRITE_BATCH)
    updated = [p for p in plans if not p.new and p.dirty]
    if updated:
        fields = sorted(set().union(*(p.dirty for p in updated)) | {"updated_at"})
        for plan in updated:
            plan.contact.updated_at = now
        Contact.objects.update_rows([p.contact for p in updated], fields)
    outcomes = []
    for plan in plans:
        if plan.outcome is not None:
            plan.outcome.contact = plan.contact
            outcomes.append(plan.outcome)
    copy_insert(Outcome, outcomes, batch_size=WRITE_BATCH)
    identities = []
    for plan in plans:
        if plan.identity is not None:
            plan.identity.contact = plan.contact
            identities.append(plan.identity)
    copy_insert(ContactIdentity, identities, batch_size=WRITE_BATCH)
    for plan in plans:
        plan.result.id = plan.contact.pk


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
    return retrying_conflicts(
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
                raise AtomicBatchFailed
            writable = [
                p
                for p in planned
                if isinstance(p, ContactPlan) and p.result.status != RowStatus.UNCHANGED
            ]

            def unsaved(items: Sequence[ContactPlan]) -> list[Any]:
                objs: list[Any] = [p.contact for p in items if p.new]
                for p in items:
                    if p.company_plan is not None and p.company_plan.new:
                        objs.append(p.company_plan.company)
                objs += [p.outcome for p in items if p.outcome is not None]
                objs += [p.identity for p in items if p.identity is not None]
                return objs

            write_rows_or_fallback(
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
            return batch_finish(result, atomic=atomic, reason="profile_change", sender=Contact)
    except AtomicBatchFailed:
        return atomic_failed(result)
