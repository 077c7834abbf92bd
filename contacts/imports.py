"""
CSV import of contacts (with their companies and outcomes) or companies.

Takes exports as they come from HubSpot ("all contacts") and Salesforce (Leads): quoted
columns, `;` or `,` (sniffed), UTF-8 with or without a BOM (else Windows-1252), 0/1 and
true/false booleans, `YYYY-MM-DD HH:MM:SS` datetimes (UTC unless they say otherwise), empty
Salesforce lookups (`000000000000000AAA`), non-ASCII column names. Known columns map to fields
automatically; every other non-empty cell becomes a custom property named after its column.

The file is streamed in batches of rows through contacts.services.contacts_bulk_upsert (or
companies_bulk_upsert): memory stays flat whatever the file's size, every batch commits on its
own and announces its contacts once for rescoring. Rejected rows are written, as they were,
to a CSV with an `error` column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from contacts.csvfile import (
    CsvFileError,
    CsvFormat,
    RejectedWriter,
    csv_check,
    csv_records,
    csv_sniff,
)
from contacts.identity import is_business_domain, normalize_email
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
from contacts.models import (
    ImportJob,
    ImportKind,
    ImportStatus,
    LifecycleStage,
    normalize_domain,
)
from contacts.services import (
    CompanyRow,
    ContactRow,
    RowResult,
    RowStatus,
    companies_bulk_upsert,
    contacts_bulk_upsert,
)
from leadscore.batch_gc import fewer_collections
from leadscore.on_commit import BROKER_REFUSED, enqueue_safely

BATCH_ROWS = 2000
SAMPLE_ROWS = 5  # sample rows kept per result for the dry run's report
# Re-exported for views, commands and predictive_from_csv.
__all__ = ["CellError", "CsvFileError", "CsvFormat", "csv_sniff", "parse_datetime_cell"]

# ---- Where uploaded files and rejected rows live -----------------------------------------


def import_dir() -> Path:
    """Uploaded files and rejected rows; shared by web and worker (IMPORT_DIR)."""
    path = Path(os.environ.get("IMPORT_DIR") or settings.BASE_DIR / "var" / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---- Targets: what a column can map to ---------------------------------------------------

IGNORE, PROPERTY = "ignore", "property"

CONTACT_TARGETS: dict[str, str] = {
    "email": "Email",
    "external_id": "Id in the source system (HubSpot Record ID, Salesforce Id, lead id)",
    "first_name": "First name",
    "last_name": "Last name",
    "job_title": "Job title",
    "phone": "Phone",
    "lead_source": "Lead source",
    "lifecycle_stage": "Lifecycle stage",
    "do_not_contact": "Do not contact (0/1)",
    "unsubscribed": "Unsubscribed (0/1)",
    "country": "Country",
    "region": "Region / state",
    "city": "City",
    "created_at": "Created date (becomes the lead's created date)",
    "modified_at": "Last modified date (outcome date when none is mapped)",
    "is_deleted": "Deleted in the source (1 = skip the row)",
    "company_name": "Company name",
    "company_domain": "Company website / domain",
    "industry": "Company industry",
    "employee_count": "Company employees",
    "annual_revenue": "Company annual revenue",
    "company_country": "Company country",
    "company_region": "Company region / state",
    "company_city": "Company city",
    "owner": "Owner (user email, username or name)",
    "outcome": "Outcome: won / lost (also 1/0, true/false, yes/no)",
    "outcome_date": "Outcome: decided on",
    "converted": "Outcome: converted (1 = won, 0 = lost unless the status is open)",
    "converted_date": "Outcome: converted on",
    "lost_reason": "Outcome: lost reason",
    "amount": "Outcome: amount",
    **{f"{stage}_at": f"Date became {label}" for stage, label in LifecycleStage.choices},
    PROPERTY: "Custom property (named after the column)",
    IGNORE: "Ignore",
}
COMPANY_TARGETS: dict[str, str] = {
    "company_name": "Company name",
    "company_domain": "Website / domain",
    "industry": "Industry",
    "employee_count": "Employees",
    "annual_revenue": "Annual revenue",
    "country": "Country",
    "region": "Region / state",
    "city": "City",
    "owner": "Account owner (user email, username or name)",
    IGNORE: "Ignore",
}

# Column names (lower-case, letters and digits only) that map automatically, in priority
# order per target: the first column found takes the target, later ones stay properties.
AUTO_MAP: dict[str, list[str]] = {
    "email": ["email", "emailaddress", "workemail"],
    "external_id": ["recordid", "id", "leadid", "prospectid", "contactid", "externalid"],
    "created_at": ["createdate", "createddate", "createdat", "datecreated", "creationdate"],
    "modified_at": ["lastmodifieddate", "lastmodified", "modifieddate", "updatedat"],
    "is_deleted": ["isdeleted", "deleted"],
    "first_name": ["firstname", "givenname"],
    "last_name": ["lastname", "surname", "familyname"],
    "job_title": ["jobtitle", "title"],
    "phone": ["phone", "phonenumber", "mobilephone", "mobilephonenumber"],
    "lead_source": ["leadsource", "originalsource", "source"],
    "lifecycle_stage": ["lifecyclestage", "stage"],
    "unsubscribed": ["hasoptedoutofemail", "unsubscribedfromallemail", "unsubscribed", "optedout"],
    "do_not_contact": ["donotcontact"],
    "company_name": ["company", "companyname", "accountname"],
    "company_domain": [
        "companydomainname",
        "website",
        "websiteurl",
        "domain",
        "companydomain",
        "domainname",
    ],
    "industry": ["industry"],
    "employee_count": ["numberofemployees", "employees", "employeecount"],
    "annual_revenue": ["annualrevenue", "revenue"],
    "country": ["country", "countryregion"],
    "region": ["state", "stateregion", "region", "stateprovince"],
    "city": ["city"],
    "owner": ["contactowner", "ownerid", "owner", "leadowner", "companyowner", "accountowner"],
    "outcome": ["outcome", "result", "wonlost"],
    "outcome_date": ["closedate", "outcomedate", "decidedat"],
    "converted": ["isconverted", "converted"],
    "converted_date": ["converteddate"],
    "lost_reason": ["lostreason", "closedlostreason"],
    "amount": ["amount", "dealamount"],
    "subscriber_at": ["becameasubscriberdate"],
    "lead_at": ["becamealeaddate"],
    "mql_at": ["becameamarketingqualifiedleaddate"],
    "sql_at": ["becameasalesqualifiedleaddate"],
    "opportunity_at": ["becameanopportunitydate"],
    "customer_at": ["becameacustomerdate"],
}

EMPTY_LOOKUP = re.compile(r"^0{15}(AAA)?$")


def mapping_guess(columns: list[str], kind: str = ImportKind.CONTACTS) -> dict[str, str]:
    """The automatic mapping: {column index (str): target}; unknown columns -> property."""
    targets = COMPANY_TARGETS if kind == ImportKind.COMPANIES else CONTACT_TARGETS
    keys = [_key(c) for c in columns]
    mapping = {
        str(i): (PROPERTY if kind == ImportKind.CONTACTS else IGNORE) for i in range(len(columns))
    }
    auto = dict(AUTO_MAP)
    if kind == ImportKind.COMPANIES:
        auto["company_name"] = [*auto["company_name"], "name"]
    for target, names in auto.items():
        if target not in targets:
            continue
        for name in names:
            if name in keys and mapping[str(keys.index(name))] in (PROPERTY, IGNORE):
                mapping[str(keys.index(name))] = target
                break
    return mapping


# ---- Reading the file: contacts.csvfile -------------------------------------------------


def csv_rows(path: Path, fmt: CsvFormat) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, values); see contacts.csvfile.csv_records."""
    return csv_records(path, fmt)


