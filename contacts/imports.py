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

This module holds the jobs (upload, mapping, start, run); the rest by concern beside it:
import_mapping (targets, the automatic mapping and its checks), import_rows (a record as a row
for the bulk services) and import_runs (one run over the file: batches, counts, samples).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from django.conf import settings
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
from contacts.import_mapping import (
    COMPANY_TARGETS,
    CONTACT_TARGETS,
    IGNORE,
    PROPERTY,
    guess_id_source,
    mapping_check,
    mapping_guess,
)
from contacts.import_runs import ImportRun
from contacts.import_values import CellError, parse_datetime_cell
from contacts.models import ImportJob, ImportKind, ImportStatus
from leadscore.batch_gc import fewer_collections
from leadscore.on_commit import BROKER_REFUSED, enqueue_safely

BATCH_ROWS = 2000
# Re-exported for views, commands and predictive_from_csv.
__all__ = [
    "COMPANY_TARGETS",
    "CONTACT_TARGETS",
    "IGNORE",
    "PROPERTY",
    "CellError",
    "CsvFileError",
    "CsvFormat",
    "csv_sniff",
    "guess_id_source",
    "mapping_check",
    "mapping_guess",
    "parse_datetime_cell",
]

# ---- Where uploaded files and rejected rows live -----------------------------------------


def import_dir() -> Path:
    """Uploaded files and rejected rows; shared by web and worker (IMPORT_DIR)."""
    path = Path(os.environ.get("IMPORT_DIR") or settings.BASE_DIR / "var" / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


# ---- Reading the file: contacts.csvfile -------------------------------------------------


def csv_rows(path: Path, fmt: CsvFormat) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, values); see contacts.csvfile.csv_records."""
    return csv_records(path, fmt)


# ---- Jobs --------------------------------------------------------------------------------


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


class _DryRunRollback(Exception):
    """Raised at the end of a dry run to roll back everything it wrote."""


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
            run = ImportRun(job, dry_run, RejectedWriter(rejected_file, job.columns))
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


def _run_batches(run: ImportRun, path: Path, fmt: CsvFormat, batch_rows: int, progress) -> None:
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


def _finish_job(job: ImportJob, run: ImportRun, dry_run: bool, rejected_path: Path) -> ImportJob:
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
