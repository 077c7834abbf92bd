"""
A row naming a company but without a company domain, from a free-mail, placeholder or no email,
is imported with the company kept as properties, and the dry run and the import say so per row.
"""

from __future__ import annotations

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from contacts.models import Company, Contact, ImportJob, ImportStatus
from tests.intake.csv_helpers import write_csv

pytestmark = pytest.mark.django_db

COLUMNS = ["Id", "Email", "First Name", "Company", "Industry", "Website"]
ROWS = [
    {"Id": "1", "Email": "jane@gmail.com", "Company": "Acme Corp", "Industry": "Software"},
    {"Id": "2", "Email": "carl@example.com", "Company": "Carl Shop"},
    {"Id": "3", "Company": "Ghost Inc"},
    {"Id": "4", "Email": "bob@northwind.com", "Company": "Northwind"},
    {"Id": "5", "Email": "ivy@gmail.com", "Company": "Initech", "Website": "www.initech.com"},
    {"Id": "6", "Email": "not-an-email", "Company": "Rejected Co"},
    {"Id": "7", "Email": "solo@gmail.com", "First Name": "Solo"},
]


def _page(client, job) -> str:
    return unescape(client.get(f"/contacts/import/{job.pk}/").content.decode())


def test_the_dry_run_and_the_import_name_each_company_not_linked(
    ops_client, tmp_path, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "leads.csv", COLUMNS, ROWS)
    upload = SimpleUploadedFile("leads.csv", path.read_bytes(), content_type="text/csv")
    ops_client.post("/contacts/import/", {"file": upload, "kind": "contacts"})
    job = ImportJob.objects.get()
    mapping = {f"map-{i}": target for i, target in job.mapping.items()}

    with django_capture_on_commit_callbacks(execute=True):
        ops_client.post(f"/contacts/import/{job.pk}/", {"action": "dry_run", **mapping})
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    page = _page(ops_client, job)
    assert "Companies not linked" in page
    assert "3 rows that would be imported without an account" in page
    assert (
        "Row 2: jane@gmail.com — Company 'Acme Corp' not linked to an account: no company "
        "domain in the row and gmail.com is a free-mail provider. Kept as the contact's "
        "properties company_name, company_industry." in page
    )
    assert "example.com is a placeholder or test domain" in page and "Carl Shop" in page
    assert "Company 'Ghost Inc' not linked" in page and "the row has no email" in page
    # Linked (by the email's or the mapped domain), rejected, or naming no company: not listed.
    assert page.count("not linked to an account") == 3

    with django_capture_on_commit_callbacks(execute=True):
        ops_client.post(f"/contacts/import/{job.pk}/", {"action": "run"})
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_count) == (ImportStatus.DONE, 6, 1)
    assert job.summary["company_not_linked"] == 3
    assert [s["row"] for s in job.summary["company_not_linked_samples"]] == [2, 3, 4]
    page = _page(ops_client, job)
    assert "3 rows imported without an account" in page
    assert "Company 'Acme Corp' not linked to an account" in page

    # The data is kept on the contact, and no account is made up from a name alone.
    jane = Contact.objects.get(email="jane@gmail.com")
    assert jane.company is None
    assert jane.properties == {"company_name": "Acme Corp", "company_industry": "Software"}
    assert Contact.objects.get(email="carl@example.com").properties["company_name"] == "Carl Shop"
    assert Contact.objects.get(identities__external_id="3").properties == {
        "company_name": "Ghost Inc"
    }
    assert sorted(Company.objects.values_list("domain", "name")) == [
        ("initech.com", "Initech"),
        ("northwind.com", "Northwind"),
    ]
    assert Contact.objects.get(email="ivy@gmail.com").company.domain == "initech.com"


def test_the_api_refuses_a_company_without_a_domain_rather_than_dropping_it(ops_api):
    """The other intake path follows the same rule: a company is matched by its domain only."""
    response = ops_api.post(
        "/api/v1/contacts/",
        {"email": "jane@gmail.com", "company": {"name": "Acme Corp"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"company.domain": ["This field is required."]}
    assert not Contact.objects.exists() and not Company.objects.exists()


def test_the_command_lists_the_companies_not_linked(tmp_path, capsys):
    path = write_csv(tmp_path / "leads.csv", COLUMNS, ROWS[:1])
    call_command("import_csv", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "1 row without a linked company" in out
    assert "row 2: Company 'Acme Corp' not linked to an account" in out
    assert not Contact.objects.exists()