# ---- Rows --------------------------------------------------------------------------------


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


def _converter(
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
        errors: dict[str, list[str]] = {}
        data: dict[str, Any] = {}
        properties: dict[str, str] = {}
        if len(values) > len(columns) and any(v.strip() for v in values[len(columns) :]):
            raise RowRejected(
                {
                    "row": [
                        f"{len(values)} cells but the header has {len(columns)}: a value with "
                        "an unquoted delimiter?"
                    ]
                }
            )
        for index, target, header in pairs:
            raw = values[index].strip() if index < len(values) else ""
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
        if data.pop("is_deleted", False):
            raise SkipRow
        if kind == ImportKind.COMPANIES:
            return Converted(_company_row(number, data))
        status = (
            values[status_index] if status_index is not None and status_index < len(values) else ""
        )
        return _contact_row(number, data, properties, id_source, status)

    return convert


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
    if not domain and email and is_business_domain(normalize_email(email).rpartition("@")[2]):
        domain = normalize_email(email).rpartition("@")[2]
    contact_company = None
    defaults: dict[str, Any] = {}
    if domain:
        contact_company = {"domain": domain, **company}
        # The lead's own location seeds its account's, never overwriting it.
        defaults = {k: data[k] for k in ("country", "region", "city") if k in data}
    else:
        # No company to hold them: keep firmographics as properties rather than lose them.
        properties.update({f"company_{k}": str(v) for k, v in company.items()})
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
    return Converted(row, date_from)


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


def _error_text(errors: dict[str, list[str]] | None) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in (errors or {}).items())


