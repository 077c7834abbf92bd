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

import codecs
import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from contacts.domains import FREE_MAIL_DOMAINS
from contacts.models import (
    ImportJob,
    ImportKind,
    ImportStatus,
    LeadSource,
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

BATCH_ROWS = 2000
SAMPLE_ROWS = 5  # sample rows kept per result for the dry run's report
csv.field_size_limit(10 * 1024 * 1024)

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
    "first_name": "First name",
    "last_name": "Last name",
    "job_title": "Job title",
    "phone": "Phone",
    "lead_source": "Lead source",
    "lifecycle_stage": "Lifecycle stage",
    "do_not_contact": "Do not contact (0/1)",
    "unsubscribed": "Unsubscribed (0/1)",
    "company_name": "Company name",
    "company_domain": "Company website / domain",
    "industry": "Company industry",
    "employee_count": "Company employees",
    "annual_revenue": "Company annual revenue",
    "country": "Company country",
    "region": "Company region / state",
    "city": "Company city",
    "owner": "Owner (user email, username or name)",
    "outcome": "Outcome: won / lost",
    "outcome_date": "Outcome: decided on",
    "converted": "Outcome: converted (1 = won)",
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


def _key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


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


# ---- Reading the file --------------------------------------------------------------------


@dataclass
class CsvFormat:
    encoding: str
    delimiter: str
    columns: list[str]


def csv_sniff(path: Path) -> CsvFormat:
    """Encoding (UTF-8, BOM or not, else Windows-1252), delimiter (`,` `;` tab) and header."""
    head = path.open("rb").read(256 * 1024)
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the sample's end is still UTF-8.
        if exc.start < len(head) - 4:
            encoding = "cp1252"
    text = head.decode(encoding, errors="ignore")
    first = _first_record(text)
    counts = {d: _count_outside_quotes(first, d) for d in (",", ";", "\t", "|")}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns = next(reader, [])
    columns = [c.strip() for c in columns]
    return CsvFormat(encoding=encoding, delimiter=delimiter, columns=columns)


def _first_record(text: str) -> str:
    in_quotes, out = False, []
    for ch in text:
        if ch == '"':
            in_quotes = not in_quotes
        elif ch in "\r\n" and not in_quotes:
            break
        out.append(ch)
    return "".join(out)


def _count_outside_quotes(line: str, delimiter: str) -> int:
    in_quotes, count = False, 0
    for ch in line:
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == delimiter and not in_quotes:
            count += 1
    return count


def csv_rows(path: Path, fmt: CsvFormat) -> Iterator[tuple[int, list[str]]]:
    """(row number in the file, the header being row 1, values), streamed; blank rows skipped."""
    with codecs.open(str(path), "r", encoding=fmt.encoding, errors="replace") as handle:
        reader = csv.reader(_lines(handle), delimiter=fmt.delimiter)
        next(reader, None)
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield number, values


def _lines(handle: IO[str]) -> Iterator[str]:
    yield from handle


# ---- Values ------------------------------------------------------------------------------

TRUE = {"1", "true", "yes", "y", "t", "x", "on", "wahr", "oui", "ja", "si", "sí"}
FALSE = {"0", "false", "no", "n", "f", "off", "falsch", "non", "nein"}

LEAD_SOURCE_WORDS = [
    ("organic", LeadSource.ORGANIC_SEARCH),
    ("seo", LeadSource.ORGANIC_SEARCH),
    ("paidsocial", LeadSource.SOCIAL),
    ("paid", LeadSource.PAID_SEARCH),
    ("ppc", LeadSource.PAID_SEARCH),
    ("adwords", LeadSource.PAID_SEARCH),
    ("social", LeadSource.SOCIAL),
    ("linkedin", LeadSource.SOCIAL),
    ("email", LeadSource.EMAIL),
    ("newsletter", LeadSource.EMAIL),
    ("referral", LeadSource.REFERRAL),
    ("wordofmouth", LeadSource.REFERRAL),
    ("partner", LeadSource.PARTNER),
    ("event", LeadSource.EVENT),
    ("tradeshow", LeadSource.EVENT),
    ("seminar", LeadSource.EVENT),
    ("webinar", LeadSource.EVENT),
    ("conference", LeadSource.EVENT),
    ("offline", LeadSource.EVENT),
    ("direct", LeadSource.DIRECT),
    ("web", LeadSource.DIRECT),
]
STAGE_WORDS = {
    "subscriber": LifecycleStage.SUBSCRIBER,
    "lead": LifecycleStage.LEAD,
    "marketingqualifiedlead": LifecycleStage.MQL,
    "mql": LifecycleStage.MQL,
    "salesacceptedlead": LifecycleStage.SAL,
    "sal": LifecycleStage.SAL,
    "salesqualifiedlead": LifecycleStage.SQL,
    "sql": LifecycleStage.SQL,
    "opportunity": LifecycleStage.OPPORTUNITY,
    "customer": LifecycleStage.CUSTOMER,
    "evangelist": LifecycleStage.CUSTOMER,
    "recycled": LifecycleStage.RECYCLED,
    "disqualified": LifecycleStage.DISQUALIFIED,
    "unqualified": LifecycleStage.DISQUALIFIED,
    "other": LifecycleStage.LEAD,
    **{_key(label): value for value, label in LifecycleStage.choices},
}


class CellError(ValueError):
    """A cell that cannot become its field; the message names what was expected."""


def parse_bool(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise CellError(f"'{value[:40]}' is not yes/no (use 1/0, true/false).")


def parse_number(value: str) -> Decimal:
    text = re.sub(r"[^\d,.\-]", "", value)
    if "," in text and "." in text:
        # The last separator is the decimal one: 1.234,50 or 1,234.50.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        whole, _, frac = text.rpartition(",")
        text = text.replace(",", "") if len(frac) == 3 else f"{whole.replace(',', '')}.{frac}"
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"'{value[:40]}' is not a number.") from exc
    if not number.is_finite():
        raise CellError(f"'{value[:40]}' is not a number.")
    return number


def parse_int(value: str) -> int:
    number = parse_number(value)
    if number < 0 or number > 2_147_483_647:
        raise CellError(f"'{value[:40]}' is out of range.")
    return int(number)


def parse_datetime_cell(value: str) -> datetime:
    text = value.strip().replace("Z", "+00:00") if value.strip().endswith("Z") else value.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None and re.fullmatch(r"\d{12,13}", text):  # epoch milliseconds (HubSpot)
                return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
            if day is None:
                for fmt in ("%m/%d/%Y %H:%M", "%m/%d/%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y"):
                    try:
                        moment = datetime.strptime(text, fmt)
                        break
                    except ValueError:
                        continue
            else:
                moment = datetime.combine(day, time())
    except ValueError:
        moment = None
    if moment is None:
        raise CellError(f"'{value[:40]}' is not a date (YYYY-MM-DD HH:MM:SS).")
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


def parse_lead_source(value: str) -> str:
    key = _key(value)
    if key in LeadSource.values:
        return key
    for word, source in LEAD_SOURCE_WORDS:
        if word in key:
            return source
    return LeadSource.OTHER


def parse_stage(value: str) -> str:
    stage = STAGE_WORDS.get(_key(value))
    if stage is None:
        raise CellError(
            f"'{value[:40]}' is not a lifecycle stage ({', '.join(LifecycleStage.values)})."
        )
    return stage


def parse_outcome(value: str) -> str | None:
    key = _key(value)
    if not key:
        return None
    if "notconverted" in key or "lost" in key or key in {"no", "0", "false", "n"}:
        return "lost"
    if "won" in key or "converted" in key or key in {"yes", "1", "true", "y", "win"}:
        return "won"
    if re.search(r"open|working|new|contact|nurtur|qualif|progress|pending", key):
        return None  # still in progress: no outcome yet
    raise CellError(f"'{value[:40]}' is not won or lost.")


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


def _converter(columns: list[str], mapping: dict[str, str], kind: str) -> Callable:
    """A function turning one CSV record into a ContactRow/CompanyRow, or raising CellErrors."""
    pairs = [
        (int(i), target, columns[int(i)] if int(i) < len(columns) else f"column {int(i) + 1}")
        for i, target in sorted(mapping.items(), key=lambda kv: int(kv[0]))
        if target != IGNORE
    ]
    owners = _Owners()

    def convert(number: int, values: list[str]) -> ContactRow | CompanyRow:
        errors: dict[str, list[str]] = {}
        data: dict[str, Any] = {}
        properties: dict[str, str] = {}
        for index, target, header in pairs:
            raw = values[index].strip() if index < len(values) else ""
            if not raw or EMPTY_LOOKUP.match(raw):
                continue
            try:
                if target == PROPERTY:
                    properties[header] = raw
                elif target in {"do_not_contact", "unsubscribed", "converted"}:
                    data[target] = parse_bool(raw)
                elif target == "employee_count":
                    data[target] = parse_int(raw)
                elif target in {"annual_revenue", "amount"}:
                    data[target] = parse_number(raw).quantize(Decimal("0.01"))
                elif target.endswith("_at") or target.endswith("_date"):
                    data[target] = parse_datetime_cell(raw)
                elif target == "lead_source":
                    data[target] = parse_lead_source(raw)
                elif target == "lifecycle_stage":
                    data[target] = parse_stage(raw)
                elif target == "outcome":
                    data[target] = parse_outcome(raw)
                elif target == "owner":
                    owner_id = owners(raw)
                    if owner_id is None:
                        properties[header] = raw
                    else:
                        data["account_owner_id"] = owner_id
                else:
                    data[target] = raw
            except CellError as exc:
                errors.setdefault(header, []).append(str(exc))
        if errors:
            raise RowRejected(errors)
        company: dict[str, Any] = {
            name: data.pop(key)
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
        domain = normalize_domain(data.pop("company_domain", ""))
        if kind == ImportKind.COMPANIES:
            if not domain:
                raise RowRejected({"domain": ["A company row needs its website or domain."]})
            return CompanyRow(index=number, domain=domain, fields=company)
        email = data.pop("email", "")
        if not email:
            raise RowRejected({"email": ["This row has no email; contacts are matched by email."]})
        if not domain and "@" in email:
            email_domain = email.rsplit("@", 1)[1].strip().lower()
            if email_domain not in FREE_MAIL_DOMAINS:
                domain = email_domain
        contact_company = None
        if domain:
            contact_company = {"domain": domain, **company}
        else:
            # No company to hold them: keep firmographics as properties rather than lose them.
            properties.update({f"company_{k}": str(v) for k, v in company.items()})
        outcome = None
        result = data.pop("outcome", None)
        converted = data.pop("converted", None)
        converted_date = data.pop("converted_date", None)
        decided = data.pop("outcome_date", None)
        lost_reason = data.pop("lost_reason", "")
        amount = data.pop("amount", None)
        if converted and result in (None, "won"):
            result, decided = "won", converted_date or decided
        if result is not None:
            if decided is None:
                raise RowRejected(
                    {"outcome_date": ["An outcome needs its date: map a close/converted date."]}
                )
            outcome = {
                "result": result,
                "decided_at": decided,
                "lost_reason": lost_reason if result == "lost" else "",
                "amount": amount,
            }
        stage_dates = {k: data.pop(k) for k in list(data) if k.endswith("_at")}
        return ContactRow(
            index=number,
            email=email,
            fields=data,
            properties=properties,
            company=contact_company,
            stage_dates=stage_dates,
            outcome=outcome,
        )

    return convert


class RowRejected(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _error_text(errors: dict[str, list[str]] | None) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in (errors or {}).items())


# ---- Jobs --------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(
    *, upload: IO[bytes], file_name: str, kind: str = ImportKind.CONTACTS, created_by=None
) -> ImportJob:
    """Store an uploaded CSV (streamed to disk), read its format and guess the mapping."""
    job = ImportJob.objects.create(
        kind=ImportKind(kind), file_name=file_name[:255], created_by=created_by
    )
    path = import_dir() / f"import-{job.pk}.csv"
    size = 0
    with path.open("wb") as out:
        for chunk in iter(lambda: upload.read(1024 * 1024), b""):
            out.write(chunk)
            size += len(chunk)
    fmt = csv_sniff(path)
    job.stored_path = str(path)
    job.file_size = size
    job.encoding, job.delimiter, job.columns = fmt.encoding, fmt.delimiter, fmt.columns
    job.mapping = mapping_guess(fmt.columns, job.kind)
    if not fmt.columns or not any(fmt.columns):
        job.status, job.error = ImportStatus.FAILED, "The file has no header row."
    job.save()
    return job


def mapping_check(job: ImportJob, mapping: dict[str, str]) -> list[str]:
    """Problems with a mapping: a target twice, or a contacts import without an email column."""
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
    needed = "company_domain" if job.kind == ImportKind.COMPANIES else "email"
    if needed not in seen:
        problems.append(f"Map a column to '{targets[needed]}': rows are matched on it.")
    return problems


@transaction.atomic
def import_job_set_mapping(*, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Change the column mapping (before the real run); raises ValueError with the problems."""
    clean = {str(i): mapping.get(str(i), IGNORE) for i in range(len(job.columns))}
    problems = mapping_check(job, clean)
    if problems:
        raise ValueError(" ".join(problems))
    job.mapping = clean
    job.status = ImportStatus.UPLOADED
    job.dry_run = {}
    job.save(update_fields=["mapping", "status", "dry_run"])
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue the dry run or the real run (a Celery task, sent when this commits)."""
    from contacts import tasks

    if job.is_running:
        return job
    job.status = ImportStatus.DRY_RUN_QUEUED if dry_run else ImportStatus.QUEUED
    job.processed_rows = 0
    job.error = ""
    job.save(update_fields=["status", "processed_rows", "error"])
    transaction.on_commit(lambda: tasks.run_import.delay(job.pk, dry_run))
    return job


def import_job_execute(
    *, job_id: int, dry_run: bool, batch_rows: int = BATCH_ROWS, progress: Callable | None = None
) -> ImportJob:
    """
    Run an import (or its dry run) over the whole file, batch by batch, recording progress,
    counts, sample rows and the rejected rows (CSV with an `error` column).
    """
    job = ImportJob.objects.get(pk=job_id)
    path = Path(job.stored_path)
    fmt = CsvFormat(encoding=job.encoding, delimiter=job.delimiter, columns=job.columns)
    convert = _converter(job.columns, job.mapping, job.kind)
    service = companies_bulk_upsert if job.kind == ImportKind.COMPANIES else contacts_bulk_upsert
    running = ImportStatus.DRY_RUNNING if dry_run else ImportStatus.RUNNING
    counts = dict.fromkeys(("created", "updated", "unchanged", "error"), 0)
    samples: dict[str, list[dict[str, Any]]] = {k: [] for k in counts}
    outcomes = 0
    rejected_path = import_dir() / f"import-{job.pk}-{'dry-' if dry_run else ''}rejected.csv"
    ImportJob.objects.filter(pk=job.pk).update(
        status=running, started_at=timezone.now(), processed_rows=0, error=""
    )
    if job.total_rows is None:
        job.total_rows = sum(1 for _ in csv_rows(path, fmt))
        ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows)
    processed = 0
    email_col = next((int(i) for i, t in job.mapping.items() if t == "email"), None)
    try:
        with rejected_path.open("w", newline="", encoding="utf-8-sig") as rejected_file:
            rejected = csv.writer(rejected_file)
            rejected.writerow(["row", *job.columns, "error"])
            batch: list[tuple[int, list[str]]] = []

            def flush() -> None:
                nonlocal outcomes, processed
                rows, results = [], []
                values_of = dict(batch)
                for number, values in batch:
                    try:
                        rows.append(convert(number, values))
                    except RowRejected as exc:
                        results.append(RowResult(number, RowStatus.ERROR, errors=exc.errors))
                result = service(rows=rows, dry_run=dry_run)
                outcomes += result.outcomes_created
                for row in sorted([*results, *result.results], key=lambda r: r.index):
                    counts[row.status] = counts.get(row.status, 0) + 1
                    values = values_of[row.index]
                    if row.status == RowStatus.ERROR:
                        rejected.writerow([row.index, *values, _error_text(row.errors)])
                    if len(samples[row.status]) < SAMPLE_ROWS:
                        email = values[email_col] if email_col is not None else ""
                        samples[row.status].append(
                            {
                                "row": row.index,
                                "email": email if email_col is not None else "",
                                "label": email or (values[0] if values else ""),
                                "error": _error_text(row.errors),
                            }
                        )
                processed += len(batch)
                batch.clear()
                ImportJob.objects.filter(pk=job.pk).update(processed_rows=processed)
                if progress:
                    progress(processed, job.total_rows)

            for number, values in csv_rows(path, fmt):
                batch.append((number, values))
                if len(batch) >= batch_rows:
                    flush()
            if batch:
                flush()
    except Exception as exc:  # the page shows why; the worker log has the traceback
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED,
            error=f"{exc.__class__.__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    job.refresh_from_db()
    job.processed_rows = processed
    job.finished_at = timezone.now()
    if dry_run:
        job.status = ImportStatus.CHECKED
        job.dry_run = {"counts": counts, "samples": samples, "rejected_path": str(rejected_path)}
    else:
        job.status = ImportStatus.DONE
        job.created_count, job.updated_count = counts["created"], counts["updated"]
        job.unchanged_count, job.rejected_count = counts["unchanged"], counts["error"]
        job.outcomes_count = outcomes
        job.rejected_path = str(rejected_path) if counts["error"] else ""
    job.save()
    return job
