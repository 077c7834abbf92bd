"""
After the dry run, the import button counts the rows the import will take (created, updated,
unchanged), not the file's rows, and says how many will be rejected or skipped.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import Contact, ImportJob, ImportStatus
from tests.factories import ContactFactory
from tests.intake.csv_helpers import write_csv

pytestmark = pytest.mark.django_db

COLUMNS = ["Email", "First Name", "IsDeleted"]


def _dry_run(client, tmp_path, rows, capture) -> tuple[ImportJob, str]:
    path = write_csv(tmp_path / "leads.csv", COLUMNS, rows)
    upload = SimpleUploadedFile("leads.csv", path.read_bytes(), content_type="text/csv")
    client.post("/contacts/import/", {"file": upload, "kind": "contacts"})
    job = ImportJob.objects.get()
    mapping = {f"map-{i}": target for i, target in job.mapping.items()}
    with capture(execute=True):
        client.post(f"/contacts/import/{job.pk}/", {"action": "dry_run", **mapping})
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    return job, client.get(f"/contacts/import/{job.pk}/").content.decode()


def test_the_button_counts_only_the_rows_that_will_be_imported(
    ops_client, tmp_path, django_capture_on_commit_callbacks
):
    ContactFactory(email="known@gmail.com", first_name="Old", company=None)
    ContactFactory(email="same@gmail.com", first_name="Same", company=None)
    rows = [
        {"Email": "known@gmail.com", "First Name": "New"},  # updated
        {"Email": "same@gmail.com", "First Name": "Same"},  # unchanged
        {"Email": "fresh@gmail.com", "First Name": "Fresh"},  # created
        {"Email": "broken", "First Name": "Broken"},  # rejected
        {"Email": "fresh@gmail.com", "First Name": "Twice"},  # rejected: already in file
        {"Email": "gone@gmail.com", "IsDeleted": "1"},  # skipped
    ]
    job, page = _dry_run(ops_client, tmp_path, rows, django_capture_on_commit_callbacks)

    assert job.total_rows == 6
    assert job.dry_run["counts"] == {"created": 1, "updated": 1, "unchanged": 1, "error": 2}
    assert ">Import 3 rows</button>" in page and "Import 6 rows" not in page
    assert "2 rows will be rejected · 1 skipped (deleted in the source): not counted" in page
    assert "Download the 2 rows that would be rejected" in page

    with django_capture_on_commit_callbacks(execute=True):
        ops_client.post(f"/contacts/import/{job.pk}/", {"action": "run"})
    job.refresh_from_db()
    # The import took exactly the rows the button promised.
    assert job.created_count + job.updated_count + job.unchanged_count == 3
    assert (job.rejected_count, job.skipped_count) == (2, 1)
    assert sorted(Contact.objects.values_list("email", "first_name")) == [
        ("fresh@gmail.com", "Fresh"),
        ("known@gmail.com", "New"),
        ("same@gmail.com", "Same"),
    ]


def test_no_import_button_when_every_row_would_be_rejected(
    ops_client, tmp_path, django_capture_on_commit_callbacks
):
    rows = [{"Email": "broken"}, {"Email": "also broken"}]
    job, page = _dry_run(ops_client, tmp_path, rows, django_capture_on_commit_callbacks)

    assert job.dry_run["counts"]["error"] == 2
    assert 'value="run"' not in page
    assert "No row would be imported: change the mapping or fix the file." in page
    assert "2 rows will be rejected: not counted in the import." in page
    assert not Contact.objects.exists()
