"""`manage.py import_csv FILE`: import contacts or companies from a CSV, as the upload page does."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from contacts.imports import (
    COMPANY_TARGETS,
    CONTACT_TARGETS,
    import_job_create,
    import_job_execute,
    import_job_set_mapping,
)
from contacts.models import ImportJob, ImportKind


class Command(BaseCommand):
    help = (
        "Import a CSV of contacts (HubSpot, Salesforce or any export) or companies. Known "
        "columns map automatically; --map 'Column=field' changes one; other columns become "
        "custom properties. --dry-run reports what would happen and writes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", choices=ImportKind.values, default=ImportKind.CONTACTS)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="Map a column to a field (or 'property', 'ignore'); repeatable.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and count only.")
        parser.add_argument(
            "--source",
            default="",
            help="The system the id column comes from (default: hubspot, salesforce or csv, "
            "told by the header); contacts are found again by this system and id.",
        )
        parser.add_argument("--show-mapping", action="store_true", help="Print the mapping.")
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument("--batch", type=int, default=2000, help="Rows per transaction.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}.")
        with path.open("rb") as upload:
            job = import_job_create(
                upload=upload,
                file_name=path.name,
                kind=options["kind"],
                created_by=user,
                id_source=options["source"],
            )
        if job.error or job.status == "failed":
            raise CommandError(job.error)
        mapping = dict(job.mapping)
        by_name = {c.strip().lower(): str(i) for i, c in enumerate(job.columns)}
        targets = COMPANY_TARGETS if job.kind == ImportKind.COMPANIES else CONTACT_TARGETS
        for item in options["map"]:
            column, _, target = item.rpartition("=")
            if column.strip().lower() not in by_name:
                raise CommandError(f"No column {column!r} in the file.")
            if target not in targets:
                raise CommandError(f"Unknown field {target!r}; one of: {', '.join(targets)}.")
            mapping[by_name[column.strip().lower()]] = target
        try:
            job = import_job_set_mapping(job=job, mapping=mapping)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if options["show_mapping"]:
            for i, column in enumerate(job.columns):
                target = job.mapping[str(i)]
                if target not in ("property", "ignore"):
                    self.stdout.write(f"  {column} -> {target}")

        def progress(done: int, total: int | None) -> None:
            sys.stderr.write(f"\r{done:,} / {total or 0:,} rows")
            sys.stderr.flush()

        job = import_job_execute(
            job_id=job.pk,
            dry_run=options["dry_run"],
            batch_rows=options["batch"],
            progress=progress,
        )
        sys.stderr.write("\n")
        if job.status == "failed":
            raise CommandError(job.error)
        self._report(job, dry_run=options["dry_run"])

    def _report(self, job: ImportJob, *, dry_run: bool) -> None:
        """What the run did (or the dry run would do): counts, outcomes, rows to look at."""
        summary = job.dry_run.get("summary", {}) if dry_run else job.summary
        if dry_run:
            counts = job.dry_run["counts"]
            rejected = job.dry_run["rejected_path"]
            self.stdout.write(
                f"Dry run of {job.total_rows:,} rows: would create {counts['created']:,}, "
                f"update {counts['updated']:,}, leave {counts['unchanged']:,} unchanged, "
                f"reject {counts['error']:,}."
            )
        else:
            rejected = job.rejected_path
            self.stdout.write(
                f"Imported {job.total_rows:,} rows: {job.created_count:,} created, "
                f"{job.updated_count:,} updated, {job.unchanged_count:,} unchanged, "
                f"{job.rejected_count:,} rejected, {job.outcomes_count:,} outcomes."
            )
        outcomes = summary.get("outcomes", {})
        if any(outcomes.values()):
            self.stdout.write(
                f"Outcomes: {outcomes.get('won', 0):,} won, {outcomes.get('lost', 0):,} lost; "
                f"dated {', '.join(summary.get('date_labels', []))}."
            )
        if not_linked := summary.get("company_not_linked"):
            self.stdout.write(
                f"{not_linked:,} row{'s' if not_linked != 1 else ''} without a linked company "
                "(no company domain and a free-mail, placeholder or no email), for example:"
            )
            for sample in summary.get("company_not_linked_samples", []):
                self.stdout.write(f"  row {sample['row']}: {sample['note']}")
        if summary.get("skipped_deleted"):
            self.stdout.write(f"Skipped {summary['skipped_deleted']:,} rows deleted in the source.")
        if rejected and (job.rejected_count or job.dry_run.get("counts", {}).get("error")):
            self.stdout.write(f"Rejected rows with their error: {rejected}")
