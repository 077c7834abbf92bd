"""
The CSV side of bench api: a Salesforce Lead export of synthetic leads (the real 67-column
header), its import as the Celery task runs it, and the same number of contacts COPYed into the
contact table (the yardstick).
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from pathlib import Path

from django.db import connection
from django.utils import timezone

from bench._common import BENCH_PREFIX, BenchError
from contacts.models import Contact, ImportJob

HEADER_NAME = "salesforce_lead_export_header.csv"


def header_line() -> str:
    root = Path(__file__).resolve().parents[1]
    for path in (
        root.parent / "shared" / "formats" / HEADER_NAME,
        root / "tests" / "api" / "data" / HEADER_NAME,
    ):
        if path.exists():
            return path.read_text(encoding="utf-8").strip("\r\n")
    raise BenchError(f"Cannot find {HEADER_NAME}.")


def import_file(path: Path, *, dry_run: bool) -> ImportJob:
    """A CSV import job of this file, run as the Celery task runs it."""
    from contacts import imports

    with path.open("rb") as upload:
        job = imports.import_job_create(upload=upload, file_name=path.name)
    return imports.import_job_execute(job_id=job.pk, dry_run=dry_run)


def csv_file(path: Path, rows: int, rng: random.Random, *, revision: int = 0) -> None:
    """A Salesforce Lead export; a later revision changes every lead's last name."""
    header = header_line()
    columns = next(csv.reader(io.StringIO(header)))
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header + "\r\n")
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        for i in range(rows):
            converted = rng.random() < 0.05
            row = {
                "Id": f"00Q{i:015d}",
                "IsDeleted": "0",
                "MasterRecordId": "000000000000000AAA",
                "FirstName": rng.choice(["Zoë", "Ana", "Omar", "Lea", "Jörg"]),
                "LastName": f"Ångström{i}" + (f" {revision}" if revision else ""),
                "Title": rng.choice(["CTO", "Engineer", "VP Sales", "Head of IT"]),
                "Company": f"{BENCH_PREFIX}CSV Company {i % 20_000}",
                "Website": f"www.{BENCH_PREFIX}csv{i % 20_000}.example",
                "Country": rng.choice(["Sweden", "Germany", "United States"]),
                "Email": f"{BENCH_PREFIX}csv{i}@{BENCH_PREFIX}csv{i % 20_000}.example",
                "LeadSource": rng.choice(["Web", "Partner Referral", "Trade Show", "Other"]),
                "Status": "Closed - Converted" if converted else "Open - Not Contacted",
                "Industry": rng.choice(["Software", "Retail", "Healthcare"]),
                "AnnualRevenue": str(rng.randrange(1, 500) * 100_000),
                "NumberOfEmployees": str(rng.randrange(5, 5000)),
                "OwnerId": "005000000000001AAA",
                "HasOptedOutOfEmail": "1" if rng.random() < 0.03 else "0",
                "IsConverted": "1" if converted else "0",
                "ConvertedDate": "2024-06-01" if converted else "",
                "CreatedDate": "2024-01-15 09:30:00",
                "Region__c": "EMEA",
            }
            writer.writerow([row.get(c, "") for c in columns])


def copy_contacts(rows: int) -> float:
    now = timezone.now()
    table = connection.ops.quote_name(Contact._meta.db_table)
    sql = (
        f"COPY {table} (email, email_normalized, first_name, last_name, job_title, phone, "
        "lead_source, lead_source_raw, country, region, city, lifecycle_stage, lead_at, "
        "do_not_contact, unsubscribed, properties, created_at, updated_at) FROM STDIN"
    )
    start = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for i in range(rows):
            copy.write_row(
                (
                    f"{BENCH_PREFIX}copy{i}@{BENCH_PREFIX}copy.example",
                    f"{BENCH_PREFIX}copy{i}@{BENCH_PREFIX}copy.example",
                    "Zoë",
                    f"Ångström{i}",
                    "CTO",
                    "",
                    "direct",
                    "Web",
                    "Germany",
                    "",
                    "Berlin",
                    "lead",
                    now,
                    False,
                    False,
                    json.dumps({"Id": f"00Q{i:015d}", "Region__c": "EMEA", "Status": "Open"}),
                    now,
                    now,
                )
            )
    return time.perf_counter() - start
