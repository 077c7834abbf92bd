"""
API and CSV import: activities/s through the bulk API and contacts/s through the CSV import,
each beside the same rows loaded with PostgreSQL COPY in the same run (the yardstick).

1. Builds C contacts (default 20,000, bench- e-mails) over C/5 companies, scored once under the
   live model (the default model is created if none is live).
2. Bulk API: A activities (default 200,000) POSTed to /api/v1/activities/bulk/ in requests of
   10,000 through the whole Django stack (API key auth, throttling, JSON, per-row validation,
   idempotency lookups, bulk insert) and the scoring of its contacts (once each, in the
   request's transaction) before it returns: "scores updated" is inside the timing.
3. The same activities COPYed into the activity table (yardstick), then deleted.
4. CSV import: a Salesforce Lead export of R rows (default 100,000; the real 67-column header)
   through contacts.imports.import_job_execute (the Celery task's service), scoring included.
   Then a newer export of the same leads with every row changed (the weekly sync's case)
   through the same import: updated rows/s.
5. The same contacts COPYed into the contact table (yardstick), then deleted.

Target (issue 10): bulk activities, scores current when the response returns, >= 15 % of COPY.
Example: python -m bench api --reset --cleanup
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench import _csv_export
from bench import scoring as scoring_bench
from bench._common import BENCH_PREFIX, BenchError, Report, analyze_tables, say, timed
from contacts.models import Activity, Contact, ImportJob
from contacts.services import CompanyRow, ContactRow, companies_bulk_upsert, contacts_bulk_upsert
from leadscore.celery import app as celery_app
from scoring import selectors
from scoring import services as scoring_services
from scoring.defaults import default_model_create
from scoring.models import ContactScore, ScoreChange

TARGET_SHARE_OF_COPY = 0.15
KINDS = [
    ("page_view", 50),
    ("pricing_page_view", 8),
    ("email_open", 15),
    ("email_click", 10),
    ("content_download", 8),
    ("webinar_attended", 4),
    ("form_submission", 4),
    ("demo_request", 1),
]
BENCH_USER = f"{BENCH_PREFIX}api-user"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contacts", type=int, default=20_000, help="contacts (20,000)")
    parser.add_argument("--activities", type=int, default=200_000, help="activities (200,000)")
    parser.add_argument("--per-request", type=int, default=10_000, help="items a request (10,000)")
    parser.add_argument("--csv-rows", type=int, default=100_000, help="CSV rows (100,000)")
    parser.add_argument("--seed", type=int, default=5)


def _build_contacts(count: int) -> list[int]:
    companies = max(1, count // 5)
    companies_bulk_upsert(
        rows=[
            CompanyRow(
                index=i,
                domain=f"{BENCH_PREFIX}co{i}.example",
                fields={
                    "name": f"{BENCH_PREFIX}Company {i}",
                    "industry": random.choice(["Software", "Retail", "Healthcare", "Finance"]),
                    "employee_count": random.choice([20, 120, 600, 2500]),
                    "country": random.choice(["United States", "Germany", "France"]),
                },
            )
            for i in range(companies)
        ]
    )
    for start in range(0, count, 10_000):
        rows = [
            ContactRow(
                index=i,
                email=f"{BENCH_PREFIX}p{i}@{BENCH_PREFIX}co{i % companies}.example",
                fields={
                    "first_name": f"P{i}",
                    "job_title": random.choice(["CTO", "Engineer", "VP Sales"]),
                },
                company={"domain": f"{BENCH_PREFIX}co{i % companies}.example"},
            )
            for i in range(start, min(count, start + 10_000))
        ]
        contacts_bulk_upsert(rows=rows)
    return list(Contact.objects.filter(email__startswith=BENCH_PREFIX).values_list("pk", flat=True))


def _activities(contacts: list[tuple[int, str]], count: int, rng: random.Random) -> list[dict]:
    now = timezone.now()
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    items = []
    for i in range(count):
        contact_id, email = contacts[rng.randrange(len(contacts))]
        items.append(
            {
                "contact_email": email,
                "kind": rng.choices(kinds, weights)[0],
                "occurred_at": (now - timedelta(minutes=rng.randrange(60 * 24 * 60))).isoformat(),
                "properties": {"url": f"/page/{rng.randrange(50)}"},
                "source": f"{BENCH_PREFIX}tracker",
                "external_id": f"evt-{i}",
                "_contact_id": contact_id,
            }
        )
    return items


def _copy_activities(items: list[dict]) -> float:
    now = timezone.now()
    table = connection.ops.quote_name(Activity._meta.db_table)
    sql = (
        f"COPY {table} (contact_id, kind, custom_kind, occurred_at, properties, source, "
        "external_id, created_at) FROM STDIN"
    )
    start = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for item in items:
            copy.write_row(
                (
                    item["_contact_id"],
                    item["kind"],
                    "",
                    item["occurred_at"],
                    json.dumps(item["properties"]),
                    f"{BENCH_PREFIX}copy",
                    item["external_id"],
                    now,
                )
            )
    return time.perf_counter() - start


class _RescoreTimer:
    """Adds up the time spent in scoring.services.contacts_score (scoring inside each request)."""

    def __init__(self) -> None:
        self.seconds, self.calls, self.contacts = 0.0, 0, 0
        self.original = scoring_services.contacts_score

    def __enter__(self) -> _RescoreTimer:
        def timed_rescore(**kwargs: Any):
            start = time.perf_counter()
            try:
                return self.original(**kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1
                self.contacts += len(kwargs.get("contact_ids", ()))

        scoring_services.contacts_score = timed_rescore
        return self

    def __exit__(self, *exc: object) -> None:
        scoring_services.contacts_score = self.original


def run(args: argparse.Namespace, report: Report) -> None:
    if connection.vendor != "postgresql":
        raise BenchError("This benchmark compares with PostgreSQL COPY: set DATABASE_URL.")
    rng = random.Random(args.seed)
    random.seed(args.seed)
    celery_app.conf.task_always_eager = True  # scoring runs inside each request, and is timed
    report.parameters.update(
        contacts=args.contacts,
        activities=args.activities,
        per_request=args.per_request,
        csv_rows=args.csv_rows,
        celery="eager (rescoring inside each request; outbox deliveries held and timed apart)",
    )
    model = selectors.live_model() or default_model_create(name=f"{BENCH_PREFIX}Default model")
    report.parameters["scoring_model"] = model.name
    with timed(f"Building {args.contacts:,} scored contacts"):
        _build_contacts(args.contacts)
    analyze_tables(Contact, ContactScore)
    contacts = list(
        Contact.objects.filter(email__startswith=BENCH_PREFIX).values_list("pk", "email")
    )
    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_superuser": True}
    )
    _report_bulk(report, args, _bulk_api(args, user, _activities(contacts, args.activities, rng)))
    _report_csv(report, args, _csv_import(args, rng))
    get_user_model().objects.filter(username=BENCH_USER).delete()
    say("done")


@dataclass
class _BulkFigures:
    api_seconds: float  # the requests' time, the worker's deliveries taken out
    latencies: list[float]
    rescore: _RescoreTimer
    worker_seconds: float
    stored: int  # activities stored
    rescored: int  # scores written since the first request
    changes: int  # timeline entries written
    resend_rate: float
    copy_seconds: float


def _bulk_api(args: argparse.Namespace, user: Any, items: list[dict]) -> _BulkFigures:
    """POST the activities in requests of args.per_request, send two again, then COPY them."""
    from integrations.services import api_key_create

    key, raw = api_key_create(
        name=f"{BENCH_PREFIX}api",
        owner=user,
        scopes=["read", "write", "import"],
        throttle_rate="1000000/min",
    )
    bodies = [
        json.dumps(
            {"items": [{k: v for k, v in item.items() if k != "_contact_id"} for item in chunk]}
        ).encode()
        for chunk in (
            items[start : start + args.per_request]
            for start in range(0, len(items), args.per_request)
        )
    ]
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}")
    changes_before = ScoreChange.objects.count()
    scored_before = timezone.now()
    try:
        with (
            _RescoreTimer() as rescore,
            scoring_bench.held_deliveries() as held,
            timed(f"Bulk API: {args.activities:,} activities") as t,
        ):
            latencies, worker_ms = _post_all(client, bodies, held)
        resend_rate = _resend(client, bodies[:2])
        with timed("COPY yardstick: the same activities"):
            copy_seconds = _copy_activities(items)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Activity._meta.db_table} WHERE source = %s",
                [f"{BENCH_PREFIX}copy"],
            )
    finally:
        key.delete()
    return _BulkFigures(
        api_seconds=t["seconds"] - worker_ms / 1000,
        latencies=latencies,
        rescore=rescore,
        worker_seconds=worker_ms / 1000,
        stored=Activity.objects.filter(source=f"{BENCH_PREFIX}tracker").count(),
        rescored=ContactScore.objects.filter(scored_at__gte=scored_before).count(),
        changes=ScoreChange.objects.count() - changes_before,
        resend_rate=resend_rate,
        copy_seconds=copy_seconds,
    )


def _post_all(client: Client, bodies: list[bytes], held: list[int]) -> tuple[list[float], float]:
    """Each request's seconds, and the worker's milliseconds delivering what they queued."""
    latencies, worker_ms = [], 0.0
    for body in bodies:
        start = time.perf_counter()
        response = client.post("/api/v1/activities/bulk/", body, content_type="application/json")
        latencies.append(time.perf_counter() - start)
        worker_ms += scoring_bench.deliver_held(held)  # a worker's job: timed apart
        if response.status_code != 200:
            raise BenchError(f"Bulk API answered {response.status_code}: {response.content[:500]}")
        counts = response.json()["counts"]
        if counts["created"] != body.count(b'"kind"'):
            raise BenchError(f"Unexpected row results: {counts}")
    return latencies, worker_ms


def _resend(client: Client, bodies: list[bytes]) -> float:
    """Activities/s of requests sent again: every row must answer unchanged."""
    with timed("Bulk API again (idempotent re-send, nothing new)") as again:
        for body in bodies:
            counts = client.post(
                "/api/v1/activities/bulk/", body, content_type="application/json"
            ).json()["counts"]
            if counts["unchanged"] != body.count(b'"kind"'):
                raise BenchError(f"Re-send was not idempotent: {counts}")
    return sum(b.count(b'"kind"') for b in bodies) / again["seconds"]


def _report_bulk(report: Report, args: argparse.Namespace, f: _BulkFigures) -> None:
    api_rate = args.activities / f.api_seconds
    copy_rate = args.activities / f.copy_seconds
    without_rescore = args.activities / (f.api_seconds - f.rescore.seconds)
    mean = sum(f.latencies) / len(f.latencies)
    report.section(f"Bulk API: POST /api/v1/activities/bulk/, {args.per_request:,} per request")
    rows = [
        ("api_activities_per_second", "activities/s (scores updated)", api_rate,
         f"{api_rate:,.0f}/s", f"{f.api_seconds:.1f} s for {f.stored:,} stored"),
        ("api_request_seconds_mean", "seconds per request (mean / max)", mean,
         f"{mean:.2f} s", f"max {max(f.latencies):.2f} s"),
        ("rescore_seconds", "of which scoring (contacts_score, same transaction)",
         f.rescore.seconds, f"{f.rescore.seconds:.1f} s",
         f"{f.rescore.calls} task(s), {f.rescore.contacts:,} contact rescores, "
         f"{f.rescored:,} scores now fresh, {f.changes:,} timeline entries"),
        ("outbox_delivery_seconds", "its outbox deliveries, in a worker (accounts)",
         f.worker_seconds, f"{f.worker_seconds:.1f} s", "not in the requests' time"),
        ("api_write_activities_per_second", "activities/s without the rescore",
         without_rescore, f"{without_rescore:,.0f}/s", ""),
        ("resend_activities_per_second", "idempotent re-send (all unchanged)",
         f.resend_rate, f"{f.resend_rate:,.0f}/s", ""),
        ("copy_activities_per_second", "COPY, same rows (yardstick)", copy_rate,
         f"{copy_rate:,.0f}/s", f"{f.copy_seconds:.2f} s"),
    ]  # fmt: skip
    for row in rows:
        report.add(*row)
    share = api_rate / copy_rate
    met = "met" if share >= TARGET_SHARE_OF_COPY else "MISSED"
    report.add(
        "api_share_of_copy",
        "bulk API / COPY",
        share,
        f"{share:.0%}",
        f"target >= {TARGET_SHARE_OF_COPY:.0%} of COPY (issue 10): {met}",
    )


@dataclass
class _CsvFigures:
    job: ImportJob
    seconds: float
    rescore: _RescoreTimer
    dry_seconds: float
    changed_seconds: float
    rescore_again: _RescoreTimer
    copy_seconds: float


def _csv_import(args: argparse.Namespace, rng: random.Random) -> _CsvFigures:
    """Import a Salesforce export, dry-run it again, import a changed one, then COPY as many."""
    workdir = Path(tempfile.mkdtemp(prefix="leadscore-bench-"))
    try:
        csv_path = workdir / "salesforce-leads.csv"
        with timed(f"Writing a {args.csv_rows:,}-row Salesforce Lead export"):
            _csv_export.csv_file(csv_path, args.csv_rows, rng)
        os.environ["IMPORT_DIR"] = str(workdir)
        with _RescoreTimer() as rescore, timed(f"CSV import: {args.csv_rows:,} rows") as t:
            job = _csv_export.import_file(csv_path, dry_run=False)
        if job.created_count != args.csv_rows:
            raise BenchError(
                f"CSV import created {job.created_count:,}, rejected {job.rejected_count:,}"
            )
        with timed("CSV dry run of the same file (all unchanged)") as dry:
            again = _csv_export.import_file(csv_path, dry_run=True)
        # A newer export of the same leads, every one changed: the weekly sync's case.
        changed_path = workdir / "salesforce-leads-changed.csv"
        _csv_export.csv_file(changed_path, args.csv_rows, rng, revision=1)
        with (
            _RescoreTimer() as rescore_again,
            timed(f"CSV re-import: {args.csv_rows:,} rows, every one changed") as changed,
        ):
            reimport = _csv_export.import_file(changed_path, dry_run=False)
        if reimport.updated_count != args.csv_rows:
            raise BenchError(
                f"CSV re-import updated {reimport.updated_count:,} of {args.csv_rows:,} rows"
            )
        with timed("COPY yardstick: the same number of contacts"):
            copy_seconds = _csv_export.copy_contacts(args.csv_rows)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Contact._meta.db_table} WHERE email LIKE %s",
                [f"{BENCH_PREFIX}copy%"],
            )
        ImportJob.objects.filter(pk__in=[job.pk, again.pk, reimport.pk]).delete()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return _CsvFigures(
        job, t["seconds"], rescore, dry["seconds"], changed["seconds"], rescore_again, copy_seconds
    )


def _report_csv(report: Report, args: argparse.Namespace, f: _CsvFigures) -> None:
    csv_rate = args.csv_rows / f.seconds
    copy_rate = args.csv_rows / f.copy_seconds
    dry_rate = args.csv_rows / f.dry_seconds
    reimport_rate = args.csv_rows / f.changed_seconds
    report.section(f"CSV import (Salesforce Lead export, 67 columns, {args.csv_rows:,} rows)")
    rows = [
        ("csv_contacts_per_second", "contacts/s (companies, outcomes, scores)", csv_rate,
         f"{csv_rate:,.0f}/s",
         f"{f.seconds:.1f} s: {f.job.created_count:,} contacts, "
         f"{f.job.outcomes_count:,} outcomes"),
        ("csv_rescore_seconds", "of which rescoring", f.rescore.seconds,
         f"{f.rescore.seconds:.1f} s", f"{f.rescore.calls} batch task(s)"),
        ("csv_dry_run_rows_per_second", "dry run rows/s (re-import, all unchanged)",
         dry_rate, f"{dry_rate:,.0f}/s", ""),
        ("csv_reimport_rows_per_second", "re-import rows/s (every row changed, scores)",
         reimport_rate, f"{reimport_rate:,.0f}/s",
         f"{f.changed_seconds:.1f} s, of which rescoring {f.rescore_again.seconds:.1f} s"),
        ("copy_contacts_per_second", "COPY, same number of contacts (yardstick)", copy_rate,
         f"{copy_rate:,.0f}/s", f"{f.copy_seconds:.2f} s"),
        ("csv_share_of_copy", "CSV import / COPY", csv_rate / copy_rate,
         f"{csv_rate / copy_rate:.0%}", ""),
    ]  # fmt: skip
    for row in rows:
        report.add(*row)
