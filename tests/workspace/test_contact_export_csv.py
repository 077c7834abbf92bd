"""Export CSV gives exactly the filtered list, in its order, streamed, with formulas defused."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.http import StreamingHttpResponse

from tests.factories import CompanyFactory, ContactFactory
from tests.routing.conftest import score

pytestmark = pytest.mark.django_db


def exported(client, query: str) -> list[dict]:
    response = client.get(f"/contacts/export.csv?{query}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


# What the export holds and how it is written is the same for everyone, so most of these export
# as the sales manager, who sees every contact; a rep's export follows the rep-visibility rule.


def listed(client, query: str) -> list[str]:
    html = client.get(f"/contacts/?{query}").content.decode()
    return re.findall(r'data-contact-id="(\d+)"', html)


@pytest.mark.parametrize("query", ["sort=cell", "grade=A&sort=-fit", "fit_min=20&band=1", "q=Cy"])
def test_the_csv_holds_exactly_the_filtered_rows_in_the_list_order(manager_client, scored, query):
    rows = exported(manager_client, query)
    assert rows
    assert [row["id"] for row in rows] == listed(manager_client, query)


def test_a_reps_export_holds_only_the_contacts_they_may_see(rep_client, rep_owns_acme):
    scored = rep_owns_acme
    ids = {row["id"] for row in exported(rep_client, "")}
    assert ids == {str(scored[name].pk) for name in ("ada", "bob", "cy", "di", "ed")}


def test_the_csv_carries_scores_owner_and_top_reasons(rep_client, rep_owns_acme):
    (row,) = exported(rep_client, "q=Ada")
    assert row["owner"] == "rita.rep"  # the persona has no full name
    assert (row["grade"], row["band"], row["fit"], row["interest"]) == ("A", "1", "70", "80")
    assert row["mql"] == "no"
    assert "VP title" in row["top_reasons"] and "Pricing page" in row["top_reasons"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(manager_client, db):
    contact = ContactFactory(first_name='=HYPERLINK("http://x")', last_name="+1", job_title="@boss")
    score(contact, fit=10, interest=5)
    (row,) = exported(manager_client, "")
    assert row["first_name"] == '\'=HYPERLINK("http://x")'
    assert row["last_name"] == "'+1"
    assert row["job_title"] == "'@boss"


def test_the_list_links_to_the_export_with_its_filters(rep_client, scored):
    html = rep_client.get("/contacts/?grade=A&sort=-fit").content.decode()
    assert 'href="/contacts/export.csv?grade=A&amp;sort=-fit"' in html


def test_a_large_export_streams_in_chunks(manager_client, db, monkeypatch):
    from workspace import exports

    monkeypatch.setattr(exports, "CHUNK", 7)
    for i in range(30):
        ContactFactory(first_name=f"P{i}")
    rows = exported(manager_client, "sort=name")
    assert len(rows) == 30
    assert len({row["id"] for row in rows}) == 30


def _export_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/contacts/export.csv")
        b"".join(response.streaming_content)
    return len(ctx.captured_queries)


def test_the_export_query_count_does_not_grow_with_the_rows(manager_client, scored):
    _export_queries(manager_client)  # warms the cached model spec the reasons are read with
    few = _export_queries(manager_client)
    for i in range(25):
        score(ContactFactory(first_name=f"Q{i}"), fit=i, interest=i)
    assert _export_queries(manager_client) == few


def test_the_country_is_the_contacts_own_else_its_companys(manager_client, db):
    company = CompanyFactory(country="France")
    for contact in (
        ContactFactory(first_name="Own", country="Germany", company=company),
        ContactFactory(first_name="Inherits", company=company),
        ContactFactory(first_name="Alone", country="Spain"),
    ):
        score(contact, fit=10, interest=5)
    rows = {row["first_name"]: row["country"] for row in exported(manager_client, "")}
    assert rows == {"Own": "Germany", "Inherits": "France", "Alone": "Spain"}
