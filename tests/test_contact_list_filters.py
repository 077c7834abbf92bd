"""The contact list narrows by search text, stage, source, industry, country and size."""

import pytest

from contacts.models import LeadSource, LifecycleStage
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    acme = CompanyFactory(
        name="Acme Robotics", industry="Manufacturing", country="Germany", employee_count=5000
    )
    tiny = CompanyFactory(
        name="Tiny Apps", industry="Software", country="France", employee_count=12
    )
    return {
        "ada": ContactFactory(
            first_name="Ada",
            last_name="Lovelace",
            company=acme,
            lifecycle_stage=LifecycleStage.MQL,
            lead_source=LeadSource.EVENT,
        ),
        "bob": ContactFactory(
            first_name="Bob",
            last_name="Builder",
            company=tiny,
            job_title="Student",
            lead_source=LeadSource.PAID_SEARCH,
        ),
        "cy": ContactFactory(
            first_name="Cy",
            last_name="Cypher",
            company=tiny,
            email="cy@gmail.com",
            unsubscribed=True,
        ),
    }


def names_listed(client, **params) -> set[str]:
    response = client.get("/contacts/", params)
    assert response.status_code == 200
    page = response.context["page"]
    return {c.first_name for c in page.object_list}


def test_unfiltered_list_shows_everyone(manager_client, people):
    assert names_listed(manager_client) == {"Ada", "Bob", "Cy"}


def test_search_matches_name_email_title_and_company(manager_client, people):
    assert names_listed(manager_client, q="lovelace") == {"Ada"}
    assert names_listed(manager_client, q="gmail") == {"Cy"}
    assert names_listed(manager_client, q="student") == {"Bob"}
    assert names_listed(manager_client, q="tiny apps") == {"Bob", "Cy"}


def test_filters_by_stage_and_source(manager_client, people):
    assert names_listed(manager_client, lifecycle_stage="mql") == {"Ada"}
    assert names_listed(manager_client, lead_source="paid_search") == {"Bob"}


def test_filters_by_company_industry_country_and_size(manager_client, people):
    assert names_listed(manager_client, industry="manufacturing") == {"Ada"}
    assert names_listed(manager_client, country="France") == {"Bob", "Cy"}
    assert names_listed(manager_client, min_employees=100) == {"Ada"}
    assert names_listed(manager_client, max_employees=100) == {"Bob", "Cy"}


def test_filters_by_unsubscribed(manager_client, people):
    assert names_listed(manager_client, unsubscribed="true") == {"Cy"}


def test_filtered_names_appear_on_the_page(manager_client, people):
    html = manager_client.get("/contacts/", {"q": "Ada"}).content.decode()
    assert "Lovelace" in html
    assert "Builder" not in html


def test_an_htmx_filter_request_returns_only_the_results_fragment(manager_client, people):
    response = manager_client.get(
        "/contacts/", {"q": "Ada"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-results"
    )
    html = response.content.decode()
    assert "Lovelace" in html
    assert "<html" not in html
