"""
CSV import jobs: the uploaded file, how its columns map to fields, the dry run's forecast and
the real run's progress and counts. Imported into contacts.models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportKind(models.TextChoices):
    CONTACTS = "contacts", "Contacts (with their companies)"
    COMPANIES = "companies", "Companies"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded: check the mapping"
    DRY_RUN_QUEUED = "dry_queued", "Dry run queued"
    DRY_RUNNING = "dry_running", "Dry run in progress"
    CHECKED = "checked", "Dry run done: ready to import"
    QUEUED = "queued", "Import queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """
    A CSV import of contacts or companies: the uploaded file, how its columns map to fields,
    the dry run's forecast and the real run's progress, counts and rejected rows.

    The file and the rejected rows live in the import storage (contacts.imports.import_storage);
    the worker streams them, so a file of a million rows never sits in memory.
    """

    kind = models.CharField(max_length=10, choices=ImportKind.choices, default="contacts")
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default="uploaded")
    file_name = models.CharField(max_length=255, help_text="The name the file was uploaded as.")
    stored_path = models.CharField(max_length=255, editable=False)
    file_size = models.BigIntegerField(default=0)
    delimiter = models.CharField(max_length=1, default=",")
    encoding = models.CharField(max_length=20, default="utf-8-sig")
    # The header as read from the file, and for each column index the target field
    # ("email", "property", "ignore"...); see contacts.imports.CONTACT_TARGETS.
    columns = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    outcomes_count = models.PositiveIntegerField(default=0)
    # Rows not imported on purpose (Salesforce IsDeleted = 1), counted apart from rejections.
    skipped_count = models.PositiveIntegerField(default=0)
    # The system the file's id column comes from ("hubspot", "salesforce", or as given), so a
    # later import of the same system finds its contacts by that id.
    id_source = models.CharField(max_length=100, blank=True)
    # What the run decided beyond the counts: won/lost outcomes, where each outcome date came
    # from, companies created, skipped rows ... (see contacts.imports.import_job_execute).
    summary = models.JSONField(default=dict, blank=True)
    # The dry run's counts and a few sample rows per result, shown before the real run.
    dry_run = models.JSONField(default=dict, blank=True)
    rejected_path = models.CharField(max_length=255, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The upload page's list of recent imports, newest first.
            models.Index(fields=["-created_at"], name="importjob_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in {
            ImportStatus.DRY_RUN_QUEUED,
            ImportStatus.DRY_RUNNING,
            ImportStatus.QUEUED,
            ImportStatus.RUNNING,
        }

    @property
    def dry_run_importable(self) -> int:
        """Rows the dry run found the import will take: not rejected, not skipped as deleted."""
        counts = self.dry_run.get("counts", {})
        return sum(counts.get(status, 0) for status in ("created", "updated", "unchanged"))

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, int(100 * self.processed_rows / self.total_rows))
