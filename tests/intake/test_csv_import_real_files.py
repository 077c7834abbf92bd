"""Real exports import: no email, ids, won and lost outcomes, created dates, labels, deletions."""

from __future__ import annotations

import random

import pytest
from django.core.management import call_command

from contacts.models import Company, Contact, ContactIdentity, ImportJob, Outcome
from predictive.models import PredictiveModel
from predictive.services import predictive_model_request, predictive_model_train
from tests.api.csv_files import columns_of, write_export
from tests.intake.csv_helpers import run, write_csv

pytestmark = pytest.mark.django_db

# The shape of a real education-company leads export: an id, a 0/1 Converted, no email, no dates.
LEADS = [
    "Prospect ID",
    "Lead Number",
    "Lead Origin",
    "Lead Source",
    "Do Not Email",
    "Converted",
    "TotalVisits",
    "Total Time Spent on Website",
    "Last Activity",
    "Country",
    "Specialization",
    "What is your current occupation",
    "City",
]


def _labelled_rows(n: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        source = rng.choice(["Google", "Olark Chat", "Reference", "Direct Traffic"])
        occupation = rng.choice(["Unemployed", "Working Professional", "Student"])
        visits = rng.randint(0, 12)
        p = 0.15 + 0.5 * (source == "Reference") + 0.3 * (occupation == "Working Professional")
        rows.append(
            {
                "Prospect ID": f"7927b2df-{i:04d}",
                "Lead Number": str(660000 + i),
                "Lead Origin": rng.choice(["API", "Landing Page Submission"]),
                "Lead Source": source,
                "Do Not Email": rng.choice(["No", "Yes"]),
                "Converted": "1" if rng.random() < min(p, 0.95) else "0",
                "TotalVisits": str(visits),
                "Total Time Spent on Website": str(rng.randint(0, 2000)),
                "Last Activity": rng.choice(
                    ["Email Opened", "SMS Sent", "Page Visited on Website"]
                ),
                "Country": rng.choice(["India", "India", "Singapore", "United States"]),
                "Specialization": rng.choice(["Finance Management", "Select", "Marketing"]),
                "What is your current occupation": occupation,
                "City": rng.choice(["Mumbai", "Thane & Outskirts", "Other Cities"]),
            }
        )
    return rows


def test_a_labelled_file_without_email_or_dates_records_won_and_lost_and_trains(tmp_path):
    rows = _labelled_rows(260)
    path = write_csv(tmp_path / "Leads.csv", LEADS, rows)
    call_command(
        "import_csv", str(path), "--map", "Prospect ID=external_id", "--map", "Converted=outcome"
    )
    job = ImportJob.objects.get()
    won = sum(r["Converted"] == "1" for r in rows)
    assert (job.status, job.created_count, job.rejected_count) == ("done", 260, 0)
    assert Outcome.objects.filter(result="won").count() == won
    assert Outcome.objects.filter(result="lost").count() == 260 - won
    assert job.summary["outcome_dates"]["import"] == 260  # no date in the file: import time
    assert job.summary["outcomes"] == {"won": won, "lost": 260 - won}
    # Every lead keeps its own location and raw source; no company from nowhere.
    lead = Contact.objects.get(identities__external_id="7927b2df-0000")
    assert (lead.country, lead.city) == (rows[0]["Country"], rows[0]["City"])
    assert lead.lead_source_raw == rows[0]["Lead Source"] and lead.email == ""
    assert not Company.objects.exists()

    model = predictive_model_request()
    model = predictive_model_train(model_id=model.pk)
    assert model.status == "active", model.error
    assert PredictiveModel.objects.get(is_active=True).n_rows == 260


def test_importing_the_same_labelled_file_again_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "Leads.csv", LEADS, _labelled_rows(20))
    call_command("import_csv", str(path), "--map", "Converted=outcome")
    call_command("import_csv", str(path), "--map", "Converted=outcome")
    job = ImportJob.objects.order_by("-pk").first()
    assert (job.unchanged_count, job.created_count, job.outcomes_count) == (20, 0, 0)
    assert Contact.objects.count() == 20 and Outcome.objects.count() == 20


