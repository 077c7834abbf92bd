"""
One run over an import file, batch by batch: rows converted and checked against the rows
before them in the file (the first row of a person wins), written through the bulk services,
counted, sampled for the dry run's report, and rejected rows written out with their errors.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from contacts.csvfile import RejectedWriter
from contacts.identity import normalize_email
from contacts.import_rows import RowRejected, SkipRow, error_text, row_converter
from contacts.models import ImportJob, ImportKind, normalize_domain
from contacts.services import (
    CompanyRow,
    ContactRow,
    RowResult,
    RowStatus,
    companies_bulk_upsert,
    contacts_bulk_upsert,
)

SAMPLE_ROWS = 5  # sample rows kept per result for the dry run's report

# Where an outcome's date came from, in the order they are tried.
OUTCOME_DATE_LABELS = (
    ("mapped", "from the mapped outcome date"),
    ("modified", "from the row's last modified date"),
    ("created", "from the row's created date"),
    ("import", "at the time of the import (no date in the row)"),
)


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


class ImportRun:
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
        # Rows whose company was kept as properties, not linked (see import_rows): counted and
        # sampled with the reason, so the page says which names did not become accounts.
        self.not_linked: dict[int, str] = {}
        self.company_not_linked = 0
        self.company_not_linked_samples: list[dict[str, Any]] = []
        self.convert = row_converter(job.columns, job.mapping, job.kind, job.id_source)
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
        if converted.company_not_linked:
            self.not_linked[number] = converted.company_not_linked
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
                self.rejected.writerow([row.index, *values, error_text(row.errors)])
            elif row.index in date_from and row.status != RowStatus.UNCHANGED:
                source, outcome = date_from[row.index]
                self.outcome_dates[source] += 1
                self.outcome_results[outcome] += 1
            label = _row_label(by_index.get(row.index), values)
            self._count_not_linked(row, label)
            if len(self.samples[row.status]) < SAMPLE_ROWS:
                self.samples[row.status].append(
                    {
                        "row": row.index,
                        "label": label,
                        "email": getattr(by_index.get(row.index), "email", ""),
                        "error": error_text(row.errors),
                    }
                )
        self.processed += len(batch)
        _progress(self.job.pk, self.processed, side_connection=self.dry_run)

    def _count_not_linked(self, result: RowResult, label: str) -> None:
        """Count (and sample) a written row whose company was kept as properties."""
        note = self.not_linked.pop(result.index, "")
        if not note or result.status == RowStatus.ERROR:
            return
        self.company_not_linked += 1
        if len(self.company_not_linked_samples) < SAMPLE_ROWS:
            self.company_not_linked_samples.append(
                {"row": result.index, "label": label, "note": note}
            )

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
            "company_not_linked": self.company_not_linked,
            "company_not_linked_samples": self.company_not_linked_samples,
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