# ---- Jobs --------------------------------------------------------------------------------


def guess_id_source(columns: list[str]) -> str:
    """The system a file's id column comes from, told by its header."""
    keys = {_key(c) for c in columns}
    if "recordid" in keys:
        return "hubspot"
    if "id" in keys and keys & {"isdeleted", "isconverted", "ownerid"}:
        return "salesforce"
    return "csv"


def _discard_file(path: Path) -> None:
    path.unlink(missing_ok=True)


@transaction.atomic
def import_job_create(
    *,
    upload: IO[bytes],
    file_name: str,
    kind: str = ImportKind.CONTACTS,
    created_by=None,
    id_source: str = "",
) -> ImportJob:
    """
    Store an uploaded CSV (streamed to disk), read the whole file once (encoding, broken
    quotes, oversized cells, number of rows) and guess the mapping. A file that cannot be
    imported makes a failed job with the reason, and is removed from disk.
    """
    job = ImportJob.objects.create(
        kind=ImportKind(kind), file_name=file_name[:255], created_by=created_by
    )
    path = import_dir() / f"import-{job.pk}.csv"
    size = 0
    with path.open("wb") as out:
        for chunk in iter(lambda: upload.read(1024 * 1024), b""):
            out.write(chunk)
            size += len(chunk)
    job.stored_path = str(path)
    job.file_size = size
    try:
        fmt = csv_sniff(path)
        job.encoding, job.delimiter, job.columns = fmt.encoding, fmt.delimiter, fmt.columns
        if not fmt.columns or not any(fmt.columns):
            raise CsvFileError("The file has no header row.")
        job.total_rows = csv_check(path, fmt)
    except CsvFileError as exc:
        _discard_file(path)
        job.status, job.error, job.finished_at = ImportStatus.FAILED, str(exc), timezone.now()
        job.save()
        return job
    job.mapping = mapping_guess(fmt.columns, job.kind)
    job.id_source = (id_source or guess_id_source(fmt.columns))[:100]
    job.save()
    return job


