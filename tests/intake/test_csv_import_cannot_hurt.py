"""A CSV cannot hurt: bad dates, broken quotes, huge cells, formulas, encodings, duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from contacts.models import Company, Contact, ImportJob, Outcome
from tests.intake.csv_helpers import run, upload, write_csv

pytestmark = pytest.mark.django_db

COLUMNS = ["Email", "First Name", "Last Name", "Create Date", "Close Date", "Outcome"]


@pytest.mark.parametrize("bad", ["0001-01-01 00:00:00+05:00", "9999-12-31 23:59:59-05:00"])
def test_a_date_out_of_range_rejects_its_row_and_nothing_breaks(tmp_path, bad, ops_client, ops_api):
    rows = [
        {"Email": "ok@acme.example", "Create Date": "2024-01-02 10:00:00"},
        {"Email": "bad@acme.example", "Create Date": bad},
        {"Email": "lost@acme.example", "Close Date": bad, "Outcome": "lost"},
    ]
    job = run(write_csv(tmp_path / "dates.csv", COLUMNS, rows))
    assert (job.status, job.created_count, job.rejected_count) == ("done", 1, 2)
    rejected = Path(job.rejected_path).read_text(encoding="utf-8-sig")
    assert "outside the accepted range" in rejected
    assert list(Contact.objects.values_list("email", flat=True)) == ["ok@acme.example"]
    assert not Outcome.objects.exists()
    for url in ("/contacts/", f"/contacts/{Contact.objects.get().pk}/", "/reports/funnel/"):
        assert ops_client.get(url).status_code == 200
    assert ops_api.get("/api/v1/contacts/").status_code == 200


def test_an_unclosed_quote_fails_the_file_with_its_line(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(
        'Email,First Name\r\na@acme.example,Ann\r\n"b@acme.example,Bob\r\n'
        "c@acme.example,Cy\r\nd@acme.example,Di\r\n",
        encoding="utf-8",
    )
    job = upload(path)
    assert job.status == "failed"
    assert "Line 3" in job.error and "quote" in job.error
    assert not path.with_name("x").exists() and not Path(job.stored_path).exists()
    assert not Contact.objects.exists()


def test_a_quote_closed_lines_later_is_reported_not_swallowed(tmp_path):
    path = tmp_path / "quote2.csv"
    path.write_text(
        'Email,First Name\r\n"a@acme.example,Ann\r\nb@acme.example,"Bob"\r\nc@acme.example,Cy\r\n',
        encoding="utf-8",
    )
    job = upload(path)
    assert job.status == "failed" and "Line 2" in job.error and "line 3" in job.error


def test_an_oversized_cell_fails_the_job_and_removes_the_file(tmp_path, ops_client):
    path = tmp_path / "huge.csv"
    path.write_bytes(b'Email,Notes\r\na@acme.example,"' + b"x" * (2 * 1024 * 1024) + b'"\r\n')
    job = upload(path)
    assert job.status == "failed" and "larger than" in job.error and "line 2" in job.error
    assert not Path(job.stored_path).exists()
    page = ops_client.get(reverse("contacts:import_detail", args=[job.pk]))
    assert page.status_code == 200 and "larger than" in page.content.decode()


def test_rejected_rows_neutralise_formula_cells(tmp_path):
    rows = [
        {"Email": '=HYPERLINK("http://evil.example","x")', "First Name": "+1+1"},
        {"Email": "@SUM(A1)", "First Name": "-2"},
        {"Email": "\tcmd", "First Name": "ok"},
    ]
    job = run(write_csv(tmp_path / "f.csv", COLUMNS, rows))
    assert job.rejected_count == 3
    text = Path(job.rejected_path).read_text(encoding="utf-8-sig")
    for line in text.splitlines()[1:]:
        for cell in line.split('","'):
            assert not cell.strip('"').startswith(("=", "+", "-", "@", "\t")), line
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'@SUM" in text


def test_a_neutralised_cell_sent_back_is_read_as_it_was(tmp_path):
    """A rejected-rows file fixed in a text editor keeps our apostrophes: they are dropped."""
    rows = [
        {"Email": "ada@acme.example", "First Name": "'+Ada", "Last Name": "'O'Neil"},
        {"Email": "bob@acme.example", "First Name": "'-Bob", "Last Name": "Smith"},
    ]
    job = run(write_csv(tmp_path / "fixed.csv", COLUMNS, rows))
    assert job.rejected_count == 0
    names = dict(Contact.objects.values_list("email", "first_name"))
    assert names == {"ada@acme.example": "+Ada", "bob@acme.example": "-Bob"}
    # An apostrophe not before a formula character is the person's own.
    assert Contact.objects.get(email="ada@acme.example").last_name == "'O'Neil"


def test_windows_1252_after_the_first_megabytes_is_decoded_right(tmp_path):
    rows = [{"Email": f"p{i}@acme.example", "First Name": "Plain"} for i in range(12000)]
    rows.append({"Email": "zoe@acme.example", "First Name": "Zoë"})
    path = write_csv(tmp_path / "late.csv", COLUMNS, rows, encoding="cp1252")
    assert path.stat().st_size > 256 * 1024
    job = run(path)
    assert job.encoding == "cp1252" and job.rejected_count == 0
    assert Contact.objects.get(email="zoe@acme.example").first_name == "Zoë"


def test_a_file_mixing_utf8_and_windows_1252_is_refused(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        "Email,First Name\r\na@acme.example,Zoë\r\n".encode()
        + "b@acme.example,Zoë\r\n".encode("cp1252")
    )
    job = upload(path)
    assert job.status == "failed" and "mixes encodings" in job.error and "line 3" in job.error


def test_duplicates_across_batches_are_rejected_and_the_dry_run_predicts_exactly(tmp_path):
    Contact.objects.create(email="known@acme.example")
    rows = [
        {"Email": "a@newco.example", "First Name": "A"},
        {"Email": "known@acme.example", "First Name": "K"},
        {"Email": "b@newco.example"},
        {"Email": "A@NEWCO.example", "First Name": "again"},
        {"Email": "not-an-email"},
        {"Email": "c@newco.example"},
    ]
    path = write_csv(tmp_path / "dups.csv", COLUMNS, rows)
    dry = run(path, dry_run=True, batch_rows=2)
    before = (Contact.objects.count(), Company.objects.count())
    real = run(path, batch_rows=2)
    assert before == (1, 0)  # the dry run wrote nothing
    assert dry.dry_run["counts"] == {
        "created": real.created_count,
        "updated": real.updated_count,
        "unchanged": real.unchanged_count,
        "error": real.rejected_count,
    }
    assert real.rejected_count == 2 and real.created_count == 3
    text = Path(real.rejected_path).read_text(encoding="utf-8-sig")
    assert "Already at row 2 of this file" in text
    assert Contact.objects.get(email="a@newco.example").first_name == "A"


def test_a_page_survives_dates_stored_out_of_range_before_the_check(ops_client, ops_api):
    """Rows written before the range check existed are repaired by the migration."""
    import importlib

    from django.db import DataError, connection

    from contacts.models import Activity
    from tests.factories import ActivityFactory, ContactFactory, OutcomeFactory

    contact = ContactFactory()
    activity = ActivityFactory(contact=contact)
    OutcomeFactory(contact=contact)
    # What the old importer stored: year 1 at +05:00 is 1 BC in UTC, which Python cannot read.
    too_old = "0001-01-01 00:00:00+05:00"
    too_late = "9999-12-31 23:59:59-05:00"
    if connection.vendor == "sqlite":  # stored as text, converted in Python
        too_old, too_late = "0000-12-31 19:00:00", "9999-12-31 23:59:59"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contacts_activity SET occurred_at = %s WHERE id = %s", [too_old, activity.pk]
        )
        cursor.execute("UPDATE contacts_contact SET mql_at = %s", [too_old])
        cursor.execute("UPDATE contacts_outcome SET decided_at = %s", [too_late])
    with pytest.raises((ValueError, OverflowError, DataError)):
        list(Activity.objects.all())
    migration = importlib.import_module("contacts.migrations.0004_identity_location_import_summary")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.repair_out_of_range_dates(None, editor)
    contact.refresh_from_db()
    assert contact.mql_at is None
    assert Activity.objects.get().occurred_at == activity.created_at
    assert contact.outcomes.get().decided_at.year < 2200
    for url in ("/contacts/", f"/contacts/{contact.pk}/", "/reports/funnel/"):
        assert ops_client.get(url).status_code == 200
    assert ops_api.get("/api/v1/contacts/").status_code == 200
    assert ImportJob.objects.count() == 0
    # and the full rescore runs for everyone
    from scoring.services import rescore_run_create, rescore_run_execute
    from tests.factories import ScoringModelFactory

    run = rescore_run_create(model=ScoringModelFactory(), reason="after repair")
    assert rescore_run_execute(run_id=run.pk).status == "done"


def test_a_rejected_row_does_not_claim_its_email_for_a_later_row(tmp_path):
    rows = [
        {"Email": "a@acme.example", "First Name": "x" * 150},  # refused by the service
        {"Email": "b@acme.example"},
        {"Email": "a@acme.example", "First Name": "Second try"},
    ]
    job = run(write_csv(tmp_path / "retry.csv", COLUMNS, rows), batch_rows=1)
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert Contact.objects.get(email="a@acme.example").first_name == "Second try"
