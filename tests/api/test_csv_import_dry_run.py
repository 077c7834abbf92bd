"""The dry run forecasts created / updated / rejected rows with samples and writes nothing."""

from __future__ import annotations

import pytest

from contacts.imports import import_job_create, import_job_execute
from contacts.models import Company, Contact, ImportStatus
from tests.api.csv_files import write_export
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_the_dry_run_counts_and_samples_without_writing(tmp_path, salesforce_header):
    ContactFactory(email="known@acme.example", first_name="Old")
    rows = [
        {"Email": "known@acme.example", "FirstName": "New", "LastName": "K", "Company": "Acme"},
        {"Email": "fresh@acme.example", "LastName": "F", "Company": "Acme"},
        {"Email": "", "LastName": "No email", "Company": "Acme"},
    ]
    path = write_export(tmp_path / "leads.csv", salesforce_header, rows)
    job = import_job_create(upload=path.open("rb"), file_name=path.name)
    contacts_before, companies_before = Contact.objects.count(), Company.objects.count()

    job = import_job_execute(job_id=job.pk, dry_run=True, batch_rows=2)

    assert job.status == ImportStatus.CHECKED and job.total_rows == 3
    assert job.dry_run["counts"] == {"created": 1, "updated": 1, "unchanged": 0, "error": 1}
    samples = job.dry_run["samples"]
    assert samples["updated"][0]["email"] == "known@acme.example"
    assert (
        samples["error"][0]["row"] == 4
        and "neither an email nor an id" in samples["error"][0]["error"]
    )
    assert (Contact.objects.count(), Company.objects.count()) == (contacts_before, companies_before)
    assert Contact.objects.get(email="known@acme.example").first_name == "Old"