def mapping_check(job: ImportJob, mapping: dict[str, str]) -> list[str]:
    """Problems with a mapping: a target twice, or no column to match rows on."""
    targets = COMPANY_TARGETS if job.kind == ImportKind.COMPANIES else CONTACT_TARGETS
    problems = []
    seen: dict[str, str] = {}
    for index, target in mapping.items():
        if target not in targets:
            problems.append(f"Unknown field '{target}'.")
        elif target not in (PROPERTY, IGNORE):
            if target in seen:
                problems.append(
                    f"'{targets[target]}' is mapped twice: {seen[target]} and "
                    f"{job.columns[int(index)]}."
                )
            seen[target] = job.columns[int(index)]
    if job.kind == ImportKind.COMPANIES:
        if "company_domain" not in seen:
            problems.append(
                f"Map a column to '{targets['company_domain']}': rows are matched on it."
            )
    elif "email" not in seen and "external_id" not in seen:
        problems.append(
            f"Map a column to '{targets['email']}' or to '{targets['external_id']}': "
            "contacts are matched on them."
        )
    return problems


@transaction.atomic
def import_job_set_mapping(
    *, job: ImportJob, mapping: dict[str, str], id_source: str | None = None
) -> ImportJob:
    """Change the column mapping (before the real run); raises ValueError with the problems."""
    clean = {str(i): mapping.get(str(i), IGNORE) for i in range(len(job.columns))}
    problems = mapping_check(job, clean)
    if problems:
        raise ValueError(" ".join(problems))
    job.mapping = clean
    if id_source is not None and id_source.strip():
        job.id_source = id_source.strip()[:100]
    job.status = ImportStatus.UPLOADED
    job.dry_run = {}
    job.save(update_fields=["mapping", "id_source", "status", "dry_run"])
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue the dry run or the real run (a Celery task, sent when this commits)."""
    from contacts import tasks

    if job.is_running or job.status == ImportStatus.FAILED:
        return job
    previous = job.status
    job.status = ImportStatus.DRY_RUN_QUEUED if dry_run else ImportStatus.QUEUED
    job.processed_rows = 0
    job.error = ""
    job.save(update_fields=["status", "processed_rows", "error"])
    job_id, queued = job.pk, job.status

    def send() -> None:
        # A refused task leaves the job where it was, saying why, so it can be started again.
        if not enqueue_safely(tasks.run_import, job_id, dry_run):
            ImportJob.objects.filter(pk=job_id, status=queued).update(
                status=previous, error=BROKER_REFUSED
            )

    transaction.on_commit(send)
    return job


# Where an outcome's date came from, in the order they are tried.
OUTCOME_DATE_LABELS = (
    ("mapped", "from the mapped outcome date"),
    ("modified", "from the row's last modified date"),
    ("created", "from the row's created date"),
    ("import", "at the time of the import (no date in the row)"),
)


class _DryRunRollback(Exception):
    """Raised at the end of a dry run to roll back everything it wrote."""


def _match_keys(row: ContactRow | CompanyRow) -> list[tuple[str, ...]]:
    if isinstance(row, CompanyRow):
        return [("domain", normalize_domain(row.domain))]
    keys: list[tuple[str, ...]] = []
    if row.external_id:
        keys.append(("id", row.source, row.external_id.strip()))
    if row.email:
        keys.append(("email", normalize_email(row.email)))
    return keys


def _row_label(row: ContactRow | CompanyRow | None, values: list[str]) -> str:
    if isinstance(row, ContactRow):
        return row.email or f"{row.source or 'id'} {row.external_id}"
    if isinstance(row, CompanyRow):
        return row.domain
    return next((v for v in values if v.strip()), "")[:80]


class _Run:
    """The state of one run over a file: counts, samples, rows seen, the rejected writer."""

    def __init__(self, job: ImportJob, dry_run: bool, rejected: RejectedWriter) -> None:
        self.job, self.dry_run, self.rejected = job, dry_run, rejected
        self.counts = dict.fromkeys(("created", "updated", "unchanged", "error"), 0)
        self.samples: dict[str, list[dict[str, Any]]] = {k: [] for k in self.counts}
        self.outcomes = 0
        self.processed = 0
        self.skipped = 0
        self.outcome_results = {"won": 0, "lost": 0}
        self.outcome_dates = {"mapped": 0, "modified": 0, "created": 0, "import": 0}
        self.first_row_of: dict[tuple[str, ...], int] = {}
        self.convert = _converter(job.columns, job.mapping, job.kind, job.id_source)
        self.service = (
            companies_bulk_upsert if job.kind == ImportKind.COMPANIES else contacts_bulk_upsert
        )
        self.now = timezone.now()

    def _prepare(self, number: int, values: list[str]) -> ContactRow | CompanyRow | RowResult:
        try:
            converted = self.convert(number, values)
        except SkipRow:
            self.skipped += 1
            return RowResult(number, "skipped")
        except RowRejected as exc:
            return RowResult(number, RowStatus.ERROR, errors=exc.errors)
        row = converted.row
        # The same person twice in one file: the first row wins, in every batch.
        for key in _match_keys(row):
            if key in self.first_row_of:
                what = "email" if key[0] == "email" else "external_id"
                if key[0] == "domain":
                    what = "domain"
                return RowResult(
                    number,
                    RowStatus.ERROR,
                    errors={what: [f"Already at row {self.first_row_of[key]} of this file."]},
                )
        for key in _match_keys(row):
            self.first_row_of[key] = number
        if isinstance(row, ContactRow) and row.outcome:
            if converted.outcome_date_from == "import":
                row.outcome["decided_at"] = self.now
                row.outcome["undated"] = True
            row.outcome["_date_from"] = converted.outcome_date_from
        return row

    def flush(self, batch: list[tuple[int, list[str]]]) -> None:
        prepared = [self._prepare(number, values) for number, values in batch]
        rows = [p for p in prepared if not isinstance(p, RowResult)]
        date_from = {}
        for row in rows:
            if isinstance(row, ContactRow) and row.outcome:
                date_from[row.index] = (row.outcome.pop("_date_from"), row.outcome["result"])
        result = self.service(rows=rows, now=self.now)
        self.outcomes += result.outcomes_created
        by_index = {r.index: r for r in rows}
        values_of = dict(batch)
        done = [p for p in prepared if isinstance(p, RowResult) and p.status != "skipped"]
        for row in sorted([*done, *result.results], key=lambda r: r.index):
            if row.status == RowStatus.ERROR and row.index in by_index:
                # A rejected row does not claim its email or id: a later row may have it.
                for key in _match_keys(by_index[row.index]):
                    if self.first_row_of.get(key) == row.index:
                        del self.first_row_of[key]
            self.counts[row.status] = self.counts.get(row.status, 0) + 1
            values = values_of[row.index]
            if row.status == RowStatus.ERROR:
                self.rejected.writerow([row.index, *values, _error_text(row.errors)])
            elif row.index in date_from and row.status != RowStatus.UNCHANGED:
                source, outcome = date_from[row.index]
                self.outcome_dates[source] += 1
                self.outcome_results[outcome] += 1
            if len(self.samples[row.status]) < SAMPLE_ROWS:
                self.samples[row.status].append(
                    {
                        "row": row.index,
                        "label": _row_label(by_index.get(row.index), values),
                        "email": getattr(by_index.get(row.index), "email", ""),
                        "error": _error_text(row.errors),
                    }
                )
        self.processed += len(batch)
        _progress(self.job.pk, self.processed, side_connection=self.dry_run)

    def summary(self) -> dict[str, Any]:
        return {
            "outcomes": self.outcome_results,
            "outcome_dates": self.outcome_dates,
            "date_labels": [
                f"{self.outcome_dates[key]:,} {label}"
                for key, label in OUTCOME_DATE_LABELS
                if self.outcome_dates[key]
            ],
            "skipped_deleted": self.skipped,
            "id_source": self.job.id_source,
        }


def _progress(job_id: int, processed: int, *, side_connection: bool) -> None:
    """
    Record progress. A dry run runs inside a transaction it rolls back, so its progress goes
    through a second connection on PostgreSQL (SQLite would wait on its own write lock: there
    the dry run shows its result when done).
    """
    from django.db import connection, connections

    if not side_connection:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=processed)
        return
    if connection.vendor != "postgresql":
        return
    side = connections.create_connection("default")
    try:
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed_rows = %s WHERE id = %s",
                [processed, job_id],
            )
    finally:
        side.close()


def _fail(job: ImportJob, message: str, *, remove_file: bool) -> ImportJob:
    if remove_file:
        _discard_file(Path(job.stored_path))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


@fewer_collections()
def import_job_execute(
    *, job_id: int, dry_run: bool, batch_rows: int = BATCH_ROWS, progress: Callable | None = None
) -> ImportJob:
    """
    Run an import (or its dry run) over the whole file, batch by batch, recording progress,
    counts, sample rows, a summary and the rejected rows (CSV with an `error` column).

    The dry run runs the real import inside one transaction and rolls it back, so it
    predicts exactly what the import will do. A file that turns out broken (a quote, a cell
    too large) fails the job with the line, and is removed; so does any unexpected error.
    """
    job = ImportJob.objects.get(pk=job_id)
    path = Path(job.stored_path)
    if job.status == ImportStatus.FAILED or not path.exists():
        return _fail(
            job, job.error or "The uploaded file is gone; upload it again.", remove_file=False
        )
    fmt = CsvFormat(encoding=job.encoding, delimiter=job.delimiter, columns=job.columns)
    running = ImportStatus.DRY_RUNNING if dry_run else ImportStatus.RUNNING
    rejected_path = import_dir() / f"import-{job.pk}-{'dry-' if dry_run else ''}rejected.csv"
    ImportJob.objects.filter(pk=job.pk).update(
        status=running, started_at=timezone.now(), processed_rows=0, error=""
    )
    try:
        with rejected_path.open("w", newline="", encoding="utf-8-sig") as rejected_file:
            run = _Run(job, dry_run, RejectedWriter(rejected_file, job.columns))
            if dry_run:
                try:
                    with transaction.atomic():
                        _run_batches(run, path, fmt, batch_rows, progress)
                        raise _DryRunRollback
                except _DryRunRollback:
                    pass
            else:  # every batch commits on its own: a failure later keeps what was imported
                _run_batches(run, path, fmt, batch_rows, progress)
    except CsvFileError as exc:
        rejected_path.unlink(missing_ok=True)
        return _fail(job, str(exc), remove_file=True)
    except Exception as exc:  # the page shows why; the worker log has the traceback
        _fail(job, f"{exc.__class__.__name__}: {exc}", remove_file=False)
        raise
    return _finish_job(job, run, dry_run, rejected_path)


def _run_batches(run: _Run, path: Path, fmt: CsvFormat, batch_rows: int, progress) -> None:
    batch: list[tuple[int, list[str]]] = []
    for number, values in csv_rows(path, fmt):
        batch.append((number, values))
        if len(batch) >= batch_rows:
            run.flush(batch)
            batch.clear()
            if progress:
                progress(run.processed, run.job.total_rows)
    if batch:
        run.flush(batch)
        if progress:
            progress(run.processed, run.job.total_rows)


def _finish_job(job: ImportJob, run: _Run, dry_run: bool, rejected_path: Path) -> ImportJob:
    job.refresh_from_db()
    job.processed_rows = run.processed
    job.finished_at = timezone.now()
    counts = run.counts
    if dry_run:
        job.status = ImportStatus.CHECKED
        job.dry_run = {
            "counts": counts,
            "samples": run.samples,
            "rejected_path": str(rejected_path),
            "outcomes": run.outcomes,
            "summary": run.summary(),
        }
    else:
        job.status = ImportStatus.DONE
        job.created_count, job.updated_count = counts["created"], counts["updated"]
        job.unchanged_count, job.rejected_count = counts["unchanged"], counts["error"]
        job.outcomes_count = run.outcomes
        job.skipped_count = run.skipped
        job.summary = run.summary()
        job.rejected_path = str(rejected_path) if counts["error"] else ""
    job.save()
    return job
