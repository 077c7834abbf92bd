"""
CSV import of leads without email: rows/s of a real-shaped export beside PostgreSQL COPY of
the same rows, in the same run (the yardstick).

1. Writes an education-company leads export of R rows (default 100,000): a Prospect ID, a
   0/1 Converted, lead source, country, city and eight other columns; no email, no dates.
2. Dry run of the file (contacts.imports.import_job_execute, dry_run=True: the real run
   inside a transaction that is rolled back).
3. The import itself (the Celery task's service): contacts found by their id, won and lost
   outcomes dated at the import, location and raw source on each contact, fit rescoring of
   every new contact (Celery eager, timed apart).
4. The yardstick: the same contacts, identities and outcomes COPYed into their tables, then
   deleted.

The benchmark's rows carry the source "bench-leads" and are deleted at the end (and before
the run, should an earlier one have stopped half way).
Example: python -m bench imports --rows 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from bench._common import BenchError, Report, _delete_where, analyze_tables, say, timed
from bench.api import _RescoreTimer
from contacts.models import Contact, ContactIdentity, ImportJob, Outcome
from leadscore.celery import app as celery_app
from scoring import selectors
from scoring.defaults import default_model_create

SOURCE = "bench-leads"
COLUMNS = [
    "Prospect ID",
    "Lead Number",
    "Lead Origin",
    "Lead Source",
    "Do Not Email",
    "Converted",
    "TotalVisits",
    "Total Time Spent on Website",
    "Last Activity",
    "Country",
    "Specialization",
    "What is your current occupation",
    "City",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the file")
    parser.add_argument("--seed", type=int, default=11)


def _write_file(path: Path, rows: int, rng: random.Random) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for i in range(rows):
            writer.writerow(
                [
                    f"{SOURCE}-{i:07d}",
                    660000 + i,
                    rng.choice(["API", "Landing Page Submission", "Lead Add Form"]),
                    rng.choice(["Google", "Olark Chat", "Reference", "Direct Traffic"]),
                    rng.choice(["No", "Yes"]),
                    rng.choice(["0", "0", "1"]),
                    rng.randint(0, 20),
                    rng.randint(0, 2500),
                    rng.choice(["Email Opened", "SMS Sent", "Page Visited on Website"]),
                    rng.choice(["India", "Singapore", "United States", "Qatar"]),
                    rng.choice(["Finance Management", "Select", "Marketing Management"]),
                    rng.choice(["Unemployed", "Working Professional", "Student"]),
                    rng.choice(["Mumbai", "Thane & Outskirts", "Other Cities"]),
                ]
            )


def _purge(source: str) -> int:
    """Delete the contacts with ids from `source` (ids read first: the delete removes them)."""
    tables = set(connection.introspection.table_names())
    ids = list(ContactIdentity.objects.filter(source=source).values_list("contact_id", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        return _delete_where(Contact, "id = ANY(%s)", [ids], tables)


def _copy_same_rows(rows: int, rng: random.Random) -> float:
    """COPY the contacts, their identities and outcomes the import wrote: the yardstick."""
    now = timezone.now()
    quote = connection.ops.quote_name
    source = f"{SOURCE}-copy"
    start = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {quote(Contact._meta.db_table)} (email, email_normalized, first_name, "
            "last_name, job_title, phone, lead_source, lead_source_raw, country, region, city, "
            "lifecycle_stage, lead_at, do_not_contact, unsubscribed, properties, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            for i in range(rows):
                copy.write_row(
                    (
                        "", "", "", "", "", "",
                        "search", "Google", "India", "", "Mumbai", "lead", now, False, False,
                        json.dumps(
                            {
                                "Lead Number": str(660000 + i),
                                "Lead Origin": "API",
                                "Do Not Email": "No",
                                "TotalVisits": "3",
                                "Total Time Spent on Website": "120",
                                "Last Activity": "Email Opened",
                                "Specialization": "Select",
                                "What is your current occupation": "Student",
                                "Marker": source,
                            }
                        ),
                        now,
                        now,
                    )
                )  # fmt: skip
        cursor.execute(
            f"SELECT id FROM {quote(Contact._meta.db_table)} WHERE properties->>'Marker' = %s "
            "ORDER BY id",
            [source],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.cursor.copy(
            f"COPY {quote(ContactIdentity._meta.db_table)} (contact_id, source, external_id, "
            "created_at) FROM STDIN"
        ) as copy:
            for i, contact_id in enumerate(ids):
                copy.write_row((contact_id, source, f"{i:07d}", now))
        with cursor.cursor.copy(
            f"COPY {quote(Outcome._meta.db_table)} (contact_id, result, decided_at, lost_reason, "
            "created_at) FROM STDIN"
        ) as copy:
            for contact_id in ids:
                copy.write_row((contact_id, rng.choice(["won", "lost"]), now, "", now))
    seconds = time.perf_counter() - start
    _purge(source)
    return seconds


def run(args: argparse.Namespace, report: Report) -> None:
    if connection.vendor != "postgresql":
        raise BenchError("This benchmark compares with PostgreSQL COPY: set DATABASE_URL.")
    rng = random.Random(args.seed)
    celery_app.conf.task_always_eager = True  # fit rescoring of the new contacts is timed too
    report.parameters.update(rows=args.rows, celery="eager (rescoring inside the import)")
    # Load what a running worker has loaded already (scikit-learn, for the predictive refresh
    # an import triggers), so its import time is not counted as import time.
    import predictive.tasks  # noqa: F401

    if not selectors.live_model():
        default_model_create(name="bench-Default model")
    with timed("Deleting rows of an earlier run"):
        _purge(SOURCE)
        _purge(f"{SOURCE}-copy")
    workdir = Path(tempfile.mkdtemp(prefix="leadscore-bench-"))
    os.environ["IMPORT_DIR"] = str(workdir)
    from contacts import imports

    try:
        path = workdir / "Leads.csv"
        with timed(f"Writing a {args.rows:,}-row leads export without email"):
            _write_file(path, args.rows, rng)
        with timed("Upload: store, decide the encoding, check every record") as up:
            with path.open("rb") as upload:
                job = imports.import_job_create(
                    upload=upload, file_name=path.name, id_source=SOURCE
                )
            mapping = dict(job.mapping)
            mapping[str(job.columns.index("Converted"))] = "outcome"
            job = imports.import_job_set_mapping(job=job, mapping=mapping)
        with timed(f"Dry run: {args.rows:,} rows") as dry:
            checked = imports.import_job_execute(job_id=job.pk, dry_run=True)
        with _RescoreTimer() as rescore, timed(f"Import: {args.rows:,} rows") as real:
            done = imports.import_job_execute(job_id=job.pk, dry_run=False)
        if done.created_count != args.rows or checked.dry_run["counts"]["created"] != args.rows:
            raise BenchError(
                f"Import created {done.created_count:,}, rejected {done.rejected_count:,}"
            )
        analyze_tables(Contact, ContactIdentity, Outcome)
        with timed("COPY yardstick: the same contacts, identities and outcomes"):
            copy_seconds = _copy_same_rows(args.rows, rng)
        ImportJob.objects.filter(pk=job.pk).delete()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        with timed("Deleting the benchmark's contacts"):
            _purge(SOURCE)
    rate = args.rows / real["seconds"]
    copy_rate = args.rows / copy_seconds
    report.section(f"CSV import of {args.rows:,} leads without email (13 columns)")
    report.add(
        "upload_rows_per_second",
        "upload check rows/s (encoding, quotes, cells)",
        args.rows / up["seconds"],
        f"{args.rows / up['seconds']:,.0f}/s",
        f"{up['seconds']:.1f} s",
    )
    report.add(
        "dry_run_rows_per_second",
        "dry run rows/s (rolled back)",
        args.rows / dry["seconds"],
        f"{args.rows / dry['seconds']:,.0f}/s",
        f"{dry['seconds']:.1f} s",
    )
    report.add(
        "import_rows_per_second",
        "import rows/s (contacts, ids, outcomes, scores)",
        rate,
        f"{rate:,.0f}/s",
        f"{real['seconds']:.1f} s: {done.created_count:,} contacts, "
        f"{done.outcomes_count:,} outcomes",
    )
    report.add(
        "import_rescore_seconds",
        "of which rescoring",
        rescore.seconds,
        f"{rescore.seconds:.1f} s",
        f"{rescore.calls} batch task(s)",
    )
    report.add(
        "copy_rows_per_second",
        "COPY, same rows (yardstick)",
        copy_rate,
        f"{copy_rate:,.0f}/s",
        f"{copy_seconds:.2f} s",
    )
    report.add("import_share_of_copy", "import / COPY", rate / copy_rate, f"{rate / copy_rate:.0%}")
    say("done")
