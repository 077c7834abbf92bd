"""Companies list and account pages: header, contacts by score, owner, open leads, activity."""

from __future__ import annotations

import pytest

from routing.models import Strategy
from tests.factories import ActivityFactory, CompanyFactory, ContactFactory, UserFactory
from tests.routing.conftest import RoutingRuleFactory, route

pytestmark = pytest.mark.django_db


def test_the_account_page_ranks_its_contacts_by_score(rep_client, rep_owns_acme):
    scored = rep_owns_acme
    company = scored["ada"].company
    html = rep_client.get(f"/companies/{company.pk}/").content.decode()
    assert "<h1" in html and "Acme Robotics" in html
    order = [html.index(f"{n} Test") for n in ("Ada", "Di", "Bob", "Cy", "Ed")]
    assert order == sorted(order)


@pytest.fixture
def globex(team, rep_profile):
    """Olga owns Globex; round robin gave its lead Lia to Rita; Max, not a lead, read pricing."""
    owner = UserFactory(first_name="Olga", last_name="Owner")
    company = CompanyFactory(name="Globex", account_owner=owner)
    RoutingRuleFactory(team=team, strategy=Strategy.ROUND_ROBIN, account_match=False)
    lead = ContactFactory(first_name="Lia", last_name="Lead", company=company)
    other = ContactFactory(first_name="Max", last_name="Other", company=company)
    route(lead)
    ActivityFactory(contact=lead, properties={"title": "Request a demo"})
    ActivityFactory(contact=other, properties={"title": "Pricing plans"})
    return company


def test_the_account_page_shows_owner_open_leads_and_everyones_activity(manager_client, globex):
    html = manager_client.get(f"/companies/{globex.pk}/").content.decode()
    assert "Olga Owner" in html
    assert "Awaiting acceptance" in html  # Lia's open lead
    assert "Pricing plans" in html  # Max's activity
    assert "Max Other" in html


def test_a_rep_holding_one_lead_sees_only_that_lead_on_the_account_page(rep_client, globex):
    html = rep_client.get(f"/companies/{globex.pk}/").content.decode()
    assert "Olga Owner" in html
    assert "Lia Lead" in html and "Awaiting acceptance" in html
    assert "Request a demo" in html  # Lia's activity
    assert "Max Other" not in html and "Pricing plans" not in html


def test_the_companies_list_counts_contacts_and_open_leads(rep_client, rep_owns_acme):
    html = rep_client.get("/companies/?q=acme").content.decode()
    assert "Acme Robotics" in html
    assert 'data-label="Contacts">5<' in html
    assert rep_client.get("/companies/?q=zzz").content.decode().count("row-link") == 0


def test_an_unknown_company_is_a_404(rep_client, db):
    assert rep_client.get("/companies/999999/").status_code == 404


def test_people_without_a_role_see_no_account(no_role_user, client, scored):
    client.force_login(no_role_user)
    company = scored["ada"].company
    assert client.get(f"/companies/{company.pk}/").status_code == 403


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_account_and_companies_pages_query_counts_do_not_grow_with_contacts(
    rep, rep_client, rep_owns_acme
):
    company = rep_owns_acme["ada"].company
    few = (_queries(rep_client, f"/companies/{company.pk}/"), _queries(rep_client, "/companies/"))
    for i in range(20):
        contact = ContactFactory(first_name=f"More{i}", company=company)
        ActivityFactory(contact=contact)
        CompanyFactory(account_owner=rep)  # listed: the rep owns it
    many = (_queries(rep_client, f"/companies/{company.pk}/"), _queries(rep_client, "/companies/"))
    assert few == many
