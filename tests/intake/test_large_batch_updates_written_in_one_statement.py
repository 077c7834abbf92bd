"""
A batch large enough to update stored contacts and companies in one statement (on PostgreSQL
through COPY into a temporary table, leadscore.bulk_sql.rows_update; elsewhere one UPDATE per
row) writes exactly what each row changed, keeps the normalised email right, leaves other rows
alone, and a value the database refuses fails the write whole so the row-by-row path reports it.
"""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, transaction

from contacts.models import Company, Contact
from contacts.services import ContactRow, contacts_bulk_upsert
from leadscore.bulk_sql import COPY_MIN_ROWS, rows_update
from tests.factories import CompanyFactory, ContactFactory
from tests.markers import postgresql_only

pytestmark = pytest.mark.django_db

ROWS = COPY_MIN_ROWS + 25


def test_a_large_re_import_writes_each_changed_field_and_nothing_else():
    companies = [CompanyFactory(domain=f"acme{i}.example", industry="Retail") for i in range(5)]
    contacts = [
        ContactFactory(
            email=f"Lead{i}@Acme.example",
            first_name="Old",
            job_title="Analyst",
            properties={"Status": "Open", "Keep": i},
            company=companies[i % 5],
        )
        for i in range(ROWS)
    ]
    bystander = ContactFactory(email="bystander@example.com", first_name="Same")
    rows = [
        ContactRow(
            index=i,
            email=f"Lead{i}@Acme.example",
            fields={"first_name": f"Ada{i}", "job_title": "VP Sales" if i % 2 else "Analyst"},
            properties={"Status": "Working"},
            company={"domain": f"acme{i % 5}.example", "industry": "Software"},
        )
        for i in range(ROWS)
    ]
    result = contacts_bulk_upsert(rows=rows)
    assert {r.status for r in result.results} == {"updated"}
    stored = {c.pk: c for c in Contact.objects.filter(pk__in=[c.pk for c in contacts])}
    for i, contact in enumerate(contacts):
        now = stored[contact.pk]
        assert now.first_name == f"Ada{i}"
        assert now.job_title == ("VP Sales" if i % 2 else "Analyst")
        assert now.properties == {"Status": "Working", "Keep": i}  # merged, not replaced
        assert now.email == f"Lead{i}@Acme.example"
    assert set(Company.objects.values_list("industry", flat=True)) == {"Software"}
    bystander.refresh_from_db()
    assert bystander.first_name == "Same"


def test_a_large_batch_that_changes_emails_keeps_each_normalised_email_right():
    contacts = [ContactFactory(email=f"old{i}@example.com") for i in range(ROWS)]
    for i, contact in enumerate(contacts):
        contact.email = f"New.Person{i}@Example.COM"
    Contact.objects.update_rows(contacts, ["email"])
    stored = dict(Contact.objects.values_list("email", "email_normalized"))
    for i in range(ROWS):
        assert stored[f"New.Person{i}@Example.COM"] == f"new.person{i}@example.com"
    assert Contact.objects.filter(email_normalized__startswith="old").count() == 0


def test_a_refused_value_fails_the_whole_update_and_changes_nothing():
    companies = [CompanyFactory(domain=f"shop{i}.example") for i in range(ROWS)]
    for company in companies:
        company.name = "Renamed"
    companies[7].domain = "UPPER.example"  # breaks company_domain_lowercase
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_update(Company, companies, ["name", "domain"])
    assert not Company.objects.filter(name="Renamed").exists()
    assert not Company.objects.filter(domain="UPPER.example").exists()


@postgresql_only("A column's length limit")  # SQLite keeps any length
def test_a_value_too_long_for_its_column_raises_data_error_and_changes_nothing():
    companies = [CompanyFactory(domain=f"long{i}.example") for i in range(ROWS)]
    for company in companies:
        company.name = "Renamed"
    companies[3].name = "x" * 1000  # past the column's length: refused as the rows are sent
    with pytest.raises(DataError), transaction.atomic():
        rows_update(Company, companies, ["name"])
    assert not Company.objects.filter(name="Renamed").exists()
