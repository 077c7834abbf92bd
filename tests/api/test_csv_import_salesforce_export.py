"""A Salesforce Lead export imports as it comes: 0/1 flags, datetimes, empty lookups, outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from contacts.imports import import_job_create, import_job_execute, import_job_set_mapping
from contacts.models import Contact, LifecycleStage, Outcome
from tests.api.csv_files import columns_of, write_export

pytestmark = pytest.mark.django_db

CONVERTED = {
    "Id": "00Q5e00000AbCdEAAV",
    "IsDeleted": "0",
    "MasterRecordId": "000000000000000AAA",
    "FirstName": "Zoë",
    "LastName": "Ångström",
    "Title": "VP Sales",
    "Company": "Northwind Traders",
    "Website": "www.northwind.example",
    "City": "Malmö",
    "State": "Skåne",
    "Country": "Sweden",
    "Email": "zoe@northwind.example",
    "LeadSource": "Partner Referral",
    "Status": "Closed - Converted",
    "Industry": "Retail",
    "AnnualRevenue": "5000000",
    "NumberOfEmployees": "1200",
    "OwnerId": "005000000000001AAA",
    "HasOptedOutOfEmail": "1",
    "IsConverted": "1",
    "ConvertedDate": "2024-06-01",
    "ConvertedAccountId": "001000000000001AAA",
    "CreatedDate": "2024-01-15 09:30:00",
    "LastModifiedDate": "2024-06-01 10:00:00",
    "DoNotCall": "0",
    "Region__c": "EMEA",
    "LinkedIn__c": "https://linkedin.example/in/zoe",
}
OPEN = {
    "Id": "00Q5e00000AbCdFAAV",
    "MasterRecordId": "000000000000000AAA",
    "FirstName": "Omar",
    "LastName": "Haddad",
    "Company": "Contoso",
    "Email": "omar@contoso.example",
    "Status": "Open - Not Contacted",
    "IsConverted": "0",
    "ConvertedDate": "",
    "LastModifiedDate": "2024-02-01 10:00:00",
    "HasOptedOutOfEmail": "0",
}
LOST = {
    "Id": "00Q5e00000AbCdGAAV",
    "FirstName": "Lea",
    "LastName": "Lost",
    "Company": "Fabrikam",
    "Email": "lea@fabrikam.example",
    "Status": "Closed - Not Converted",
    "IsConverted": "0",
    "LastModifiedDate": "2024-04-10 16:45:00",
}
BAD = {
    "Id": "00Q5e00000AbCdHAAV",
    "LastName": "Bad",
    "Company": "X",
    "Email": "bad@x.example",
    "NumberOfEmployees": "lots",
}


def _import(tmp_path, header, rows, **mapping_changes):
    path = write_export(tmp_path / "leads.csv", header, rows)
    job = import_job_create(upload=path.open("rb"), file_name=path.name)
    if mapping_changes:
        mapping = dict(job.mapping)
        for column, target in mapping_changes.items():
            mapping[str(job.columns.index(column))] = target
        job = import_job_set_mapping(job=job, mapping=mapping)
    return import_job_execute(job_id=job.pk, dry_run=False)


def test_a_salesforce_lead_export_imports_end_to_end(tmp_path, salesforce_header):
    assert len(columns_of(salesforce_header)) == 67
    job = _import(tmp_path, salesforce_header, [CONVERTED, OPEN, BAD])
    assert (job.created_count, job.rejected_count, job.outcomes_count) == (2, 1, 1)
    zoe = Contact.objects.get(email="zoe@northwind.example")
    assert (zoe.first_name, zoe.last_name, zoe.job_title) == ("Zoë", "Ångström", "VP Sales")
    assert zoe.unsubscribed is True  # HasOptedOutOfEmail = 1
    assert zoe.lead_source == "referral"
    assert zoe.company.domain == "northwind.example" and zoe.company.employee_count == 1200
    assert (zoe.company.city, zoe.company.region) == ("Malmö", "Skåne")
    assert "MasterRecordId" not in zoe.properties  # the empty lookup 000000000000000AAA
    assert zoe.properties["ConvertedAccountId"] == "001000000000001AAA"
    assert (
        zoe.properties["Region__c"] == "EMEA" and zoe.properties["OwnerId"] == "005000000000001AAA"
    )
    # CreatedDate is when the lead was created; Id is its Salesforce id.
    assert zoe.created_at.isoformat() == "2024-01-15T09:30:00+00:00"
    assert "CreatedDate" not in zoe.properties
    assert zoe.identities.get().source == "salesforce"
    # IsConverted = 1 with its ConvertedDate: a won outcome, for training and backtests.
    outcome = Outcome.objects.get(contact=zoe)
    assert outcome.result == "won" and outcome.decided_at.date().isoformat() == "2024-06-01"
    assert zoe.lifecycle_stage == LifecycleStage.CUSTOMER
    omar = Contact.objects.get(email="omar@contoso.example")
    assert not omar.outcomes.exists() and omar.unsubscribed is False
    rejected = Path(job.rejected_path).read_text(encoding="utf-8-sig")
    assert "NumberOfEmployees: 'lots' is not a number." in rejected


def test_mapped_status_and_dates_record_lost_outcomes_too(tmp_path, salesforce_header):
    _import(
        tmp_path,
        salesforce_header,
        [CONVERTED, OPEN, LOST],
        Status="outcome",
        LastModifiedDate="outcome_date",
    )
    lea = Contact.objects.get(email="lea@fabrikam.example")
    lost = Outcome.objects.get(contact=lea)
    assert lost.result == "lost" and lost.decided_at.isoformat() == "2024-04-10T16:45:00+00:00"
    won = Outcome.objects.get(contact__email="zoe@northwind.example")
    assert won.result == "won" and won.decided_at.date().isoformat() == "2024-06-01"
    assert not Outcome.objects.filter(contact__email="omar@contoso.example").exists()


def test_reimporting_records_no_second_outcome(tmp_path, salesforce_header):
    _import(tmp_path, salesforce_header, [CONVERTED])
    job = _import(tmp_path, salesforce_header, [CONVERTED])
    assert job.unchanged_count == 1 and job.outcomes_count == 0
    assert Outcome.objects.count() == 1