def test_a_converted_flag_records_lost_unless_the_status_is_open(tmp_path, salesforce_header):
    rows = [
        {"Id": "00Q1", "LastName": "Won", "IsConverted": "1", "ConvertedDate": "2024-06-01"},
        {"Id": "00Q2", "LastName": "Lost", "IsConverted": "0", "Status": "Closed - Not Converted",
         "LastModifiedDate": "2024-04-10 16:45:00"},
        {"Id": "00Q3", "LastName": "Open", "IsConverted": "0", "Status": "Working - Contacted"},
        {"Id": "00Q4", "LastName": "Gone", "IsDeleted": "1", "IsConverted": "1"},
    ]  # fmt: skip
    job = run(write_export(tmp_path / "sf.csv", salesforce_header, rows))
    assert (job.created_count, job.skipped_count, job.rejected_count) == (3, 1, 0)
    results = dict(Outcome.objects.values_list("contact__last_name", "result"))
    assert results == {"Won": "won", "Lost": "lost"}
    lost = Outcome.objects.get(result="lost")
    assert lost.decided_at.isoformat() == "2024-04-10T16:45:00+00:00"
    assert job.summary["outcome_dates"] == {"mapped": 1, "modified": 1, "created": 0, "import": 0}
    assert job.summary["skipped_deleted"] == 1
    assert not Contact.objects.filter(last_name="Gone").exists()
    assert set(ContactIdentity.objects.values_list("source", flat=True)) == {"salesforce"}


def test_hubspot_codes_become_labels_and_created_dates_are_kept(tmp_path, hubspot_header):
    assert "Record ID" in columns_of(hubspot_header)
    rows = [
        {"Record ID": "501", "Email": "ana@acme-gmbh.example", "Industry": "COMPUTER_SOFTWARE",
         "Company domain name": "acme-gmbh.example", "Create Date": "2023-11-02 08:15:00",
         "Original Source": "ORGANIC_SEARCH", "Lead Status": "IN_PROGRESS"},
    ]  # fmt: skip
    job = run(write_export(tmp_path / "hs.csv", hubspot_header, rows))
    assert job.created_count == 1
    ana = Contact.objects.get()
    assert ana.company.industry == "Computer Software"
    assert ana.created_at.isoformat() == "2023-11-02T08:15:00+00:00"
    assert ana.lead_at.isoformat() == "2023-11-02T08:15:00+00:00"
    assert (ana.lead_source, ana.lead_source_raw) == ("organic_search", "Organic Search")
    assert ana.identities.get().source == "hubspot"
    assert ana.properties["Lead Status"] == "In Progress"


def test_companies_come_only_from_business_email_domains(tmp_path):
    columns = ["Email", "City", "Country"]
    rows = [
        {"Email": "a@example.com", "City": "Pune", "Country": "India"},
        {"Email": "b@example.com", "City": "Lyon", "Country": "France"},
        {"Email": "c@gmail.com", "City": "Oslo"},
        {"Email": "d@mailinator.com"},
        {"Email": "e@leads.test"},
        {"Email": "f@northwind.com", "City": "Malmö", "Country": "Sweden"},
        {"Email": "g@northwind.com", "City": "Lund", "Country": "Sweden"},
    ]
    run(write_csv(tmp_path / "domains.csv", columns, rows))
    assert list(Company.objects.values_list("domain", flat=True)) == ["northwind.com"]
    # Leads on a shared test domain keep their own places; the company gets the first one's.
    assert Contact.objects.get(email="a@example.com").city == "Pune"
    assert Contact.objects.get(email="b@example.com").city == "Lyon"
    assert Contact.objects.get(email="g@northwind.com").city == "Lund"
    assert Company.objects.get().city == "Malmö"
