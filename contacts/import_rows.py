"""
One CSV record of an import as a row for the bulk services: each cell parsed for its target,
the row's company, outcome and stage dates, or the reasons it is rejected (RowRejected) or left
out on purpose (SkipRow).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from contacts.csvfile import restored
from contacts.identity import email_domain, not_business_domain_reason
from contacts.import_mapping import IGNORE, PROPERTY
from contacts.import_values import (
    CellError,
    _key,
    enum_label,
    parse_bool,
    parse_datetime_cell,
    parse_int,
    parse_lead_source,
    parse_number,
    parse_outcome,
    parse_stage,
)
from contacts.models import ImportKind, normalize_domain
from contacts.services import CompanyRow, ContactRow

EMPTY_LOOKUP = re.compile(r"^0{15}(AAA)?$")


class _Owners:
    """Resolves an owner cell to a user by email, username or full name (cached)."""

    def __init__(self) -> None:
        self._cache: dict[str, int | None] = {}

    def __call__(self, value: str) -> int | None:
        key = value.strip().lower()
        if key not in self._cache:
            user_model = get_user_model()
            users = user_model.objects.filter(is_active=True)
            found = users.filter(email__iexact=key).values_list("pk", flat=True).first()
            found = found or users.filter(username__iexact=key).values_list("pk", flat=True).first()
            if found is None and " " in key:
                first, _, last = key.partition(" ")
                found = (
                    users.filter(first_name__iexact=first, last_name__iexact=last)
                    .values_list("pk", flat=True)
                    .first()
                )
            self._cache[key] = found
        return self._cache[key]


_BOOL_TARGETS = {"do_not_contact", "unsubscribed", "converted", "is_deleted"}
_CONTACT_FIELD_TARGETS = {
    "first_name",
    "last_name",
    "job_title",
    "phone",
    "lifecycle_stage",
    "do_not_contact",
    "unsubscribed",
    "country",
    "region",
    "city",
}
# Target -> company field, for a contacts import.
_COMPANY_FIELDS = {
    "company_name": "name",
    "industry": "industry",
    "employee_count": "employee_count",
    "annual_revenue": "annual_revenue",
    "company_country": "country",
    "company_region": "region",
    "company_city": "city",
    "account_owner_id": "account_owner_id",
}
# Columns whose value tells an open lead from a closed one (Salesforce Status, HubSpot status).
_STATUS_KEYS = {"status", "leadstatus"}


class SkipRow(Exception):
    """A row left out on purpose (deleted in its source), counted apart from rejections."""


@dataclass
class Converted:
    """A converted row and where its outcome's date came from (for the job's summary)."""

    row: ContactRow | CompanyRow
    outcome_date_from: str | None = None
    # Why the row's company was kept as properties instead of linked ('' when it was not).
    company_not_linked: str = ""


def _cell_value(target: str, raw: str, owners: _Owners) -> Any:
    """One cell as the value of its target; raises CellError."""
    if target in _BOOL_TARGETS:
        return parse_bool(raw)
    if target == "employee_count":
        return parse_int(raw)
    if target in {"annual_revenue", "amount"}:
        return parse_number(raw).quantize(Decimal("0.01"))
    if target.endswith("_at") or target.endswith("_date"):
        return parse_datetime_cell(raw)
    if target == "lead_source":
        return parse_lead_source(raw)
    if target == "lifecycle_stage":
        return parse_stage(raw)
    if target == "outcome":
        return parse_outcome(raw)
    if target == "owner":
        return owners(raw)
    if target == "industry":
        return enum_label(raw)
    return raw


def row_converter(
    columns: list[str], mapping: dict[str, str], kind: str, id_source: str = ""
) -> Callable[[int, list[str]], Converted]:
    """A function turning one CSV record into a ContactRow/CompanyRow, or raising RowRejected."""
    pairs = [
        (int(i), target, columns[int(i)] if int(i) < len(columns) else f"column {int(i) + 1}")
        for i, target in sorted(mapping.items(), key=lambda kv: int(kv[0]))
        if target != IGNORE
    ]
    status_index = next((i for i, c in enumerate(columns) if _key(c) in _STATUS_KEYS), None)
    # HubSpot exports enumeration properties by their internal codes (IN_PROGRESS): keep labels.
    labels = id_source == "hubspot"
    owners = _Owners()

    def convert(number: int, values: list[str]) -> Converted:
        _check_width(values, columns)
        data, properties = _read_cells(pairs, values, owners, labels)
        if data.pop("is_deleted", False):
            raise SkipRow
        if kind == ImportKind.COMPANIES:
            return Converted(_company_row(number, data))
        status = (
            values[status_index] if status_index is not None and status_index < len(values) else ""
        )
        return _contact_row(number, data, properties, id_source, status)

    return convert


def _check_width(values: list[str], columns: list[str]) -> None:
    """Rejects a record with values beyond the header's columns."""
    if len(values) > len(columns) and any(v.strip() for v in values[len(columns) :]):
        raise RowRejected(
            {
                "row": [
                    f"{len(values)} cells but the header has {len(columns)}: a value with "
                    "an unquoted delimiter?"
                ]
            }
        )


