"""A HubSpot "all contacts" export imports as it comes: 182 quoted columns, non-ASCII names."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from contacts.imports import import_job_create, import_job_execute
from contacts.models import Company, Contact, ImportJob, LifecycleStage
from tests.api.csv_files import columns_of, write_export

pytestmark = pytest.mark.django_db

ANA = {
    "Record ID": "101",
    "Email": "Ana.Mueller@Acme-GmbH.example",
    "First Name": "Ana",
    "Last Name": "Müller",
    "Job Title": "Leiterin IT",
    "Company Name": "Acme GmbH",
    "Company domain name": "acme-gmbh.example",
    "Country/Region": "Germany",
    "State/Region": "Bayern",
    "City": "München",
    "Industry": "Software",
    "Number of Employees": "250",
    "Annual Revenue": "1200000.50",
    "Lifecycle Stage": "marketingqualifiedlead",
    "Original Source": "ORGANIC_SEARCH",
    "Contact owner": "mona.marketing@example.com",
    "Became a Marketing Qualified Lead Date": "2024-03-05 14:22:10",
    "Became a Lead Date": "2024-01-02 08:00:00",
    "Unsubscribed from all email": "false",
    "höbbela": "grün",
    "HubSpot Score": "42",
}
GMAIL = {
    "Email": "zoe@gmail.com",
    "First Name": "Zoë",
    "Company Name": "Freelance",
    "Lifecycle Stage": "lead",
}
BROKEN = {"Email": "not an email", "First Name": "Broken"}


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (",", True), (";", True)])
def test_a_hubspot_export_imports_end_to_end(
    tmp_path, hubspot_header, marketing_ops, delimiter, bom
):
    assert len(columns_of(hubspot_header)) == 182
    path = write_export(
        tmp_path / "hubspot.csv", hubspot_header, [ANA, GMAIL, BROKEN], delimiter=delimiter, bom=bom
    )
    job = import_job_create(upload=path.open("rb"), file_name=path.name, created_by=marketing_ops)
    assert job.delimiter == delimiter and job.columns[0] == "Record ID"
    mapped = {
        job.columns[int(i)]: t for i, t in job.mapping.items() if t not in ("property", "ignore")
    }
    assert mapped["Email"] == "email" and mapped["Company domain name"] == "company_domain"
    assert mapped["Lifecycle Stage"] == "lifecycle_stage" and mapped["Contact owner"] == "owner"
    assert mapped["Became a Marketing Qualified Lead Date"] == "mql_at"
    assert (
        mapped["Country/Region"] == "country" and mapped["Number of Employees"] == "employee_count"
    )

    job = import_job_execute(job_id=job.pk, dry_run=False)

    assert (job.status, job.created_count, job.rejected_count) == ("done", 2, 1)
    ana = Contact.objects.get(email__iexact="ana.mueller@acme-gmbh.example")
    assert (ana.first_name, ana.last_name, ana.job_title) == ("Ana", "Müller", "Leiterin IT")
    assert ana.lifecycle_stage == LifecycleStage.MQL
    assert ana.mql_at.isoformat() == "2024-03-05T14:22:10+00:00"
    assert ana.lead_source == "organic_search"
    assert ana.unsubscribed is False
    assert ana.properties["höbbela"] == "grün"  # the non-ASCII column, kept as a property
    # "Record ID" is the contact's HubSpot id: the next HubSpot import finds it by that id.
    assert "Record ID" not in ana.properties and ana.properties["HubSpot Score"] == "42"
    assert list(ana.identities.values_list("source", "external_id")) == [("hubspot", "101")]
    assert (ana.country, ana.city) == ("Germany", "München")  # the contact's own location
    assert "Website URL" not in ana.properties  # empty cells are not stored
    company = ana.company
    assert (company.domain, company.name, company.country, company.city) == (
        "acme-gmbh.example",
        "Acme GmbH",
        "Germany",
        "München",
    )
    assert company.employee_count == 250 and company.annual_revenue == Decimal("1200000.50")
    assert company.account_owner == marketing_ops
    zoe = Contact.objects.get(email="zoe@gmail.com")
    assert zoe.company is None and zoe.properties["company_name"] == "Freelance"
    rejected = Path(job.rejected_path).read_text(encoding="utf-8-sig")
    assert "not an email" in rejected and "is not a valid email address" in rejected
    assert rejected.splitlines()[0].endswith(",error")


def test_importing_the_same_export_again_changes_nothing(tmp_path, hubspot_header):
    path = write_export(tmp_path / "hubspot.csv", hubspot_header, [ANA, GMAIL])
    call_command("import_csv", str(path))
    before = sorted(Contact.objects.values_list("email", "updated_at", "properties"))
    call_command("import_csv", str(path))
    job = ImportJob.objects.latest("pk")
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 2)
    assert sorted(Contact.objects.values_list("email", "updated_at", "properties")) == before
    assert Company.objects.count() == 1


def test_the_command_takes_mapping_changes_and_dry_runs(tmp_path, hubspot_header, capsys):
    path = write_export(tmp_path / "hubspot.csv", hubspot_header, [ANA])
    call_command(
        "import_csv",
        str(path),
        "--dry-run",
        "--map",
        "HubSpot Score=ignore",
        "--map",
        "Job Title=property",
    )
    assert "would create 1" in capsys.readouterr().out
    assert not Contact.objects.exists()
    call_command(
        "import_csv", str(path), "--map", "HubSpot Score=ignore", "--map", "Job Title=property"
    )
    ana = Contact.objects.get()
    assert "HubSpot Score" not in ana.properties
    assert ana.job_title == "" and ana.properties["Job Title"] == "Leiterin IT"
