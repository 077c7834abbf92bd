"""Companies in bulk (the API's bulk endpoint and the CSV import)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from contacts.models import (
    Company,
    Contact,
    normalize_domain,
)
from contacts.services.bulk import (
    COMPANY_BULK_FIELDS,
    WRITE_BATCH,
    AtomicBatchFailed,
    CompanyPlan,
    CompanyRow,
    atomic_failed,
    batch_finish,
    domain_error,
    domains_to_companies,
    field_errors,
    plan_company,
    retrying_conflicts,
    write_rows_or_fallback,
)
from leadscore.bulk import BulkResult, RowResult, RowStatus
from leadscore.bulk_sql import copy_insert, rows_update


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
    return retrying_conflicts(
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
    planned = _checked(rows)
    try:
        with transaction.atomic():
            planned = _planned(planned)
            result.results = [p if isinstance(p, RowResult) else p.result for p in planned]
            if dry_run:
                result.committed = False
                return result
            if atomic and result.has_errors:
                raise AtomicBatchFailed
            writable = [
                p
                for p in planned
                if isinstance(p, CompanyPlan) and p.result.status != RowStatus.UNCHANGED  # type: ignore[attr-defined]
            ]
            _write(writable, now=now, retry_conflicts=retry_conflicts)
            changed = [
                p.company.pk
                for p in writable
                if not p.new and p.firmographics_changed and p.result.status != RowStatus.ERROR  # type: ignore[attr-defined]
            ]
            if changed:
                result.changed_contact_ids.update(
                    Contact.objects.filter(company_id__in=changed).values_list("pk", flat=True)
                )
            return batch_finish(result, atomic=atomic, reason="profile_change", sender=Company)
    except AtomicBatchFailed:
        return atomic_failed(result)


def _checked(rows: Sequence[CompanyRow]) -> list[RowResult | CompanyRow]:
    """Each row, or its errors: its domain and fields, and a domain given twice in the batch."""
    first_row_of: dict[str, int] = {}
    checked: list[RowResult | CompanyRow] = []
    for row in rows:
        row.domain = normalize_domain(row.domain)
        problem = domain_error(row.domain)
        errors: dict[str, list[str]] = {"domain": [problem]} if problem else {}
        unknown = set(row.fields) - COMPANY_BULK_FIELDS
        if unknown:
            errors["fields"] = [f"Unknown company fields: {', '.join(sorted(unknown))}."]
        else:
            errors.update(field_errors(Company, row.fields))
        if not errors and row.domain in first_row_of:
            errors = {
                "domain": [f"{row.domain} already appears at row {first_row_of[row.domain]}."]
            }
        if errors:
            checked.append(RowResult(row.index, RowStatus.ERROR, errors=errors))
            continue
        first_row_of[row.domain] = row.index
        checked.append(row)
    return checked


def _planned(checked: list[RowResult | CompanyRow]) -> list[RowResult | CompanyPlan]:
    """Each valid row against the stored companies, read in the transaction: its plan and status."""
    stored = domains_to_companies({r.domain for r in checked if isinstance(r, CompanyRow)})
    company_plans: dict[str, CompanyPlan] = {}
    planned: list[RowResult | CompanyPlan] = []
    for item in checked:
        if isinstance(item, RowResult):
            planned.append(item)
            continue
        plan = plan_company(item.domain, item.fields, stored, company_plans)
        status = (
            RowStatus.CREATED
            if plan.new
            else RowStatus.UPDATED
            if plan.dirty
            else RowStatus.UNCHANGED
        )
        plan.result = RowResult(item.index, status, id=plan.company.pk)  # type: ignore[attr-defined]
        planned.append(plan)
    return planned


def _write(writable: list[CompanyPlan], *, now: datetime, retry_conflicts: bool) -> None:
    """Insert the new companies, update the others' changed fields; row by row on failure."""

    def write(items: Sequence[CompanyPlan]) -> None:
        new = [p.company for p in items if p.new]
        for company in new:
            company.created_at = company.updated_at = now
        copy_insert(Company, new, batch_size=WRITE_BATCH)
        dirty = [p for p in items if not p.new and p.dirty]
        if dirty:
            fields = sorted(set().union(*(p.dirty for p in dirty)) | {"updated_at"})
            for p in dirty:
                p.company.updated_at = now
            rows_update(Company, [p.company for p in dirty], fields)
        for p in items:
            p.result.id = p.company.pk  # type: ignore[attr-defined]

    write_rows_or_fallback(
        writable,
        write,
        lambda items: [p.company for p in items if p.new],
        retry_conflicts=retry_conflicts,
    )