def _read_cells(
    pairs: list[tuple[int, str, str]], values: list[str], owners: _Owners, labels: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """
    The record's mapped values by target and its custom properties by header; raises
    RowRejected with every cell that does not parse.
    """
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    properties: dict[str, str] = {}
    for index, target, header in pairs:
        raw = restored(values[index].strip()) if index < len(values) else ""
        if not raw or EMPTY_LOOKUP.match(raw):
            continue
        if target == PROPERTY:
            properties[header] = enum_label(raw) if labels else raw
            continue
        try:
            value = _cell_value(target, raw, owners)
        except CellError as exc:
            errors.setdefault(header, []).append(str(exc))
            continue
        if target == "owner":
            if value is None:
                properties[header] = raw
            else:
                data["account_owner_id"] = value
        elif target == "lead_source":
            data["lead_source"] = value
            data["lead_source_raw"] = enum_label(raw)[:255]
        else:
            data[target] = value
    if errors:
        raise RowRejected(errors)
    return data, properties


def _company_row(number: int, data: dict[str, Any]) -> CompanyRow:
    domain = normalize_domain(data.pop("company_domain", ""))
    if not domain:
        raise RowRejected({"domain": ["A company row needs its website or domain."]})
    fields = {
        name: data[key]
        for key, name in (
            ("company_name", "name"),
            ("industry", "industry"),
            ("employee_count", "employee_count"),
            ("annual_revenue", "annual_revenue"),
            ("country", "country"),
            ("region", "region"),
            ("city", "city"),
            ("account_owner_id", "account_owner_id"),
        )
        if key in data
    }
    return CompanyRow(index=number, domain=domain, fields=fields)


def _contact_row(
    number: int, data: dict[str, Any], properties: dict[str, str], id_source: str, status: str
) -> Converted:
    company = {name: data.pop(key) for key, name in _COMPANY_FIELDS.items() if key in data}
    domain = normalize_domain(data.pop("company_domain", ""))
    email = data.pop("email", "")
    external_id = data.pop("external_id", "")
    if not email and not external_id:
        raise RowRejected(
            {"email": ["This row has neither an email nor an id (map a column to either)."]}
        )
    # Companies are matched by domain only (as in the API): the mapped one, else the email's
    # when it names an employer. A name alone could attach the lead to a namesake account.
    email_reason = "the row has no email"
    if not domain and email:
        email_reason = not_business_domain_reason(email_domain(email))
        if not email_reason:
            domain = email_domain(email)
    contact_company = None
    defaults: dict[str, Any] = {}
    not_linked = ""
    if domain:
        contact_company = {"domain": domain, **company}
        # The lead's own location seeds its account's, never overwriting it.
        defaults = {k: data[k] for k in ("country", "region", "city") if k in data}
    elif company:
        # No company to hold them: keep firmographics as properties rather than lose them,
        # and say so, since the lead is not linked to an account.
        kept = {f"company_{k}": str(v) for k, v in company.items()}
        properties.update(kept)
        what = f"Company '{company['name']}'" if "name" in company else "Company details"
        not_linked = (
            f"{what} not linked to an account: no company domain in the row and "
            f"{email_reason}. Kept as the contact's properties {', '.join(kept)}."
        )
    created_at = data.pop("created_at", None)
    modified_at = data.pop("modified_at", None)
    outcome, date_from = _outcome_of(data, status, created_at, modified_at)
    stage_dates = {k: data.pop(k) for k in list(data) if k.endswith("_at")}
    fields = {k: v for k, v in data.items() if k in _CONTACT_FIELD_TARGETS or k.startswith("lead_")}
    row = ContactRow(
        index=number,
        email=email,
        fields=fields,
        properties=properties,
        company=contact_company,
        company_defaults=defaults,
        stage_dates=stage_dates,
        outcome=outcome,
        source=id_source if external_id else "",
        external_id=external_id,
        created_at=created_at,
    )
    return Converted(row, date_from, not_linked)


def _outcome_of(
    data: dict[str, Any], status: str, created_at: Any, modified_at: Any
) -> tuple[dict[str, Any] | None, str | None]:
    """
    The row's outcome and where its date came from. Won/lost, 1/0, true/false, yes/no in an
    outcome column, or a converted flag (0 = lost, unless the row's status says it is still
    open). The date: the mapped outcome or converted date, else the row's created or modified
    date, else the time of the import.
    """
    result = data.pop("outcome", None)
    converted = data.pop("converted", None)
    converted_date = data.pop("converted_date", None)
    decided = data.pop("outcome_date", None)
    lost_reason = data.pop("lost_reason", "")
    amount = data.pop("amount", None)
    if converted is True and result in (None, "won"):
        result, decided = "won", converted_date or decided
    elif converted is False and result is None:
        try:
            still_open = bool(status.strip()) and parse_outcome(status) is None
        except CellError:
            still_open = False
        result = None if still_open else "lost"
    if result is None:
        return None, None
    date_from = "mapped"
    if decided is None:
        candidates = (("modified", modified_at), ("created", created_at))
        date_from, decided = next(
            ((k, v) for k, v in candidates if v is not None), ("import", None)
        )
    outcome = {
        "result": result,
        "decided_at": decided,
        "lost_reason": lost_reason if result == "lost" else "",
        "amount": amount,
    }
    return outcome, date_from


class RowRejected(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def error_text(errors: dict[str, list[str]] | None) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in (errors or {}).items())
