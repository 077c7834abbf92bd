"""Identical batches sent at the same time never answer a row as an error: the race is retried."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from contacts import services
from contacts.models import Company, Contact
from contacts.services import CompanyRow, ContactRow, RowStatus, bulk, bulk_companies, bulk_contacts


def _rows(n: int = 100) -> list[ContactRow]:
    return [
        ContactRow(
            index=i,
            email=f"lead{i}@acme{i % 7}.com",
            fields={"first_name": f"Lead {i}"},
            company={"domain": f"acme{i % 7}.com", "name": f"Acme {i % 7}"},
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_a_row_inserted_by_another_writer_after_planning_is_updated_not_refused(monkeypatch):
    """
    Deterministic on any database: the same email is inserted between planning and writing.
    (Here that insert shares the batch's transaction, so it is rolled back with the attempt;
    the PostgreSQL test below has the real, committed race.)
    """
    real_plan = bulk_contacts._plan_contacts
    calls = []

    def plan_then_lose_the_race(rows, now):
        planned = real_plan(rows, now)
        if not calls:
            # What a concurrent batch does between this one's planning and its insert.
            Contact.objects.create(email="lead3@acme3.com", first_name="Other writer")
        calls.append(1)
        return planned

    monkeypatch.setattr(bulk_contacts, "_plan_contacts", plan_then_lose_the_race)
    result = services.contacts_bulk_upsert(rows=_rows(10))

    assert len(calls) == 2  # planned again after the conflict
    assert [r.status for r in result.results].count(RowStatus.ERROR) == 0
    assert Contact.objects.count() == 10
    assert Contact.objects.get(email="lead3@acme3.com").first_name == "Lead 3"


@pytest.mark.django_db
def test_a_company_inserted_by_another_writer_is_matched_on_retry(monkeypatch):
    real = bulk_companies.domains_to_companies
    calls = []

    def lookup_then_lose_the_race(domains):
        found = real(domains)
        if not calls:
            Company.objects.create(domain="acme1.com", name="Other writer")
        calls.append(1)
        return found

    monkeypatch.setattr(bulk_companies, "domains_to_companies", lookup_then_lose_the_race)
    rows = [CompanyRow(index=i, domain=f"acme{i}.com", fields={"name": "A"}) for i in range(3)]
    result = services.companies_bulk_upsert(rows=rows)
    assert len(calls) == 2
    assert RowStatus.ERROR not in [r.status for r in result.results]
    assert Company.objects.count() == 3


@pytest.mark.django_db
def test_a_conflict_that_never_clears_is_reported_after_the_retries(monkeypatch):
    real_plan = bulk_contacts._plan_contacts
    attempts = []

    def always_lose(rows, now):
        planned = real_plan(rows, now)
        attempts.append(1)
        Contact.objects.filter(email="lead0@acme0.com").delete()
        Contact.objects.create(email="lead0@acme0.com")
        return planned

    monkeypatch.setattr(bulk_contacts, "_plan_contacts", always_lose)
    # Each attempt plans lead0 as new while a fresh row with its email is inserted after the
    # lookup: the conflict never clears, so after the retries the row is reported.
    monkeypatch.setattr(
        bulk_contacts,
        "emails_to_contacts",
        lambda emails, only=(): {},
    )
    result = services.contacts_bulk_upsert(rows=_rows(1))
    assert len(attempts) == bulk._CONFLICT_RETRIES + 1
    assert result.results[0].status == RowStatus.ERROR
    assert "at the same time" in result.results[0].errors["email"][0]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises writers; real concurrency runs in CI's PostgreSQL pass",
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_identical_batches_at_once_all_succeed_row_by_row():
    barrier = threading.Barrier(8)
    outcomes: list[list[str]] = []
    failures: list[BaseException] = []

    def send():
        try:
            barrier.wait()
            result = services.contacts_bulk_upsert(rows=_rows(100))
            outcomes.append([r.status for r in result.results])
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(outcomes) == 8
    assert all(RowStatus.ERROR not in statuses for statuses in outcomes)
    assert sum(statuses.count(RowStatus.CREATED) for statuses in outcomes) == 100
    assert Contact.objects.count() == 100
    assert Company.objects.count() == 7
