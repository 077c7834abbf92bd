"""Marketing ops upload a CSV, check and change the mapping, dry-run, import, download rejects."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import Contact, ImportJob, ImportStatus
from tests.api.csv_files import write_export

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["rep_client", "manager_client"])
def test_only_marketing_ops_and_admins_may_import(request, persona):
    client = request.getfixturevalue(persona)
    assert client.get("/contacts/import/").status_code == 403


def test_the_upload_page_needs_a_login(client):
    response = client.get("/contacts/import/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_upload_map_dry_run_import_and_download_rejects(
    ops_client, tmp_path, salesforce_header, django_capture_on_commit_callbacks
):
    rows = [
        {
            "Email": "zoe@northwind.example",
            "FirstName": "Zoë",
            "LastName": "Å",
            "Company": "Northwind",
            "Title": "CEO",
        },
        {"Email": "broken", "LastName": "Broken", "Company": "X"},
    ]
    path = write_export(tmp_path / "leads.csv", salesforce_header, rows, delimiter=";", bom=True)
    upload = SimpleUploadedFile("leads.csv", path.read_bytes(), content_type="text/csv")
    response = ops_client.post("/contacts/import/", {"file": upload, "kind": "contacts"})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contacts/import/{job.pk}/"

    page = ops_client.get(f"/contacts/import/{job.pk}/").content.decode()
    assert "Column mapping" in page and "semicolon-separated" in page
    assert 'name="map-9" id="map-9"' in page  # "Title": shown with its target, changeable
    assert "zoe@northwind.example" in page  # sample values

    mapping = {f"map-{i}": target for i, target in job.mapping.items()}
    mapping[f"map-{job.columns.index('Title')}"] = "property"
    with django_capture_on_commit_callbacks(execute=True):
        ops_client.post(f"/contacts/import/{job.pk}/", {"action": "dry_run", **mapping})
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert job.dry_run["counts"]["created"] == 1 and job.dry_run["counts"]["error"] == 1
    assert not Contact.objects.exists()
    page = ops_client.get(f"/contacts/import/{job.pk}/").content.decode()
    assert "Dry run: what the import would do" in page and "would be created" in page

    with django_capture_on_commit_callbacks(execute=True):
        ops_client.post(f"/contacts/import/{job.pk}/", {"action": "run"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == 1 and job.rejected_count == 1
    zoe = Contact.objects.get()
    assert zoe.job_title == "" and zoe.properties["Title"] == "CEO"

    page = ops_client.get(f"/contacts/import/{job.pk}/").content.decode()
    assert "Download 1 rejected row" in page
    # Scored in each batch's transaction, not later: the page says so.
    assert "their scores are current now" in page
    download = ops_client.get(f"/contacts/import/{job.pk}/rejected.csv")
    assert download["Content-Disposition"].startswith('attachment; filename="leads-rejected.csv"')
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("row,Id,IsDeleted") and text.splitlines()[0].endswith(
        ",error"
    )
    assert "broken" in text and "not a valid email" in text


def test_the_real_run_needs_a_dry_run_first(ops_client, tmp_path, salesforce_header):
    path = write_export(
        tmp_path / "l.csv", salesforce_header, [{"Email": "a@b.example", "LastName": "A"}]
    )
    ops_client.post("/contacts/import/", {"file": SimpleUploadedFile("l.csv", path.read_bytes())})
    job = ImportJob.objects.get()
    ops_client.post(f"/contacts/import/{job.pk}/", {"action": "run"})
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED and not Contact.objects.exists()


def test_a_mapping_without_email_is_refused_with_a_message(ops_client, tmp_path, salesforce_header):
    path = write_export(tmp_path / "l.csv", salesforce_header, [{"Email": "a@b.example"}])
    ops_client.post("/contacts/import/", {"file": SimpleUploadedFile("l.csv", path.read_bytes())})
    job = ImportJob.objects.get()
    mapping = {f"map-{i}": "property" for i in job.mapping}
    response = ops_client.post(
        f"/contacts/import/{job.pk}/", {"action": "dry_run", **mapping}, follow=True
    )
    assert "Map a column to &#x27;Email&#x27;" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_progress_is_polled_by_htmx_and_reloads_when_done(ops_client, tmp_path, salesforce_header):
    path = write_export(tmp_path / "l.csv", salesforce_header, [{"Email": "a@b.example"}])
    ops_client.post("/contacts/import/", {"file": SimpleUploadedFile("l.csv", path.read_bytes())})
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, total_rows=10, processed_rows=4
    )
    running = ops_client.get(f"/contacts/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    html = running.content.decode()
    assert 'value="40"' in html and 'hx-trigger="every 1s"' in html and "HX-Refresh" not in running
    page = ops_client.get(f"/contacts/import/{job.pk}/").content.decode()
    assert f'href="/contacts/import/{job.pk}/">Refresh</a>' in page  # works without JavaScript
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE)
    done = ops_client.get(f"/contacts/import/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
